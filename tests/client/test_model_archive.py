"""A project built from models (or loaded and edited) becomes the archive Digdag accepts."""

from __future__ import annotations

import io
import tarfile
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


def test_model_archive_takes_the_files_dir_with_modes_and_the_includes(tmp_path: Path) -> None:
    from digrefactor import Include

    files = tmp_path / "files"
    (files / "scripts").mkdir(parents=True)
    (files / "scripts" / "run.sh").write_text("#!/bin/sh\necho run\n")
    (files / "scripts" / "run.sh").chmod(0o755)
    (files / ".cache").write_text("dot files are never project files\n")
    env = Include("config/env.yml", data={"env": "prod"})
    workflow = Workflow(
        name="main", export={env.key: env}, tasks=[ShTask(name="run", command="scripts/run.sh")]
    )
    project = WorkflowProject(name="demo", workflows=[workflow], files_dir=files)
    archive = build_archive(_model_files(project))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        modes = {m.name: m.mode for m in tar.getmembers()}
    assert modes == {"config/env.yml": 0o644, "main.dig": 0o644, "scripts/run.sh": 0o755}
    assert read_archive(archive)["config/env.yml"] == b"env: prod\n"


def test_a_lone_workflow_is_a_project_of_one() -> None:
    workflow = Workflow(name="solo", tasks=[ShTask(name="t", command="true")])
    assert set(read_archive(build_archive(_model_files(workflow)))) == {"solo.dig"}
