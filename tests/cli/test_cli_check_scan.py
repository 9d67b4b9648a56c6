"""``digrefactor check`` / ``scan``, the entry points, and wiring of the REST commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from digrefactor.cli import main

REPO = Path(__file__).resolve().parents[2]
GOOD = "timezone: UTC\nschedule:\n  daily>: 07:00:00\n+a:\n  td>: a.sql\n+b:\n  +c:\n    sh>: x\n"
BAD_YAML = "+a:\n  sh>: [x\n"
DUP = "+a:\n  sh>: x\n+a:\n  sh>: y\n"


def tree(tmp_path: Path) -> Path:
    (tmp_path / "good.dig").write_text(GOOD)
    (tmp_path / "dup.dig").write_text(DUP)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.dig").write_text(BAD_YAML)
    return tmp_path


def test_check_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path)
    assert main(["check", str(root)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{root / 'dup.dig'}:3:1: ")
    assert "Duplicated keys" in lines[0] or "duplicate" in lines[0].lower()
    assert lines[1].startswith(f"{root / 'sub' / 'bad.dig'}:3:")
    assert "3 files checked: 2 with problems, 1 ok" in err


def test_check_json_and_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path)
    assert main(["check", "--format", "json", str(root)]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert [(p["path"], p["line"]) for p in problems] == [
        (str(root / "dup.dig"), 3),
        (str(root / "sub" / "bad.dig"), 3),
    ]
    assert problems[0]["kind"] == "DigDuplicateKeyError"
    assert main(["check", "-q", str(root / "good.dig")]) == 0
    assert capsys.readouterr() == ("", "")


def test_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path)
    assert main(["scan", str(root)]) == 1
    out = capsys.readouterr().out
    # Grouped by project: root (good.dig, dup.dig) and sub/, a project of its own.
    project, header, row, blank, other = out.splitlines()[:5]
    assert project == (
        f"project {root.name} ({root}): 1 workflows, 3 tasks, 1 scheduled, 1 failed to load"
    )
    assert header.split() == ["FILE", "WORKFLOW", "TASKS", "SCHEDULE", "OPERATORS"]
    assert row.split()[:3] == ["good.dig", "good", "3"]
    assert "daily>: 07:00:00" in row and row.endswith("td>, sh>")
    assert (blank, other) == ("", f"project sub ({root / 'sub'}): 0 workflows, 0 tasks, "
                                  "0 scheduled, 1 failed to load")  # fmt: skip
    assert "3 files: 1 workflows, 3 tasks, 1 scheduled, 2 failed to load; 2 projects" in out
    assert "operators: td>, sh>" in out
    assert f"\nerrors:\n{root / 'dup.dig'}:3:1: " in out
    assert main(["scan", str(root / "good.dig")]) == 0
    capsys.readouterr()


def test_scan_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path)
    assert main(["scan", "--format", "json", str(root)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == [
        {
            "path": str(root / "good.dig"),
            "workflow": "good",
            "tasks": 3,
            "schedule": "daily>: 07:00:00",
            "operators": {"td": 1, "sh": 1},
        }
    ]
    assert data["totals"]["failed"] == 2 and len(data["errors"]) == 2
    assert data["totals"]["projects"] == 2
    assert [(p["name"], p["files"], p["failed"]) for p in data["projects"]] == [
        (root.name, [str(root / "good.dig")], [str(root / "dup.dig")]),
        ("sub", [], [str(root / "sub" / "bad.dig")]),
    ]


def test_missing_path_and_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "no/such/dir"]) == 2
    assert capsys.readouterr().err == "error: no/such/dir: no such file or directory\n"
    assert main([]) == 2
    assert "usage: digrefactor" in capsys.readouterr().err


def test_internal_error_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import digrefactor.cli._scan as scan

    def boom(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(scan, "summarize", boom)
    (tmp_path / "good.dig").write_text(GOOD)
    assert main(["scan", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "error: internal error: RuntimeError: bug"
    assert "Traceback" not in err
    assert main(["scan", "--verbose", str(tmp_path)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_client_commands_are_wired(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", "--help"]) == 0
    assert "usage: digrefactor push" in capsys.readouterr().out
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("codemod", "check", "scan", "push", "pull", "start", "status", "logs"):
        assert command in out
    for command in ("convert", "export"):
        assert command in out
        assert main([command, "--help"]) == 0
        assert f"usage: digrefactor {command}" in capsys.readouterr().out


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_other_commands_do_not_import_client_or_convert(tmp_path: Path) -> None:
    (tmp_path / "good.dig").write_text(GOOD)
    code = (
        "import sys\n"
        "from digrefactor.cli import main\n"
        "assert main(['check', '-q', 'good.dig']) == 0\n"
        "assert main(['codemod', 'set-timezone', 'UTC', '--check', '-q', 'good.dig']) == 0\n"
        "assert 'digrefactor.cli._client_commands' not in sys.modules\n"
        "assert 'digrefactor.cli._convert_commands' not in sys.modules\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_broken_requests_breaks_only_client_commands(tmp_path: Path) -> None:
    (tmp_path / "good.dig").write_text(GOOD)
    code = (
        "import sys; sys.modules['requests'] = None\n"
        "from digrefactor.cli import main\n"
        "assert main(['check', '-q', 'good.dig']) == 0\n"
        "assert main(['codemod', 'set-timezone', 'UTC', '--check', '-q', 'good.dig']) == 0\n"
        "sys.exit(main(['push', 'proj']))\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "error: the push command is unavailable" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    (tmp_path / "good.dig").write_text(GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "digrefactor", "check", "good.dig"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "1 file checked: 0 with problems, 1 ok\n"


def test_pre_commit_hooks_file() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: h for h in hooks}
    assert by_id["digrefactor-check"]["entry"] == "digrefactor check"
    for hook in hooks:
        assert hook["files"] == r"\.dig$"
        assert hook["language"] == "python"


def test_check_warns_about_mixed_line_endings_without_failing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.dig"
    path.write_bytes(b"+a:\r\n  sh>: a\r\n+b:\n  sh>: b\r\n")
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}:3:4: warning: DIG106 mixed line endings (3 CRLF, 1 LF)")
    assert "0 with problems, 1 ok, 1 warning" in err
    assert main(["check", "--format", "json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(r["severity"], r["line"], r["code"]) for r in report] == [("warning", 3, "DIG106")]


def test_check_judges_included_fragments_as_yaml_not_as_workflows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config").mkdir()
    # A fragment of parameters: not a valid workflow on its own (plain top-level keys).
    (tmp_path / "config" / "params.dig").write_text("td:\n  database: sales\nlimit: 10\n")
    (tmp_path / "main.dig").write_text("_export:\n  !include : config/params.dig\n+t:\n  sh>: x\n")
    # The same content nobody includes is reported: it is meant to be a workflow.
    (tmp_path / "stray.dig").write_text("td:\n  database: sales\n")
    assert main(["check", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "params.dig" not in out
    assert f"{tmp_path / 'stray.dig'}:1:1: Workflow 'stray' includes unknown keys: [td]" in out
    assert "3 files checked: 1 with problems, 2 ok (1 of them !include fragments)" in err
    # A fragment with broken YAML is still a problem.
    (tmp_path / "config" / "params.dig").write_text("td: [unclosed\n")
    assert main(["check", str(tmp_path)]) == 1
    out, _ = capsys.readouterr()
    # Reported at the fragment's own line (both as itself and as main.dig's include).
    assert f"{tmp_path / 'config' / 'params.dig'}:2:1: did not find expected" in out


def test_scan_counts_included_fragments_instead_of_failing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "params.dig").write_text("td:\n  database: sales\n")
    (tmp_path / "main.dig").write_text("_export:\n  !include : params.dig\n+t:\n  sh>: x\n")
    assert main(["scan", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    assert (
        "2 files: 1 workflows, 1 tasks, 0 scheduled, 0 failed to load, 1 !include fragments" in out
    )


@pytest.mark.parametrize("command", [["check"], ["scan"], ["codemod", "set-timezone", "UTC"]])
def test_a_path_without_workflows_is_warned_about(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "wf.dig").write_text("+t:\n  echo>: hi\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "linked").symlink_to(tmp_path / "real")
    assert main([*command, str(tmp_path / "empty")]) == 0
    assert "warning: no files matching *.dig in" in capsys.readouterr().err
    # Naming the linked directory itself walks it.
    main([*command, str(tmp_path / "empty" / "linked")])
    assert "warning: no files" not in capsys.readouterr().err


def test_an_unknown_option_shows_the_commands_own_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--frobnicate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: digrefactor check ")
    assert "digrefactor check: error: unrecognized arguments: --frobnicate" in err


def test_a_misspelt_codemod_name_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codemod", "rename-operater", "x"]) == 2
    assert "did you mean 'rename-operator'?" in capsys.readouterr().err


def test_codemod_help_shows_no_restructuredtext(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codemod", "set-timezone", "--help"]) == 0
    out = capsys.readouterr().out
    assert "'set-timezone Asia/Tokyo': set the workflow time zone." in out
    assert "``" not in out
