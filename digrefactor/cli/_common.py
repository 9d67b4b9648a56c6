"""Shared pieces of the commands: exit codes, errors, file options, ``[tool.digrefactor]``."""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digrefactor.transforms._files import FileList

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input detected after argument parsing: one line on stderr, exit code 2."""


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------------- config


@dataclass
class Config:
    """``[tool.digrefactor]`` of the nearest ``pyproject.toml`` (command line wins)."""

    path: Path | None = None
    jobs: int | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    gitignore: bool = True


_CONFIG_KEYS = {"jobs", "include", "exclude", "extend-exclude", "gitignore"}


def find_pyproject(paths: Sequence[Path]) -> Path | None:
    """The nearest ``pyproject.toml`` at or above the first path (stops at a ``.git`` root)."""
    start = (paths[0] if paths else Path.cwd()).resolve()
    if not start.is_dir():
        start = start.parent
    for d in [start, *start.parents]:
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (d / ".git").exists() or (d / ".hg").exists():
            return None
    return None


def load_config(paths: Sequence[Path]) -> Config:
    path = find_pyproject(paths)
    if path is None:
        return Config()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read configuration: {exc}") from None
    section = data.get("tool", {}).get("digrefactor")
    if section is None:
        return Config()
    if not isinstance(section, dict):
        raise UsageError(f"{path}: [tool.digrefactor] must be a table")
    unknown = sorted(set(section) - _CONFIG_KEYS)
    if unknown:
        raise UsageError(
            f"{path}: [tool.digrefactor] has unknown key {unknown[0]!r} "
            f"(known: {', '.join(sorted(_CONFIG_KEYS))})"
        )
    cfg = Config(path=path)
    if "jobs" in section:
        jobs = section["jobs"]
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise UsageError(f"{path}: [tool.digrefactor] jobs must be a positive integer")
        cfg.jobs = jobs
    for key in ("include", "exclude", "extend-exclude"):
        if key in section:
            value = section[key]
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{path}: [tool.digrefactor] {key} must be a list of globs")
            if key == "include":
                cfg.include = value
            else:
                cfg.exclude.extend(value)
    if "gitignore" in section:
        if not isinstance(section["gitignore"], bool):
            raise UsageError(f"{path}: [tool.digrefactor] gitignore must be true or false")
        cfg.gitignore = section["gitignore"]
    return cfg


# ------------------------------------------------------------------------------ file options


def add_file_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("files")
    group.add_argument(
        "--include",
        action="append",
        default=None,
        metavar="GLOB",
        help="files to take in directories (gitignore syntax; default: *.dig); repeatable",
    )
    group.add_argument(
        "--exclude",
        action="append",
        default=None,
        metavar="GLOB",
        help="files or directories to leave out (gitignore syntax); repeatable",
    )
    group.add_argument("--no-gitignore", action="store_true", help="do not honour .gitignore files")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    group.add_argument(
        "-v", "--verbose", action="store_true", help="more detail (tracebacks of failures)"
    )


def resolve_files(raw_paths: Sequence[str], args: argparse.Namespace, config: Config) -> FileList:
    """The ``(file, root)`` pairs to process; a missing path is a usage error."""
    from digrefactor.transforms._files import (
        FileFilter,
        FileList,
        NotARegularFileError,
        discover_files,
    )

    paths = [Path(p) for p in raw_paths]
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p}: no such file or directory")
    include = args.include or config.include or ["*.dig"]
    exclude = [*config.exclude, *(args.exclude or [])]
    ff = FileFilter(
        include=include, exclude=exclude, gitignore=config.gitignore and not args.no_gitignore
    )
    try:
        return FileList(discover_files(paths, ff))
    except NotARegularFileError as exc:
        raise UsageError(str(exc)) from None


def jobs_value(args: argparse.Namespace, config: Config) -> int:
    if args.jobs is not None:
        return int(args.jobs)
    if config.jobs is not None:
        return config.jobs
    return os.cpu_count() or 1


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def verbose_requested(argv: Sequence[str]) -> bool:
    return any(a in ("-v", "--verbose") for a in argv)
