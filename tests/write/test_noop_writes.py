"""An unedited model gives back its file's text without re-reading it; any edit is noticed.

``write_workflow`` compares a fingerprint of the model's data tree with the one taken when the
file was read: equal means the file already says exactly this, so no node tree is rebuilt.
Every kind of edit, in-place mutations of nested dicts and lists included, must still reach
the writer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from digrefactor import Include, OperatorTask, ShTask, Workflow, load_workflow, write_workflow
from digrefactor.parse import _load as load_module

TEXT = """\
timezone: UTC  # where
_export:
  td: {database: sales, tags: [a, b]}
+load:
  td>: q.sql
  _retry: 3
  vars: {n: 1, on: true, f: 1.5}
+after:
  !include : more.dig
"""


@pytest.fixture
def wf(tmp_path: Path) -> Workflow:
    (tmp_path / "w.dig").write_text(TEXT)
    (tmp_path / "more.dig").write_text("+m:\n  sh>: echo m\n")
    (tmp_path / "other.dig").write_text("+o:\n  sh>: echo o\n")
    return load_workflow(tmp_path / "w.dig")


def test_an_unedited_model_gives_its_text_back_without_parsing(
    wf: Workflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_parse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the no-op write parsed the text again")

    monkeypatch.setattr(load_module, "parse_source", no_parse)
    assert write_workflow(wf) == TEXT


def _load_task(wf: Workflow) -> OperatorTask:
    task = wf.tasks[0]
    assert isinstance(task, OperatorTask)
    return task


EDITS: dict[str, tuple[Callable[[Workflow], Any], str]] = {
    "field": (lambda wf: setattr(wf, "timezone", "Asia/Tokyo"), "timezone: Asia/Tokyo  # where"),
    "nested-dict-in-place": (
        lambda wf: wf.export["td"].__setitem__("database", "hr"),  # type: ignore[index]
        "td: {database: hr, tags: [a, b]}",
    ),
    "nested-list-in-place": (
        lambda wf: wf.export["td"]["tags"].append("c"),  # type: ignore[index]
        "tags: [a, b, c]",
    ),
    "param-type-only": (
        lambda wf: _load_task(wf).params["vars"].__setitem__("n", 1.0),
        "vars: {n: 1.0, on: true, f: 1.5}",
    ),
    "bool-for-int": (
        lambda wf: _load_task(wf).params["vars"].__setitem__("n", True),
        "vars: {n: true, on: true, f: 1.5}",
    ),
    "operator": (lambda wf: setattr(_load_task(wf), "operator", "td_run"), "  td_run>: q.sql"),
    "retry": (lambda wf: setattr(_load_task(wf), "retry", 4), "  _retry: 4"),
    "task-added": (
        lambda wf: wf.tasks.append(ShTask(name="new", command="echo")),
        "+new:\n  sh>: echo",
    ),
    "include-path": (
        lambda wf: setattr(wf.tasks[1].tasks[0], "path", "other.dig"),  # type: ignore[union-attr]
        "!include : other.dig",
    ),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_every_edit_reaches_the_writer(wf: Workflow, edit: tuple[Callable[..., Any], str]) -> None:
    change, expected = edit
    change(wf)
    out = write_workflow(wf)
    assert out != TEXT
    assert expected in out


def test_an_edit_undone_gives_the_text_back(wf: Workflow) -> None:
    task = _load_task(wf)
    task.operator = "td_run"
    task.operator = "td"
    wf.export["td"]["tags"].append("c")  # type: ignore[index]
    wf.export["td"]["tags"].pop()  # type: ignore[index]
    assert write_workflow(wf) == TEXT


def test_a_replaced_include_with_the_same_path_gives_the_text_back(wf: Workflow) -> None:
    group = wf.tasks[1]
    group.tasks[0] = Include("more.dig")  # type: ignore[union-attr]
    assert write_workflow(wf) == TEXT
