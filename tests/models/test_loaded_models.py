"""Loaded models store only what their file sets, and behave like any model.

Loading builds models without validation and without storing the dozens of unset fields
(they read as ``None``); pydantic's own API (dumps, equality, copies, pickling, fields set)
must not see the difference.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from digrefactor import (
    GroupTask,
    OperatorTask,
    ShTask,
    TdTask,
    Workflow,
    load_workflow,
    to_data,
)

TEXT = """\
timezone: Asia/Tokyo
+load:
  td>: q.sql
  database: sales
  _retry: 3
+group:
  _parallel: true
  +a:
    sh>: echo a
"""


@pytest.fixture
def wf() -> Workflow:
    return load_workflow(TEXT, name="w")


def _completed_dump(model: object) -> dict[str, object]:
    return {name: getattr(model, name) for name in type(model).model_fields}  # type: ignore[attr-defined]


def test_unset_fields_read_as_none(wf: Workflow) -> None:
    task = wf.tasks[0]
    assert isinstance(task, TdTask)
    assert task.engine is None and task.error is None and task.export is None
    assert "engine" not in task.__dict__  # not stored...
    assert task.database == "sales" and task.retry == 3
    assert wf.schedule is None and wf.timezone == "Asia/Tokyo"


def test_a_name_no_model_has_still_fails(wf: Workflow) -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        getattr(wf.tasks[0], "nonsense")  # noqa: B009


def test_model_dump_lists_every_field_in_field_order(wf: Workflow) -> None:
    task = wf.tasks[0]
    dumped = task.model_dump()
    assert list(dumped) == list(type(task).model_fields)
    assert dumped["engine"] is None and dumped["database"] == "sales"
    assert wf.model_dump()["sla"] is None
    assert '"engine":null' in task.model_dump_json()


def test_fields_set_are_the_keys_the_file_sets(wf: Workflow) -> None:
    task = wf.tasks[0]
    assert {"database", "retry", "command"} <= task.model_fields_set
    assert "engine" not in task.model_fields_set
    task.engine = "presto"
    assert "engine" in task.model_fields_set
    assert task.model_dump(exclude_unset=True)["engine"] == "presto"


def test_equality_copies_and_pickles(wf: Workflow) -> None:
    other = load_workflow(TEXT, name="w")
    assert wf.tasks == other.tasks
    assert copy.deepcopy(wf).tasks == wf.tasks
    assert pickle.loads(pickle.dumps(wf.tasks[0])) == wf.tasks[0]
    assert wf.tasks[0].model_copy() == wf.tasks[0]
    other.tasks[0].engine = "hive"  # type: ignore[union-attr]
    assert wf.tasks != other.tasks
    # A field set to None equals a field never set.
    same = load_workflow(TEXT, name="w")
    same.tasks[0].engine = None  # type: ignore[union-attr]
    assert same.tasks == wf.tasks


def test_a_loaded_model_equals_its_rebuilt_twin(wf: Workflow) -> None:
    task = wf.tasks[0]
    twin = TdTask(name="load", command="q.sql", database="sales", retry=3)
    assert _completed_dump(twin) == _completed_dump(task)
    assert twin.model_dump() == task.model_dump()


def test_edits_and_to_data(wf: Workflow) -> None:
    group = wf.tasks[1]
    assert isinstance(group, GroupTask) and group.parallel is True
    group.tasks.append(ShTask(name="b", command="echo b"))
    wf.tasks[0].set_param("engine", "presto")
    data = to_data(wf)
    assert data["+load"] == {"td>": "q.sql", "database": "sales", "engine": "presto", "_retry": 3}
    assert list(data["+group"]) == ["_parallel", "+a", "+b"]


def test_special_fields_keep_their_defaults() -> None:
    wf = load_workflow("+t:\n  _type: sh\n  _command: x\n+u:\n  foo>: y\n", name="w")
    long_form, plugin = wf.tasks
    assert isinstance(long_form, OperatorTask) and long_form.long_form is True
    assert isinstance(plugin, OperatorTask) and plugin.long_form is False
    assert plugin.operator == "foo" and plugin.command == "y"


def test_nested_models_dump_like_built_ones(wf: Workflow) -> None:
    built = Workflow(
        name="w",
        timezone="Asia/Tokyo",
        tasks=[
            TdTask(name="load", command="q.sql", database="sales", retry=3),
            GroupTask(name="group", parallel=True, tasks=[ShTask(name="a", command="echo a")]),
        ],
    )
    assert wf.model_dump() == built.model_dump()
