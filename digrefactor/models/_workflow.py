"""``Workflow`` (one `.dig` file) and ``WorkflowProject`` (a directory of them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from pydantic import Field, PrivateAttr

from digrefactor._datatree import Include
from digrefactor.models._base import PARAMS_SLOT, TASKS_SLOT, DigModel
from digrefactor.models._directives import ParallelLimit, RetryCondition
from digrefactor.models._schedule import SLA, Schedule
from digrefactor.models._tasks import GroupTask, OperatorTask, Task, tasks_for_raw

__all__ = ["Workflow", "WorkflowProject", "walk_tasks"]


class Workflow(DigModel):
    """One workflow: a `.dig` file whose name (without `.dig`) is the workflow name.

    Top-level keys Digdag accepts: ``timezone``, ``schedule``, ``sla``, ``_export``,
    ``_parallel``, ``_retry``, ``_error``, ``_check`` and ``+tasks``. A workflow built in code
    is written with ``timezone: UTC`` unless told otherwise; a loaded workflow keeps exactly
    the keys its file has.
    """

    name: str
    timezone: str | None = "UTC"
    schedule: Schedule | None = None
    sla: SLA | None = None
    export: dict[str, Any] | None = Field(default=None, alias="_export")
    parallel: bool | str | ParallelLimit | None = Field(default=None, alias="_parallel")
    retry: int | str | RetryCondition | None = Field(default=None, alias="_retry")
    error: Task | None = Field(default=None, alias="_error")
    check: Task | None = Field(default=None, alias="_check")
    tasks: list[Task | Include] = Field(default_factory=list)

    __special_fields__ = frozenset({"params", "name", "tasks"})

    #: Where the workflow was loaded from, and its source (for lossless writes).
    _path: Path | None = PrivateAttr(default=None)
    _source: Any = PrivateAttr(default=None)

    @classmethod
    def _canonical_order(cls) -> list[str]:
        keys = [s.data_key for s in cls.__fields_spec__.values()]
        return [*keys, PARAMS_SLOT, TASKS_SLOT]

    def _tasks_for_raw(self) -> list[tuple[str, str, Any]]:
        return tasks_for_raw(self.tasks)

    @property
    def path(self) -> Path | None:
        """The file this workflow was loaded from (``None`` when built in code)."""
        return self._path

    def add_task(self, task: Task | Include) -> Self:
        self.tasks.append(task)
        return self

    def walk(self) -> Iterator[tuple[str, Task]]:
        """Every task with its full name (``+wf+group+task``), depth first, in file order."""
        return walk_tasks(self)


def walk_tasks(workflow: Workflow) -> Iterator[tuple[str, Task]]:
    """Every named task with its full name, plus ``^error``/``^check``/``^sub`` bodies."""
    root = "+" + workflow.name

    def visit(prefix: str, task: Task) -> Iterator[tuple[str, Task]]:
        yield prefix, task
        for suffix, body in _bodies(task):
            yield from visit(prefix + suffix, body)
        if isinstance(task, GroupTask):
            for child in task.tasks:
                if isinstance(child, Task) and child.name:
                    yield from visit(prefix + child.key, child)

    for suffix, body in _workflow_bodies(workflow):
        yield from visit(root + suffix, body)
    for child in workflow.tasks:
        if isinstance(child, Task) and child.name:
            yield from visit(root + child.key, child)


def _workflow_bodies(workflow: Workflow) -> Iterator[tuple[str, Task]]:
    if workflow.error is not None:
        yield "^error", workflow.error
    if workflow.check is not None:
        yield "^check", workflow.check


def _bodies(task: Task) -> Iterator[tuple[str, Task]]:
    if task.error is not None:
        yield "^error", task.error
    if task.check is not None:
        yield "^check", task.check
    if isinstance(task, OperatorTask):
        specs = type(task).__fields_spec__
        for attr, suffix in (("do", "^sub"), ("else_do", "^sub")):
            body = getattr(task, attr) if attr in specs else None
            if isinstance(body, Task):
                yield suffix, body


class WorkflowProject(DigModel):
    """A Digdag project: workflows (top-level `.dig` files) and any other files it ships."""

    name: str
    workflows: list[Workflow] = Field(default_factory=list)
    #: Other files of the project (SQL, scripts, included YAML), by POSIX path relative to it.
    files: dict[str, bytes] = Field(default_factory=dict)

    __special_fields__ = frozenset({"params", "name", "workflows", "files"})

    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        return self._path

    def add_workflow(self, workflow: Workflow) -> Self:
        self.workflows.append(workflow)
        return self

    def workflow(self, name: str) -> Workflow:
        for wf in self.workflows:
            if wf.name == name:
                return wf
        raise KeyError(name)
