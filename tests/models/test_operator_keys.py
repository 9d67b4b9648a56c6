"""Which key is a task body's operator, and bodies that hold more than one ``x>`` key.

Digdag's compiler (``WorkflowCompiler.Context.collect``) rejects a task with two ``x>`` keys
at push, and compiles each ``_error`` body for validation then too; our checker does the same.
A ``_check`` body (``WorkflowExecutor.addCheckTasksIfAny``) or a ``_do`` body is compiled only
when it is about to run, so a project holding one with two operator keys pushes fine and the
task fails at run time. Digdag stores such a body as written: the models keep it too, with
the first ``x>`` key as the operator. When a task runs, ``OperatorManager`` reads ``_type``
first, else the first ``x>`` key; the models pick the operator the same way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.digdag import canonical, definition_difference

from digrefactor import (
    DigValidationError,
    ForEachTask,
    OperatorTask,
    PyTask,
    ShTask,
    export_workflow,
    load_workflow,
    to_data,
)
from digrefactor.convert import to_python
from digrefactor.dialect import read_raw_text
from digrefactor.parse import digdag_definition

#: Bodies Digdag accepts at push although they hold two operator keys.
TWO_OPERATOR_BODIES = {
    "task_check": "+a:\n  sh>: echo hi\n  _check:\n    sh>: echo a\n    py>: b.c\n",
    "workflow_check": "_check:\n  sh>: echo a\n  py>: b.c\n+a:\n  sh>: echo hi\n",
    "group_check": "+g:\n  _check:\n    py>: b.c\n    sh>: echo a\n  +a:\n    sh>: echo hi\n",
    "for_each_do": (
        "+a:\n  for_each>:\n    x: [1, 2]\n  _do:\n    sh>: echo ${x}\n    rb>: C.m\n"
        "    rb_option: 1\n"
    ),
    "if_else_do": "+a:\n  if>: false\n  _else_do:\n    echo>: no\n    sh>: echo no\n",
    "long_form_and_key": "+a:\n  py>: b.c\n  _type: sh\n  _command: echo hi\n",
}


def _exact(value: Any) -> str:
    """Types and key order, exactly (``==`` on dicts ignores order)."""
    return json.dumps(value)


@pytest.mark.parametrize("text", TWO_OPERATOR_BODIES.values(), ids=list(TWO_OPERATOR_BODIES))
def test_two_operator_keys_round_trip_as_digdag_stores_them(text: str) -> None:
    wf = load_workflow(text, name="w")
    assert _exact(to_data(wf)) == _exact(read_raw_text(text))
    exported = export_workflow(wf)
    assert _exact(to_data(load_workflow(exported, name="w"))) == _exact(read_raw_text(text))


@pytest.mark.parametrize("text", TWO_OPERATOR_BODIES.values(), ids=list(TWO_OPERATOR_BODIES))
def test_two_operator_keys_survive_conversion_to_python(text: str) -> None:
    wf = load_workflow(text, name="w")
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(to_python(wf), "<generated>", "exec"), namespace)
    # Equal as Digdag means it (an operator task's key order is not kept by the converter).
    assert canonical(to_data(namespace["workflow"])) == canonical(to_data(wf))


def test_the_first_operator_key_is_the_operator_and_the_others_are_kept_as_params() -> None:
    wf = load_workflow(TWO_OPERATOR_BODIES["task_check"], name="w")
    check = wf.tasks[0].check
    assert isinstance(check, ShTask)
    assert (check.operator, check.command, check.params) == ("sh", "echo a", {"py>": "b.c"})
    group = load_workflow(TWO_OPERATOR_BODIES["group_check"], name="w").tasks[0]
    assert isinstance(group.check, PyTask) and group.check.params == {"sh>": "echo a"}
    loop = load_workflow(TWO_OPERATOR_BODIES["for_each_do"], name="w").tasks[0]
    assert isinstance(loop, ForEachTask) and isinstance(loop.do, ShTask)
    assert loop.do.params == {"rb>": "C.m", "rb_option": 1}


def test_type_names_the_operator_even_beside_an_operator_key() -> None:
    task = load_workflow(TWO_OPERATOR_BODIES["long_form_and_key"], name="w").tasks[0]
    assert isinstance(task, ShTask) and task.long_form
    assert (task.command, task.params) == ("echo hi", {"py>": "b.c"})


def test_an_operator_key_added_beside_a_loaded_one_is_written_after_it() -> None:
    wf = load_workflow("+a:\n  sh>: echo hi\n  _check:\n    sh>: echo a\n", name="w")
    check = wf.tasks[0].check
    assert isinstance(check, OperatorTask)
    check.params["py>"] = "b.c"
    assert _exact(to_data(wf)["+a"]["_check"]) == _exact({"sh>": "echo a", "py>": "b.c"})


@pytest.mark.parametrize(
    ("text", "line", "where"),
    [
        ("+a:\n  sh>: echo hi\n  py>: b.c\n", 3, "+w+a has sh>, py>"),
        ("+a:\n  sh>: echo hi\n  _error:\n    sh>: a\n    py>: b.c\n", 5, "+w+a^error has"),
        ("_error:\n  sh>: a\n  py>: b.c\n+a:\n  sh>: echo hi\n", 3, "+w^error has sh>, py>"),
    ],
    ids=["task", "task_error", "workflow_error"],
)
def test_tasks_and_error_bodies_with_two_operator_keys_are_rejected_like_digdag(
    text: str, line: int, where: str
) -> None:
    with pytest.raises(DigValidationError, match="more than one operator") as info:
        load_workflow(text, name="w")
    assert where in info.value.message
    assert info.value.line == line


@pytest.mark.parametrize(
    ("task", "key"),
    [
        (ShTask(name="a", command="x", params={"sh>": "y"}), "sh>"),
        (ShTask(name="a", command="x", long_form=True, params={"_type": "py"}), "_type"),
        (ShTask(name="a", command="x", long_form=True, params={"_command": "y"}), "_command"),
    ],
    ids=["key", "long_form_type", "long_form_command"],
)
def test_the_task_s_own_operator_key_in_params_is_an_error_not_a_silent_loss(
    task: ShTask, key: str
) -> None:
    with pytest.raises(ValueError, match=f"own operator key.*{key}"):
        task.to_raw()


@pytest.mark.digdag
def test_digdag_stores_the_two_operator_bodies_as_we_read_them(digdag_oracle: Any) -> None:
    for name, text in TWO_OPERATOR_BODIES.items():
        verdict = digdag_oracle.judge_text(text, name="w")
        assert verdict.ok, f"{name}: Digdag rejects it ({verdict.stage}): {verdict.error}"
        ours = digdag_definition(load_workflow(text, name="w"))
        assert definition_difference(verdict.definition, ours) is None, name


@pytest.mark.digdag
def test_digdag_rejects_two_operator_keys_in_tasks_and_error_bodies(digdag_oracle: Any) -> None:
    for text in (
        "+a:\n  sh>: echo hi\n  py>: b.c\n",
        "+a:\n  sh>: echo hi\n  _error:\n    sh>: a\n    py>: b.c\n",
        "_error:\n  sh>: a\n  py>: b.c\n+a:\n  sh>: echo hi\n",
    ):
        verdict = digdag_oracle.judge_text(text, name="w")
        assert (verdict.ok, verdict.stage) == (False, "compile"), text
        assert "A task can't have more than one operator" in str(verdict.error)
