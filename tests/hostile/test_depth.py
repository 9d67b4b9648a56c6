"""Deep nesting that Digdag accepts works everywhere (it raised RecursionError from ~330 levels).

Digdag 0.10.5.1 with the JVM's default 1 MB stack compiles 600 nested tasks (StackOverflowError
from about 700) and reads 1,500 nested lists (not 1,800). Up to ``MAX_NESTING_DEPTH`` (1,000)
levels digrefactor loads, checks, rewrites, walks and converts such files; deeper ones are a
located error (test_bombs). Each case runs in a child process with a budget.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from budget import run_cli, run_python

TASK_LEVELS = 600
LIST_LEVELS = 990  # + the root mapping and the task: within the 1,000 levels


def _nested_tasks(n: int) -> str:
    lines = [" " * i + f"+t{i}:" for i in range(n)]
    return "\n".join([*lines, " " * n + "td>: q.sql"]) + "\n"


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    (tmp_path / "tasks.dig").write_text(_nested_tasks(TASK_LEVELS))
    lists = "[" * LIST_LEVELS + "1" + "]" * LIST_LEVELS
    (tmp_path / "lists.dig").write_text(f"+t:\n  td>: q.sql\n  v: {lists}\n")
    return tmp_path


@pytest.mark.parametrize("command", [["check"], ["scan"]], ids=["check", "scan"])
def test_check_and_scan(deep: Path, command: list[str]) -> None:
    out = run_cli([*command, "tasks.dig", "lists.dig"], cwd=deep, seconds=60)
    assert out.returncode == 0, out.output
    if command == ["scan"]:
        assert f"2 workflows, {TASK_LEVELS + 1} tasks" in out.stdout, out.stdout


def test_codemod_edits_the_innermost_task(deep: Path) -> None:
    out = run_cli(
        ["codemod", "rename-operator", "--from", "td", "--to", "td_run", "-j", "1", "."],
        cwd=deep,
        seconds=90,
    )
    assert out.returncode == 0, out.output
    assert "2 changed" in out.stderr, out.stderr
    text = (deep / "tasks.dig").read_text()
    assert text == _nested_tasks(TASK_LEVELS).replace("td>: q.sql", "td_run>: q.sql")


def test_api_load_edit_save_walk_and_convert(deep: Path) -> None:
    code = textwrap.dedent(
        """
        from pathlib import Path
        from digrefactor import (
            check_workflow, digdag_definition, export_workflow, load_workflow, save_workflow,
        )
        from digrefactor.convert import to_python

        for name in ("tasks.dig", "lists.dig"):
            wf = load_workflow(Path(name))
            check_workflow(wf)
            tasks = list(wf.walk())
            *_, (full, last) = tasks
            last.params["engine"] = "presto"
            assert save_workflow(wf)
            again = load_workflow(Path(name))
            assert digdag_definition(again) == digdag_definition(wf)
            export_workflow(wf)
            source = to_python(wf)
            scope = {}
            exec(compile(source, name, "exec"), scope)
            assert digdag_definition(scope["workflow"]) == digdag_definition(wf)
            print(name, len(tasks))
        """
    )
    out = run_python(code, cwd=deep, seconds=120)
    assert out.returncode == 0, out.output
    assert f"tasks.dig {TASK_LEVELS}" in out.stdout
