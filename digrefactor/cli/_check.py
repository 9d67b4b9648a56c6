"""``digrefactor check PATH...``: load every `.dig` file and report every problem.

Text output is one ``path:line:col: message`` per problem (pre-commit and editors parse it);
``--format json`` prints a JSON list. Exit 1 when any file has a problem.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digrefactor._datatree import Include
from digrefactor._errors import DigError, DigValidationError
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
from digrefactor.cli._progress import ProgressBar
from digrefactor.dialect import load_raw_file
from digrefactor.models import Workflow
from digrefactor.parse import load_workflow
from digrefactor.syntax import SourceDoc

__all__ = ["FragmentFilter", "load_all", "register"]


@dataclass
class Loaded:
    path: Path
    workflow: Workflow | None
    error: DigError | None
    #: Real paths of the files this file includes (directly or through other includes).
    includes: frozenset[str] = frozenset()


def _included_paths(value: Any, out: set[str]) -> None:
    if isinstance(value, Include):
        if value.resolved_path:
            out.add(os.path.realpath(value.resolved_path))
        _included_paths(value.data, out)
    elif isinstance(value, dict):
        for v in value.values():
            _included_paths(v, out)
    elif isinstance(value, list):
        for v in value:
            _included_paths(v, out)


def load_all(files: Iterable[tuple[Path, Path]]) -> Iterator[Loaded]:
    """Load each file on its own (its directory as the project); never raises for bad input."""
    for path, _ in files:
        includes: set[str] = set()
        try:
            wf = load_workflow(path)
            _included_paths(wf.to_raw(), includes)
            yield Loaded(path, wf, None, frozenset(includes))
        except DigValidationError as exc:
            # Valid YAML that is not a valid workflow may still include fragments.
            with contextlib.suppress(DigError):
                _included_paths(load_raw_file(path)[1], includes)
            yield Loaded(path, None, exc.with_path(path), frozenset(includes))
        except DigError as exc:
            yield Loaded(path, None, exc.with_path(path))
        except Exception as exc:  # a bug below us: still one located line
            yield Loaded(
                path,
                None,
                DigError(f"internal error while loading ({type(exc).__name__}: {exc})", path=path),
            )


class FragmentFilter:
    """Decides which rejected files are ``!include`` fragments of other checked files.

    Feed every :class:`Loaded` to :meth:`see` (it returns the error to report now, if any);
    :meth:`finish` returns the held-back errors of files nobody includes, and the number of
    fragments. Only workflow-rule errors wait: a fragment's YAML must still be sound.
    """

    def __init__(self) -> None:
        self.included: set[str] = set()
        self.pending: list[Loaded] = []

    def see(self, loaded: Loaded) -> DigError | None:
        self.included |= loaded.includes
        if isinstance(loaded.error, DigValidationError):
            self.pending.append(loaded)
            return None
        return loaded.error

    def finish(self) -> tuple[list[DigError], int]:
        errors: list[DigError] = []
        fragments = 0
        for loaded in self.pending:
            if os.path.realpath(loaded.path) in self.included:
                fragments += 1
            elif loaded.error is not None:
                errors.append(loaded.error)
        return errors, fragments


def source_warnings(workflow: Workflow) -> Iterator[DigError]:
    """Things Digdag accepts but a team wants to hear about (e.g. mixed line endings)."""
    link = workflow._source
    if link is None:
        return
    doc = SourceDoc(link.text, None, link.path)  # only line helpers: no need to parse again
    found = doc.mixed_line_endings()
    if found is not None:
        offset, message = found
        line, column = doc.line_col(offset)
        yield DigError(message, path=link.path, line=line, column=column)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    # A file another checked file includes is a fragment, not a workflow: its YAML must be
    # sound, but workflow rules (top-level keys, names) do not apply to it.
    fragment_filter = FragmentFilter()
    bar = ProgressBar(len(files), enabled=sys.stderr.isatty() and not args.quiet)
    for loaded in load_all(files):
        problem = fragment_filter.see(loaded)
        if problem is not None:
            problems.append(problem)
        elif loaded.workflow is not None:
            warnings.extend(source_warnings(loaded.workflow))
        bar.tick(f"problems {len(problems)}")
    bar.close()
    held, fragments = fragment_filter.finish()
    problems.extend(held)
    problems.sort(key=lambda e: (e.path or "", e.line or 0, e.column or 0))
    if args.format == "text":
        for e in sorted(
            [(e, "") for e in problems] + [(w, "warning: ") for w in warnings],
            key=lambda pair: (pair[0].path or "", pair[0].line or 0, pair[0].column or 0),
        ):
            err, label = e
            print(f"{err.location}: {label}{err.message}")
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
            + (f" ({fragments} of them !include fragments)" if fragments else "")
            + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""),
            file=sys.stderr,
        )
    return EXIT_FOUND if problems else EXIT_OK
