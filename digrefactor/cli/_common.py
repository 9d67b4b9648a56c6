"""Shared pieces of the commands: exit codes, errors, file options, ``[tool.digrefactor]``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from digrefactor import config
from digrefactor.config import Config
from digrefactor.files import FileFilter, FileList, NotARegularFileError, discover_files

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2
#: Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input detected after argument parsing: one line on stderr, exit code 2."""


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------------- config


def load_config(paths: Sequence[Path]) -> Config:
    """``[tool.digrefactor]`` for *paths*; a bad configuration is a usage error."""
    try:
        return config.load_config(paths)
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None


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
    paths = [Path(p) for p in raw_paths]
    for p in paths:
        if not os.path.lexists(p):  # a symlink loop exists: it is reported when read
            raise UsageError(f"{p}: no such file or directory")
    include = args.include or config.include or ["*.dig"]
    exclude = [*config.exclude, *(args.exclude or [])]
    ff = FileFilter(
        include=include, exclude=exclude, gitignore=config.gitignore and not args.no_gitignore
    )
    try:
        files = FileList(discover_files(paths, ff))
    except NotARegularFileError as exc:
        raise UsageError(str(exc)) from None
    if not files:
        # Like ruff's "No Python files found": a mistyped path should not pass unnoticed.
        where = ", ".join(str(p) for p in paths)
        print(
            f"warning: no files matching {' '.join(include)} in {where} (ignored files and "
            "links to directories are not walked; name such a directory itself)",
            file=sys.stderr,
        )
    return files


def jobs_value(args: argparse.Namespace, config: Config) -> int:
    if args.jobs is not None:
        return int(args.jobs)
    if config.jobs is not None:
        return config.jobs
    return os.cpu_count() or 1


def timeout_value(args: argparse.Namespace, config: Config, default: float) -> float | None:
    """Seconds a file may take (None: no limit) from --timeout, the config, or *default*."""
    value = args.timeout if args.timeout is not None else config.timeout
    if value is None:
        value = default
    return value if value > 0 else None


def seconds_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected seconds (0: no limit), got {text!r}")
    return value


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
