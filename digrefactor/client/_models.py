"""Typed views of Digdag's REST API JSON (``digdag-client/.../api/Rest*.java``).

Attributes are snake_case; the camelCase JSON names are aliases. Digdag serialises ids as strings,
they are exposed as ``int``. Unknown fields are ignored so newer servers keep working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

AttemptStatus = Literal["success", "error", "killed", "running"]
TaskState = Literal[
    "blocked",
    "ready",
    "retry_waiting",
    "group_retry_waiting",
    "running",
    "planned",
    "group_error",
    "success",
    "error",
    "canceled",
]


class DigdagModel(BaseModel):
    """Base of all response models: camelCase aliases, immutable, tolerant of new fields."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class IdAndName(DigdagModel):
    id: int
    name: str


class NameOptionalId(DigdagModel):
    name: str
    id: int | None = None


class Project(DigdagModel):
    id: int
    name: str
    revision: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    archive_type: str
    archive_md5: str | None = None


class Revision(DigdagModel):
    revision: str
    created_at: datetime
    archive_type: str
    archive_md5: str | None = None
    user_info: dict[str, Any] | None = None


class Workflow(DigdagModel):
    """A workflow definition of one project revision; ``config`` is Digdag's normalised form."""

    id: int
    name: str
    project: IdAndName
    revision: str
    timezone: str
    config: dict[str, Any] = Field(default_factory=dict)


class WorkflowSessionTime(DigdagModel):
    project: IdAndName
    revision: str
    session_time: datetime
    timezone: str


class Schedule(DigdagModel):
    id: int
    project: IdAndName
    workflow: IdAndName
    next_run_time: datetime
    next_schedule_time: datetime
    disabled_at: datetime | None = None


class ScheduleSummary(Schedule):
    """What skip, enable and disable return: a schedule plus its timestamps."""

    created_at: datetime
    updated_at: datetime


class LastAttempt(DigdagModel):
    id: int
    retry_attempt_name: str | None = None
    done: bool
    success: bool
    cancel_requested: bool
    params: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    finished_at: datetime | None = None


class Session(DigdagModel):
    id: int
    project: IdAndName
    workflow: NameOptionalId
    session_uuid: str
    session_time: datetime
    last_attempt: LastAttempt | None = None


class Attempt(DigdagModel):
    """A session attempt. ``status`` is ``success``, ``error``, ``killed`` or ``running``."""

    id: int
    index: int = 0  # absent from servers older than the attempt index (Digdag's default too)
    project: IdAndName
    workflow: NameOptionalId
    session_id: int
    session_uuid: str
    session_time: datetime
    retry_attempt_name: str | None = None
    done: bool
    success: bool
    cancel_requested: bool
    params: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    finished_at: datetime | None = None
    status: AttemptStatus | None = None

    @property
    def state(self) -> AttemptStatus:
        """The status, derived like Digdag's getter when an older server omits it."""
        if self.status is not None:
            return self.status
        if not self.done:
            return "running"
        if self.success:
            return "success"
        return "killed" if self.cancel_requested else "error"


class ScheduleAttempts(DigdagModel):
    """The attempts a backfill created (or would create, with ``dry_run``)."""

    id: int
    project: IdAndName
    workflow: IdAndName
    attempts: list[Attempt]


class Task(DigdagModel):
    id: int
    full_name: str
    parent_id: int | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    upstreams: list[int] = Field(default_factory=list)
    # Serialised as "isGroup"; accept Jackson's bean-style "group" too.
    is_group: bool = Field(
        validation_alias=AliasChoices("isGroup", "group", "is_group"), serialization_alias="isGroup"
    )
    state: str
    cancel_requested: bool = False  # older servers omit it (Digdag's own default)
    export_params: dict[str, Any] = Field(default_factory=dict)
    store_params: dict[str, Any] = Field(default_factory=dict)
    state_params: dict[str, Any] = Field(default_factory=dict)
    updated_at: datetime
    retry_at: datetime | None = None
    started_at: datetime | None = None
    error: dict[str, Any] = Field(default_factory=dict)


class DirectDownload(DigdagModel):
    url: str


class LogFile(DigdagModel):
    file_name: str
    file_size: int
    task_name: str
    file_time: datetime
    agent_id: str
    direct: DirectDownload | None = None


class Secret(DigdagModel):
    key: str
    project: IdAndName


class VersionCheck(DigdagModel):
    server_version: str
    upgrade_recommended: bool
    api_compatible: bool
