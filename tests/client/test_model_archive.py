"""A project built from models (or loaded and edited) becomes the archive Digdag accepts."""

from __future__ import annotations

from pathlib import Path

from digrefactor import ShTask, Workflow, WorkflowProject, load_project, load_workflow, to_data
from digrefactor.client import build_archive, read_archive
from digrefactor.client._client import _model_files


def test_model_project_archive_holds_workflows_and_files() -> None:
    project = WorkflowProject(name="demo", files={"scripts/run.sh": b"echo hi\n"})
    project.add_workflow(Workflow(name="main", tasks=[ShTask(name="run", command="run.sh")]))
    entries = read_archive(build_archive(_model_files(project)))
    assert set(entries) == {"main.dig", "scripts/run.sh"}
    assert to_data(load_workflow(entries["main.dig"].decode(), name="main")) == to_data(
        project.workflows[0]
    )


def test_loaded_project_archive_keeps_untouched_files_byte_identical(tmp_path: Path) -> None:
    (tmp_path / "a.dig").write_text("# keep me\n+t:\n    sh>:   a.sh\n")
    (tmp_path / "b.dig").write_text("+t:\n  td>: q.sql\n")
    (tmp_path / "q.sql").write_text("select 1\n")
    project = load_project(tmp_path)
    project.workflow("b").tasks[0].operator = "td_run"  # type: ignore[union-attr]
    entries = read_archive(build_archive(_model_files(project)))
    assert entries["a.dig"] == (tmp_path / "a.dig").read_bytes()
    assert entries["b.dig"] == b"+t:\n  td_run>: q.sql\n"
    assert entries["q.sql"] == b"select 1\n"
