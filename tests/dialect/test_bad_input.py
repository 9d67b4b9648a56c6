"""Bad input: one exception family, always located (path, line, column), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from digrefactor import (
    DigDuplicateKeyError,
    DigError,
    DigIncludeError,
    DigSyntaxError,
    DigValidationError,
    load_workflow,
)

CASES = [
    # (name, text, error class, line, message fragment)
    ("malformed", "a: [1, 2\n+t:\n  sh>: x\n", DigSyntaxError, 2, "flow sequence"),
    (
        "duplicate-key",
        "+t:\n  sh>: a\n  sh>: b\n",
        DigDuplicateKeyError,
        3,
        "Duplicated keys: [sh>]",
    ),
    ("duplicate-task", "+t:\n  sh>: a\n+t:\n  sh>: b\n", DigDuplicateKeyError, 3, "[+t]"),
    ("root-list", "- a\n- b\n", DigValidationError, 1, "top level is a list"),
    ("root-scalar", "plain\n", DigValidationError, 1, "top level is a scalar"),
    ("empty", "", DigValidationError, 1, "empty"),
    ("comments-only", "# nothing\n", DigValidationError, 1, "empty"),
    ("two-documents", "a: 1\n---\nb: 2\n", DigSyntaxError, 2, "single document"),
    ("tab-indent", "+t:\n\tsh>: x\n", DigSyntaxError, 2, "tab character used as indentation"),
    ("unknown-tag", "+t:\n  sh>: !foo x\n", DigSyntaxError, 2, "tag !foo"),
    ("include-as-value", "+t: !include t.dig\n", DigIncludeError, 1, "only as a mapping key"),
    ("bad-task-name", "+a b:\n  sh>: x\n", DigValidationError, 1, "must not contain character ' '"),
    ("caret-top-level", "+a^b:\n  sh>: x\n", DigValidationError, 1, "must not contain ^"),
    (
        "unknown-top-key",
        "foo: 1\n+t:\n  sh>: x\n",
        DigValidationError,
        1,
        "includes unknown keys: [foo]",
    ),
    ("two-operators", "+t:\n  sh>: a\n  py>: b\n", DigValidationError, 3, "more than one operator"),
    (
        "operator-and-subtasks",
        "+t:\n  sh>: a\n  +u:\n    sh>: b\n",
        DigValidationError,
        3,
        "subtasks",
    ),
    (
        "group-param",
        "+g:\n  parallel: true\n  +u:\n    sh>: b\n",
        DigValidationError,
        2,
        "invalid keys",
    ),
    (
        "after-sequential",
        "+g:\n  +a:\n    sh>: a\n  +b:\n    _after: [+a]\n    sh>: b\n",
        DigValidationError,
        5,
        "_after",
    ),
    (
        "bad-schedule-type",
        "schedule:\n  yearly>: x\n",
        DigValidationError,
        2,
        "Unknown scheduler type: yearly",
    ),
    ("bad-daily", "schedule:\n  daily>: 7am\n", DigValidationError, 2, "hh:mm:ss"),
    (
        "schedule-unused-key",
        "schedule:\n  daily>: 07:00:00\n  delay: 3\n",
        DigValidationError,
        3,
        "not used at schedule",
    ),
    ("bad-timezone", "timezone: Mars/Olympus\n", DigValidationError, 1, "unknown timezone"),
    ("null-key", "+t:\n  ~: x\n  sh>: y\n", DigValidationError, 2, "null"),
    ("control-char", "+t:\n  sh>: a\x07\n", DigSyntaxError, 2, "U+0007"),
]


@pytest.mark.parametrize(
    ("text", "cls", "line", "fragment"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_text_is_a_located_dig_error(
    text: str, cls: type[DigError], line: int, fragment: str
) -> None:
    with pytest.raises(cls) as info:
        load_workflow(text, path="wf.dig")
    err = info.value
    assert fragment in err.message
    assert err.path == "wf.dig"
    assert err.line == line
    assert err.column is not None
    assert str(err).startswith(f"wf.dig:{line}:{err.column}: ")


def test_invalid_utf8_names_the_byte(tmp_path: Path) -> None:
    f = tmp_path / "wf.dig"
    f.write_bytes(b"+t:\n  sh>: caf\xe9\n")
    with pytest.raises(DigSyntaxError) as info:
        load_workflow(f)
    assert (info.value.line, info.value.column) == (2, 11)
    assert "invalid UTF-8" in info.value.message


def test_missing_include_is_located(tmp_path: Path) -> None:
    f = tmp_path / "wf.dig"
    f.write_text("+t:\n  !include : missing.dig\n")
    with pytest.raises(DigIncludeError) as info:
        load_workflow(f)
    assert info.value.line == 2
    assert "missing.dig" in info.value.message


def test_include_may_not_leave_its_directory(tmp_path: Path) -> None:
    (tmp_path / "common.dig").write_text("timezone: UTC\n")
    (tmp_path / "sub").mkdir()
    f = tmp_path / "sub" / "wf.dig"
    f.write_text("!include : ../common.dig\n+t:\n  sh>: x\n")
    with pytest.raises(DigIncludeError) as info:
        load_workflow(f)
    assert info.value.line == 1
    assert "leaves the directory" in info.value.message


def test_include_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.dig").write_text("!include : b.dig\n")
    (tmp_path / "b.dig").write_text("!include : a.dig\n")
    with pytest.raises(DigIncludeError, match="cycle"):
        load_workflow(tmp_path / "a.dig")


def test_workflow_name_from_file_is_validated(tmp_path: Path) -> None:
    f = tmp_path / "1st.dig"
    f.write_text("+t:\n  sh>: x\n")
    with pytest.raises(DigValidationError, match="numeric digit"):
        load_workflow(f)


def test_bom_is_tolerated(tmp_path: Path) -> None:
    f = tmp_path / "wf.dig"
    f.write_bytes("\ufeff+t:\n  sh>: x\n".encode())
    assert load_workflow(f).tasks[0].command == "x"  # type: ignore[union-attr]


def test_an_include_of_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.dig")
    f = tmp_path / "wf.dig"
    f.write_text("!include : pipe.dig\n")
    with pytest.raises(DigIncludeError, match="not a regular file"):
        load_workflow(f)
