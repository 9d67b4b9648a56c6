"""Tasks: groups of tasks, operator tasks, and the directives every task may carry."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import Field

from digrefactor._datatree import DataTree, Include, include_key
from digrefactor._errors import DigValidationError
from digrefactor.models._base import (
    OPERATOR_SLOT,
    PARAMS_SLOT,
    TASKS_SLOT,
    DigModel,
    raw_value,
)
from digrefactor.models._directives import ParallelLimit, RetryCondition

__all__ = [
    "GroupTask",
    "NamedTask",
    "OperatorTask",
    "ParallelTask",
    "RawTask",
    "Task",
    "TaskItem",
]

_DIRECTIVE_ORDER = [
    "_parallel",
    "_background",
    "_after",
    "_export",
    "_secrets",
    "_retry",
    "_disable",
    "_error",
    "_check",
]


class Task(DigModel):
    """Anything that can stand under a ``+name:`` key, or as ``_error`` / ``_check`` / ``_do``.

    ``name`` is written without the leading ``+``; it is ``None`` for unnamed task bodies
    (``_error``, ``_check``, ``_do``, ``_else_do``).
    """

    __is_task__: ClassVar[bool] = True
    __special_fields__ = frozenset({"params", "name", "tasks", "operator", "command", "long_form"})

    name: str | None = None
    parallel: bool | str | ParallelLimit | None = Field(default=None, alias="_parallel")
    """`_parallel`: run the children at once (`true`), or in batches (`{limit: N}`)."""
    background: bool | str | None = Field(default=None, alias="_background")
    """`_background: true`: start alongside the previous task of a sequential group."""
    after: list[str] | str | None = Field(default=None, alias="_after")
    """`_after: [+a, +b]`: wait for these earlier siblings (in a `_parallel: true` group)."""
    retry: int | str | RetryCondition | None = Field(default=None, alias="_retry")
    """`_retry`: retry on failure, `N` times or `{limit, interval, interval_type, ...}`."""
    error: Task | None = Field(default=None, alias="_error")
    """`_error`: a task run when this one fails (`${error.message}` says why)."""
    check: Task | None = Field(default=None, alias="_check")
    """`_check`: a task run after this one succeeded."""
    export: dict[str, Any] | None = Field(default=None, alias="_export")
    """`_export`: parameters visible to this task and every task under it."""
    secrets: dict[str, Any] | None = Field(default=None, alias="_secrets")
    """`_secrets`: grant (`key: true`) or remount (`key: other.prefix`) secret keys."""
    disable: bool | str | None = Field(default=None, alias="_disable")
    """`_disable: true`: skip this task and everything under it."""

    @property
    def _key(self) -> str | None:
        """The key this task was loaded under (keeps its place in the file when renamed)."""
        try:
            key: str | None = object.__getattribute__(self, "_dig_key")
        except AttributeError:
            key = None
        return key

    @_key.setter
    def _key(self, value: str | None) -> None:
        object.__setattr__(self, "_dig_key", value)

    @property
    def key(self) -> str:
        """The data key of this task: ``+name``."""
        if not self.name:
            raise ValueError("an unnamed task has no key")
        return self.name if self.name.startswith("+") else "+" + self.name

    @classmethod
    def _canonical_order(cls) -> list[str]:
        specs = cls.__fields_spec__
        directive_keys = [k for k in _DIRECTIVE_ORDER if k in cls.__key_to_field__]
        own = [s.data_key for s in specs.values() if s.data_key not in _DIRECTIVE_ORDER]
        return [*directive_keys, *own, PARAMS_SLOT]


TaskItem = Task | Include


class GroupTask(Task):
    """A group of tasks: ``+name:`` holding ``+child:`` tasks and group directives.

    ``tasks`` may also hold :class:`Include` entries (``!include : tasks.dig``).
    """

    tasks: list[Task | Include] = Field(default_factory=list)

    def add_task(self, task: Task | Include) -> Self:
        self.tasks.append(task)
        return self

    @classmethod
    def _canonical_order(cls) -> list[str]:
        return [*super()._canonical_order(), TASKS_SLOT]

    def _tasks_for_raw(self) -> list[tuple[str, str, Any]]:
        return tasks_for_raw(self.tasks)


#: The seed library's name for a group of tasks.
NamedTask = GroupTask


class ParallelTask(GroupTask):
    """A group whose children run in parallel (``_parallel: true`` unless set otherwise)."""

    parallel: bool | str | ParallelLimit | None = Field(default=True, alias="_parallel")


class OperatorTask(Task):
    """A task that runs one operator: ``name>: command`` plus parameters.

    This class itself stands for any operator without a dedicated class (plugins such as
    ``slack>``); built-in operators have subclasses with typed parameters.
    """

    __is_operator__ = True

    operator: str
    command: Any = None

    #: Written in Digdag's long form, ``_type: op`` / ``_command: x``, instead of ``op>: x``.
    long_form: bool = False

    @property
    def operator_key(self) -> str:
        return f"{self.operator}>"

    @classmethod
    def _canonical_order(cls) -> list[str]:
        specs = cls.__fields_spec__
        directive_keys = [k for k in _DIRECTIVE_ORDER if k in cls.__key_to_field__]
        own = [s.data_key for s in specs.values() if s.data_key not in _DIRECTIVE_ORDER]
        return [OPERATOR_SLOT, *own, PARAMS_SLOT, *directive_keys]

    def to_raw(self) -> DataTree:
        # Other operator keys are data Digdag keeps: it compiles a `_check` or `_do` body only
        # when it runs it (a task or `_error` with two is the checker's to reject). This task's
        # own key in params would collide with .operator/.command and lose one of them.
        own = ("_type", "_command") if self.long_form else (self.operator_key,)
        clash = [k for k in own if k in self.params]
        if clash:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: params hold its own operator key(s) "
                f"{', '.join(clash)}; set .operator and .command instead"
            )
        return super().to_raw()

    def _emit_special(self, key: str, out: DataTree) -> None:
        if key == OPERATOR_SLOT:
            if self.long_form:
                out["_type"] = self.operator
                if self.command is not None:
                    out["_command"] = raw_value(self.command)
            else:
                out[self.operator_key] = raw_value(self.command)


class RawTask(Task):
    """A task whose value Digdag accepts but models do not structure (a list of mappings)."""

    value: Any = None

    def to_raw(self) -> Any:
        return raw_value(self.value)


def tasks_for_raw(tasks: list[Task | Include]) -> list[tuple[str, str, Any]]:
    out: list[tuple[str, str, Any]] = []
    seen: set[str] = set()
    for item in tasks:
        if isinstance(item, Include):
            out.append((item.key, item.key, item))
        else:
            if not item.name:
                raise ValueError(f"a task in a task list needs a name: {item!r}")
            key = item.key
            if key in seen:
                # A mapping holds a key once: the second task would silently replace the first.
                raise DigValidationError(
                    f"two tasks in one group are named {key}; Digdag needs task names unique "
                    "within their group (rename or remove one)"
                )
            seen.add(key)
            out.append((item._key or key, key, item.to_raw()))
    return out


def new_include(path: str) -> Include:
    return Include(path, key=include_key())
