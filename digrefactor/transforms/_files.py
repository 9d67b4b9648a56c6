"""Which files a run covers: `.dig` files under the given paths, minus ignored ones.

Directories are walked recursively; hidden directories (``.git``, ``.venv``, ``.digdag``...) are
skipped, ``.gitignore`` files are honoured (those of the directories walked and of their
ancestors up to the repository root), and ``--include`` / ``--exclude`` globs (gitignore
syntax, relative to the directory given) filter the rest. A file named explicitly is always
taken, like black and ruff do. Only regular files (or links to them) are taken: reading a FIFO
named ``x.dig`` would block forever, so walks skip such entries and naming one is an error.
"""

from __future__ import annotations

import os
import stat
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

__all__ = [
    "FileFilter",
    "FileList",
    "NotARegularFileError",
    "discover_files",
    "find_project_root",
]

DEFAULT_EXCLUDES = ("node_modules/", "__pycache__/")


class NotARegularFileError(ValueError):
    """A path given explicitly is neither a directory nor a regular file (a FIFO, a device...)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: not a regular file")
        self.path = path


def _is_regular(path: Path) -> bool:
    """A regular file, or a link to one; a path that cannot be stat'ed counts as one too (the
    reader then reports why it cannot be read, rather than the file silently disappearing)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


@dataclass(frozen=True)
class FileFilter:
    """``include`` / ``exclude``: gitignore-style globs; ``gitignore``: honour .gitignore."""

    include: Sequence[str] = ("*.dig",)
    exclude: Sequence[str] = ()
    gitignore: bool = True
    _specs: dict[str, pathspec.PathSpec] = field(  # type: ignore[type-arg]
        default_factory=dict, compare=False, repr=False
    )

    def spec(self, which: str) -> pathspec.PathSpec:  # type: ignore[type-arg]
        cached = self._specs.get(which)
        if cached is None:
            patterns = self.include if which == "include" else [*DEFAULT_EXCLUDES, *self.exclude]
            cached = pathspec.GitIgnoreSpec.from_lines(patterns)
            self._specs[which] = cached
        return cached


class FileList(Sequence[tuple[Path, Path]]):
    """``(file, root)`` pairs held as strings, read back as Paths.

    A run over many thousands of files keeps its list for the whole run (and forked workers
    share the memory it sits in): strings take a third of what Path objects do, and the Paths
    of a walk are dropped as soon as they are listed.
    """

    def __init__(self, pairs: Iterable[tuple[Path, Path]] = ()) -> None:
        self._pairs = [(os.fspath(path), os.fspath(root)) for path, root in pairs]

    def __len__(self) -> int:
        return len(self._pairs)

    @typing.overload
    def __getitem__(self, index: int) -> tuple[Path, Path]: ...

    @typing.overload
    def __getitem__(self, index: slice) -> FileList: ...

    def __getitem__(self, index: int | slice) -> tuple[Path, Path] | FileList:
        if isinstance(index, slice):
            part = FileList()
            part._pairs = self._pairs[index]
            return part
        path, root = self._pairs[index]
        return Path(path), Path(root)

    def __iter__(self) -> Iterator[tuple[Path, Path]]:
        for path, root in self._pairs:
            yield Path(path), Path(root)

    def strings(self) -> list[tuple[str, str]]:
        """The pairs as strings (no Paths made)."""
        return list(self._pairs)


def find_project_root(start: Path) -> Path:
    """The nearest ancestor of *start* holding ``.git`` or ``.hg`` (else *start* itself)."""
    start = start.resolve()
    for d in [start, *start.parents]:
        if (d / ".git").exists() or (d / ".hg").exists():
            return d
    return start


class _GitIgnores:
    """``.gitignore`` files by directory, matched with git's rules (pathspec)."""

    def __init__(self) -> None:
        self.cache: dict[Path, pathspec.PathSpec | None] = {}  # type: ignore[type-arg]

    def spec(self, directory: Path) -> pathspec.PathSpec | None:  # type: ignore[type-arg]
        if directory not in self.cache:
            try:
                lines = (directory / ".gitignore").read_text(encoding="utf-8").splitlines()
            except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError, PermissionError):
                self.cache[directory] = None
            else:
                self.cache[directory] = pathspec.GitIgnoreSpec.from_lines(lines)
        return self.cache[directory]

    def ignored(self, path: Path, is_dir: bool, chain: list[Path]) -> bool:
        """Is *path* ignored by the ``.gitignore`` of any directory in *chain* (outermost first)?"""
        ignored = False
        for directory in chain:
            spec = self.spec(directory)
            if spec is None:
                continue
            try:
                rel = path.relative_to(directory).as_posix()
            except ValueError:
                continue
            if is_dir:
                rel += "/"
            result = spec.check_file(rel)
            if result.include is not None:
                ignored = bool(result.include)
        return ignored


def discover_files(
    paths: Sequence[Path], file_filter: FileFilter | None = None
) -> Iterator[tuple[Path, Path]]:
    """``(file, root)`` for every file to process; *root* is the directory argument it came from
    (a file's own directory when named explicitly). Sorted within each argument; no repeats.

    Raises :class:`NotARegularFileError` (before yielding anything) for a path given that exists
    but is neither a directory nor a regular file."""
    for given in paths:
        if given.exists() and not given.is_dir() and not _is_regular(given):
            raise NotARegularFileError(given)
    return _discover(paths, file_filter or FileFilter())


def _discover(paths: Sequence[Path], ff: FileFilter) -> Iterator[tuple[Path, Path]]:
    gitignores = _GitIgnores()
    seen: set[str] = set()  # real paths
    for given in paths:
        if given.is_file() or not given.exists():
            key = str(given.resolve())
            if key not in seen:
                seen.add(key)
                yield given, given.parent
            continue
        yield from _walk(given, ff, gitignores, seen)


def _walk(
    root: Path, ff: FileFilter, gitignores: _GitIgnores, seen: set[str]
) -> Iterator[tuple[Path, Path]]:
    """Files under *root*, in the order their Paths sort (a directory's entries by name, a
    subdirectory's files at its name's place), yielded as they are found.

    A walk of many thousands of files holds only the directories on the current path: each
    file is lstat'ed once, only links are resolved (a real directory's files are where it is),
    and no list of every file is built (the walk's memory would stay in the process, and in
    every worker forked from it). Symlinked directories are not followed, as os.walk does.
    """
    include, exclude = ff.spec("include"), ff.spec("exclude")
    real_root = root.resolve()
    chain: list[Path] = []
    if ff.gitignore:
        top = find_project_root(root)
        chain = [d for d in reversed(real_root.parents) if d == top or top in d.parents]
        chain.append(real_root)
    # Open directories: (path, real path, path relative to root, .gitignore chain, entries).
    stack = [(root, real_root, "", chain, _sorted_entries(root))]
    while stack:
        here, real_here, rel_dir, chain, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        name = entry.name
        if name.startswith("."):
            continue
        rel = rel_dir + name
        if _is_dir(entry):
            if entry.is_symlink() or exclude.match_file(rel + "/"):
                continue
            real_sub = real_here / name
            if ff.gitignore and gitignores.ignored(real_sub, True, chain):
                continue
            sub_chain = [*chain, real_sub] if ff.gitignore else chain
            sub = here / name
            stack.append((sub, real_sub, rel + "/", sub_chain, _sorted_entries(sub)))
            continue
        if not include.match_file(rel) or exclude.match_file(rel):
            continue
        path = here / name
        if entry.is_symlink():
            real: Path | None = _real_regular_file(path, real_here / name)
            if real is None:
                continue
        elif _is_file(entry):  # the directory's own record of the type: no stat needed
            real = real_here / name
        else:
            continue  # a FIFO named x.dig would block a reader forever
        if ff.gitignore and gitignores.ignored(real, False, chain):
            continue
        key = str(real)
        if key not in seen:
            seen.add(key)
            yield path, root


def _sorted_entries(directory: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:  # unreadable: skipped, as os.walk does
        return iter(())
    return iter(entries)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    """A regular file (not following links); one that cannot be stat'ed counts as one: its
    reader reports why it cannot be read, rather than the file silently disappearing."""
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return True


def _real_regular_file(path: Path, in_place: Path) -> Path | None:
    """The real path of *path* (*in_place* unless it is a link) if it is a regular file or a
    link to one; None for anything else (a FIFO named x.dig would block a reader forever). A
    path that cannot be stat'ed counts as a file: its reader reports why it cannot be read."""
    try:
        st = os.lstat(path)
    except OSError:
        return in_place
    if stat.S_ISLNK(st.st_mode):
        return path.resolve() if _is_regular(path) else None
    return in_place if stat.S_ISREG(st.st_mode) else None
