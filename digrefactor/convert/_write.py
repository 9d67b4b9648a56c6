"""Python as the source of truth: write the files a workflow or project built in Python defines,
and tell how a directory differs from them (the drift guard behind ``export --check``)."""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from digrefactor._datatree import digdag_equal
from digrefactor._errors import DigError, DigWriteError
from digrefactor._limits import with_recursion_room
from digrefactor.dialect import expand_includes, load_raw_text
from digrefactor.files import ProjectFile, project_file_paths, walk, workflow_file_names
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.parse import digdag_definition, load_workflow
from digrefactor.syntax import decode_source
from digrefactor.write import atomic_write, included_files, project_file_map, verify_workflow_file

__all__ = ["DriftReport", "FileDrift", "check_dig_files", "remove_extra_files", "write_dig_files"]


def _workflows(obj: Workflow | WorkflowProject) -> list[Workflow]:
    return list(obj.workflows) if isinstance(obj, WorkflowProject) else [obj]


def _defined_files(obj: Workflow | WorkflowProject) -> dict[str, ProjectFile]:
    """What *obj* defines, workflows first (each exported afresh, see :func:`write_dig_files`)."""
    files = project_file_map(obj, fresh=True)
    first = [f"{wf.name}.dig" for wf in _workflows(obj)]
    return {rel: files[rel] for rel in [*first, *(r for r in files if r not in first)]}


@with_recursion_room
def write_dig_files(workflow_or_project: Workflow | WorkflowProject, out_dir: Path) -> list[Path]:
    """Write ``<name>.dig`` for every workflow (``export_workflow``), every included file and,
    for a project, its other files (``files`` and the files of ``files_dir``).

    Include paths are resolved like Digdag does, relative to the including file, and must stay
    inside *out_dir*. Every file is first written to a scratch copy of the output tree, where
    each workflow is loaded back (Digdag's validation, includes resolved) and must mean exactly
    what its model means; only then are the files put in place, each atomically, and files that
    already hold the same content are left alone (new files get the usual umask permissions,
    replaced ones keep theirs, files of ``files_dir`` take the mode they have there). On a
    failed check nothing is written (:class:`DigWriteError`).

    Returns the paths of all the files (written or already up to date), workflows first.
    """
    files = _defined_files(workflow_or_project)
    root = Path(os.path.abspath(out_dir))
    with tempfile.TemporaryDirectory(prefix="digrefactor-export-") as scratch:
        stage = Path(scratch)
        for rel, file in files.items():
            staged = stage / rel
            staged.parent.mkdir(parents=True, exist_ok=True)
            # open() honours the umask: the staged file's mode is the one a new file should get
            staged.write_bytes(file.data)
            if file.mode is not None:
                staged.chmod(file.mode)
        for wf in _workflows(workflow_or_project):
            rel = f"{wf.name}.dig"
            try:
                verify_workflow_file(files[rel].data.decode("utf-8"), wf, stage / rel)
            except DigError as exc:
                raise _located(exc, stage, root) from None
        for rel, file in files.items():
            path = root / rel
            if path.is_file() and path.read_bytes() == file.data and not _mode_differs(path, file):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            like = stage / rel if file.mode is not None or not path.exists() else None
            atomic_write(path, file.data, like=like)
    return [root / rel for rel in files]


def _mode_differs(path: Path, file: ProjectFile) -> bool:
    return file.mode is not None and stat.S_IMODE(path.stat().st_mode) != file.mode


def _located(exc: DigError, stage: Path, root: Path) -> DigWriteError:
    """*exc* as a write error pointing into *root* rather than the scratch copy."""
    where = exc.path
    if where is not None and (where == str(stage) or where.startswith(str(stage) + os.sep)):
        where = str(root) + where[len(str(stage)) :]
    return DigWriteError(exc.message, path=where, line=exc.line, column=exc.column)


# ---------------------------------------------------------------------------- drift guard

DriftKind = Literal["missing", "changed", "mode", "extra"]


@dataclass(frozen=True)
class FileDrift:
    """One file of the directory that is not what the Python defines."""

    rel: str
    path: Path
    #: ``missing``: defined but not on disk; ``changed``: other content; ``mode``: same content,
    #: other permission bits; ``extra``: on disk but no longer defined.
    kind: DriftKind
    #: For a changed workflow or included file: whether Digdag would read something else
    #: (False: the text differs only in form); None for other files.
    meaning: bool | None = None
    #: Why the meaning differs when it cannot be compared (the file on disk does not load).
    detail: str = ""
    expected: bytes | None = None
    actual: bytes | None = None
    expected_mode: int | None = None
    actual_mode: int | None = None
    #: What the file is to the project: a ``workflow``, an ``include``d file, or another file.
    role: Literal["workflow", "include", "file"] = "file"

    def describe(self) -> str:
        """One line: what differs."""
        if self.kind == "missing":
            return "missing (the module defines it)"
        if self.kind == "extra":
            return "not defined by the module (remove it with --prune)"
        if self.kind == "mode":
            return f"mode {self.actual_mode:04o} on disk, {self.expected_mode:04o} defined"
        if self.meaning is None:
            return "differs from what the module defines"
        what = "workflow" if self.role == "workflow" else "data"
        if self.meaning:
            why = f": {self.detail}" if self.detail else ""
            other = "another workflow" if self.role == "workflow" else "other data"
            return f"differs in meaning: Digdag would read {other}{why}"
        return f"differs in text only (Digdag reads the same {what})"

    def unified_diff(self, module_label: str = "module") -> str:
        """The difference as a unified diff (on disk → defined); empty for a mode change."""
        if self.kind == "mode":
            return ""
        before, after = self.actual or b"", self.expected or b""
        disk = str(self.path) if self.actual is not None else "/dev/null"
        defined = f"{self.path} ({module_label})" if self.expected is not None else "/dev/null"
        try:
            old, new = before.decode("utf-8"), after.decode("utf-8")
        except UnicodeDecodeError:
            return f"Binary files {disk} and {defined} differ\n"
        lines = difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), disk, defined
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class DriftReport:
    """How a directory compares with what a workflow or project built in Python defines."""

    directory: Path
    defined: int = 0
    up_to_date: int = 0
    drift: list[FileDrift] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.drift

    def of_kind(self, kind: DriftKind) -> list[FileDrift]:
        return [d for d in self.drift if d.kind == kind]


def check_dig_files(
    workflow_or_project: Workflow | WorkflowProject, directory: Path
) -> DriftReport:
    """Compare *directory* with the files :func:`write_dig_files` would write there.

    A workflow whose text differs is also loaded from the directory (its includes resolved
    there) to tell a change of meaning from one of form. Files of the directory that a project
    no longer defines are ``extra``: those Digdag would archive with the project (dot
    files and ``.digdagignore``-d paths are not), except inside subdirectories that hold
    top-level ``.dig`` files and no defined file (other projects exported next to this one).
    """
    files = _defined_files(workflow_or_project)
    root = Path(directory)
    report = DriftReport(root, defined=len(files))
    workflows = {f"{wf.name}.dig": wf for wf in _workflows(workflow_or_project)}
    includes = set(included_files(list(workflows.values())))
    for rel, file in files.items():
        path = root / rel
        try:
            actual = path.read_bytes() if path.is_file() else None
        except OSError:
            actual = None
        if actual is None:
            report.drift.append(FileDrift(rel, path, "missing", expected=file.data))
        elif actual != file.data:
            role: Literal["workflow", "include", "file"] = "file"
            meaning: bool | None = None
            detail = ""
            if rel in workflows:
                role = "workflow"
                meaning, detail = _meaning_differs(workflows[rel], path)
            elif rel in includes:
                role = "include"
                meaning, detail = _data_differs(file.data, actual, path)
            report.drift.append(
                FileDrift(rel, path, "changed", meaning, detail, file.data, actual, role=role)
            )
        elif _mode_differs(path, file):
            report.drift.append(
                FileDrift(
                    rel,
                    path,
                    "mode",
                    expected_mode=file.mode,
                    actual_mode=stat.S_IMODE(path.stat().st_mode),
                )
            )
        else:
            report.up_to_date += 1
    # Only a project defines a set of files; a lone workflow is one file among others.
    if isinstance(workflow_or_project, WorkflowProject) and root.is_dir():
        for rel in _extra_files(root, set(files)):
            path = root / rel
            try:
                actual = path.read_bytes()
            except OSError:
                actual = b""
            report.drift.append(FileDrift(rel, path, "extra", actual=actual))
    return report


def _meaning_differs(workflow: Workflow, path: Path) -> tuple[bool, str]:
    try:
        on_disk = load_workflow(path, name=workflow.name)
        return not digdag_equal(digdag_definition(on_disk), digdag_definition(workflow)), ""
    except DigError as exc:
        return True, f"the file on disk does not load ({exc.message})"


def _data_differs(expected: bytes, actual: bytes, path: Path) -> tuple[bool, str]:
    """Whether an included file's YAML means other data (its own includes resolved there)."""
    try:
        ours = expand_includes(load_raw_text(expected.decode("utf-8"), str(path))[1])
    except (DigError, UnicodeDecodeError) as exc:  # pragma: no cover - we wrote it
        return True, str(exc)
    try:
        theirs = expand_includes(load_raw_text(decode_source(actual, str(path)), str(path))[1])
    except DigError as exc:
        return True, f"the file on disk does not load ({exc.message})"
    return not digdag_equal(ours, theirs), ""


def _extra_files(root: Path, defined: set[str]) -> Iterator[str]:
    used_dirs = {rel.rsplit("/", 1)[0] for rel in defined if "/" in rel}
    used = {"/".join(d.split("/")[: i + 1]) for d in used_dirs for i in range(d.count("/") + 1)}
    others = [
        entry for entry in _subdirs(root) if entry not in used and workflow_file_names(root / entry)
    ]
    for rel in project_file_paths(root, exclude_dirs=others):
        if rel not in defined:
            yield rel


def _subdirs(root: Path) -> Iterator[str]:
    for entry in walk(root, prune=lambda e: not e.is_dir):
        yield entry.rel


def remove_extra_files(report: DriftReport) -> list[Path]:
    """Delete the ``extra`` files of *report* (and directories they leave empty); returns the
    files removed."""
    removed: list[Path] = []
    root = Path(os.path.abspath(report.directory))
    for drift in report.of_kind("extra"):
        drift.path.unlink()
        removed.append(drift.path)
        parent = drift.path.parent
        while Path(os.path.abspath(parent)) != root:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
    return removed
