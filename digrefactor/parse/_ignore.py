"""Which files belong to a project: no dot files, nothing ``.digdagignore`` excludes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pathspec

__all__ = ["ignore_spec", "project_paths"]


def ignore_spec(root: Path, name: str = ".digdagignore") -> pathspec.GitIgnoreSpec | None:
    """The gitignore-syntax patterns of ``root/name``, if that file exists."""
    try:
        # Like the archive builder: a stray non-UTF-8 byte must not stop loading the project.
        lines = (root / name).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def project_paths(root: Path) -> Iterator[str]:
    """POSIX paths relative to *root* of the files Digdag's CLI would archive, sorted."""
    spec = ignore_spec(root)
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        kept = []
        for d in sorted(dirnames):
            if d.startswith("."):
                continue
            if spec is not None and spec.match_file(rel_dir + d + "/"):
                continue
            kept.append(d)
        dirnames[:] = kept
        for f in sorted(filenames):
            if f.startswith("."):
                continue
            rel = rel_dir + f
            if spec is not None and spec.match_file(rel):
                continue
            out.append(rel)
    yield from sorted(out)
