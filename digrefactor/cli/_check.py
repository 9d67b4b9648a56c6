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
from typing import TYPE_CHECKING, Any

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
from digrefactor.config import Config
from digrefactor.dialect import load_raw_file
from digrefactor.models import Workflow
from digrefactor.parse import load_workflow

if TYPE_CHECKING:  # the lint rules are imported when `check` runs, not for `--help`
    from digrefactor.lint import LintOptions, LintResult

__all__ = ["FragmentFilter", "lint_options", "load_all", "register"]


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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "check",
        help="parse every .dig file and report problems as path:line:col: message",
        description="Load every .dig file (Digdag's rules) and report each problem.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".dig files or directories")
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: path:line:col: message lines (default); json: one object per problem",
    )
    lint = p.add_argument_group("lint warnings (see docs/editors.md for the codes)")
    lint.add_argument(
        "--strict", action="store_true", help="warnings are problems too (exit 1 on any)"
    )
    lint.add_argument(
        "--select",
        action="append",
        default=None,
        metavar="CODES",
        help="report only these codes or prefixes (comma separated, e.g. DIG102,DIG104)",
    )
    lint.add_argument(
        "--ignore",
        action="append",
        default=None,
        metavar="CODES",
        help="do not report these codes or prefixes (comma separated); repeatable",
    )
    add_file_options(p)
    add_output_options(p)
    p.set_defaults(func=run_check)


def lint_options(
    config: Config, select: list[str] | None = None, ignore: list[str] | None = None
) -> LintOptions:
    """Lint options from the command line and ``[tool.digrefactor.lint]``; an unknown code is a
    usage error."""
    from digrefactor.lint import LintOptions, UnknownLintCode

    try:
        return LintOptions.from_settings(config.lint, select, ignore)
    except UnknownLintCode as exc:
        raise UsageError(str(exc)) from None


def run_check(args: argparse.Namespace) -> int:
    from digrefactor.lint import RULES, lint_files, lint_workflow

    try:
        config = load_config([Path(p) for p in args.paths])
        files = resolve_files(args.paths, args, config)
        options = lint_options(config, args.select, args.ignore)
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    problems: list[DigError] = []
    linted: list[tuple[str, LintResult]] = []
    # A file another checked file includes is a fragment, not a workflow: its YAML must be
    # sound, but workflow rules (top-level keys, names) do not apply to it.
    fragment_filter = FragmentFilter()
    bar = ProgressBar(len(files), enabled=sys.stderr.isatty() and not args.quiet)
    for loaded in load_all(files):
        problem = fragment_filter.see(loaded)
        if problem is not None:
            problems.append(problem)
        elif loaded.workflow is not None:
            try:
                linted.append((str(loaded.path), lint_workflow(loaded.workflow, options)))
            except Exception as exc:  # a bug in a rule: still one located line
                problems.append(
                    DigError(
                        f"internal error while linting ({type(exc).__name__}: {exc})",
                        path=loaded.path,
                    )
                )
        bar.tick(f"problems {len(problems)}")
    bar.close()
    held, fragments = fragment_filter.finish()
    problems.extend(held)
    problems.sort(key=lambda e: (e.path or "", e.line or 0, e.column or 0))
    by_file = lint_files(linted, included=fragment_filter.included)
    warnings = [w for found in by_file.values() for w in found]
    if args.format == "text":
        lines = [(e.path or "", e.line or 0, e.column or 0, str(e)) for e in problems]
        lines += [(w.path or "", w.line or 0, w.column or 0, str(w)) for w in warnings]
        for *_, text in sorted(lines, key=lambda item: item[:3]):
            print(text)
    if args.format == "json":
        report: list[dict[str, Any]] = [
            {
                "path": e.path,
                "line": e.line,
                "column": e.column,
                "message": e.message,
                "kind": type(e).__name__,
                "severity": "error",
                "code": None,
            }
            for e in problems
        ]
        report += [
            {
                "path": w.path,
                "line": w.line,
                "column": w.column,
                "end_line": w.end_line,
                "end_column": w.end_column,
                "message": w.message,
                "kind": RULES[w.code].name,
                "severity": "warning",
                "code": w.code,
            }
            for w in warnings
        ]
        json.dump(report, sys.stdout, indent=2)
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
    if problems or (args.strict and warnings):
        return EXIT_FOUND
    return EXIT_OK
