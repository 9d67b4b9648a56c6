"""What the generated code looks like, case by case: ``data/<case>.dig`` → ``data/<case>.py``.

A directory ``data/<case>/`` is converted as one project into ``data/<case>.py``. Each snapshot
must also rebuild its source exactly. Refresh after an intended change with
``DIGREFACTOR_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/convert/test_convert_snapshots.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from convert_support import digdag_equal, identical

from digrefactor import Workflow, WorkflowProject, load_project, load_workflow, to_data
from digrefactor.convert import to_python

DATA = Path(__file__).parent / "data"
UPDATE = os.environ.get("DIGREFACTOR_UPDATE_SNAPSHOTS") == "1"

CASES = sorted(
    [p for p in DATA.glob("*.dig")] + [p for p in DATA.iterdir() if p.is_dir()],
    key=lambda p: p.name,
)


def _load(source: Path) -> Workflow | WorkflowProject:
    return load_project(source) if source.is_dir() else load_workflow(source)


def _built(code: str, source: Path) -> Any:
    namespace: dict[str, Any] = {"__name__": "snapshot"}
    exec(compile(code, str(source), "exec"), namespace)
    return namespace["project" if source.is_dir() else "workflow"]


def _workflows(obj: Workflow | WorkflowProject) -> list[Workflow]:
    return list(obj.workflows) if isinstance(obj, WorkflowProject) else [obj]


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.name)
def test_snapshot(source: Path) -> None:
    original = _load(source)
    code = to_python(original)
    expected_path = source.with_suffix(".py") if source.is_file() else DATA / f"{source.name}.py"
    if UPDATE or not expected_path.exists():
        expected_path.write_text(code, encoding="utf-8")
    assert code == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.name)
def test_snapshot_rebuilds_its_source(source: Path) -> None:
    original = _load(source)
    built = _built(to_python(original), source)
    pairs = list(zip(_workflows(original), _workflows(built), strict=True))
    for before, after in pairs:
        assert digdag_equal(to_data(after), to_data(before))


# Cases whose every key is already where a model built in code writes it: identical trees.
IDENTICAL = ["bodies.dig", "shared_include"]


@pytest.mark.parametrize("name", IDENTICAL)
def test_snapshot_rebuilds_key_order_too(name: str) -> None:
    source = DATA / name
    original = _load(source)
    built = _built(to_python(original), source)
    for before, after in zip(_workflows(original), _workflows(built), strict=True):
        assert identical(to_data(after), to_data(before))
