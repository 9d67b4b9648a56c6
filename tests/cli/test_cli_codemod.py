"""``digrefactor codemod``: modes, exit codes, user passes, file selection, configuration."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from digrefactor.cli import main
from digrefactor.cli._progress import Reporter
from digrefactor.transforms import Changed, Failed, Unchanged

TD = "+a:\n  td>: a.sql\n"
SH = "+b:\n  sh>: echo\n"
BROKEN = "+a:\n  td>: [unclosed\n"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "sub").mkdir(parents=True)
    (root / "one.dig").write_text(TD)
    (root / "sub" / "two.dig").write_text(TD)
    (root / "sub" / "plain.dig").write_text(SH)
    (root / "notes.txt").write_text("td>: not a workflow\n")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    code, out, err = run(
        capsys, "codemod", "rename-operator", "--from", "td", "--to", "td_run", str(root)
    )
    assert code == 0
    assert out == ""
    assert (root / "one.dig").read_text() == "+a:\n  td_run>: a.sql\n"
    assert (root / "sub" / "two.dig").read_text() == "+a:\n  td_run>: a.sql\n"
    assert (root / "sub" / "plain.dig").read_text() == SH
    assert f"changed {root / 'one.dig'}" in err
    assert err.rstrip().endswith("3 files scanned: 2 changed, 1 unchanged, 0 skipped, 0 failed")
    assert "\r" not in err  # piped: plain lines, no progress bar


def test_check_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    args = ("codemod", "rename-operator", "--from", "td", "--to", "td_run", "--check", str(root))
    code, _, err = run(capsys, *args)
    assert code == 1
    assert (root / "one.dig").read_text() == TD
    assert f"would change {root / 'one.dig'}" in err
    assert "2 would be changed" in err
    code, _, err = run(capsys, "codemod", "rename-operator", "--from", "nothing", "--to", "x",
                       "--check", str(root))  # fmt: skip
    assert code == 0
    assert "0 would be changed, 3 unchanged" in err


def test_diff_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    one = root / "one.dig"
    code, out, _ = run(capsys, "codemod", "rename-operator", "--from", "td>", "--to", "td_run>",
                       "--diff", str(one))  # fmt: skip
    assert code == 0
    assert out == f"--- {one}\n+++ {one}\n@@ -1,2 +1,2 @@\n +a:\n-  td>: a.sql\n+  td_run>: a.sql\n"
    assert one.read_text() == TD
    code, out, _ = run(capsys, "codemod", "rename-operator", "--from", "td", "--to", "td_run",
                       "--diff", "--check", str(one))  # fmt: skip
    assert code == 1
    assert out.startswith("--- ")


def test_broken_file_reported_others_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    broken = root / "broken.dig"
    broken.write_text(BROKEN)
    code, _, err = run(capsys, "codemod", "rename-operator", "--from", "td", "--to", "td_run",
                       "-j", "2", str(root))  # fmt: skip
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {broken}:3:")
    assert "Traceback" not in err
    assert broken.read_text() == BROKEN
    assert (root / "one.dig").read_text() == "+a:\n  td_run>: a.sql\n"
    assert "4 files scanned: 2 changed, 1 unchanged, 0 skipped, 1 failed" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["codemod", "nope", "."], "error: unknown codemod 'nope'"),
        (["codemod", "shift-schedule", "--by", "soon", "."], "error: --by: expected a duration"),
        (["codemod", "set-timezone", "Mars/Base", "."], "unknown time zone 'Mars/Base'"),
        (["codemod", "set-param", "novalue", "."], "expected KEY=VALUE, got 'novalue'"),
        (
            ["codemod", "replace-in-command", "--pattern", "(", "--replacement", "x", "."],
            "--pattern: '(' is not a valid regex",
        ),
        (["codemod", "rename-operator", "--from", "td", "--to", "td", "."], "same operator"),
        (["codemod", "set-schedule", "--daily", "7am", "."], "requires hh:mm:ss format"),
        (["codemod", "set-timezone", "UTC", "does/not/exist"], "does/not/exist: no such file"),
        (["codemod", "--pass", "no_such_mod_q:f", "."], "--pass 'no_such_mod_q:f': cannot import"),
    ],
)
def test_usage_errors_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


def test_argparse_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "codemod", "rename-operator", "--from", "td", ".")
    assert code == 2
    assert "--to" in err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codemod", "--help")
    assert code == 0
    for name in ("rename-operator", "shift-schedule", "rename-workflow", "replace-in-command"):
        assert name in out
    code, out, _ = run(capsys, "codemod", "shift-schedule", "--help")
    assert code == 0
    assert "--by" in out


def test_negative_shift_and_positional_retry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "wf.dig"
    f.write_text("schedule:\n  daily>: 07:00:00\n+a:\n  sh>: echo\n")
    assert main(["codemod", "shift-schedule", "--by", "-30m", str(f)]) == 0
    assert f.read_text() == "schedule:\n  daily>: 06:30:00\n+a:\n  sh>: echo\n"
    assert main(["codemod", "set-retry", "3", str(f)]) == 0
    assert f.read_text() == "schedule:\n  daily>: 06:30:00\n_retry: 3\n+a:\n  sh>: echo\n"
    capsys.readouterr()


def test_user_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    plugin = tmp_path / "mypass.py"
    plugin.write_text(
        "def tag(workflow, ctx):\n"
        "    for task in workflow.tasks:\n"
        "        task.set_param('_export', {'owner': ctx.options['owner']})\n"
        "def explode(workflow, ctx):\n"
        "    raise KeyError('oops')\n"
    )
    code, _, err = run(capsys, "codemod", "--pass", f"{plugin}:tag", "-o", "owner=data-team",
                       "-j", "1", str(root))  # fmt: skip
    assert code == 0, err
    assert (root / "one.dig").read_text() == (
        "+a:\n  td>: a.sql\n  _export:\n    owner: data-team\n"
    )
    code, _, err = run(capsys, "codemod", "--pass", f"{plugin}:explode", str(root / "one.dig"))
    assert code == 1
    assert f"error: {root / 'one.dig'}: pass explode raised KeyError: 'oops'" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "codemod", "--pass", f"{plugin}:explode", "--verbose",
                       str(root / "one.dig"))  # fmt: skip
    assert code == 1
    assert "Traceback" in err


def test_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    (root / "broken.dig").write_text(BROKEN)
    code, out, err = run(capsys, "codemod", "set-timezone", "UTC", "-q", str(root))
    assert code == 1
    assert out == ""
    assert err.startswith("error: ") and len(err.splitlines()) == 1


def test_gitignore_include_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    (root / ".git").mkdir()
    (root / ".gitignore").write_text("sub/two.dig\n")
    (root / "legacy").mkdir()
    (root / "legacy" / "old.dig").write_text(TD)
    (root / "one.yml").write_text(TD)
    args = ["codemod", "rename-operator", "--from", "td", "--to", "td_run", "--check"]
    code, _, err = run(capsys, *args, "--exclude", "legacy/", str(root))
    assert code == 1
    assert "2 files scanned" in err  # one.dig, sub/plain.dig
    assert "two.dig" not in err and "old.dig" not in err
    code, _, err = run(capsys, *args, "--no-gitignore", str(root))
    assert code == 1
    assert "4 files scanned" in err
    code, _, err = run(capsys, *args, "--include", "*.yml", str(root))
    assert code == 1
    assert "1 file scanned" in err
    # A file named explicitly is always taken.
    _, _, err = run(capsys, *args, str(root / "sub" / "two.dig"))
    assert "1 file scanned: 1 would be changed" in err


def test_pyproject_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    (root / ".git").mkdir()
    (root / "pyproject.toml").write_text('[tool.digrefactor]\nexclude = ["sub/"]\njobs = 1\n')
    args = ["codemod", "rename-operator", "--from", "td", "--to", "td_run", "--check"]
    code, _, err = run(capsys, *args, str(root))
    assert code == 1
    assert "1 file scanned" in err
    (root / "pyproject.toml").write_text("[tool.digrefactor]\nexclud = []\n")
    code, _, err = run(capsys, *args, str(root))
    assert code == 2
    assert f"error: {root / 'pyproject.toml'}: [tool.digrefactor] has unknown key 'exclud'" in err


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    stream = io.StringIO()
    reporter = Reporter(total=3, stream=stream, tty=True)
    reporter.result(Changed(tmp_path / "a.dig", "diff"))
    reporter.result(Unchanged(tmp_path / "b.dig"))
    from digrefactor._errors import DigError

    reporter.result(Failed(tmp_path / "c.dig", DigError("bad", path="c.dig", line=1, column=2)))
    reporter.finish()
    text = stream.getvalue()
    assert "\r\x1b[K[" in text and "ETA" in text
    assert "3/3" in text
    assert "error: c.dig:1:2: bad" in text
    assert text.endswith("3 files scanned: 1 changed, 1 unchanged, 0 skipped, 1 failed\n")


def test_file_mode_kept_through_cli(tmp_path: Path) -> None:
    f = tmp_path / "wf.dig"
    f.write_text(TD)
    os.chmod(f, 0o755)
    assert main(["codemod", "rename-operator", "--from", "td", "--to", "td_run", "-q", str(f)]) == 0
    assert f.stat().st_mode & 0o777 == 0o755
