"""Write a workflow or project built in Python as `.dig` files (plus the files they include)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from digrefactor._datatree import Include, is_include_key
from digrefactor._errors import DigWriteError
from digrefactor.export import export_workflow, render_block
from digrefactor.models import Workflow, WorkflowProject

__all__ = ["write_dig_files"]


def write_dig_files(workflow_or_project: Workflow | WorkflowProject, out_dir: Path) -> list[Path]:
    """Write ``<name>.dig`` for every workflow (``export_workflow``) and every included file.

    Include paths are resolved like Digdag does, relative to the including file, and must stay
    inside *out_dir*. Returns the paths written, workflows first.
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
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(texts)


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
