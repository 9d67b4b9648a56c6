"""Which files a run covers: `.dig` files under the given paths, minus ignored ones.

Directories are walked recursively (:func:`walk`: dot names are never visited, links to
directories are not followed); ``node_modules`` and ``__pycache__`` are skipped, ``.gitignore``
files are honoured (those of the directories walked and of their ancestors up to the
repository root), and ``--include`` / ``--exclude`` globs (gitignore syntax, relative to the
directory given) filter the rest. A file named explicitly is always taken, like black and ruff
do. Only regular files (or links to them) are taken: reading a FIFO named ``x.dig`` would block
forever, so walks skip such entries and naming one is an error.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from digrefactor.files._project import SKIPPED_DIRS
from digrefactor.files._walk import Entry, is_regular, real_path, walk

__all__ = [
    "FileFilter",
    "FileList",
    "NotARegularFileError",
    "discover_files",
    "find_repository_root",
]

DEFAULT_EXCLUDES = tuple(f"{name}/" for name in sorted(SKIPPED_DIRS))


class NotARegularFileError(ValueError):
    """A path given explicitly is neither a directory nor a regular file (a FIFO, a device...)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: not a regular file")
        self.path = path


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


def find_repository_root(start: Path) -> Path:
    """The nearest ancestor of *start* holding ``.git`` or ``.hg`` (else *start* itself)."""
    start = real_path(start)
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
        if given.exists() and not given.is_dir() and not is_regular(given):
            raise NotARegularFileError(given)
    return _discover(paths, file_filter or FileFilter())


def _discover(paths: Sequence[Path], ff: FileFilter) -> Iterator[tuple[Path, Path]]:
    gitignores = _GitIgnores()
    seen: set[str] = set()  # real paths
    for given in paths:
        if given.is_file() or not given.exists():
            key = os.fspath(real_path(given))
            if key not in seen:
                seen.add(key)
                yield given, given.parent
            continue
        yield from _walk(given, ff, gitignores, seen)


def _walk(
    root: Path, ff: FileFilter, gitignores: _GitIgnores, seen: set[str]
) -> Iterator[tuple[Path, Path]]:
    include, exclude = ff.spec("include"), ff.spec("exclude")
    resolved = real_path(root)
    base_chain: list[Path] = []
    if ff.gitignore:
        top = find_repository_root(root)
        base_chain = [d for d in reversed(resolved.parents) if d == top or top in d.parents]
        base_chain.append(resolved)

    chains: dict[str, list[Path]] = {"": base_chain}

    def chain_of(directory: str) -> list[Path]:
        """The directories whose ``.gitignore`` applies inside *directory* (outermost first)."""
        chain = chains.get(directory)
        if chain is None:
            parent, _, _ = directory.rpartition("/")
            chain = chains[directory] = [*chain_of(parent), resolved / directory]
        return chain

    def prune(entry: Entry) -> bool:
        if exclude.match_file(entry.rel + "/" if entry.is_dir else entry.rel):
            return True
        if not entry.is_dir and not include.match_file(entry.rel):
            return True
        if ff.gitignore:
            chain = chain_of(entry.rel.rpartition("/")[0])
            return gitignores.ignored(resolved / entry.rel, entry.is_dir, chain)
        return False

    # A link that cannot be followed is taken: reading it then reports why, rather than the
    # file silently disappearing. FIFOs and devices are never taken. The walk's order (names
    # sorted, a directory's content at its name's place) is the order Paths sort in, so files
    # are yielded as they are met: a run over thousands of files builds no list of them (its
    # memory would stay in this process and in every worker forked from it). Directories
    # reached are real (links to them are not followed): only a link needs resolving.
    resolved_str = os.fspath(resolved)
    for entry in walk(root, prune=prune):
        if entry.kind not in ("file", "broken"):
            continue
        key = os.fspath(real_path(entry.path)) if entry.is_link else f"{resolved_str}/{entry.rel}"
        if key not in seen:
            seen.add(key)
            yield entry.path, root
