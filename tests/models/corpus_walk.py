"""The hand-written corpus (``corpus/`` at the repository root), loaded and walked for tests."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from digrefactor import GroupTask, OperatorTask, Task, Workflow, build_task, load_workflow, to_data
from digrefactor.syntax import MappingNode, Node, SequenceNode, parse_source

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"

#: Key path of a task inside ``to_data(workflow)`` (``("+load", "+orders")``, ``("_error",)``).
KeyPath = tuple[str, ...]


def workflow_files() -> list[Path]:
    """The project's workflows: `.dig` files in the top directory (spec §1.7)."""
    return sorted(CORPUS_DIR.glob("*.dig"))


def dig_files() -> list[Path]:
    """Every `.dig` file, including those only included or called from sub-directories."""
    return sorted(CORPUS_DIR.rglob("*.dig"))


@functools.cache
def load(path: Path) -> Workflow:
    return load_workflow(path)


@functools.cache
def data(path: Path) -> dict[str, Any]:
    """The workflow's data tree, includes expanded."""
    return to_data(load(path))


def expanded(path: Path) -> Workflow:
    """The workflow rebuilt from its expanded data, so included tasks are models too."""
    return Workflow.from_raw(data(path), name=load(path).name)


def tasks_of(workflow: Workflow) -> Iterator[tuple[KeyPath, Task]]:
    """Every task model of *workflow* with its key path: tasks, bodies and the SLA's tasks."""
    for key, body in (("_error", workflow.error), ("_check", workflow.check)):
        if body is not None:
            yield from _walk((key,), body)
    for child in workflow.tasks:
        if isinstance(child, Task):
            yield from _walk((child.key,), child)
    if workflow.sla is not None:
        for key, value in workflow.sla.params.items():
            if key.startswith("+"):
                yield from _walk(("sla", key), build_task(key[1:], value, key))


def _walk(path: KeyPath, task: Task) -> Iterator[tuple[KeyPath, Task]]:
    yield path, task
    bodies = [("_error", task.error), ("_check", task.check)]
    if isinstance(task, OperatorTask):
        bodies += [("_do", getattr(task, "do", None)), ("_else_do", getattr(task, "else_do", None))]
    for key, body in bodies:
        if isinstance(body, Task):
            yield from _walk((*path, key), body)
    if isinstance(task, GroupTask):
        for child in task.tasks:
            if isinstance(child, Task):
                yield from _walk((*path, child.key), child)


def corpus_tasks() -> list[tuple[Path, KeyPath, Task]]:
    """Every task of every corpus workflow, with its file and key path."""
    return [(path, kp, task) for path in workflow_files() for kp, task in tasks_of(expanded(path))]


def body_at(tree: dict[str, Any], path: KeyPath) -> Any:
    value: Any = tree
    for key in path:
        value = value[key]
    return value


def mappings(value: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a data tree, outermost first."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from mappings(v)
    elif isinstance(value, list):
        for v in value:
            yield from mappings(v)


def scalars(value: Any) -> Iterator[Any]:
    """Every scalar leaf of a data tree."""
    if isinstance(value, dict):
        for v in value.values():
            yield from scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from scalars(v)
    else:
        yield value


def source_nodes(path: Path) -> Iterator[Node]:
    """Every YAML node of a file as written (aliases not followed)."""
    doc = parse_source(path.read_text(encoding="utf-8"), path)
    stack: list[Node] = [doc.root] if doc.root is not None else []
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, MappingNode):
            for k, v in node.pairs:
                stack += [k, v]
        elif isinstance(node, SequenceNode):
            stack += node.items
