"""A client of Digdag's REST API: projects, workflows, schedules, sessions, attempts, logs.

>>> from digrefactor.client import DigdagClient
>>> with DigdagClient("http://127.0.0.1:65432") as client:  # doctest: +SKIP
...     project = client.push("my_project_dir", "my_project")
...     attempt = client.wait(client.start("my_project", "main"))
...     print(attempt.status, client.logs(attempt))
"""

from digrefactor.client._archive import (
    DEFAULT_ARCHIVE_SIZE_LIMIT,
    build_archive,
    check_archive_size,
    extract_archive,
    read_archive,
)
from digrefactor.client._client import DEFAULT_ENDPOINT, DEFAULT_TIMEOUT, DigdagClient
from digrefactor.client._errors import (
    ArchiveError,
    ArchiveTooLarge,
    BadRequest,
    Conflict,
    DigdagAPIError,
    DigdagClientError,
    DigdagConnectionError,
    Forbidden,
    NotFound,
    ServerError,
    Unauthorized,
    WaitTimeout,
)
from digrefactor.client._models import (
    Attempt,
    DirectDownload,
    IdAndName,
    LastAttempt,
    LogFile,
    NameOptionalId,
    Project,
    Revision,
    Schedule,
    ScheduleAttempts,
    ScheduleSummary,
    Secret,
    Session,
    Task,
    VersionCheck,
    Workflow,
    WorkflowSessionTime,
)
from digrefactor.files import DigdagIgnore

__all__ = [
    "DEFAULT_ARCHIVE_SIZE_LIMIT",
    "DEFAULT_ENDPOINT",
    "DEFAULT_TIMEOUT",
    "ArchiveError",
    "ArchiveTooLarge",
    "Attempt",
    "BadRequest",
    "Conflict",
    "DigdagAPIError",
    "DigdagClient",
    "DigdagClientError",
    "DigdagConnectionError",
    "DigdagIgnore",
    "DirectDownload",
    "Forbidden",
    "IdAndName",
    "LastAttempt",
    "LogFile",
    "NameOptionalId",
    "NotFound",
    "Project",
    "Revision",
    "Schedule",
    "ScheduleAttempts",
    "ScheduleSummary",
    "Secret",
    "ServerError",
    "Session",
    "Task",
    "Unauthorized",
    "VersionCheck",
    "WaitTimeout",
    "Workflow",
    "WorkflowSessionTime",
    "build_archive",
    "check_archive_size",
    "extract_archive",
    "read_archive",
]
