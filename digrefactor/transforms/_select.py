"""Walking and selecting tasks: every task with its full name, its parent, and a way to replace it.

``iter_task_refs(workflow)`` yields a :class:`TaskRef` for every task of a workflow, depth
first in file order, with full names as Digdag builds them (``+wf+group+task``, ``^error``,
``^check`` and ``^sub`` for bodies). A :class:`TaskSelector` filters them by operator, by name
glob and by parameter presence or value.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from digrefactor._datatree import Include
from digrefactor.models import (
    DigModel,
    GroupTask,
    OperatorTask,
    RawTask,
    Task,
    Workflow,
)

__all__ = [
    "TaskRef",
    "TaskSelector",
    "iter_task_refs",
    "normalize_operator",
    "select_tasks",
    "short_name",
]

_MISSING = object()


@dataclass
class TaskRef:
    """A task, its full name, and where it sits (to replace it with a task of another class).

    ``owner`` is the workflow or task that holds it; ``attr`` the field (``tasks``, ``error``,
    ``check``, ``do``, ``else_do``); ``index`` its position when ``attr`` is a task list.
    """

    full_name: str
    task: Task
    owner: DigModel
    attr: str
    index: int | None = None

    @property
    def short_name(self) -> str:
        return short_name(self.full_name)

    @property
    def is_body(self) -> bool:
        """An unnamed body (``_error``, ``_check``, ``_do``, ``_else_do``)."""
        return self.index is None

    def siblings(self) -> list[Task | Include]:
        """The task list this task belongs to (empty for bodies)."""
        if self.index is None:
            return []
        tasks: list[Task | Include] = getattr(self.owner, self.attr)
        return tasks

    def replace(self, new: Task) -> None:
        """Put *new* where this task is (keeping the original key's place in the file)."""
        old = self.task
        new.name = old.name
        new._key = old._key
        if self.index is None:
            setattr(self.owner, self.attr, new)
        else:
            tasks: list[Task | Include] = getattr(self.owner, self.attr)
            tasks[self.index] = new
        self.task = new


def short_name(full_name: str) -> str:
    """The last segment of a full task name: ``+wf+g+t`` → ``+t``, ``+wf+g^error`` → ``^error``."""
    cut = max(full_name.rfind("+"), full_name.rfind("^"))
    return full_name[cut:] if cut >= 0 else full_name


def normalize_operator(name: str) -> str:
    """``td>`` and ``td`` both name the ``td`` operator."""
    name = name.strip()
    return name[:-1] if name.endswith(">") else name


def iter_task_refs(workflow: Workflow) -> Iterator[TaskRef]:
    """Every task of *workflow* (named tasks and bodies), depth first, in file order.

    The list of children is read again after a task has been yielded, so a caller may replace
    the task it was given (:meth:`TaskRef.replace`) and the walk continues into the new one.
    The walk keeps its own stack, so it goes as deep as the workflow does.
    """
    stack: list[Iterator[TaskRef]] = [_top_refs(workflow)]
    while stack:
        ref = next(stack[-1], None)
        if ref is None:
            stack.pop()
            continue
        yield ref
        stack.append(_child_refs(ref))


def _top_refs(workflow: Workflow) -> Iterator[TaskRef]:
    root = "+" + workflow.name
    for attr, suffix in (("error", "^error"), ("check", "^check")):
        body = getattr(workflow, attr)
        if isinstance(body, Task):
            yield TaskRef(root + suffix, body, workflow, attr)
    yield from _list_refs(root, workflow, workflow.tasks)


def _list_refs(prefix: str, owner: DigModel, tasks: list[Task | Include]) -> Iterator[TaskRef]:
    for index in range(len(tasks)):
        child = tasks[index]
        if isinstance(child, Task) and child.name:
            yield TaskRef(prefix + child.key, child, owner, "tasks", index)


def _child_refs(ref: TaskRef) -> Iterator[TaskRef]:
    """The tasks directly under *ref*, read when first asked for (after *ref* was yielded)."""
    task = ref.task  # may have been replaced by the caller
    for attr, suffix in (("error", "^error"), ("check", "^check")):
        body = getattr(task, attr, None)
        if isinstance(body, Task):
            yield TaskRef(ref.full_name + suffix, body, task, attr)
    if isinstance(task, OperatorTask):
        for attr in ("do", "else_do"):
            body = getattr(task, attr, None)
            if isinstance(body, Task):
                yield TaskRef(ref.full_name + "^sub", body, task, attr)
    if isinstance(task, GroupTask):
        yield from _list_refs(ref.full_name, task, task.tasks)


@dataclass(frozen=True)
class TaskSelector:
    """Which tasks a pass edits; an empty selector matches every task.

    * ``operators``: operator names (``td`` or ``td>``); matches operator tasks of any of them.
    * ``names``: globs (:func:`fnmatch.fnmatchcase`) on the full name (``+wf+group+task``) or
      the short name (``+task``, also written ``task``).
    * ``has_params``: parameter keys (dotted for nested mappings) the task must have.
    * ``where``: ``(key, value)`` pairs the task's parameters must equal (type-exact).
    * ``kinds``: restrict to ``"operator"`` and/or ``"group"`` tasks.
    """

    operators: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    has_params: tuple[str, ...] = ()
    where: tuple[tuple[str, Any], ...] = ()
    kinds: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (self.operators or self.names or self.has_params or self.where)

    def matches(self, ref: TaskRef) -> bool:
        task = ref.task
        if isinstance(task, RawTask):
            return False
        if self.kinds:
            kind = "operator" if isinstance(task, OperatorTask) else "group"
            if kind not in self.kinds:
                return False
        if self.operators:
            if not isinstance(task, OperatorTask):
                return False
            if task.operator not in {normalize_operator(o) for o in self.operators}:
                return False
        if self.names and not any(name_matches(ref.full_name, g) for g in self.names):
            return False
        for key in self.has_params:
            if lookup(task, key) is _MISSING:
                return False
        for key, value in self.where:
            found = lookup(task, key)
            if found is _MISSING or not _same(found, value):
                return False
        return True


def name_matches(full_name: str, pattern: str) -> bool:
    """Does *pattern* match the full name or the short name (with or without its ``+``)?"""
    if fnmatch.fnmatchcase(full_name, pattern):
        return True
    short = short_name(full_name)
    if fnmatch.fnmatchcase(short, pattern):
        return True
    return short[:1] in "+^" and fnmatch.fnmatchcase(short[1:], pattern)


def select_tasks(workflow: Workflow, selector: TaskSelector | None = None) -> Iterator[TaskRef]:
    """The tasks of *workflow* that *selector* matches (every task when it is ``None``)."""
    for ref in iter_task_refs(workflow):
        if selector is None or selector.matches(ref):
            yield ref


def lookup(model: DigModel, dotted: str) -> Any:
    """A (dotted) parameter of a model, or the module's ``_MISSING`` marker."""
    first, *rest = split_key(dotted)
    value = _own_value(model, first)
    for part in rest:
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _own_value(model: DigModel, key: str) -> Any:
    if isinstance(model, OperatorTask) and key == model.operator_key:
        return model.command
    field_name = model.__key_to_field__.get(key)
    if field_name is not None:
        value = getattr(model, field_name)
        if value is not None:
            return _plain(value)
    if key in model.params:
        return model.params[key]
    return _MISSING


def _plain(value: Any) -> Any:
    from digrefactor.models import raw_value

    return raw_value(value)


def split_key(dotted: str) -> Sequence[str]:
    """``docker.image`` → ``["docker", "image"]`` (a key is never empty)."""
    parts = dotted.split(".")
    if any(not p for p in parts):
        raise ValueError(f"bad parameter key {dotted!r}: empty segment")
    return parts


def _same(a: Any, b: Any) -> bool:
    from digrefactor._datatree import raw_equal

    return raw_equal(a, b)
