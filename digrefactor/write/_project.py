"""Every file of a project as `digdag push` of its directory would send it, from its models."""

from __future__ import annotations

import posixpath
from typing import Any

from digrefactor._datatree import Include, is_include_entry
from digrefactor._errors import DigWriteError
from digrefactor.export import export_workflow, render_block
from digrefactor.files import ProjectFile, read_files
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.write._save import write_workflow

__all__ = ["included_files", "project_file_map", "project_files"]


def project_file_map(
    workflow_or_project: Workflow | WorkflowProject, *, fresh: bool = False
) -> dict[str, ProjectFile]:
    """Every file of the project by POSIX path relative to it.

    The files below its ``files_dir`` (with their permission bits) and in its ``files``;
    ``<name>.dig`` for every workflow (a loaded workflow written losslessly, or exported afresh
    with ``fresh=True``); and every file an ``!include`` names that is not among those already
    (its data written as YAML). Two different contents for one path are a
    :class:`DigWriteError`.
    """
    if isinstance(workflow_or_project, WorkflowProject):
        project: WorkflowProject | None = workflow_or_project
        workflows = list(workflow_or_project.workflows)
    else:
        project, workflows = None, [workflow_or_project]
    out: dict[str, ProjectFile] = {}

    def put(rel: str, file: ProjectFile, what: str) -> None:
        old = out.get(rel)
        if old is not None and old.data != file.data:
            raise DigWriteError(f"two different contents for one file ({what})", path=rel)
        out[rel] = file

    if project is not None:
        if project.files_dir is not None:
            try:
                shipped = read_files(project.files_dir)
            except OSError as err:
                raise DigWriteError(
                    f"cannot read the project's files_dir: {err.strerror or err}",
                    path=project.files_dir,
                ) from None
            for rel, file in shipped.items():
                put(rel, file, "files_dir")
        for rel, data in project.files.items():
            put(_inside(rel, rel), ProjectFile(bytes(data)), "files")
    for wf in workflows:
        name = wf.name
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise DigWriteError(f"workflow name {name!r} cannot be a file name")
        text = export_workflow(wf) if fresh else write_workflow(wf)
        put(f"{name}.dig", ProjectFile(text.encode("utf-8")), f"workflow {name}")
    for rel, text in included_files(workflows).items():
        out.setdefault(rel, ProjectFile(text.encode("utf-8")))
    return out


def project_files(project: WorkflowProject) -> dict[str, bytes]:
    """Every file of the project by POSIX path: ``<name>.dig`` per workflow, other files, the
    files of its ``files_dir`` and the files its workflows ``!include`` (see
    :func:`project_file_map`, which also gives permission bits)."""
    return {rel: file.data for rel, file in project_file_map(project).items()}


def included_files(workflows: list[Workflow]) -> dict[str, str]:
    """The text of every file the workflows ``!include`` (nested includes too), written from
    the include's data, by POSIX path relative to the workflows' directory."""
    texts: dict[str, str] = {}
    for wf in workflows:
        _collect(wf.to_raw(), "", texts)
    return texts


def _inside(rel: str, written: str) -> str:
    """*rel* normalised; a :class:`DigWriteError` when it leaves the project directory."""
    norm = posixpath.normpath(rel.replace("\\", "/"))
    if norm.startswith(("../", "/")) or norm in ("..", "."):
        raise DigWriteError(f"{written!r} leaves the project directory")
    return norm


def _collect(value: Any, base: str, texts: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if is_include_entry(key, item):
                assert isinstance(item, Include)
                rel = _inside(posixpath.join(base, item.path), f"!include : {item.path}")
                if item.data is None:
                    raise DigWriteError(f"`!include : {item.path}` has no data to write", path=rel)
                lines = render_block(item.data, 0, "    ")
                text = "\n".join(lines) + "\n" if lines else "{}\n"
                if texts.setdefault(rel, text) != text:
                    raise DigWriteError("two different contents for one file (!include)", path=rel)
                _collect(item.data, posixpath.dirname(rel), texts)
            else:
                _collect(item, base, texts)
    elif isinstance(value, list):
        for item in value:
            _collect(item, base, texts)
