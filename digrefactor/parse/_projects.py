"""Digdag projects in a repository: which directories are projects, and what belongs to each.

Every directory with top-level ``*.dig`` files is a candidate (:func:`find_project_dirs`). A
candidate inside another project is *part of* that project when the project uses it — a
``call>`` of one of its workflows, an ``!include`` of one of its files, or any other value
naming a path in it (``td>: sub/query.sql``) — as ``config/`` or ``common/`` directories are.
Otherwise it is a project of its own (``team/`` holding ``team/etl/`` and ``team/reports/``),
and its files are not files of the enclosing project.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digrefactor._datatree import Include, is_include_entry
from digrefactor._errors import DigError
from digrefactor.dialect import load_raw_file
from digrefactor.files import find_project_dirs, project_file_paths, workflow_file_names

__all__ = ["ProjectDir", "discover_projects", "projects_below_message"]


@dataclass(frozen=True)
class ProjectDir:
    """A Digdag project found on disk."""

    root: Path
    #: Directories below ``root`` (POSIX, relative) that are projects of their own.
    nested: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The project's name: its directory's name, as ``digdag push`` in it would use."""
        return Path(os.path.abspath(self.root)).name

    def file_paths(self) -> list[str]:
        """Its files (workflows first among them are the top-level ``*.dig``), sorted."""
        return project_file_paths(self.root, exclude_dirs=self.nested)

    def workflow_paths(self) -> list[Path]:
        return [self.root / name for name in workflow_file_names(self.root)]


def discover_projects(path: str | Path) -> list[ProjectDir]:
    """The Digdag projects at or below *path*, parents before children (see the module doc)."""
    base = Path(path)
    candidates = find_project_dirs(base)
    absolute = {c: Path(os.path.abspath(c)) for c in candidates}
    projects: dict[Path, Path] = {}  # absolute root -> root as found
    nested: dict[Path, list[str]] = {}
    references: dict[Path, set[Path]] = {}
    for candidate in candidates:
        here = absolute[candidate]
        owner = next((a for a in here.parents if a in projects), None)
        if owner is not None:
            if owner not in references:
                references[owner] = _references(owner)
            if any(r == here or here in r.parents for r in references[owner]):
                continue  # used by the enclosing project: part of it
            nested[owner].append(here.relative_to(owner).as_posix())
        projects[here] = candidate
        nested[here] = []
    return [ProjectDir(found, tuple(nested[root])) for root, found in projects.items()]


def projects_below_message(path: Path) -> str:
    """What to say about a directory that is not a project: where projects are below it."""
    found = [p.root for p in discover_projects(path)]
    if not found:
        return "no Digdag project (a directory with top-level .dig files) at or below it"
    shown = ", ".join(str(p) for p in found[:10])
    more = f" and {len(found) - 10} more" if len(found) > 10 else ""
    return f"not a Digdag project (no top-level .dig files); projects below it: {shown}{more}"


def _references(root: Path) -> set[Path]:
    """Absolute paths below *root* that its workflows name (through the ``.dig`` files they
    name in turn). Files that do not load name nothing: their project reports them."""
    todo = [root / name for name in workflow_file_names(root)]
    seen: set[Path] = set()
    found: set[Path] = set()
    while todo:
        dig = todo.pop()
        if dig in seen:
            continue
        seen.add(dig)
        try:
            _, raw = load_raw_file(dig)
        except DigError:
            continue
        for target in _named_paths(raw, [dig.parent], root):
            found.add(target)
            if target.suffix == ".dig" and target.is_file():
                todo.append(target)
    return found


def _named_paths(value: Any, bases: list[Path], root: Path) -> Iterator[Path]:
    if isinstance(value, dict):
        for key, item in value.items():
            if is_include_entry(key, item):
                assert isinstance(item, Include)
                if item.resolved_path is not None:
                    included = Path(item.resolved_path)
                    yield included
                    yield from _named_paths(item.data, [*bases, included.parent], root)
            else:
                yield from _named_paths(item, bases, root)
    elif isinstance(value, list):
        for item in value:
            yield from _named_paths(item, bases, root)
    elif isinstance(value, str) and "/" in value:
        # Only a value with a slash can name a file in a subdirectory.
        for token in {value, *value.replace('"', " ").replace("'", " ").split()}:
            if "/" not in token or "${" in token or os.path.isabs(token):
                continue
            for base in bases:
                target = Path(os.path.normpath(base / token))
                if root not in target.parents:
                    continue
                called = target.with_name(target.name + ".dig")  # call>: sub/wf
                if target.exists():
                    yield target
                elif not token.endswith(".dig") and called.is_file():
                    yield called
