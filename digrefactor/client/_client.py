"""``DigdagClient``: every endpoint of Digdag 0.10.5.1's REST API over one ``requests.Session``."""

from __future__ import annotations

import gzip
import logging
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import requests

from digrefactor.client._archive import (
    DEFAULT_ARCHIVE_SIZE_LIMIT,
    ProjectFiles,
    build_archive,
    check_archive_size,
    extract_archive,
)
from digrefactor.client._errors import (
    Conflict,
    DigdagAPIError,
    DigdagConnectionError,
    NotFound,
    WaitTimeout,
    error_class_for_status,
)
from digrefactor.client._models import (
    Attempt,
    DigdagModel,
    LogFile,
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
from digrefactor.files import ProjectFile

log = logging.getLogger("digrefactor.client")

DEFAULT_ENDPOINT = "http://127.0.0.1:65432"
#: (connect, read) seconds; uploads and log downloads of a slow server fit in a minute.
DEFAULT_TIMEOUT = (10.0, 60.0)
#: Page size of list iterators; Digdag's default and maximum for sessions and attempts.
DEFAULT_PAGE_SIZE = 100
# Project archives and log files travel as gzip (Digdag's @Produces/@Consumes).
GZIP = "application/gzip"

ModelT = TypeVar("ModelT", bound=DigdagModel)
ProjectRef = int | Project
WorkflowRef = int | Workflow
ScheduleRef = int | Schedule
SessionRef = int | Session
AttemptRef = int | Attempt
SessionTimeMode = Literal["hour", "day", "schedule", "next_schedule"]


def _client_version() -> str:
    try:
        return package_version("digrefactor")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0+unknown"


def _id(ref: int | DigdagModel) -> int:
    if isinstance(ref, int):
        return ref
    ident = getattr(ref, "id", None)
    if not isinstance(ident, int):
        raise TypeError(f"expected an id or a model with an id, got {type(ref).__name__}")
    return ident


def _instant(value: datetime | str) -> str:
    """An ISO instant Digdag accepts (``yyyy-MM-ddTHH:mm:ssZ`` for aware datetimes)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone; Digdag needs an instant (use UTC)")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _offset_time(value: datetime | str) -> str:
    """A session time: keeps the offset (aware) or is a workflow-local time (naive)."""
    if isinstance(value, str):
        return value
    return value.replace(microsecond=0).isoformat()


class DigdagClient:
    """A client of a Digdag server's REST API.

    ``auth`` is ``(user, password)`` for basic authentication, or a string used as the bearer
    token; any other scheme (Treasure Workflow's ``TD1 <apikey>``) goes in
    ``headers={"Authorization": ...}``. Credentials embedded in the endpoint URL
    (``http://user:pass@host``) are moved to basic auth and removed from the URL, so they never
    show up in error messages or logs.

    Retries (``retries`` times, exponential backoff from ``backoff`` seconds, capped at 30 s)
    happen on connection errors, 5xx, 408 and 429 for idempotent requests only: every GET and
    setting a secret (PUT of the same value twice is harmless). Never retried: project upload
    (a replay could hit "revision already exists"), attempt start/kill/retry, schedule
    skip/backfill/enable/disable and deletes (a replay after a lost response would report 404).
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        auth: tuple[str, str] | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        verify: bool | str = True,
        session: requests.Session | None = None,
    ) -> None:
        parsed = urllib.parse.urlsplit(endpoint.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"endpoint must be an http(s) URL, got {parsed.geturl()!r}")
        if parsed.username is not None and auth is None:
            auth = (
                urllib.parse.unquote(parsed.username),
                urllib.parse.unquote(parsed.password or ""),
            )
        netloc = parsed.hostname if ":" not in parsed.hostname else f"[{parsed.hostname}]"
        if parsed.port is not None:
            netloc += f":{parsed.port}"
        path = parsed.path.rstrip("/")
        path = path.removesuffix("/api")
        self.endpoint = urllib.parse.urlunsplit((parsed.scheme, netloc, path, "", ""))
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._session.verify = verify
        self._session.headers["User-Agent"] = f"digrefactor/{_client_version()}"
        self._session.headers["Accept-Encoding"] = "gzip, deflate"
        self._session.headers["Accept"] = "application/json"
        if isinstance(auth, tuple):
            self._session.auth = requests.auth.HTTPBasicAuth(*auth)
        elif isinstance(auth, str):
            self._session.headers["Authorization"] = f"Bearer {auth}"
        for name, value in (headers or {}).items():
            self._session.headers[name] = value
        # Sleep hook so tests of the backoff need not wait.
        self._sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:
        return f"DigdagClient({self.endpoint!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session (only when the client created it)."""
        if self._owns_session:
            self._session.close()

    # ------------------------------------------------------------------ transport

    def _url(self, *segments: str | int) -> str:
        quoted = "/".join(urllib.parse.quote(str(segment), safe="") for segment in segments)
        return f"{self.endpoint}/api/{quoted}"

    def _request(
        self,
        method: str,
        segments: tuple[str | int, ...],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        retry: bool | None = None,
        url: str | None = None,
        anonymous: bool = False,
    ) -> requests.Response:
        """Send a request; map error statuses to exceptions; retry only when allowed.

        ``anonymous`` requests (pre-signed storage URLs) go without the session's credentials.
        ``accept`` replaces the session's ``Accept: application/json`` for the endpoints that
        produce something else (Digdag answers 406 to a JSON-only Accept there).
        """
        target = url if url is not None else self._url(*segments)
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        request_headers: dict[str, str] = {}
        if content_type is not None:
            request_headers["Content-Type"] = content_type
        if accept is not None:
            request_headers["Accept"] = accept
        retryable = method == "GET" if retry is None else retry
        attempts_left = self.retries if retryable else 0
        delay = self.backoff
        shown_url = target
        if clean_params:
            shown_url += "?" + urllib.parse.urlencode(clean_params, doseq=True)
        while True:
            send = requests.request if anonymous else self._session.request
            try:
                response = send(
                    method,
                    target,
                    params=clean_params,
                    json=json,
                    data=data,
                    headers=request_headers,
                    timeout=self.timeout,
                    verify=self._session.verify,
                )
            except requests.RequestException as exc:
                if attempts_left > 0:
                    log.debug("%s %s: %s; retrying in %.1fs", method, shown_url, exc, delay)
                    attempts_left -= 1
                    self._sleep(delay)
                    delay = min(delay * 2, 30.0)
                    continue
                raise DigdagConnectionError(
                    _connection_reason(exc), method=method, url=shown_url
                ) from None
            log.debug("%s %s -> %d", method, shown_url, response.status_code)
            status = response.status_code
            if status < 400:
                return response
            if attempts_left > 0 and (status >= 500 or status in (408, 429)):
                attempts_left -= 1
                self._sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            raise _api_error(response, method, shown_url)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> requests.Response:
        """Any API call not wrapped here: ``client.request("GET", "projects/1")``.

        ``path`` is relative to ``/api/``. Errors raise the typed exceptions; only GET is
        retried.
        """
        if content_type is None and json is not None:
            content_type = "application/json"
        return self._request(
            method.upper(),
            (),
            url=f"{self.endpoint}/api/{path.lstrip('/').removeprefix('api/')}",
            params=params,
            json=json,
            data=data,
            content_type=content_type,
        )

    def _get_json(self, *segments: str | int, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("GET", segments, params=params).json()

    def _get_model(
        self, model: type[ModelT], *segments: str | int, params: Mapping[str, Any] | None = None
    ) -> ModelT:
        return model.model_validate(self._get_json(*segments, params=params))

    def _get_list(
        self,
        model: type[ModelT],
        key: str,
        *segments: str | int,
        params: Mapping[str, Any] | None = None,
    ) -> list[ModelT]:
        body = self._get_json(*segments, params=params)
        return [model.model_validate(item) for item in body[key]]

    def _paged(
        self,
        model: type[ModelT],
        key: str,
        segments: tuple[str | int, ...],
        *,
        params: Mapping[str, Any] | None = None,
        size_param: str | None = "page_size",
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
    ) -> Iterator[ModelT]:
        """Follow ``last_id`` page by page; only one page is held in memory at a time.

        The cursor is the id of the page's last item, whatever the order (ascending for
        projects, workflows and schedules; newest first for sessions and attempts). Endpoints
        without a size parameter end on an empty page.
        """
        query = dict(params or {})
        if size_param is not None:
            query[size_param] = page_size
        last_id: int | None = None
        produced = 0
        while True:
            body = self._get_json(*segments, params={**query, "last_id": last_id})
            items = body[key]
            if items and last_id is not None and int(items[-1]["id"]) == last_id:
                # The server ignored the cursor (e.g. schedules filtered by workflow): this
                # page was already produced.
                return
            for item in items:
                yield model.model_validate(item)
                produced += 1
                if limit is not None and produced >= limit:
                    return
            if not items or (size_param is not None and len(items) < page_size):
                return
            last_id = int(items[-1]["id"])

    # ------------------------------------------------------------------ projects

    def projects(
        self, *, name_pattern: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[Project]:
        """All projects (id order); ``name_pattern`` filters by substring."""
        return self._paged(
            Project,
            "projects",
            ("projects",),
            params={"name_pattern": name_pattern},
            size_param="count",
            page_size=page_size,
        )

    def project(self, project: ProjectRef) -> Project:
        return self._get_model(Project, "projects", _id(project))

    def find_project(self, name: str) -> Project | None:
        """The project with exactly this name, or ``None``."""
        found = self._get_list(Project, "projects", "projects", params={"name": name})
        return found[0] if found else None

    def project_by_name(self, name: str) -> Project:
        """The project with exactly this name (deprecated ``GET /api/project``); 404 if none."""
        return self._get_model(Project, "project", params={"name": name})

    def delete_project(self, project: ProjectRef) -> Project:
        """Soft-delete a project (its schedules are removed, its history kept)."""
        body = self._request("DELETE", ("projects", _id(project))).json()
        return Project.model_validate(body)

    def revisions(self, project: ProjectRef, *, name: str | None = None) -> list[Revision]:
        """Revisions of a project, newest first (the server returns at most 100)."""
        return self._get_list(
            Revision, "revisions", "projects", _id(project), "revisions", params={"name": name}
        )

    def upload_archive(
        self,
        project_name: str,
        revision: str,
        archive: bytes,
        *,
        schedule_from: datetime | str | None = None,
        clear_schedules: list[str] | None = None,
        clear_all_schedules: bool | None = None,
    ) -> Project:
        """``PUT /api/projects``: upload a gzipped tar as a new revision of a project.

        ``clear_schedules``/``clear_all_schedules`` need a server newer than 0.10.5.1.
        """
        params: dict[str, Any] = {
            "project": project_name,
            "revision": revision,
            "schedule_from": _instant(schedule_from) if schedule_from is not None else None,
            "clear_schedule": clear_schedules or None,
            "clear_schedule_all": (
                None if clear_all_schedules is None else str(clear_all_schedules).lower()
            ),
        }
        response = self._request(
            "PUT", ("projects",), params=params, data=archive, content_type=GZIP
        )
        return Project.model_validate(response.json())

    def download_archive(
        self, project: ProjectRef, *, revision: str | None = None, direct_download: bool = True
    ) -> bytes:
        """The project archive (gzipped tar) of a revision, default the latest.

        With S3/GCS storage the server may redirect to a pre-signed URL; ``requests`` drops the
        ``Authorization`` header on that cross-host redirect. ``direct_download=False`` makes
        the server stream the archive itself.
        """
        response = self._request(
            "GET",
            ("projects", _id(project), "archive"),
            params={"revision": revision, "direct_download": None if direct_download else "false"},
            accept=GZIP,
        )
        return response.content

    def project_workflows(
        self, project: ProjectRef, *, revision: str | None = None, name: str | None = None
    ) -> list[Workflow]:
        """Workflows of a project revision (default the latest)."""
        return self._get_list(
            Workflow,
            "workflows",
            "projects",
            _id(project),
            "workflows",
            params={"revision": revision, "name": name},
        )

    def project_workflow(
        self, project: ProjectRef, name: str, *, revision: str | None = None
    ) -> Workflow:
        """One workflow of a project by name."""
        return self._get_model(
            Workflow, "projects", _id(project), "workflows", name, params={"revision": revision}
        )

    def project_schedules(
        self, project: ProjectRef, *, workflow: str | None = None
    ) -> Iterator[Schedule]:
        """Schedules of a project (id order), or the one of ``workflow``."""
        if workflow is not None:
            # Digdag answers one schedule (or none) and ignores last_id for this filter.
            return iter(
                self._get_list(
                    Schedule,
                    "schedules",
                    "projects",
                    _id(project),
                    "schedules",
                    params={"workflow": workflow},
                )
            )
        return self._paged(
            Schedule, "schedules", ("projects", _id(project), "schedules"), size_param=None
        )

    def project_schedule(self, project: ProjectRef, workflow: str) -> Schedule:
        """The schedule of one workflow; :class:`NotFound` when it has none."""
        for schedule in self.project_schedules(project, workflow=workflow):
            return schedule
        raise NotFound(
            404,
            f"workflow {workflow!r} of project id={_id(project)} has no schedule",
            method="GET",
            url=self._url("projects", _id(project), "schedules") + f"?workflow={workflow}",
        )

    def project_sessions(
        self,
        project: ProjectRef,
        *,
        workflow: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Session]:
        """Sessions of a project (optionally one workflow), newest first."""
        return self._paged(
            Session,
            "sessions",
            ("projects", _id(project), "sessions"),
            params={"workflow": workflow},
            page_size=page_size,
        )

    def secrets(self, project: ProjectRef) -> list[str]:
        """The keys of a project's secrets (values are never returned by Digdag)."""
        body = self._get_json("projects", _id(project), "secrets")
        return [item["key"] for item in body["secrets"]]

    def set_secret(self, project: ProjectRef, key: str, value: str) -> Secret:
        response = self._request(
            "PUT",
            ("projects", _id(project), "secrets", key),
            json={"value": value},
            content_type="application/json",
            retry=True,
        )
        return Secret.model_validate(response.json())

    def set_secrets(self, project: ProjectRef, secrets: Mapping[str, str]) -> list[Secret]:
        return [self.set_secret(project, key, value) for key, value in secrets.items()]

    def delete_secret(self, project: ProjectRef, key: str) -> Secret:
        response = self._request("DELETE", ("projects", _id(project), "secrets", key))
        return Secret.model_validate(response.json())

    def delete_secrets(self, project: ProjectRef, keys: Sequence[str]) -> list[Secret]:
        return [self.delete_secret(project, key) for key in keys]

    # ------------------------------------------------------------------ workflows

    def workflows(
        self,
        *,
        name_pattern: str | None = None,
        search_project_name: bool = False,
        order: Literal["asc", "desc"] = "asc",
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Workflow]:
        """Workflows of the latest revisions of all projects."""
        return self._paged(
            Workflow,
            "workflows",
            ("workflows",),
            params={
                "name_pattern": name_pattern,
                "search_project_name": "true" if search_project_name else None,
                "order": order,
            },
            size_param="count",
            page_size=page_size,
        )

    def workflow(self, workflow: WorkflowRef) -> Workflow:
        return self._get_model(Workflow, "workflows", _id(workflow))

    def workflow_by_name(
        self, project_name: str, workflow_name: str, *, revision: str | None = None
    ) -> Workflow:
        """A workflow by project *name* and workflow name (deprecated ``GET /api/workflow``)."""
        return self._get_model(
            Workflow,
            "workflow",
            params={"project": project_name, "name": workflow_name, "revision": revision},
        )

    def truncated_session_time(
        self,
        workflow: WorkflowRef,
        session_time: datetime | str,
        *,
        mode: SessionTimeMode | None = None,
    ) -> WorkflowSessionTime:
        """A session time aligned to the hour, day or (next) schedule, in the workflow's zone.

        A naive ``datetime`` (or ``yyyy-MM-ddTHH:mm:ss`` string) is read in the workflow's zone.
        """
        return self._get_model(
            WorkflowSessionTime,
            "workflows",
            _id(workflow),
            "truncated_session_time",
            params={"session_time": _offset_time(session_time), "mode": mode},
        )

    # ------------------------------------------------------------------ schedules

    def schedules(self) -> Iterator[Schedule]:
        return self._paged(Schedule, "schedules", ("schedules",), size_param=None)

    def schedule(self, schedule: ScheduleRef) -> Schedule:
        return self._get_model(Schedule, "schedules", _id(schedule))

    def skip_schedule(
        self,
        schedule: ScheduleRef,
        *,
        next_time: datetime | str | None = None,
        next_run_time: datetime | str | None = None,
        count: int | None = None,
        from_time: datetime | str | None = None,
        dry_run: bool = False,
    ) -> ScheduleSummary:
        """Skip to ``next_time`` (naive: workflow-local) or by ``count`` from ``from_time``."""
        if next_time is None and (count is None or from_time is None):
            raise ValueError("skip_schedule needs next_time, or count together with from_time")
        body: dict[str, Any] = {"dryRun": dry_run}
        if next_time is not None:
            body["nextTime"] = _offset_time(next_time)
        if next_run_time is not None:
            body["nextRunTime"] = _instant(next_run_time)
        if count is not None:
            body["count"] = count
        if from_time is not None:
            body["fromTime"] = _instant(from_time)
        return self._post_model(ScheduleSummary, ("schedules", _id(schedule), "skip"), body)

    def backfill_schedule(
        self,
        schedule: ScheduleRef,
        from_time: datetime | str,
        *,
        attempt_name: str | None = None,
        count: int | None = None,
        dry_run: bool = False,
    ) -> ScheduleAttempts:
        """Run every schedule time from ``from_time`` up to the next scheduled one."""
        body: dict[str, Any] = {
            "fromTime": _instant(from_time),
            "attemptName": attempt_name or f"backfill-{uuid.uuid4()}",
            "dryRun": dry_run,
        }
        if count is not None:
            body["count"] = count
        return self._post_model(ScheduleAttempts, ("schedules", _id(schedule), "backfill"), body)

    def enable_schedule(
        self,
        schedule: ScheduleRef,
        *,
        skip_schedule: bool = False,
        next_time: datetime | str | None = None,
    ) -> ScheduleSummary:
        """Re-enable a schedule; ``skip_schedule`` skips missed runs (to ``next_time`` or now)."""
        body: dict[str, Any] = {"skipSchedule": skip_schedule}
        if next_time is not None:
            body["nextTime"] = _offset_time(next_time)
        return self._post_model(ScheduleSummary, ("schedules", _id(schedule), "enable"), body)

    def disable_schedule(self, schedule: ScheduleRef) -> ScheduleSummary:
        return self._post_model(ScheduleSummary, ("schedules", _id(schedule), "disable"), {})

    def _post_model(
        self, model: type[ModelT], segments: tuple[str | int, ...], body: Mapping[str, Any]
    ) -> ModelT:
        response = self._request("POST", segments, json=dict(body), content_type="application/json")
        return model.model_validate(response.json())

    # ------------------------------------------------------------------ sessions

    def sessions(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Session]:
        """All sessions, newest first."""
        return self._paged(Session, "sessions", ("sessions",), page_size=page_size)

    def session(self, session: SessionRef) -> Session:
        return self._get_model(Session, "sessions", _id(session))

    def session_attempts(
        self, session: SessionRef, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[Attempt]:
        """Every attempt of a session, retried ones included, newest first."""
        return self._paged(
            Attempt, "attempts", ("sessions", _id(session), "attempts"), page_size=page_size
        )

    # ------------------------------------------------------------------ attempts

    def attempts(
        self,
        *,
        project: str | None = None,
        workflow: str | None = None,
        include_retried: bool = False,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Attempt]:
        """Attempts, newest first; ``project``/``workflow`` are names (workflow needs project)."""
        if workflow is not None and project is None:
            raise ValueError("filtering attempts by workflow needs the project name too")
        return self._paged(
            Attempt,
            "attempts",
            ("attempts",),
            params={
                "project": project,
                "workflow": workflow,
                "include_retried": "true" if include_retried else None,
            },
            page_size=page_size,
        )

    def attempt(self, attempt: AttemptRef) -> Attempt:
        return self._get_model(Attempt, "attempts", _id(attempt))

    def retried_attempts(self, attempt: AttemptRef) -> list[Attempt]:
        """All attempts of the attempt's session (itself included), oldest first."""
        return self._get_list(Attempt, "attempts", "attempts", _id(attempt), "retries")

    def tasks(self, attempt: AttemptRef) -> list[Task]:
        return self._get_list(Task, "tasks", "attempts", _id(attempt), "tasks")

    def start_attempt(
        self,
        workflow: WorkflowRef,
        session_time: datetime | str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        retry_attempt_name: str | None = None,
        resume_failed_of: AttemptRef | None = None,
        resume_from: tuple[AttemptRef, str] | None = None,
    ) -> Attempt:
        """``PUT /api/attempts``: start a workflow for a session time (default: now).

        :class:`Conflict` (with ``existing_attempt``) when that session already has an attempt
        of the same ``retry_attempt_name``. ``resume_failed_of`` re-runs only the failed tasks of
        an attempt; ``resume_from=(attempt, "+task")`` re-runs from a task. Never retried.
        """
        if session_time is None:
            session_time = datetime.now(UTC)
        body: dict[str, Any] = {
            "workflowId": str(_id(workflow)),
            "sessionTime": _offset_time(session_time),
            "params": dict(params or {}),
        }
        if retry_attempt_name is not None:
            body["retryAttemptName"] = retry_attempt_name
        if resume_failed_of is not None:
            body["resume"] = {"mode": "failed", "attemptId": str(_id(resume_failed_of))}
        elif resume_from is not None:
            body["resume"] = {
                "mode": "from",
                "attemptId": str(_id(resume_from[0])),
                "from": resume_from[1],
            }
        response = self._request("PUT", ("attempts",), json=body, content_type="application/json")
        return Attempt.model_validate(response.json())

    def retry_attempt(
        self,
        attempt: AttemptRef,
        *,
        resume: Literal["all", "failed"] | str = "all",
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
        latest_revision: bool = False,
    ) -> Attempt:
        """Start a new attempt of the same session (like ``digdag retry``).

        ``resume`` is ``"all"`` (run everything again), ``"failed"`` (only failed tasks) or a
        task name ``"+wf+task"`` to resume from. ``latest_revision`` runs the workflow of the
        project's latest revision instead of the attempt's own.
        """
        original = attempt if isinstance(attempt, Attempt) else self.attempt(attempt)
        if original.workflow.id is None:
            raise ValueError(f"attempt {original.id} has no workflow id (deleted project?)")
        workflow_id = original.workflow.id
        if latest_revision:
            workflow_id = self.project_workflow(original.project.id, original.workflow.name).id
        return self.start_attempt(
            workflow_id,
            original.session_time,
            params=original.params if params is None else params,
            retry_attempt_name=name or str(uuid.uuid4()),
            resume_failed_of=original if resume == "failed" else None,
            resume_from=(original, resume) if resume not in ("all", "failed") else None,
        )

    def kill_attempt(self, attempt: AttemptRef) -> Attempt:
        """Request cancellation; :class:`Conflict` if it already finished. Never retried."""
        response = self._request(
            "POST",
            ("attempts", _id(attempt), "kill"),
            json={},
            content_type="application/json",
        )
        if response.content:
            return Attempt.model_validate(response.json())
        return self.attempt(attempt)

    def attempt_user_info(self, attempt: AttemptRef) -> dict[str, Any]:
        """Revision user info (deprecated admin API; point the client at ``--admin-port``)."""
        body: dict[str, Any] = self._get_json("admin", "attempts", _id(attempt), "userinfo")
        return body

    # ------------------------------------------------------------------ logs

    def log_files(
        self, attempt: AttemptRef, *, task: str | None = None, direct_download: bool = True
    ) -> list[LogFile]:
        """Log files of an attempt; ``task`` keeps those of tasks whose name starts with it."""
        return self._get_list(
            LogFile,
            "files",
            "logs",
            _id(attempt),
            "files",
            params={"task": task, "direct_download": None if direct_download else "false"},
        )

    def download_log_file(self, attempt: AttemptRef, log_file: LogFile | str) -> bytes:
        """One log file as stored (gzip-compressed bytes)."""
        if isinstance(log_file, LogFile) and log_file.direct is not None:
            # A pre-signed storage URL: our credentials must not travel there.
            response = self._request(
                "GET", (), url=log_file.direct.url, anonymous=True, accept="*/*"
            )
            return response.content
        name = log_file.file_name if isinstance(log_file, LogFile) else log_file
        return self._request("GET", ("logs", _id(attempt), "files", name), accept=GZIP).content

    def log_text(self, attempt: AttemptRef, *, task: str | None = None) -> str:
        """The full log of an attempt (or of tasks starting with ``task``), in file time order."""
        files = sorted(self.log_files(attempt, task=task), key=lambda f: (f.file_time, f.file_name))
        chunks = [_gunzip(self.download_log_file(attempt, f)) for f in files]
        # A chunk may end mid-line (echo> logs its text without a newline): never glue it to
        # the next chunk's first line.
        return b"".join(
            chunk if chunk.endswith(b"\n") or i == len(chunks) - 1 else chunk + b"\n"
            for i, chunk in enumerate(chunks)
        ).decode("utf-8", errors="replace")

    # ------------------------------------------------------------------ version

    def version(self) -> str:
        """The server version (``GET /api/version``, allowed without credentials)."""
        return str(self._get_json("version")["version"])

    def version_check(self, client_version: str | None = None) -> VersionCheck:
        """Ask the server whether a client version is compatible (default: Digdag's own)."""
        return self._get_model(
            VersionCheck,
            "version",
            "check",
            params={"client": client_version or self.version()},
        )

    # ------------------------------------------------------------------ high level

    def push(
        self,
        project: str | Path | ProjectFiles | Any,
        name: str,
        revision: str | None = None,
        schedule_from: datetime | str | None = None,
        *,
        max_archive_size: int = DEFAULT_ARCHIVE_SIZE_LIMIT,
        copy_outgoing_symlinks: bool = False,
        ignore_patterns: Sequence[str] = (),
        clear_schedules: list[str] | None = None,
        clear_all_schedules: bool | None = None,
    ) -> Project:
        """Upload a project directory, a ``{path: bytes}`` mapping or a ``WorkflowProject``
        model (with the files of its ``files_dir``; a lone ``Workflow`` is a project of one).

        The revision defaults to a random UUID like ``digdag push``. The archive is checked
        against ``max_archive_size`` (Digdag's default limit, 2 MiB) before uploading.
        ``ignore_patterns`` add gitignore rules to the directory's ``.digdagignore``.
        """
        if isinstance(project, str | Path):
            archive = build_archive(
                project,
                copy_outgoing_symlinks=copy_outgoing_symlinks,
                ignore_patterns=ignore_patterns,
            )
        elif isinstance(project, Mapping):
            archive = build_archive(project)
        else:
            archive = build_archive(_model_files(project))
        check_archive_size(archive, max_archive_size)
        return self.upload_archive(
            name,
            revision or str(uuid.uuid4()),
            archive,
            schedule_from=schedule_from,
            clear_schedules=clear_schedules,
            clear_all_schedules=clear_all_schedules,
        )

    def pull(
        self,
        project: ProjectRef | str,
        out_dir: str | Path,
        *,
        revision: str | None = None,
    ) -> list[Path]:
        """Download a project (by id, model or name) and extract it safely into ``out_dir``."""
        if isinstance(project, str):
            found = self.find_project(project)
            if found is None:
                raise NotFound(
                    404,
                    f"no project named {project!r}",
                    method="GET",
                    url=self._url("projects") + "?name=" + urllib.parse.quote(project),
                )
            project = found
        return extract_archive(self.download_archive(project, revision=revision), out_dir)

    def start(
        self,
        project_name: str,
        workflow_name: str,
        *,
        session: Literal["now", "hourly", "daily"] | datetime | str = "now",
        params: Mapping[str, Any] | None = None,
        revision: str | None = None,
        retry_attempt_name: str | None = None,
    ) -> Attempt:
        """Start a workflow by names, like ``digdag start``.

        ``session`` is ``"now"``, ``"hourly"``/``"daily"`` (now truncated in the workflow's zone),
        an aware ``datetime``, or a naive one / ``yyyy-MM-ddTHH:mm:ss`` read in the workflow's zone.
        """
        found = self.find_project(project_name)
        if found is None:
            raise NotFound(
                404,
                f"no project named {project_name!r}",
                method="GET",
                url=self._url("projects") + "?name=" + urllib.parse.quote(project_name),
            )
        workflow = self.project_workflow(found, workflow_name, revision=revision)
        now = datetime.now(UTC).replace(microsecond=0)
        session_time: datetime | str
        if session == "now":
            session_time = now
        elif session in ("hourly", "daily"):
            mode: SessionTimeMode = "hour" if session == "hourly" else "day"
            session_time = self.truncated_session_time(workflow, now, mode=mode).session_time
        elif isinstance(session, datetime) and session.tzinfo is not None:
            session_time = session
        else:
            # Local time in the workflow's zone: let the server attach the offset.
            session_time = self.truncated_session_time(workflow, session).session_time
        return self.start_attempt(
            workflow, session_time, params=params, retry_attempt_name=retry_attempt_name
        )

    def wait(
        self,
        attempt: AttemptRef,
        *,
        timeout: float | None = None,
        poll: float = 2.0,
    ) -> Attempt:
        """Poll until the attempt is done; :class:`WaitTimeout` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            current = self.attempt(attempt)
            if current.done:
                return current
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeout(
                    f"attempt {current.id} still {current.state} after {timeout} s",
                    attempt=current,
                )
            pause = poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic()))
            time.sleep(pause)

    def logs(self, attempt: AttemptRef, *, task: str | None = None) -> str:
        """The full log text of an attempt (all its log files, decompressed, in time order)."""
        return self.log_text(attempt, task=task)


def _gunzip(data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        # Already decoded (a proxy may strip the gzip layer): use as is.
        return data


def _model_files(project: Any) -> dict[str, ProjectFile]:
    """Every file of a ``WorkflowProject`` (or a lone ``Workflow``) model: workflows (loaded
    ones written losslessly), the files they include, its ``files`` and the files of its
    ``files_dir`` with their permission bits."""
    from digrefactor.models import Workflow, WorkflowProject
    from digrefactor.write import project_file_map

    if not isinstance(project, WorkflowProject | Workflow):
        raise TypeError(
            "push() takes a directory, a {path: bytes} mapping, a WorkflowProject or a "
            f"Workflow, not {type(project).__name__}"
        )
    return project_file_map(project)


def _connection_reason(exc: requests.RequestException) -> str:
    """A short reason for a failed connection, free of URLs and headers."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.strerror:
            return f"cannot connect ({cause.strerror})"
        nested = cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        cause = nested or cause.__cause__ or cause.__context__
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "Connection reset"):
        if marker in text:
            return f"cannot connect ({marker})"
    return f"cannot connect ({type(exc).__name__})"


def _api_error(response: requests.Response, method: str, url: str) -> DigdagAPIError:
    status = response.status_code
    message = ""
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = body["message"]
    elif not isinstance(body, dict):
        text = response.text.strip()
        message = text[:500] if text and not text.lstrip().startswith("<") else ""
    if not message:
        message = response.reason or f"HTTP {status}"
    error_type = error_class_for_status(status)
    if error_type is Conflict:
        existing = None
        if isinstance(body, dict) and "sessionId" in body:
            try:
                existing = Attempt.model_validate(body)
            except ValueError:
                existing = None
            if existing is not None and not isinstance(body.get("message"), str):
                message = f"attempt {existing.id} already exists for this workflow and session time"
        return Conflict(status, message, method=method, url=url, existing_attempt=existing)
    return error_type(status, message, method=method, url=url)
