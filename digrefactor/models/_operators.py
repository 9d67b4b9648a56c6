"""One task class per built-in Digdag operator, with typed fields for documented parameters.

Every class keeps unknown parameters in ``params``; typed fields accept template strings
(``${...}``) wherever Digdag would evaluate them at run time. Sources: spec §3 and
digdag-standards ``operator/*``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from digrefactor.models._build import register_operator
from digrefactor.models._tasks import OperatorTask, Task

__all__ = [
    "CallTask",
    "CommandTask",
    "DependentWorkflow",
    "EchoTask",
    "EmbeddedTask",
    "ErrorTask",
    "FailTask",
    "ForEachTask",
    "ForRangeTask",
    "IfTask",
    "LoopTask",
    "NotifyTask",
    "PyTask",
    "RbTask",
    "RepeatableTask",
    "RequireTask",
    "ShTask",
    "TdTask",
    "WaitTask",
]

# Field types: a parameter documented as int/bool may also be a `${...}` template string.
Int = int | str
Bool = bool | str


# ----------------------------------------------------------------------------- workflow control


@register_operator
class CallTask(OperatorTask):
    """``call>: file.dig``: run another workflow file of the project as a subtask."""

    operator: Literal["call"] = "call"
    command: str | None = None


@register_operator
class RequireTask(OperatorTask):
    """``require>: workflow``: start another workflow (or wait for it) and wait for it."""

    operator: Literal["require"] = "require"
    command: str | None = None
    session_time: str | None = None
    project_id: Int | None = None
    project_name: str | None = None
    rerun_on: str | None = None
    ignore_failure: Bool | None = None
    params_: dict[str, Any] | None = Field(default=None, alias="params")
    retry_attempt_name: str | None = None


@register_operator
class LoopTask(OperatorTask):
    """``loop>: N``: run ``_do`` N times (exports ``${i}``)."""

    operator: Literal["loop"] = "loop"
    command: Int | None = None
    count: Int | None = None
    do: Task | None = Field(default=None, alias="_do")


@register_operator
class ForEachTask(OperatorTask):
    """``for_each>: {var: [values]}``: run ``_do`` for every combination of values."""

    operator: Literal["for_each"] = "for_each"
    command: dict[str, Any] | str | None = None
    do: Task | None = Field(default=None, alias="_do")


@register_operator
class ForRangeTask(OperatorTask):
    """``for_range>: {from, to, step|slices}``: run ``_do`` per range slice."""

    operator: Literal["for_range"] = "for_range"
    command: dict[str, Any] | str | None = None
    do: Task | None = Field(default=None, alias="_do")


@register_operator
class IfTask(OperatorTask):
    """``if>: condition``: run ``_do`` when true, ``_else_do`` otherwise."""

    operator: Literal["if"] = "if"
    command: Bool | None = None
    do: Task | None = Field(default=None, alias="_do")
    else_do: Task | None = Field(default=None, alias="_else_do")


@register_operator
class FailTask(OperatorTask):
    """``fail>: message``: always fails."""

    operator: Literal["fail"] = "fail"
    command: str | None = None


@register_operator
class EchoTask(OperatorTask):
    """``echo>: message``: print a message."""

    operator: Literal["echo"] = "echo"
    command: Any = None


@register_operator
class WaitTask(OperatorTask):
    """``wait>: 10s``: wait for a duration."""

    operator: Literal["wait"] = "wait"
    command: str | None = None
    blocking: Bool | None = None
    poll_interval: str | None = None


@register_operator
class NotifyTask(OperatorTask):
    """``notify>: message``: send a notification through the server's notifier."""

    operator: Literal["notify"] = "notify"
    command: str | None = None


# ----------------------------------------------------------------------------- scripting


@register_operator
class ShTask(OperatorTask):
    """``sh>: script``: run a shell script (the seed's ``CommandTask``)."""

    operator: Literal["sh"] = "sh"
    command: str | None = None
    shell: list[str] | None = None
    env: dict[str, Any] | None = Field(default=None, alias="_env")


#: The seed library's name for an ``sh>`` task.
CommandTask = ShTask


class ErrorTask(ShTask):
    """An ``sh>`` task used as a workflow's ``_error`` handler (the seed's ``ErrorTask``)."""


@register_operator
class PyTask(OperatorTask):
    """``py>: module.Class.method``: run a Python method (or inline ``script``)."""

    operator: Literal["py"] = "py"
    command: str | None = None
    python: str | list[str] | None = None
    script: str | None = None
    env: dict[str, Any] | None = Field(default=None, alias="_env")
    docker: dict[str, Any] | None = None


@register_operator
class RbTask(OperatorTask):
    """``rb>: Module::Class.method``: run a Ruby method (or inline ``script``)."""

    operator: Literal["rb"] = "rb"
    command: str | None = None
    ruby: str | list[str] | None = None
    require: str | None = None
    script: str | None = None
    env: dict[str, Any] | None = Field(default=None, alias="_env")


# ----------------------------------------------------------------------------- Treasure Data


@register_operator
class TdTask(OperatorTask):
    """``td>: query.sql``: run a Treasure Data query (file, ``{data: ...}`` or ``query:``)."""

    operator: Literal["td"] = "td"
    command: str | dict[str, Any] | None = None
    query: str | None = None
    database: str | None = None
    endpoint: str | None = None
    use_ssl: Bool | None = None
    engine: str | None = None
    priority: Int | None = None
    job_retry: Int | None = None
    presto_pool_name: str | None = None
    hive_pool_name: str | None = None
    engine_version: str | None = None
    hive_engine_version: str | None = None
    create_table: str | None = None
    insert_into: str | None = None
    download_file: str | None = None
    store_last_results: Bool | None = None
    preview: Bool | None = None
    result_url: str | None = None
    result_connection: str | None = None
    result_settings: dict[str, Any] | None = None


# ----------------------------------------------------------------------------- seed aliases


class DependentWorkflow(RequireTask):
    """The seed's ``require>`` task: ``DependentWorkflow(name=, workflow=, project=)``."""

    def __init__(
        self, /, workflow: str | None = None, project: str | int | None = None, **data: Any
    ) -> None:
        if workflow is not None:
            data.setdefault("command", workflow)
        if isinstance(project, int):
            data.setdefault("project_id", project)
        elif project is not None:
            data.setdefault("project_name", project)
        super().__init__(**data)


class EmbeddedTask(CallTask):
    """The seed's ``call>`` task: ``EmbeddedTask(name=, workflow=)`` (``.dig`` appended)."""

    def __init__(self, /, workflow: str | None = None, **data: Any) -> None:
        if workflow is not None:
            data.setdefault("command", workflow if workflow.endswith(".dig") else workflow + ".dig")
        super().__init__(**data)


#: The seed library's name for a ``for_each>`` task.
RepeatableTask = ForEachTask
