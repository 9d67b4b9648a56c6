"""Write a workflow or project built in Python as `.dig` files (plus the files they include)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from digrefactor._datatree import Include, is_include_key
from digrefactor._errors import DigError, DigWriteError
from digrefactor._limits import with_recursion_room
from digrefactor.export import export_workflow, render_block
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.write import atomic_write, verify_workflow_file

__all__ = ["write_dig_files"]


@with_recursion_room
def write_dig_files(workflow_or_project: Workflow | WorkflowProject, out_dir: Path) -> list[Path]:
    """Write ``<name>.dig`` for every workflow (``export_workflow``) and every included file.

    Include paths are resolved like Digdag does, relative to the including file, and must stay
    inside *out_dir*. Every file is first written to a scratch copy of the output tree, where
    each workflow is loaded back (Digdag's validation, includes resolved) and must mean exactly
    what its model means; only then are the files put in place, each atomically, and files that
    already hold the same content are left alone (new files get the usual umask permissions,
    replaced ones keep theirs). On a failed check nothing is written (:class:`DigWriteError`).

    Returns the paths of all the files (written or already up to date), workflows first.
    """
    if isinstance(workflow_or_project, WorkflowProject):
        workflows = list(workflow_or_project.workflows)
    else:
        workflows = [workflow_or_project]
    root = Path(os.path.abspath(out_dir))
    texts: dict[Path, str] = {}
    for wf in workflows:
        name = wf.name
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise DigWriteError(f"workflow name {name!r} cannot be a file name", path=out_dir)
        _put(texts, root / f"{name}.dig", export_workflow(wf))
    for wf in workflows:
        _collect_includes(wf.to_raw(), root, root, texts)
    with tempfile.TemporaryDirectory(prefix="digrefactor-export-") as scratch:
        stage = Path(scratch)
        staged = {path: stage / path.relative_to(root) for path in texts}
        for path, text in texts.items():
            staged[path].parent.mkdir(parents=True, exist_ok=True)
            # open() honours the umask: the staged file's mode is the one a new file should get
            staged[path].write_bytes(text.encode("utf-8"))
        for wf in workflows:
            path = root / f"{wf.name}.dig"
            try:
                verify_workflow_file(texts[path], wf, staged[path])
            except DigError as exc:
                raise _located(exc, stage, root) from None
        for path, text in texts.items():
            data = text.encode("utf-8")
            if path.is_file() and path.read_bytes() == data:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data, like=None if path.exists() else staged[path])
    return list(texts)


def _located(exc: DigError, stage: Path, root: Path) -> DigWriteError:
    """*exc* as a write error pointing into *root* rather than the scratch copy."""
    where = exc.path
    if where is not None and (where == str(stage) or where.startswith(str(stage) + os.sep)):
        where = str(root) + where[len(str(stage)) :]
    return DigWriteError(exc.message, path=where, line=exc.line, column=exc.column)


def _put(texts: dict[Path, str], path: Path, text: str) -> None:
    old = texts.get(path)
    if old is not None and old != text:
        raise DigWriteError("two different contents for one file", path=path)
    texts[path] = text


def _collect_includes(value: Any, base: Path, root: Path, texts: dict[Path, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if is_include_key(key) and isinstance(item, Include):
                target = Path(os.path.normpath(base / item.path))
                if root not in target.parents:
                    raise DigWriteError(
                        f"`!include : {item.path}` leaves the output directory", path=base
                    )
                if item.data is None:
                    raise DigWriteError(
                        f"`!include : {item.path}` has no data to write", path=target
                    )
                lines = render_block(item.data, 0, "    ")
                _put(texts, target, "\n".join(lines) + "\n" if lines else "{}\n")
                _collect_includes(item.data, target.parent, root, texts)
            else:
                _collect_includes(item, base, root, texts)
    elif isinstance(value, list):
        for item in value:
            _collect_includes(item, base, root, texts)
