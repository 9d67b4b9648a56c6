"""The converter's parts: literals, comment placement, loop folding, includes, values, CLI."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from convert_support import digdag_equal, run_module
from hypothesis import given
from hypothesis import strategies as st

from digrefactor import load_project, load_workflow, to_data
from digrefactor.cli._convert_commands import register
from digrefactor.convert import convert, to_python
from digrefactor.convert._render import LINE_LENGTH, python_string, text_width, wrap_comment


def _workflow(tmp_path: Path, text: str, name: str = "wf") -> Path:
    path = tmp_path / f"{name}.dig"
    path.write_text(text, encoding="utf-8")
    return path


def _body(code: str) -> str:
    """The code that builds the models (without the ``__main__`` block)."""
    return code.split("if __name__")[0]


def _roundtrip(path: Path) -> str:
    """Convert, run, and check the rebuilt workflow; returns the generated code."""
    original = load_workflow(path)
    code = to_python(original)
    built = run_module(code)["workflow"]
    assert digdag_equal(to_data(built), to_data(original))
    return code


# ------------------------------------------------------------------------------------ literals


@given(st.text())
def test_string_literals_are_exact(value: str) -> None:
    literal = python_string(value)
    assert ast.literal_eval(literal) == value
    assert "\n" not in literal


@given(st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)))
def test_comment_wrapping_keeps_every_word(words: list[str]) -> None:
    comment = "# " + " ".join(w.replace("\n", " ").replace("\r", " ") for w in words)
    lines = wrap_comment(comment, 40)
    assert all(line.startswith("#") and line == line.rstrip() for line in lines)
    assert "".join("".join(line[1:].split()) for line in lines) == "".join(comment[1:].split())


def test_scalar_types_survive(tmp_path: Path) -> None:
    code = _roundtrip(
        _workflow(
            tmp_path,
            "_export:\n  i: 10\n  o: 0755\n  f: .5\n  s: 0.5\n  b: true\n  y: yes\n  n: null\n"
            "  big: 123456789012345678901234\n  e: 1e3\n  t: '10'\n"
            "+t:\n  sh>: echo ${x} {braces} \"quotes\" 'single' \\back\n",
        )
    )
    assert '"o": 493' in code and '"f": 0.5' in code and '"s": "0.5"' in code
    assert '"e": 1000.0' in code and '"t": "10"' in code and '"y": "yes"' in code


def test_defaults_left_out_and_missing_timezone_passed_as_none(tmp_path: Path) -> None:
    code = _roundtrip(_workflow(tmp_path, "+t:\n  sh>: echo\n"))
    assert "timezone=None" in code  # Workflow() alone would write `timezone: UTC`
    code = _roundtrip(_workflow(tmp_path, "timezone: UTC\n+t:\n  sh>: echo\n"))
    assert "timezone" not in code  # UTC is the default


def test_long_and_multiline_strings_stay_within_the_line_length(tmp_path: Path) -> None:
    long = " ".join(f"word{i}" for i in range(60))
    text = (
        f"+long:\n  sh>: {long}\n"
        "+block:\n  sh>: |\n    first line\n    second line   \n    third\n"
        "+sql:\n  td>:\n  query: |\n    SELECT 1\n    FROM t\n"
    )
    code = _roundtrip(_workflow(tmp_path, text))
    assert all(text_width(line) <= LINE_LENGTH for line in code.splitlines())
    assert 'query="""\\\nSELECT 1\nFROM t\n""",' in code


# ------------------------------------------------------------------------------------ comments


def test_comments_land_next_to_their_code(tmp_path: Path) -> None:
    text = (
        "# header\n"
        "timezone: Asia/Tokyo  # zone\n"
        "+a:   # opens a\n"
        "  # before sh\n"
        "  sh>: echo a   # after sh\n"
        "  # closes a\n"
        "+b:\n"
        "  echo>: b\n"
        "# end of file\n"
    )
    code = _roundtrip(_workflow(tmp_path, text))
    assert '    # header\n    timezone="Asia/Tokyo",  # zone\n' in code
    assert "ShTask(  # opens a\n" in code
    assert '# before sh\n            command="echo a",  # after sh\n' in code
    assert '# closes a\n        ),\n        EchoTask(name="b"' in code
    assert "    # end of file\n    ],\n)" in code
    assert convert(load_workflow(tmp_path / "wf.dig")).comments_unplaced == 0


def test_comment_that_looks_like_a_tool_pragma_is_defused(tmp_path: Path) -> None:
    code = _roundtrip(_workflow(tmp_path, "+a:\n  sh>: echo  # type: ignore\n"))
    assert "# (yaml) type: ignore" in code


# ------------------------------------------------------------------------------------ folding


def test_siblings_differing_in_values_become_one_loop(tmp_path: Path) -> None:
    text = "".join(f"+upload_{env}:\n  sh>: upload --to {env}\n" for env in ("int", "stg", "prod"))
    code = _roundtrip(_workflow(tmp_path, text))
    assert (
        'ShTask(name=f"upload_{item}", command=f"upload --to {item}")\n'
        '        for item in ("int", "stg", "prod")'
    ) in code
    assert "upload_int" not in code


def test_fold_keeps_types_and_uses_range_for_counters(tmp_path: Path) -> None:
    text = "".join(f"+step{i}:\n  td>: q.sql\n  priority: {i}\n" for i in (1, 2, 3))
    code = _roundtrip(_workflow(tmp_path, text))
    # One int variable gives both the name's digits and the int values of `priority`.
    assert 'TdTask(name=f"step{priority}", command="q.sql", priority=priority)' in code
    assert "for priority in range(1, 4)" in code


def test_unfolded_when_a_loop_is_not_shorter(tmp_path: Path) -> None:
    code = _roundtrip(_workflow(tmp_path, "+a:\n  sh>: one thing\n+b:\n  sh>: another\n"))
    assert " for " not in _body(code)


def test_folding_can_be_switched_off(tmp_path: Path) -> None:
    text = "".join(f"+t{i}:\n  echo>: message number {i}\n" for i in range(5))
    path = _workflow(tmp_path, text)
    assert " for " in _body(to_python(load_workflow(path)))
    assert " for " not in _body(to_python(load_workflow(path), fold_loops=False))


# ------------------------------------------------------------------------------------ includes


def test_an_include_shared_by_workflows_is_defined_once(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "env.yml").write_text("td:\n  database: db\n", encoding="utf-8")
    for name in ("a", "b"):
        _workflow(
            tmp_path,
            f"_export:\n  !include : common/env.yml\n+{name}:\n  sh>: echo {name} and more\n",
            name,
        )
    project = load_project(tmp_path)
    report = convert(project)
    assert report.includes == 1 and report.includes_reused == 1
    assert report.source.count('"common/env.yml"') == 1
    built = run_module(report.source)["project"]
    for before, after in zip(project.workflows, built.workflows, strict=True):
        assert digdag_equal(to_data(after), to_data(before))
    includes = [v for wf in built.workflows for k, v in wf.export.items() if k.startswith("\x00")]
    assert includes[0] is includes[1]  # the same Python object, not a copy per workflow


def test_generated_module_writes_the_dig_files(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "vars.dig").write_text("+inc:\n  echo>: included\n", encoding="utf-8")
    path = _workflow(tmp_path / "src", "!include : vars.dig\n+t:\n  sh>: echo\n", "main")
    module = tmp_path / "main_wf.py"
    module.write_text(to_python(load_workflow(path)), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(module), str(out)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["main.dig", "vars.dig"]
    again = load_workflow(out / "main.dig")
    assert digdag_equal(to_data(again), to_data(load_workflow(path)))
    usage = subprocess.run([sys.executable, str(module)], capture_output=True, text=True)
    assert usage.returncode == 1 and "usage:" in usage.stderr


# ------------------------------------------------------------------------------------ CLI


def _cli(*argv: str) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="digrefactor")
    register(parser.add_subparsers())
    ns = parser.parse_args(list(argv))
    return int(ns.func(ns))


def test_cli_convert_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _workflow(tmp_path, "+a:\n  sh>: echo a\n")
    assert _cli("convert", str(path), "-o", str(tmp_path / "py")) == 0
    module = tmp_path / "py" / "wf.py"
    assert module.is_file()
    assert _cli("export", str(module), "-o", str(tmp_path / "dig")) == 0
    assert (tmp_path / "dig" / "wf.dig").is_file()
    assert str(tmp_path / "dig" / "wf.dig") in capsys.readouterr().out


def test_cli_reports_files_that_do_not_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _workflow(tmp_path, "+a:\n  sh>: echo a\n", "good")
    bad = _workflow(tmp_path, "+a:\n  sh>: x\n  sh>: y\n", "bad")
    assert _cli("convert", str(good), str(bad), "-o", str(tmp_path / "py")) == 1
    err = capsys.readouterr().err
    assert f"{bad}:3:3: Duplicated keys: [sh>]" in err
    assert (tmp_path / "py" / "good.py").is_file()
    assert not (tmp_path / "py" / "bad.py").exists()


def test_cli_project_with_a_broken_workflow_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    _workflow(project, "+a:\n  sh>: echo a\n", "fine")
    _workflow(project, "+a: [\n", "broken")
    assert _cli("convert", str(project), "-o", str(tmp_path / "py")) == 1
    assert f"{project / 'broken.dig'}:" in capsys.readouterr().err
    assert not (tmp_path / "py").exists()


def test_cli_usage_and_module_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _workflow(tmp_path, "+a:\n  sh>: echo a\n", "a")
    b = _workflow(tmp_path, "+b:\n  sh>: echo b\n", "b")
    assert _cli("convert", str(a), str(b), "-o", str(tmp_path / "one.py")) == 2
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n", encoding="utf-8")
    assert _cli("export", str(empty), "-o", str(tmp_path / "out")) == 1
    failing = tmp_path / "failing.py"
    failing.write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    assert _cli("export", str(failing), "-o", str(tmp_path / "out")) == 1
    err = capsys.readouterr().err
    assert "defines no `project`" in err and "RuntimeError: boom" in err


def test_cli_missing_paths_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _workflow(tmp_path, "+a:\n  sh>: echo a\n", "good")
    missing = tmp_path / "nonexistent"
    out = tmp_path / "py"
    assert _cli("convert", str(good), str(missing), "-o", str(out)) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such file or directory\n"
    assert not out.exists()  # checked before anything is converted or written
    assert _cli("export", str(tmp_path / "nope.py"), "-o", str(tmp_path / "dig")) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope.py'}: no such file or directory\n"
    assert _cli("export", str(tmp_path), "-o", str(tmp_path / "dig")) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: a directory without __init__.py is not a Python package\n"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_cli_convert_refuses_a_fifo_instead_of_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.dig")
    proc = subprocess.run(
        [sys.executable, "-m", "digrefactor", "convert", "x.dig", "-o", "py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert (proc.returncode, proc.stderr) == (2, "error: x.dig: not a regular file\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_cli_convert_project_with_a_fifo_reports_it_instead_of_blocking(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    _workflow(tmp_path / "proj", "+a:\n  sh>: echo a\n", "fine")
    os.mkfifo(tmp_path / "proj" / "x.dig")
    proc = subprocess.run(
        [sys.executable, "-m", "digrefactor", "convert", "proj", "-o", "py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == "proj/x.dig: not a regular file"
    assert not (tmp_path / "py").exists()
