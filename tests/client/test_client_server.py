"""The client against a real in-memory Digdag 0.10.5.1 server (``digdag_server`` fixture)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from digrefactor.client import (
    Attempt,
    BadRequest,
    Conflict,
    DigdagClient,
    Forbidden,
    NotFound,
    Project,
    Unauthorized,
    read_archive,
)

pytestmark = pytest.mark.digdag

HELLO_DIG = """\
timezone: UTC

+say:
  sh>: echo hello-from-digrefactor-client

+greet:
  echo>: greeting ${session_date}
"""


@pytest.fixture
def client(digdag_server: Any) -> Iterator[DigdagClient]:
    with DigdagClient(digdag_server.endpoint, retries=1) as client:
        yield client


def _name(prefix: str) -> str:
    """Projects of all tests share one server: give each its own name."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _push(client: DigdagClient, files: dict[str, bytes | str], prefix: str = "p") -> Project:
    return client.push(files, _name(prefix))


def _wait_running_task(client: DigdagClient, attempt: Attempt, suffix: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tasks = client.tasks(attempt)
        if any(t.full_name.endswith(suffix) and t.state == "running" for t in tasks):
            return
        time.sleep(0.5)
    raise AssertionError(f"task {suffix} of attempt {attempt.id} never started running")


def test_version_and_version_check(client: DigdagClient) -> None:
    assert client.version() == "0.10.5.1"
    check = client.version_check("0.10.5.1")
    assert check.server_version == "0.10.5.1"
    assert check.api_compatible is True


def test_push_directory_then_find_list_and_download(client: DigdagClient, tmp_path: Path) -> None:
    (tmp_path / "hello.dig").write_text(HELLO_DIG)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run.sh").write_text("#!/bin/sh\necho run\n")
    (tmp_path / "scripts" / "scratch.tmp").write_text("ignored")
    (tmp_path / ".hidden").write_text("dot files are never archived")
    (tmp_path / ".digdagignore").write_text("*.tmp\n")
    name = _name("dir")
    pushed = client.push(tmp_path, name, revision="r1")
    assert (pushed.name, pushed.revision) == (name, "r1")

    found = client.find_project(name)
    assert found is not None and found.id == pushed.id
    assert client.project_by_name(name).id == pushed.id
    assert client.project(pushed.id).name == name
    assert pushed.id in {p.id for p in client.projects(name_pattern=name)}
    assert client.find_project(_name("absent")) is None

    workflows = client.project_workflows(pushed)
    assert [w.name for w in workflows] == ["hello"]
    hello = client.project_workflow(pushed, "hello")
    assert hello.id == workflows[0].id and hello.project.id == pushed.id
    assert "+say" in hello.config and hello.timezone == "UTC"
    assert client.workflow(hello.id).name == "hello"
    assert client.workflow_by_name(name, "hello").id == hello.id
    assert hello.id in {w.id for w in client.workflows(name_pattern=name, search_project_name=True)}

    assert [r.revision for r in client.revisions(pushed)] == ["r1"]
    files = read_archive(client.download_archive(pushed))
    assert files == {
        "hello.dig": HELLO_DIG.encode(),
        "scripts/run.sh": b"#!/bin/sh\necho run\n",
    }


def test_push_mapping_then_pull_round_trips(client: DigdagClient, tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        "main.dig": "+a:\n  echo>: a\n",
        "sql/query.sql": b"select 1\n",
        "deep/er/data.bin": bytes(range(256)),
    }
    first = client.push(files, _name("map"), schedule_from=datetime(2024, 1, 1, tzinfo=UTC))
    second = client.push({**files, "main.dig": "+b:\n  echo>: b\n"}, first.name, revision="r2")
    assert second.id == first.id
    assert [r.revision for r in client.revisions(first)] == ["r2", first.revision]

    written = client.pull(first.name, tmp_path / "latest")
    assert {p.relative_to(tmp_path / "latest").as_posix() for p in written} == set(files)
    assert (tmp_path / "latest" / "main.dig").read_text() == "+b:\n  echo>: b\n"
    assert (tmp_path / "latest" / "deep/er/data.bin").read_bytes() == bytes(range(256))

    client.pull(first, tmp_path / "old", revision=first.revision)
    assert (tmp_path / "old" / "main.dig").read_text() == "+a:\n  echo>: a\n"


def test_push_workflow_project_model(client: DigdagClient) -> None:
    from digrefactor.models import EchoTask, Workflow, WorkflowProject

    name = _name("model")
    project = WorkflowProject(
        name=name,
        workflows=[Workflow(name="modelled", tasks=[EchoTask(name="hi", command="from a model")])],
    )
    pushed = client.push(project, name)
    assert [w.name for w in client.project_workflows(pushed)] == ["modelled"]
    attempt = client.wait(client.start(name, "modelled"), timeout=120, poll=0.2)
    assert attempt.status == "success"


def test_start_wait_tasks_sessions_and_logs(client: DigdagClient) -> None:
    project = _push(client, {"hello.dig": HELLO_DIG}, "run")
    started = client.start(project.name, "hello", params={"who": "tests"})
    assert started.project.id == project.id and started.params == {"who": "tests"}

    attempt = client.wait(started, timeout=120, poll=0.2)
    assert attempt.done and attempt.success and attempt.status == "success"
    assert attempt.finished_at is not None

    tasks = {task.full_name: task for task in client.tasks(attempt)}
    assert tasks["+hello+say"].state == "success"
    assert tasks["+hello+greet"].state == "success"
    assert tasks["+hello"].is_group

    text = client.logs(attempt)
    assert "hello-from-digrefactor-client" in text
    assert "hello-from-digrefactor-client" in client.logs(attempt, task="+hello+say")
    assert "hello-from-digrefactor-client" not in client.logs(attempt, task="+hello+greet")
    log_files = client.log_files(attempt)
    assert log_files and all(f.file_size > 0 for f in log_files)
    assert client.download_log_file(attempt, log_files[0])[:2] == b"\x1f\x8b"

    session = client.session(attempt.session_id)
    assert session.last_attempt is not None and session.last_attempt.id == attempt.id
    assert [a.id for a in client.session_attempts(session)] == [attempt.id]
    assert [a.id for a in client.retried_attempts(attempt)] == [attempt.id]
    assert attempt.id in [a.id for a in client.attempts(project=project.name, workflow="hello")]
    assert session.id in [s.id for s in client.project_sessions(project, workflow="hello")]
    assert client.attempt(attempt.id) == attempt


def test_session_time_modes(client: DigdagClient) -> None:
    project = _push(client, {"tz.dig": "timezone: Asia/Tokyo\n+a:\n  echo>: a\n"}, "tz")
    workflow = client.project_workflow(project, "tz")
    aligned = client.truncated_session_time(workflow, "2024-03-05T10:20:30", mode="day")
    assert aligned.session_time == datetime(2024, 3, 5, tzinfo=aligned.session_time.tzinfo)
    assert aligned.session_time.utcoffset() == timedelta(hours=9)
    attempt = client.start(project.name, "tz", session=datetime(2024, 3, 5, 1, 2, 3))
    assert attempt.session_time.utcoffset() == timedelta(hours=9)
    assert attempt.session_time.replace(tzinfo=None) == datetime(2024, 3, 5, 1, 2, 3)


def test_kill_a_long_running_attempt(client: DigdagClient) -> None:
    project = _push(client, {"slow.dig": "+sleep:\n  sh>: sleep 60\n"}, "kill")
    attempt = client.start(project.name, "slow")
    _wait_running_task(client, attempt, "+sleep")
    killed = client.kill_attempt(attempt)
    assert killed.id == attempt.id
    assert client.attempt(attempt).cancel_requested
    finished = client.wait(attempt, timeout=90, poll=0.2)
    assert finished.status == "killed" and not finished.success
    with pytest.raises(Conflict) as info:
        client.kill_attempt(attempt)
    assert "already killed or finished" in info.value.message


def test_retry_resumes_only_the_failed_tasks(client: DigdagClient) -> None:
    dig = (
        "+first:\n  sh>: echo first-task-ran\n"
        '+second:\n  sh>: test "${should_pass}" = yes && echo second-task-passed\n'
    )
    project = _push(client, {"flaky.dig": dig}, "retry")
    failed = client.wait(
        client.start(project.name, "flaky", params={"should_pass": "no"}), timeout=120, poll=0.2
    )
    assert failed.status == "error"
    assert "first-task-ran" in client.logs(failed)

    retried = client.retry_attempt(failed, resume="failed", params={"should_pass": "yes"})
    assert retried.session_id == failed.session_id
    assert retried.retry_attempt_name is not None
    finished = client.wait(retried, timeout=120, poll=0.2)
    assert finished.status == "success"
    log = client.logs(finished)
    assert "second-task-passed" in log
    assert "first-task-ran" not in log  # resumed: the successful task did not run again
    assert [a.id for a in client.retried_attempts(finished)] == [failed.id, finished.id]
    all_attempts = list(client.attempts(project=project.name, include_retried=True))
    assert {failed.id, finished.id} <= {a.id for a in all_attempts}


def test_duplicate_attempt_is_a_conflict_carrying_the_existing_attempt(
    client: DigdagClient,
) -> None:
    project = _push(client, {"dup.dig": "+a:\n  echo>: a\n"}, "dup")
    workflow = client.project_workflow(project, "dup")
    session_time = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = client.start_attempt(workflow, session_time)
    with pytest.raises(Conflict) as info:
        client.start_attempt(workflow, session_time)
    assert info.value.status == 409
    assert info.value.existing_attempt is not None
    assert info.value.existing_attempt.id == first.id
    assert info.value.method == "PUT" and info.value.url.endswith("/api/attempts")


def test_not_found_errors(client: DigdagClient) -> None:
    project = _push(client, {"a.dig": "+a:\n  echo>: a\n"}, "nf")
    with pytest.raises(NotFound) as info:
        client.project(987654321)
    assert info.value.status == 404 and info.value.message
    with pytest.raises(NotFound):
        client.attempt(987654321)
    with pytest.raises(NotFound):
        client.project_workflow(project, "no_such_workflow")
    with pytest.raises(NotFound):
        client.project_by_name(_name("absent"))
    with pytest.raises(NotFound):
        client.project_schedule(project, "a")  # the workflow has no schedule


def test_rejected_archives_carry_digdags_message(client: DigdagClient) -> None:
    name = _name("bad")
    with pytest.raises(BadRequest) as info:
        client.upload_archive(name, "r1", b"this is not gzip")
    assert info.value.status == 400 and info.value.message

    with pytest.raises(BadRequest) as info:
        client.push({"broken.dig": "+a:\n  echo>: 1\n+a:\n  echo>: 2\n"}, name)
    assert "Validating project failed" in info.value.message

    pushed = client.push({"ok.dig": "+a:\n  echo>: 1\n"}, name, revision="same")
    with pytest.raises(Conflict) as conflict:
        client.push({"ok.dig": "+a:\n  echo>: 1\n"}, name, revision="same")
    assert "already exists" in conflict.value.message
    assert client.project(pushed).revision == "same"


def test_delete_project(client: DigdagClient) -> None:
    project = _push(client, {"a.dig": "+a:\n  echo>: a\n"}, "del")
    deleted = client.delete_project(project)
    # Digdag 0.10.5.1 answers with the project as it was before the deletion (no deleted_at).
    assert (deleted.id, deleted.name, deleted.revision) == (
        project.id,
        project.name,
        project.revision,
    )
    assert client.find_project(project.name) is None
    with pytest.raises(NotFound):
        client.project(project)


def test_schedule_skip_backfill_enable_disable(client: DigdagClient) -> None:
    dig = "timezone: UTC\nschedule:\n  daily>: 07:00:00\n+a:\n  echo>: scheduled\n"
    project = _push(client, {"daily.dig": dig}, "sched")
    schedule = client.project_schedule(project, "daily")
    assert schedule.workflow.name == "daily" and schedule.disabled_at is None
    assert list(client.project_schedules(project)) == [schedule]
    assert list(client.project_schedules(project, workflow="daily")) == [schedule]
    assert client.schedule(schedule.id) == schedule
    assert schedule.id in {s.id for s in client.schedules()}
    assert schedule.next_schedule_time.hour == 0  # session time is midnight, runs at 07:00

    disabled = client.disable_schedule(schedule)
    assert disabled.disabled_at is not None
    enabled = client.enable_schedule(schedule)
    assert enabled.disabled_at is None

    target = schedule.next_schedule_time + timedelta(days=3)
    skipped = client.skip_schedule(schedule, next_time=target)
    assert skipped.next_schedule_time == target
    with pytest.raises(Conflict):
        client.skip_schedule(schedule, next_time=schedule.next_schedule_time)  # already past

    backfilled = client.backfill_schedule(
        schedule, target - timedelta(days=2), attempt_name="bf1", count=2
    )
    assert len(backfilled.attempts) == 2
    assert sorted(a.session_time for a in backfilled.attempts) == [
        target - timedelta(days=2),
        target - timedelta(days=1),
    ]
    for attempt in backfilled.attempts:
        assert attempt.retry_attempt_name == "bf1"
        assert client.wait(attempt, timeout=120, poll=0.2).status == "success"


def test_secrets_set_list_delete(client: DigdagClient) -> None:
    project = _push(client, {"a.dig": "+a:\n  echo>: a\n"}, "secret")
    assert client.secrets(project) == []
    secret = client.set_secret(project, "db.password", "hunter2")
    assert secret.key == "db.password" and secret.project.id == project.id
    client.set_secrets(project, {"api_key": "k", "db.user": "u"})
    assert sorted(client.secrets(project)) == ["api_key", "db.password", "db.user"]
    assert client.delete_secret(project, "db.password").key == "db.password"
    assert sorted(client.secrets(project)) == ["api_key", "db.user"]
    assert [s.key for s in client.delete_secrets(project, ["api_key", "db.user"])] == [
        "api_key",
        "db.user",
    ]
    assert client.secrets(project) == []
    with pytest.raises(BadRequest):
        client.set_secret(project, "not a valid key!", "x")


def test_paging_through_hundreds_of_sessions_stays_lazy(digdag_server: Any) -> None:
    requests_sent: list[str] = []
    session = requests.Session()
    session.hooks["response"].append(lambda r, *a, **k: requests_sent.append(r.request.url))
    with DigdagClient(digdag_server.endpoint, session=session) as client:
        project = _push(client, {"tiny.dig": "+a:\n  echo>: tiny\n"}, "paging")
        workflow = client.project_workflow(project, "tiny")
        base = datetime(2020, 1, 1, tzinfo=UTC)
        created = [client.start_attempt(workflow, base + timedelta(hours=i)).id for i in range(260)]

        requests_sent.clear()
        sessions = client.project_sessions(project, page_size=100)
        first = next(sessions)
        assert len(requests_sent) == 1  # one page fetched, not the whole list
        rest = list(sessions)
        ids = [first.id, *(s.id for s in rest)]
        assert len(ids) == 260 and len(set(ids)) == 260
        assert ids == sorted(ids, reverse=True)  # newest first
        assert len(requests_sent) == 3  # pages of 100, 100 and 60

        attempt_ids = [a.id for a in client.attempts(project=project.name, page_size=50)]
        assert sorted(attempt_ids) == sorted(created)
        assert len(list(client.sessions(page_size=100))) >= 260


def test_generic_request_and_log_text(client: DigdagClient) -> None:
    project = _push(client, {"hello.dig": HELLO_DIG}, "raw")
    body = client.request("GET", "projects", params={"name": project.name}).json()
    assert [p["id"] for p in body["projects"]] == [str(project.id)]
    assert client.request("GET", f"/api/projects/{project.id}").json()["name"] == project.name
    with pytest.raises(NotFound):
        client.request("GET", "projects/987654321")

    attempt = client.wait(client.start(project.name, "hello"), timeout=120, poll=0.3)
    text = client.log_text(attempt)
    # One line per log line: echo> logs its text without a final newline, and the next log
    # file's first line must not be glued to it.
    greeting = [line for line in text.splitlines() if line.startswith("greeting ")]
    assert greeting == [f"greeting {attempt.session_time.date().isoformat()}"]
    greet_only = client.log_text(attempt, task="+hello+greet").splitlines()
    assert [line for line in greet_only if line.startswith("greeting ")] == greeting


def test_basic_auth_and_the_admin_api(digdag_auth_server: Any) -> None:
    """``auth=(user, password)`` against a server with basic authentication."""
    from conftest import BASIC_AUTH

    with DigdagClient(digdag_auth_server.endpoint, retries=0) as anonymous:
        assert anonymous.version() == "0.10.5.1"  # allowed without credentials
        with pytest.raises(Unauthorized):
            list(anonymous.projects())
    with (
        DigdagClient(digdag_auth_server.endpoint, auth=("intruder", "guess")) as wrong,
        pytest.raises(Unauthorized),
    ):
        list(wrong.projects())
    # Credentials in the endpoint URL are sent, and never shown in errors or reprs.
    host = digdag_auth_server.endpoint.removeprefix("http://")
    embedded = DigdagClient(f"http://intruder:hunter2@{host}", retries=0)
    with embedded, pytest.raises(Unauthorized) as info:
        embedded.project(1)
    assert info.value.message == "unauthorized"  # not "Missing Authorization header"
    for text in (str(info.value), repr(info.value), repr(embedded), embedded.endpoint):
        assert "hunter2" not in text and "intruder" not in text
    with DigdagClient(digdag_auth_server.endpoint, auth=BASIC_AUTH) as client:
        project = _push(client, {"a.dig": "+a:\n  echo>: a\n"}, "auth")
        attempt = client.wait(client.start(project.name, "a"), timeout=120, poll=0.3)
        assert attempt.status == "success"
        with pytest.raises(NotFound):  # the admin API is not served on the API port
            client.attempt_user_info(attempt)
    with DigdagClient(digdag_auth_server.admin_endpoint, auth=BASIC_AUTH) as admin:
        assert admin.attempt_user_info(attempt) == {}  # pushed without user info
    with (
        DigdagClient(digdag_auth_server.admin_endpoint) as anonymous_admin,
        pytest.raises(Unauthorized),
    ):
        anonymous_admin.attempt_user_info(attempt)


def test_admin_api_needs_an_admin_user(digdag_server: Any) -> None:
    # Without an authenticator every caller is a non-admin user: the admin port refuses them.
    with (
        DigdagClient(digdag_server.admin_endpoint) as admin,
        pytest.raises(Forbidden) as info,
    ):
        admin.attempt_user_info(1)
    assert info.value.status == 403


def test_every_public_client_method_is_exercised_against_the_server() -> None:
    """Coverage guard: each public DigdagClient method is called by a live-server test."""
    live_tests = [
        Path(__file__),
        Path(__file__).with_name("test_client_cli.py"),
        Path(__file__).parents[1] / "live" / "test_live_runs.py",
    ]
    source = "\n".join(p.read_text(encoding="utf-8") for p in live_tests)
    public = {
        name
        for name, member in vars(DigdagClient).items()
        if callable(member) and not name.startswith("_")
    }
    called = set(re.findall(r"\b(?:client|admin)\.([a-z_]+)\(", source))
    # `close` runs at the end of every `with DigdagClient(...)` block.
    assert "with DigdagClient(" in source
    missing = sorted(public - called - {"close"})
    assert not missing, f"public client methods never called against the live server: {missing}"
