"""``digrefactor check PATH...``: load every `.dig` file and report every problem.

Text output is one ``path:line:col: message`` per problem (pre-commit and editors parse it);
``--format json`` prints a JSON list. Exit 1 when any file has a problem.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digrefactor._errors import DigError
from digrefactor.cli._common import (
    EXIT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_file_options,
    add_output_options,
    error,
    load_config,
    resolve_files,
)
from digrefactor.models import Workflow
from digrefactor.parse import load_workflow

__all__ = ["add_check_parser", "load_all"]


@dataclass
class Loaded:
    path: Path
    workflow: Workflow | None
    error: DigError | None


def load_all(files: list[tuple[Path, Path]]) -> Iterator[Loaded]:
    """Load each file on its own (its directory as the project); never raises for bad input."""
    for path, _ in files:
        try:
            yield Loaded(path, load_workflow(path), None)
        except DigError as exc:
            yield Loaded(path, None, exc.with_path(path))
        except Exception as exc:  # a bug below us: still one located line
            yield Loaded(
                path,
                None,
                DigError(f"internal error while loading ({type(exc).__name__}: {exc})", path=path),
            )


def source_warnings(workflow: Workflow) -> Iterator[DigError]:
    """Things Digdag accepts but a team wants to hear about (e.g. mixed line endings)."""
    link = workflow._source
    if link is None:
        return
    found = link.doc.mixed_line_endings()
    if found is not None:
        offset, message = found
        line, column = link.doc.line_col(offset)
        yield DigError(message, path=link.path, line=line, column=column)


def add_check_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "check",
        help="parse every .dig file and report problems as path:line:col: message",
        description="Load every .dig file (Digdag's rules) and report each problem.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".dig files or directories")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_file_options(p)
    add_output_options(p)
    p.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    try:
        config = load_config([Path(p) for p in args.paths])
        files = resolve_files(args.paths, args, config)
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    problems: list[DigError] = []
    warnings: list[DigError] = []
    for loaded in load_all(files):
        if loaded.error is not None:
            problems.append(loaded.error)
            if args.format == "text":
                print(str(loaded.error))
        elif loaded.workflow is not None:
            for warning in source_warnings(loaded.workflow):
                warnings.append(warning)
                if args.format == "text":
                    print(f"{warning.location}: warning: {warning.message}")
    if args.format == "json":
        json.dump(
            [
                {
                    "path": e.path,
                    "line": e.line,
                    "column": e.column,
                    "message": e.message,
                    "kind": type(e).__name__,
                    "severity": severity,
                }
                for severity, found in (("error", problems), ("warning", warnings))
                for e in found
            ],
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    if not args.quiet:
        n = len(files)
        print(
            f"{n} file{'s' if n != 1 else ''} checked: "
            f"{len(problems)} with problems, {n - len(problems)} ok"
            + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""),
            file=sys.stderr,
        )
    return EXIT_FOUND if problems else EXIT_OK
