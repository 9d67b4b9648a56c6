"""Operator classes: loading picks the class, typed fields map to their data keys, nothing is lost.

For every built-in operator: the corpus example with the most typed parameters loads as that
class with its typed fields set and returns exactly the file's data; each typed field set in
code lands under its data key (``from_`` → ``from``); a value that does not fit a typed field is
kept in ``params`` and round-trips.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from corpus_walk import KeyPath, body_at, corpus_tasks, data
from pydantic import ValidationError

from digrefactor import (
    OPERATORS,
    EchoTask,
    HttpTask,
    OperatorTask,
    ParallelLimit,
    RedshiftUnloadTask,
    RequireTask,
    S3WaitTask,
    ShTask,
    Task,
    TdLoadTask,
    TdTableExportTask,
    build_task,
    load_workflow,
)
from digrefactor.models._base import FieldSpec, raw_value

TASK_FIELDS = set(Task.model_fields)


def exact(value: Any) -> str:
    """Type- and order-exact text of a data tree (``1``, ``1.0``, ``true`` and ``"1"`` differ)."""
    return json.dumps(value, sort_keys=False)


def own_specs(cls: type[OperatorTask]) -> dict[str, FieldSpec]:
    """Typed parameters of an operator class (not the directives every task has)."""
    return {n: s for n, s in cls.__fields_spec__.items() if n not in TASK_FIELDS}


def typed_keys(task: OperatorTask, body: dict[str, Any]) -> list[str]:
    specs = own_specs(type(task))
    return [k for k in body if k in task.__key_to_field__ and task.__key_to_field__[k] in specs]


def examples() -> dict[str, tuple[Path, KeyPath, OperatorTask]]:
    """Per operator, the corpus task that sets the most typed parameters."""
    best: dict[str, tuple[int, Path, KeyPath, OperatorTask]] = {}
    for path, key_path, task in corpus_tasks():
        if not isinstance(task, OperatorTask) or task.operator not in OPERATORS:
            continue
        score = len(typed_keys(task, body_at(data(path), key_path)))
        if task.operator not in best or score > best[task.operator][0]:
            best[task.operator] = (score, path, key_path, task)
    return {op: (p, kp, t) for op, (_, p, kp, t) in best.items()}


EXAMPLES = examples()
#: Operators without typed parameters of their own (their command is all they take).
UNTYPED = {"call", "echo", "fail", "notify", "param_get", "param_set"}


# ----------------------------------------------------------------------------- loading


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_loaded_example_is_the_operator_class_with_typed_fields(operator: str) -> None:
    assert operator in EXAMPLES, f"no {operator}> example in the corpus"
    path, key_path, task = EXAMPLES[operator]
    body = body_at(data(path), key_path)
    assert type(task) is OPERATORS[operator]
    if "_type" not in body:
        assert task.command == body[f"{operator}>"]
    keys = typed_keys(task, body)
    if operator in UNTYPED:
        assert not own_specs(type(task)) or not keys
    else:
        assert keys, f"the {operator}> example sets no typed parameter"
    for key in keys:
        field = task.__key_to_field__[key]
        assert raw_value(getattr(task, field)) == body[key], key
        assert key not in task.params
    assert exact(task.to_raw()) == exact(body)


@pytest.mark.parametrize("operator", ["param_get", "param_set"])
def test_param_store_keys_land_in_params(operator: str) -> None:
    path, key_path, task = EXAMPLES[operator]
    body = body_at(data(path), key_path)
    names = [k for k in body if not k.endswith(">") and not k.startswith("_")]
    assert names
    assert list(task.params) == names


@pytest.mark.parametrize("operator", ["loop", "for_each", "for_range", "td_for_each"])
def test_loop_operators_take_parallel_and_do(operator: str) -> None:
    path, key_path, task = EXAMPLES[operator]
    body = body_at(data(path), key_path)
    assert task.parallel is not None and "_parallel" not in task.params
    assert raw_value(task.parallel) == body["_parallel"]
    do = getattr(task, "do")  # noqa: B009 - not every OperatorTask has `do`
    assert isinstance(do, Task) and "_do" not in task.params
    assert exact(do.to_raw()) == exact(body["_do"])


# ----------------------------------------------------------------------------- building in code


def sample_value(cls: type[OperatorTask], name: str, spec: FieldSpec) -> Any:
    """A value the field takes, preferring the simplest type."""
    if spec.task:
        return EchoTask(command="hello")
    for value in ("x-${session_date}", 7, True, ["a", "b"], [{"k": "v"}], {"k": "v"}):
        if type(value) in spec.scalar_types or spec.any:
            try:
                cls(**{name: value})
            except ValidationError:
                continue
            return value
    raise AssertionError(f"no sample value for {cls.__name__}.{name}")


def misfit_value(spec: FieldSpec) -> Any:
    """A value of a type *spec* does not take."""
    for value in ([1, 2], {"k": 1}, 1.5):
        if type(value) not in spec.scalar_types:
            return value
    raise AssertionError(f"{spec.name} takes every type")


FIELD_CASES = [
    pytest.param(cls, name, spec, id=f"{op}.{spec.data_key}")
    for op, cls in sorted(OPERATORS.items())
    for name, spec in own_specs(cls).items()
]


@pytest.mark.parametrize(("cls", "name", "spec"), FIELD_CASES)
def test_typed_field_set_in_code_lands_under_its_key(
    cls: type[OperatorTask], name: str, spec: FieldSpec
) -> None:
    value = sample_value(cls, name, spec)
    task = cls(name="t", **{name: value})
    raw = task.to_raw()
    op_key = f"{task.operator}>"
    assert list(raw) == [op_key, spec.data_key]
    assert exact(raw[spec.data_key]) == exact(raw_value(value))
    loaded = build_task("t", raw)
    assert type(loaded) is cls
    assert raw_value(getattr(loaded, name)) == raw_value(value)
    assert not loaded.params


@pytest.mark.parametrize(("cls", "name", "spec"), [c for c in FIELD_CASES if not c.values[2].any])
def test_value_that_does_not_fit_is_kept_in_params(
    cls: type[OperatorTask], name: str, spec: FieldSpec
) -> None:
    op_key = f"{cls.model_fields['operator'].default}>"
    body = {op_key: None, spec.data_key: misfit_value(spec), "_retry": 2}
    task = build_task("t", body)
    assert type(task) is cls
    assert getattr(task, name) is None
    assert task.params == {spec.data_key: body[spec.data_key]}
    assert exact(task.to_raw()) == exact(body)


def test_aliased_keys() -> None:
    export = TdTableExportTask(name="e", from_="2024-01-01 00:00:00", table="t")
    assert export.to_raw() == {
        "td_table_export>": None,
        "table": "t",
        "from": "2024-01-01 00:00:00",
    }
    assert S3WaitTask(name="w", bucket="b", key_="k/_SUCCESS").to_raw() == {
        "s3_wait>": None,
        "bucket": "b",
        "key": "k/_SUCCESS",
    }


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # The Python name of a directive is not also the operator parameter of that name ...
        (HttpTask(name="h", command="https://x", retry=2), {"http>": "https://x", "_retry": 2}),
        (
            RedshiftUnloadTask(name="u", parallel=True),
            {"redshift_unload>": None, "_parallel": True},
        ),
        (TdLoadTask(name="load", command="c.yml"), {"td_load>": "c.yml"}),
        (RequireTask(name="r", command="wf", params={"x": 1}), {"require>": "wf", "x": 1}),
        # ... which has a name of its own.
        (
            HttpTask(name="h", command="https://x", retry_=False, retry=2),
            {"http>": "https://x", "retry": False, "_retry": 2},
        ),
        (
            RedshiftUnloadTask(name="u", parallel_="off"),
            {"redshift_unload>": None, "parallel": "off"},
        ),
        (TdLoadTask(name="load", name_="connector"), {"td_load>": None, "name": "connector"}),
        (
            RequireTask(name="r", command="wf", params_={"x": 1}),
            {"require>": "wf", "params": {"x": 1}},
        ),
    ],
    ids=lambda v: v.operator if isinstance(v, OperatorTask) else "",
)
def test_names_shared_with_directives_and_task_fields(task: OperatorTask, expected: Any) -> None:
    assert task.to_raw() == expected


def test_parallel_limit_on_a_loop() -> None:
    raw = {"loop>": 3, "_parallel": {"limit": 2}, "_do": {"echo>": "${i}"}}
    task = build_task("l", raw)
    assert isinstance(task.parallel, ParallelLimit) and task.parallel.limit == 2
    assert exact(task.to_raw()) == exact(raw)


# ----------------------------------------------------------------------------- repr


def test_repr_shows_only_what_is_set() -> None:
    task = ShTask(name="hello", command="echo hi")
    assert repr(task) == "ShTask(name='hello', operator='sh', command='echo hi')"
    task.params["extra"] = 1
    assert (
        repr(task) == "ShTask(params={'extra': 1}, name='hello', operator='sh', command='echo hi')"
    )


def test_repr_of_a_loaded_task_has_no_none() -> None:
    _, _, task = EXAMPLES["td"]
    text = repr(task)
    assert "None" not in text and "params={}" not in text
    assert text.startswith("TdTask(") and "create_table=" in text


def test_rename_param_never_overwrites_an_existing_key() -> None:
    wf = load_workflow("+t:\n  sh>: echo\n  a: 1\n  b: 2\n")
    task = wf.tasks[0]
    assert isinstance(task, OperatorTask)
    with pytest.raises(ValueError, match="already exists"):
        task.rename_param("a", "b")
    assert task.to_raw() == {"sh>": "echo", "a": 1, "b": 2}
    assert task.rename_param("a", "c") is True
    assert task.to_raw() == {"sh>": "echo", "c": 1, "b": 2}
    assert task.rename_param("missing", "d") is False


def test_a_key_in_both_a_field_and_params_is_an_error_not_a_silent_loss() -> None:
    task = ShTask(name="a", command="x", shell=["bash"])
    task.params["shell"] = ["zsh"]
    with pytest.raises(ValueError, match="set both as a field"):
        task.to_raw()
    task = ShTask(name="a", command="x")
    task.params["sh>"] = "y"
    with pytest.raises(ValueError, match="operator key"):
        task.to_raw()
