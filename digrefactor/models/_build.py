"""Raw data tree → models: the operator registry and key classification."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from digrefactor._datatree import DataTree, is_include_entry

if TYPE_CHECKING:
    from digrefactor.models._base import DigModel
    from digrefactor.models._tasks import OperatorTask, Task

__all__ = ["OPERATORS", "build_fields", "build_task", "operator_class", "register_operator"]

#: Operator name (without ``>``) → its task class.
OPERATORS: dict[str, type[OperatorTask]] = {}


def register_operator(cls: type[OperatorTask]) -> type[OperatorTask]:
    """Class decorator: make *cls* the model of its operator (also for plugins' own classes)."""
    name = cls.model_fields["operator"].default
    if not isinstance(name, str):
        raise TypeError(f"{cls.__name__}.operator needs a default operator name")
    OPERATORS[name] = cls
    return cls


def operator_class(name: str) -> type[OperatorTask]:
    from digrefactor.models._tasks import OperatorTask

    return OPERATORS.get(name, OperatorTask)


def build_task(name: str | None, value: Any, key: str | None = None) -> Task:
    """Classify a task body by its own keys: operator task, group, or raw value."""
    from digrefactor.models._tasks import GroupTask, RawTask

    if type(value) is not dict and not isinstance(value, dict):
        task: Task = RawTask._loaded({"name": name, "value": value}, [])
    elif _long_form(value):
        # Digdag's OperatorManager reads `_type` first, whatever `x>` keys the task holds.
        cls = operator_class(value["_type"])
        task = cls.from_raw(value, name=name, operator=value["_type"], long_form=True)
    else:
        op = None
        for k in value:
            if k[-1:] == ">":
                op = k  # the first one, as OperatorManager picks it (later ones stay params)
                break
        if op is not None:
            cls = OPERATORS.get(op[:-1]) or operator_class(op[:-1])
            task = cls.from_raw(value, name=name, operator=op[:-1])
        else:
            task = GroupTask.from_raw(value, name=name)
    object.__setattr__(task, "_dig_key", key)  # Task._key, without pydantic's __setattr__
    return task


def _long_form(data: DataTree) -> bool:
    """Whether an operator task body names its operator as ``_type: name``."""
    return "_type" in data and isinstance(data["_type"], str)


def build_fields(
    cls: type[DigModel], data: DataTree
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Split a raw mapping into typed field values, extra params and the key order."""
    from digrefactor.models._base import OPERATOR_SLOT

    specs = cls.__fields_spec__
    key_to_field = cls.__key_to_field__
    has_tasks = cls.__has_tasks__
    is_operator = cls.__is_operator__
    values: dict[str, Any] = {}
    params: dict[str, Any] = {}
    order: list[str] = []
    tasks: list[Any] = []
    op_seen = False
    long_form = is_operator and (_long_form(data) or not any(k[-1:] == ">" for k in data))
    for key, value in data.items():
        if has_tasks:
            if key[:1] == "+":
                tasks.append(build_task(key[1:], value, key))
                order.append(key)
                continue
            if is_include_entry(key, value):
                tasks.append(value)
                order.append(key)
                continue
        if is_operator:
            if not op_seen and (key[-1:] == ">" if not long_form else key == "_type"):
                op_seen = True
                if not long_form:
                    values["command"] = value
                order.append(OPERATOR_SLOT)
                continue
            if long_form and key == "_command":
                values["command"] = value
                continue
        field = key_to_field.get(key)
        if field is not None:
            spec = specs[field]
            if isinstance(value, dict):
                if spec.task:
                    values[field] = build_task(None, value)
                    order.append(key)
                    continue
                if spec.models:
                    values[field] = _build_model(spec.models, value)
                    order.append(key)
                    continue
            if spec.fits(value):
                values[field] = value
                order.append(key)
                continue
        params[key] = value
        order.append(key)
    if has_tasks:
        values["tasks"] = tasks
    return values, params, order


def _build_model(candidates: list[type[DigModel]], value: DataTree) -> DigModel:
    from digrefactor.models._directives import (
        IntervalRetryCondition,
        RetryCondition,
        SimpleRetryCondition,
    )
    from digrefactor.models._schedule import SCHEDULE_CLASSES, Schedule

    cls = candidates[0]
    if cls is Schedule:
        for key in value:
            if key.endswith(">") and key[:-1] in SCHEDULE_CLASSES:
                cls = SCHEDULE_CLASSES[key[:-1]]
                break
    elif cls is RetryCondition:
        cls = IntervalRetryCondition if set(value) - {"limit"} else SimpleRetryCondition
    return cls.from_raw(value)
