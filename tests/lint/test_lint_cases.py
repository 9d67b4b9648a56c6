"""Lint cases: each ``data/*.dig`` marks the warnings it must give with ``# expect: CODE``.

Every other line must give none, so each case shows both what a rule reports and what it must
leave alone (the false positives it avoids).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digrefactor import load_workflow
from digrefactor.lint import RULES, LintOptions, lint_workflow

DATA = Path(__file__).parent / "data"
CASES = sorted(DATA.glob("*.dig"))
_EXPECT = re.compile(r"expect:\s*(DIG\d+)")


def expected(path: Path) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        out.extend((number, code) for code in _EXPECT.findall(line))
    return sorted(out)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    result = lint_workflow(load_workflow(path))
    found = sorted((w.line or 0, w.code) for w in result.warnings)
    assert found == expected(path), "\n".join(str(w) for w in result.warnings)
    for warning in result.warnings:
        assert warning.path == str(path)
        assert warning.code in RULES
        assert (warning.end_line or 0, warning.end_column or 0) > (warning.line, warning.column)


def test_every_rule_has_a_case() -> None:
    codes = {code for path in CASES for _, code in expected(path)}
    assert codes >= set(RULES) - {"DIG106"}  # mixed line endings: tests/cli


def warnings_of(text: str, **options: object) -> list[str]:
    result = lint_workflow(load_workflow(text), LintOptions(**options))  # type: ignore[arg-type]
    return [f"{w.code} {w.message}" for w in result.warnings]


def test_messages_name_the_fix() -> None:
    (msg,) = warnings_of("+a:\n  td>: q.sql\n  _retyr: 3\n")
    assert msg == "DIG102 `_retyr` is not a directive Digdag knows; did you mean `_retry`?"
    (msg,) = warnings_of("+a:\n  td_ddl>:\n  empty_table: [t]\n")
    assert msg == (
        "DIG103 `empty_table` is not a parameter of td_ddl> (Digdag ignores it); "
        "did you mean `empty_tables`?"
    )
    (msg,) = warnings_of("+a:\n  echo>: ${sesion_date}\n")
    assert msg.startswith(
        "DIG104 `${sesion_date}`: `sesion_date` is not defined (no _export, parameter, "
        "operator output or built-in variable of that name); did you mean `session_date`?"
    )
    (msg,) = warnings_of("+a:\n  sh>: a\n  b:\n    sh>: b\n")
    assert msg.startswith("DIG101 `b` holds a task but has no `+`")


def test_select_ignore_and_variables() -> None:
    text = "+a:\n  echo>: ${env}\n  _retyr: 3\n"
    assert [m[:6] for m in warnings_of(text)] == ["DIG104", "DIG102"]
    assert [m[:6] for m in warnings_of(text, ignore=frozenset({"DIG104"}))] == ["DIG102"]
    assert [m[:6] for m in warnings_of(text, select=frozenset({"DIG104"}))] == ["DIG104"]
    assert warnings_of(text, ignore=frozenset({"DIG10"})) == []
    assert [m[:6] for m in warnings_of(text, variables=frozenset({"env"}))] == ["DIG102"]


def test_expression_range_is_exact() -> None:
    text = "+a:\n  echo>: 'at ${sesion_date} now'\n"
    (w,) = lint_workflow(load_workflow(text)).warnings
    line = text.splitlines()[w.line - 1]
    assert line[w.column - 1 : w.end_column - 1] == "${sesion_date}"


def test_included_keys_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "part.dig").write_text("+b:\n  td>: q.sql\n  _retyr: 3\n")
    wf = tmp_path / "wf.dig"
    wf.write_text("+a:\n  !include : part.dig\n")
    assert lint_workflow(load_workflow(wf)).warnings == []


def test_workflow_built_in_code_is_linted_without_positions() -> None:
    from digrefactor import TdTask, Workflow

    wf = Workflow(name="w", tasks=[TdTask(name="q", command="q.sql", params={"_retyr": 3})])
    (w,) = lint_workflow(wf).warnings
    assert (w.code, w.line, w.path) == ("DIG102", None, None)
