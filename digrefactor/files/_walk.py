"""The one walk over a directory tree that every command uses.

Depth first, names sorted, parents before their content; names starting with ``.`` are never
visited (Digdag's archiver, git and every command here skip them). What to leave out beyond
that is the caller's ``prune``; whether to go into a directory reached through a symbolic link
is decided in one place, :func:`_descend`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Entry", "EntryKind", "is_regular", "real_path", "walk"]

#: ``file``: a regular file (or a link to one); ``dir``: a directory (or a link to one);
#: ``special``: a FIFO, socket or device, which must never be opened (reading a FIFO blocks);
#: ``broken``: a link whose target cannot be reached.
EntryKind = Literal["file", "dir", "special", "broken"]


@dataclass(frozen=True)
class Entry:
    """One name met by :func:`walk`."""

    #: The path as walked (the root joined with ``rel``; links are not resolved).
    path: Path
    #: POSIX path relative to the walk's root.
    rel: str
    kind: EntryKind
    #: The name itself is a symbolic link (``kind`` describes what it points to).
    is_link: bool

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"

    @property
    def name(self) -> str:
        return self.path.name


def real_path(path: Path) -> Path:
    """``path.resolve()`` that never raises: a symlink loop stays as it is (reading it then
    reports the loop, and a walk goes on past it)."""
    return Path(os.path.realpath(path))


def is_regular(path: Path) -> bool:
    """A regular file or a link to one. A path that cannot be stat'ed counts as one, so the
    reader reports why it cannot be read instead of the file silently disappearing."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


def _entry(item: os.DirEntry[str], rel: str) -> Entry:
    path = Path(item.path)
    try:
        is_link = item.is_symlink()
        if not is_link:
            # The directory listing says what a name is (no stat per file, which for a walk of
            # thousands of files was most of its time); a link needs its target's type.
            if item.is_dir(follow_symlinks=False):
                return Entry(path, rel, "dir", False)
            if item.is_file(follow_symlinks=False):
                return Entry(path, rel, "file", False)
        mode = item.stat(follow_symlinks=True).st_mode
    except OSError:
        return Entry(path, rel, "broken", True)
    if stat.S_ISDIR(mode):
        kind: EntryKind = "dir"
    elif stat.S_ISREG(mode):
        kind = "file"
    else:
        kind = "special"
    return Entry(path, rel, kind, is_link)


def _descend(entry: Entry, follow_links: bool | Callable[[Entry], bool]) -> bool:
    """Whether the walk goes into the directory *entry*: always for a real directory; for a
    link to one only when the caller asks (a followed link may lead back up the tree)."""
    if not entry.is_dir:
        return False
    if not entry.is_link:
        return True
    return follow_links(entry) if callable(follow_links) else follow_links


def walk(
    root: Path,
    *,
    prune: Callable[[Entry], bool] | None = None,
    follow_links: bool | Callable[[Entry], bool] = False,
    on_error: Callable[[OSError], None] | None = None,
) -> Iterator[Entry]:
    """Every entry below *root* (not *root* itself), depth first, names sorted by code point.

    ``prune(entry)`` true leaves the entry out (a directory with everything below it). A link
    to a directory is yielded and gone into only as ``follow_links`` says. A directory that
    cannot be listed is passed to ``on_error`` (skipped when it is None, as ``os.walk`` does).
    """
    # An explicit stack: the depth of a tree must not be bounded by Python's recursion limit.
    stack: list[Iterator[Entry]] = [_listing(root, "", prune, on_error)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        yield entry
        if _descend(entry, follow_links):
            stack.append(_listing(entry.path, entry.rel + "/", prune, on_error))


def _listing(
    directory: Path,
    prefix: str,
    prune: Callable[[Entry], bool] | None,
    on_error: Callable[[OSError], None] | None,
) -> Iterator[Entry]:
    try:
        with os.scandir(directory) as it:
            items = sorted((i for i in it if not i.name.startswith(".")), key=lambda i: i.name)
    except OSError as err:
        if on_error is not None:
            on_error(err)
        return
    for item in items:
        entry = _entry(item, prefix + item.name)
        if prune is None or not prune(entry):
            yield entry
