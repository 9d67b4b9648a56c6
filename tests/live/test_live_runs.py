"""Run, not only compile: our own project runs to completion on a live Digdag 0.10.5.1.

``tests/live/runnable`` uses ``sh>``, ``py>``, ``echo>``, ``call>``, ``require>``, ``loop>``,
``for_each>``, ``for_range>``, ``if>``, ``fail>``, ``_parallel``, ``_retry``, ``_error``,
``_export`` and ``!include``. It is pushed as a directory and run; then the same project is
converted to Python (``digrefactor convert``), the generated module is executed, and the
``WorkflowProject`` it builds is pushed with ``client.push(model)`` and run again: the task
list (names and states) and every line the tasks print must be identical — the end-to-end proof
that conversion preserves behaviour.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.digdag import SUMMARY_LINES

from digrefactor import load_python, project_file_map
from digrefactor.cli import main as cli_main
from digrefactor.client import Attempt, DigdagClient
from digrefactor.files import project_file_paths
from digrefactor.models import WorkflowProject

pytestmark = pytest.mark.digdag

RUNNABLE = Path(__file__).parent / "runnable"

# Lines the tasks of `main` print, in a stable form (one per task run).
EXPECTED_MAIN_LINES = {
    "prepare hello emea",
    "py says from-py",
    "py stored FROM-PY",
    "fruit apple",
    "fruit banana",
    "range 0-2",
    "range 2-4",
    "range 4-6",
    "loop 0",
    "loop 1",
    "took the then branch",
    "left side",
    "right side",
    "flaky passed on retry",
    "included first",
    "included second",
}

EXPECTED_MAIN_TASKS = sorted(
    [
        "+main",
        "+main+prepare",
        "+main+python",
        "+main+after_python",
        "+main+fruits",
        "+main+fruits^sub",
        "+main+fruits^sub+for-0=fruit=0=apple",
        "+main+fruits^sub+for-0=fruit=1=banana",
        "+main+ranges",
        "+main+ranges^sub",
        "+main+ranges^sub+range-from=0&to=2",
        "+main+ranges^sub+range-from=2&to=4",
        "+main+ranges^sub+range-from=4&to=6",
        "+main+repeat",
        "+main+repeat^sub",
        "+main+repeat^sub+loop-0",
        "+main+repeat^sub+loop-1",
        "+main+branch",
        "+main+branch^sub",
        "+main+both",
        "+main+both+left",
        "+main+both+right",
        "+main+flaky",
        "+main+included",
        "+main+included+first",
        "+main+included+second",
        "+main+sub",
        "+main+sub^sub",
        "+main+sub^sub+inner",
        "+main+required",
    ]
)


@dataclass(frozen=True)
class Run:
    """What one attempt did: its status, its tasks' states and the lines they printed."""

    status: str
    tasks: dict[str, str]
    lines: frozenset[str]
    session_time: Any


@pytest.fixture(scope="module")
def client(digdag_server: Any) -> Iterator[DigdagClient]:
    with DigdagClient(digdag_server.endpoint, retries=1) as client:
        yield client


# Log lines look like "2026-12-04 15:13:34 +0000 [INFO] (0036@[0:p:1:1]+main+x) ...: sh>: ...";
# what a task prints follows on lines of its own. Java stack traces that Digdag logs for a failed
# try (`_retry`) are its own output, not the tasks': whether they are logged varies.
_LOG_HEADER = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_STACK_TRACE = re.compile(
    r"^(at [\w.$<>/]+\(.*\)|Caused by: .*|\.\.\. \d+ (common frames )?(omitted|more)|"
    r"([a-z][\w$]*\.)+[A-Z][\w$]*(Exception|Error)(: .*)?)$"
)


def _printed_lines(log: str) -> frozenset[str]:
    lines = (line.strip() for line in log.splitlines())
    return frozenset(
        line
        for line in lines
        if line and not _LOG_HEADER.match(line) and not _STACK_TRACE.match(line)
    )


def _run(client: DigdagClient, project: str, workflow: str) -> Run:
    attempt: Attempt = client.wait(client.start(project, workflow), timeout=180, poll=0.3)
    tasks = {t.full_name: t.state for t in client.tasks(attempt)}
    return Run(attempt.status, tasks, _printed_lines(client.logs(attempt)), attempt.session_time)


def _assert_main_ran(client: DigdagClient, project: str, run: Run) -> None:
    assert run.status == "success", run.tasks
    missing = EXPECTED_MAIN_LINES - run.lines
    assert not missing, f"tasks did not print {sorted(missing)}; printed {sorted(run.lines)}"
    assert "took the else branch" not in run.lines
    # The task tree Digdag built: one task per for_each value, range slice and loop turn.
    assert sorted(run.tasks) == EXPECTED_MAIN_TASKS
    assert all(state == "success" for state in run.tasks.values()), run.tasks
    # call> ran `sub` inside this attempt; require> started an attempt of `sub` for the same
    # session and waited for it.
    sub_attempts = [a for a in client.attempts(project=project, workflow="sub")]
    assert [a.status for a in sub_attempts] == ["success"]
    assert sub_attempts[0].session_time == run.session_time


def _assert_failing_ran(run: Run) -> None:
    assert run.status == "error"
    assert "before the failure" in run.lines
    assert "this never runs" not in run.lines
    assert any(line.startswith("caught the failure of") for line in run.lines), run.lines
    assert run.tasks["+failing+boom"] == "error"
    assert run.tasks["+failing^error"] == "success"


@pytest.fixture(scope="module")
def directory_runs(client: DigdagClient) -> dict[str, Run]:
    name = f"runnable_{uuid.uuid4().hex[:8]}"
    client.push(RUNNABLE, name)
    runs = {"main": _run(client, name, "main"), "failing": _run(client, name, "failing")}
    _assert_main_ran(client, name, runs["main"])
    _assert_failing_ran(runs["failing"])
    return runs


def test_directory_project_runs_to_completion(directory_runs: dict[str, Run]) -> None:
    main = directory_runs["main"]
    SUMMARY_LINES.append(
        f"live run: main {main.status} ({len(main.tasks)} tasks), "
        f"failing {directory_runs['failing'].status} with its _error task run"
    )


def _converted_project(tmp_path: Path) -> WorkflowProject:
    """`digrefactor convert` the runnable project and run the package it generated."""
    out = tmp_path / "converted"
    assert cli_main(["convert", str(RUNNABLE), "-o", str(out)]) == 0
    project = load_python(out / RUNNABLE.name)
    assert isinstance(project, WorkflowProject)
    return project


def test_converted_project_runs_identically(
    client: DigdagClient, directory_runs: dict[str, Run], tmp_path: Path
) -> None:
    project = _converted_project(tmp_path)
    assert sorted(w.name for w in project.workflows) == ["failing", "main", "sub"]
    # Non-workflow files ride along with the model: the py> script from the package's files
    # directory, the included fragments from the Python.
    assert sorted(project_file_map(project)) == project_file_paths(RUNNABLE)
    name = f"converted_{uuid.uuid4().hex[:8]}"
    client.push(project, name)
    runs = {"main": _run(client, name, "main"), "failing": _run(client, name, "failing")}
    _assert_main_ran(client, name, runs["main"])
    _assert_failing_ran(runs["failing"])
    for workflow, original in directory_runs.items():
        converted = runs[workflow]
        assert converted.status == original.status
        assert converted.tasks == original.tasks, workflow
        assert converted.lines == original.lines, workflow
    SUMMARY_LINES.append(
        f"live run: the converted project (pushed from models) ran identically: "
        f"{sum(len(r.tasks) for r in runs.values())} tasks, same states and output"
    )
