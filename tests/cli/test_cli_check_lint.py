"""``digrefactor check`` with lint warnings: codes, --strict, --select/--ignore, configuration,
and what one workflow defines for another (call>, require>, !include)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digrefactor.cli import main

TYPO = "+a:\n  echo>: hi\n  _retyr: 3\n"


def test_warnings_do_not_fail_unless_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wf.dig"
    path.write_text(TYPO)
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == (
        f"{path}:3:3: warning: DIG102 `_retyr` is not a directive Digdag knows; "
        "did you mean `_retry`?\n"
    )
    assert "1 ok, 1 warning" in err
    assert main(["check", "--strict", str(path)]) == 1
    capsys.readouterr()
    assert main(["check", "--format", "json", str(path)]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["code"] == "DIG102"
    assert entry["kind"] == "misspelt-directive"
    assert (entry["line"], entry["column"], entry["end_line"], entry["end_column"]) == (3, 3, 3, 9)


def test_ignore_and_select_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wf.dig"
    path.write_text(TYPO + "+b:\n  echo>: ${undefined_name}\n")
    assert main(["check", "-q", str(path)]) == 0
    assert capsys.readouterr().out.count("warning:") == 2
    assert main(["check", "-q", "--ignore", "DIG102,dig104", str(path)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["check", "-q", "--select", "DIG104", "--strict", str(path)]) == 1
    assert "DIG104" in capsys.readouterr().out
    assert main(["check", "--ignore", "DIG999", str(path)]) == 2
    assert "unknown lint code 'DIG999'" in capsys.readouterr().err


def test_configuration_ignores_codes_and_declares_run_time_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "wf.dig").write_text(TYPO + "+b:\n  echo>: ${env}\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.digrefactor.lint]\nignore = ["DIG102"]\nvariables = ["env"]\n'
    )
    assert main(["check", "--strict", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""
    (tmp_path / "pyproject.toml").write_text("[tool.digrefactor.lint]\nignroe = []\n")
    assert main(["check", str(tmp_path)]) == 2
    assert "unknown key 'ignroe'" in capsys.readouterr().err


def test_callers_and_includers_define_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "main.dig").write_text(
        "_export:\n  region: eu\n"
        "+sub:\n  call>: sub/child\n"
        "+other:\n  require>: other\n  params: {day: '2020-01-01'}\n"
        "+part:\n  !include : parts/part.dig\n"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.dig").write_text("+a:\n  echo>: ${region}\n")
    (tmp_path / "other.dig").write_text("+a:\n  echo>: ${day} ${nobody_defines_this}\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "part.dig").write_text("+p:\n  echo>: ${region}\n")
    assert main(["check", "-q", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("DIG104") == 1, out
    assert "other.dig:2:" in out and "nobody_defines_this" in out


def test_templated_call_targets_define_variables_for_every_file_they_can_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "main.dig").write_text(
        "+each:\n  for_each>:\n    kind: [a, b]\n  _do:\n    call>: steps/step_${kind}.dig\n"
    )
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "step_a.dig").write_text("+a:\n  echo>: ${kind}\n")
    (tmp_path / "other.dig").write_text("+o:\n  echo>: ${kind}\n")  # not nameable by the call
    assert main(["check", "-q", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("DIG104") == 1 and "other.dig" in out, out
