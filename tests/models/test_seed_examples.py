"""The two examples of the seed README run against digrefactor, and its known defects are gone.

The examples are the README's code verbatim; only their import lines are pointed at
``digrefactor`` (the complex one also needs ``NamedTask`` imported and a ``project`` to add its
workflows to, both missing from the README).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from digrefactor import (
    IntervalRetryCondition,
    ShTask,
    Workflow,
    WorkflowProject,
    digdag_definition,
    export_workflow,
    load_workflow,
    to_data,
)

SEED_README = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_5934829ebb22f0ff.txt"

# The README's second and third ```python blocks, verbatim.
BASIC_EXAMPLE = """
from digdagpy.dig.models import Workflow, CommandTask

from digdagpy.dig.dig import export_workflow

workflow = Workflow(
    name="task-to-be-executed",
    tasks=[
        CommandTask(
            name="print-hello",
            command="echo hello",
        )
    ]
)

dig_content: str = export_workflow(
    workflow,
)

print(dig_content)
"""

COMPLEX_EXAMPLE = """from digdagpy.dig.models import Workflow, WorkflowSchedule, CommandTask, ErrorTask


feed_options = (
    "first_task",
    "second_special_task",
    "third_task",
)

for hour_offset, task_name in enumerate(feed_options):
    start_hour_adjusted = 24 - len(feed_options) + hour_offset - 1

    schedule = WorkflowSchedule(
        daily="{}:00:00".format(start_hour_adjusted),
        skip_delayed_by=1,
    )

    if task_name == "second_special_task":
        tasks: list[NamedTask] = [
            CommandTask(
                name="process-special-task",
                command=f"python main.py create {task_name} --save",
            )
        ]

        upload_task = NamedTask(name="upload")

        for destination in (
            "int",
            "stg",
            "prod",
        ):
            upload_task.add_task(
                NamedTask(
                    name=destination,
                    tasks=[
                        CommandTask(
                            name="upload",
                            command=f"python main.py upload {task_name} --source-env prod --destination-env {destination}",
                        ),
                        CommandTask(
                            name="implicit-special-task",
                            command=f"python main.py implicit-task --source-env prod --destination-env {destination}",
                        ),
                    ],
                )
            )

        tasks.append(upload_task)
    else:
        tasks: list[NamedTask] = [
            CommandTask(
                name="create",
                command=f"python main.py create {task_name} --save",
            ),
            NamedTask(
                name="upload",
                tasks=[
                    CommandTask(
                        name=destination,
                        command=f"python main.py upload {task_name} --source-env prod --destination-env {destination}",
                    )
                    for destination in (
                        "int",
                        "stg",
                        "prod",
                    )
                ],
            ),
        ]


    tasks.insert(
        0,
        CommandTask(
            name="lock-deployment",
            command=f"python main.py lock-deployment {task_name}",
        ),
    )

    tasks.append(
        CommandTask(
            name="unlock-deployment",
            command=f"python main.py unlock-deployment {task_name}",
        ),
    )

    project.add_workflow(
        Workflow(
            name=f"process-task-{task_name}",
            tasks=tasks,
            schedule=schedule,
            error=ErrorTask(
                command=f"python main.py unlock-deployment {task_name}",
            ),
        )
    )
"""  # noqa: E501 (the README's lines)

IMPORTS = {
    "from digdagpy.dig.models import Workflow, CommandTask": (
        "from digrefactor import Workflow, CommandTask"
    ),
    "from digdagpy.dig.dig import export_workflow": "from digrefactor import export_workflow",
    "from digdagpy.dig.models import Workflow, WorkflowSchedule, CommandTask, ErrorTask": (
        "from digrefactor import Workflow, WorkflowSchedule, CommandTask, ErrorTask, NamedTask\n"
        "from digrefactor import WorkflowProject\n"
        "project = WorkflowProject(name='feeds')"
    ),
}


def pointed_at_digrefactor(source: str) -> str:
    """The example with its import lines (and nothing else) replaced."""
    lines = source.split("\n")
    imports = [i for i, line in enumerate(lines) if line.startswith("from digdagpy")]
    assert imports, "the example imports nothing from digdagpy"
    for i in imports:
        lines[i] = IMPORTS[lines[i]]
    return "\n".join(lines)


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "seed_example"}
    exec(compile(pointed_at_digrefactor(source), "<seed README>", "exec"), namespace)
    return namespace


def exact(value: Any) -> str:
    return json.dumps(value, sort_keys=False)


def round_trips(workflow: Workflow) -> bool:
    text = export_workflow(workflow)
    return exact(to_data(load_workflow(text, name=workflow.name))) == exact(to_data(workflow))


def test_embedded_examples_are_the_readme_s() -> None:
    if not SEED_README.is_file():
        pytest.skip(f"seed README not found at {SEED_README}")
    blocks = re.findall(r"```python\n(.*?)```", SEED_README.read_text(encoding="utf-8"), re.S)
    assert blocks[1:] == [BASIC_EXAMPLE, COMPLEX_EXAMPLE]


# ----------------------------------------------------------------------------- basic example


def test_basic_example_prints_the_documented_dig(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run(BASIC_EXAMPLE)
    out = capsys.readouterr().out
    assert out == "timezone: UTC\n\n+print-hello:\n    sh>: echo hello\n\n"
    assert namespace["dig_content"] == "timezone: UTC\n\n+print-hello:\n    sh>: echo hello\n"


def test_basic_example_loads_back() -> None:
    namespace = run(BASIC_EXAMPLE)
    loaded = load_workflow(namespace["dig_content"], name="task-to-be-executed")
    assert to_data(loaded) == {"timezone": "UTC", "+print-hello": {"sh>": "echo hello"}}
    assert round_trips(namespace["workflow"])


# ----------------------------------------------------------------------------- complex example


@pytest.fixture(scope="module")
def feeds() -> WorkflowProject:
    project = run(COMPLEX_EXAMPLE)["project"]
    assert isinstance(project, WorkflowProject)
    return project


def test_complex_example_builds_one_workflow_per_feed(feeds: WorkflowProject) -> None:
    assert [w.name for w in feeds.workflows] == [
        "process-task-first_task",
        "process-task-second_special_task",
        "process-task-third_task",
    ]
    for hour, workflow in zip((20, 21, 22), feeds.workflows, strict=True):
        data = to_data(workflow)
        assert data["schedule"] == {"daily>": f"{hour}:00:00", "skip_delayed_by": 1}
        tasks = [k for k in data if k.startswith("+")]
        assert tasks[0] == "+lock-deployment" and tasks[-1] == "+unlock-deployment"
        feed = workflow.name.removeprefix("process-task-")
        assert data["_error"] == {"sh>": f"python main.py unlock-deployment {feed}"}


def test_complex_example_special_feed_uploads_per_environment(feeds: WorkflowProject) -> None:
    data = to_data(feeds.workflow("process-task-second_special_task"))
    upload = data["+upload"]
    assert list(upload) == ["+int", "+stg", "+prod"]
    assert list(upload["+prod"]) == ["+upload", "+implicit-special-task"]


def test_complex_example_exports_and_loads_back(feeds: WorkflowProject) -> None:
    for workflow in feeds.workflows:
        assert round_trips(workflow), workflow.name


@pytest.mark.digdag
def test_digdag_reads_the_exported_examples_as_we_do(
    digdag_oracle: Any, feeds: WorkflowProject
) -> None:
    from support.digdag import definition_difference

    workflows = [run(BASIC_EXAMPLE)["workflow"], *feeds.workflows]
    for workflow in workflows:
        verdict = digdag_oracle.judge_text(export_workflow(workflow), name=workflow.name)
        diff = definition_difference(verdict.definition, digdag_definition(workflow))
        assert diff is None, f"{workflow.name}: {diff}"


# ----------------------------------------------------------------------------- seed defects


def test_retry_with_interval_exports_valid_yaml() -> None:
    retry = IntervalRetryCondition(
        limit=3, interval=30, interval_type="exponential", max_interval=600
    )
    workflow = Workflow(
        name="retrying", retry=retry, tasks=[ShTask(name="t", command="x", retry=retry)]
    )
    text = export_workflow(workflow)
    loaded = to_data(load_workflow(text, name="retrying"))
    expected = {"limit": 3, "interval": 30, "interval_type": "exponential", "max_interval": 600}
    assert loaded["_retry"] == expected
    assert loaded["+t"]["_retry"] == expected
    assert exact(loaded) == exact(to_data(workflow))


@pytest.mark.parametrize("command", ["echo a # b", "echo a #b", "echo 'a' # b: c"])
def test_comment_like_text_in_a_command_is_kept(command: str) -> None:
    workflow = Workflow(name="hash", tasks=[ShTask(name="t", command=command)])
    loaded = load_workflow(export_workflow(workflow), name="hash")
    assert to_data(loaded)["+t"] == {"sh>": command}


def test_export_does_not_mutate_the_workflow(feeds: WorkflowProject) -> None:
    retry = IntervalRetryCondition(limit=2, interval=5)
    workflows = [
        *feeds.workflows,
        Workflow(
            name="w", retry=retry, tasks=[ShTask(name="t", command="echo a # b", retry=retry)]
        ),
    ]
    for workflow in workflows:
        before = workflow.model_dump()
        export_workflow(workflow)
        assert workflow.model_dump() == before, workflow.name
