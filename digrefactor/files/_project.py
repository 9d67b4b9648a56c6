"""Digdag projects on disk: which directories are projects and which files belong to one.

A project is a directory with top-level ``*.dig`` files (its workflows); its files are what
Digdag's CLI archives on ``digdag push``: everything below it except names starting with ``.``
and paths its ``.digdagignore`` excludes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from digrefactor.files._ignore import DigdagIgnore
from digrefactor.files._walk import Entry, walk

__all__ = [
    "SKIPPED_DIRS",
    "ProjectFile",
    "find_project_dirs",
    "project_file_paths",
    "read_files",
    "workflow_file_names",
]

#: Directories never searched for projects (besides every name starting with ``.``, such as
#: ``.git`` and ``.venv``): installed packages and caches, not anyone's workflows.
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})


@dataclass(frozen=True)
class ProjectFile:
    """A file shipped with a project: its content and, when it has one of its own, its POSIX
    permission bits (None: 0644 in an archive, the umask's default for a new file on disk)."""

    data: bytes
    mode: int | None = None


def project_file_paths(root: Path, *, exclude_dirs: Iterable[str] = ()) -> list[str]:
    """POSIX paths relative to *root* of the files Digdag's CLI would archive, sorted.

    Regular files and links to them; dot names and ``.digdagignore``-d paths are left out, and
    so is everything below the relative directories *exclude_dirs* (projects of their own).
    """
    ignore = DigdagIgnore.of_project(root)
    excluded = {d.strip("/") for d in exclude_dirs}

    def prune(entry: Entry) -> bool:
        if entry.is_dir and entry.rel in excluded:
            return True
        return ignore is not None and ignore.ignores(entry.rel, is_dir=entry.is_dir)

    return sorted(e.rel for e in walk(root, prune=prune) if e.kind == "file")


def workflow_file_names(directory: Path) -> list[str]:
    """Names of the top-level ``*.dig`` files of *directory* that its ``.digdagignore`` keeps."""
    try:
        with os.scandir(directory) as it:
            names = sorted(
                i.name
                for i in it
                if i.name.endswith(".dig") and not i.name.startswith(".") and _regular(i)
            )
    except OSError:
        return []
    ignore = DigdagIgnore.of_project(directory) if names else None
    return [n for n in names if ignore is None or not ignore.ignores(n, is_dir=False)]


def _regular(item: os.DirEntry[str]) -> bool:
    try:
        return stat.S_ISREG(item.stat(follow_symlinks=True).st_mode)
    except OSError:
        return False


def find_project_dirs(path: Path) -> list[Path]:
    """Directories at or below *path* that are Digdag projects, parents before children.

    A project is a directory with top-level ``*.dig`` files that its ``.digdagignore`` keeps.
    Dot directories (``.git``, ``.venv``...), ``node_modules`` and ``__pycache__`` are not
    searched, nor are directories the ``.digdagignore`` of an enclosing project excludes.
    Links to directories are not followed.
    """

    def prune(entry: Entry) -> bool:
        return entry.is_dir and entry.name in SKIPPED_DIRS

    with_dig: set[str] = set()
    checked: set[str] = {""}
    if workflow_file_names(path):
        with_dig.add("")
    for entry in walk(path, prune=prune):
        if entry.kind == "file" and entry.name.endswith(".dig"):
            parent = entry.rel.rpartition("/")[0]
            if parent not in checked:
                checked.add(parent)
                if workflow_file_names(entry.path.parent):
                    with_dig.add(parent)
    found: list[str] = []
    for rel in sorted(with_dig, key=lambda r: (r.count("/") if r else -1, r)):
        if not any(_ignored_by(path, outer, rel) for outer in found):
            found.append(rel)
    return [path / rel if rel else path for rel in sorted(found, key=_tree_order)]


def _tree_order(rel: str) -> tuple[str, ...]:
    return tuple(rel.split("/")) if rel else ()


def _ignored_by(base: Path, outer: str, rel: str) -> bool:
    """Whether the project at *outer* excludes the directory *rel* (both relative to *base*)."""
    if outer == rel or (outer and not rel.startswith(outer + "/")):
        return False
    ignore = DigdagIgnore.of_project(base / outer if outer else base)
    if ignore is None:
        return False
    inner = rel[len(outer) + 1 :] if outer else rel
    parts = inner.split("/")
    return any(ignore.ignores("/".join(parts[:i]), is_dir=True) for i in range(1, len(parts) + 1))


def read_files(directory: Path) -> dict[str, ProjectFile]:
    """Every project file below *directory* (as :func:`project_file_paths` lists them) with its
    content and permission bits, by POSIX path relative to *directory*."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: no such directory")
    out: dict[str, ProjectFile] = {}
    for rel in project_file_paths(directory):
        path = directory / rel
        out[rel] = ProjectFile(path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    return out
