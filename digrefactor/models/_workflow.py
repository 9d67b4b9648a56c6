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
    """Time zone of the schedule and of session times (`Asia/Tokyo`, `+09:00`; UTC)."""
    schedule: Schedule | None = None
    """When the workflow runs: one `TYPE>: value` plus skip/start/end options."""
    sla: SLA | None = None
    """A deadline (`time` or `duration`) and what happens when an attempt misses it."""
    export: dict[str, Any] | None = Field(default=None, alias="_export")
    """`_export`: parameters visible to every task of the workflow."""
    parallel: bool | str | ParallelLimit | None = Field(default=None, alias="_parallel")
    """`_parallel`: run the top-level tasks at once (`true`), or in batches (`{limit: N}`)."""
    retry: int | str | RetryCondition | None = Field(default=None, alias="_retry")
    """`_retry`: run the whole workflow again when a task fails, `N` times or a mapping."""
    error: Task | None = Field(default=None, alias="_error")
    """`_error`: a task run when the workflow fails (`${error.message}` says why)."""
    check: Task | None = Field(default=None, alias="_check")
    """`_check`: a task run after the workflow succeeded."""
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
    """Every named task with its full name, plus ``^error``/``^check``/``^sub`` bodies.

    Depth first with a stack of its own, so it goes as deep as the workflow does.
    """
    root = "+" + workflow.name
    top = [(root + suffix, body) for suffix, body in _workflow_bodies(workflow)]
    top += [
        (root + child.key, child)
        for child in workflow.tasks
        if isinstance(child, Task) and child.name
    ]
    stack: list[Iterator[tuple[str, Task]]] = [iter(top)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        yield item
        prefix, task = item
        inner = [(prefix + suffix, body) for suffix, body in _bodies(task)]
        if isinstance(task, GroupTask):
            inner += [
                (prefix + child.key, child)
                for child in task.tasks
                if isinstance(child, Task) and child.name
            ]
        stack.append(iter(inner))


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
    #: A directory whose files ship with the project as well (SQL, scripts...: a package made
    #: by ``digrefactor convert`` keeps them next to its module). They are read, with their
    #: permission bits, when the project is exported or pushed.
    files_dir: Path | None = None

    __special_fields__ = frozenset({"params", "name", "workflows", "files", "files_dir"})

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
