"""``digrefactor codemod NAME [options] PATH...``: run a pass over many `.dig` files.

In place by default; ``--diff`` prints unified diffs and writes nothing; ``--check`` writes
nothing and exits 1 when a file would change. ``--pass module:callable`` (or
``path/to/file.py:callable``) runs a user's own pass with the same machinery.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digrefactor.cli._common import (
    EXIT_FOUND,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_file_options,
    add_output_options,
    error,
    jobs_value,
    load_config,
    positive_int,
    resolve_files,
    seconds_value,
    timeout_value,
)
from digrefactor.cli._progress import Reporter

if TYPE_CHECKING:
    from digrefactor.transforms import CodemodPass, FileResult

__all__ = ["PASS_HELP", "codemod_help", "codemod_main"]

#: The built-in passes' one-line help, for ``codemod --help`` without loading the passes (and
#: with them the models): the overview stays instant. A test keeps it equal to ``PASSES``.
PASS_HELP: dict[str, str] = {
    "rename-operator": "rename an operator (td> → td_run>), optionally renaming its parameters",
    "set-param": "set a parameter (dotted keys for nested mappings) on selected operator tasks",
    "rename-param": "rename a parameter of selected operator tasks (keeps its place)",
    "remove-param": "remove a parameter from selected operator tasks",
    "set-schedule": (
        "set the schedule (--daily/--hourly/--weekly/--monthly/--cron/--minutes-interval)"
    ),
    "shift-schedule": "shift the schedule's time (--by +1h, -30m, +1d), wrapping across days",
    "convert-schedule": "convert the schedule to another type (--to cron)",
    "set-schedule-option": (
        "set or remove skip_delayed_by, skip_on_overtime, start, end on schedules"
    ),
    "set-timezone": "set the workflow's timezone",
    "set-export": "set a key of _export (workflow level, or on selected tasks)",
    "remove-export": "remove a key of _export (workflow level, or on selected tasks)",
    "set-retry": "set _retry (workflow level, or on selected tasks)",
    "set-error-handler": "add or replace _error (workflow level, or on selected tasks)",
    "set-parallel": "set _parallel: true, false or a limit N (workflow level, or selected tasks)",
    "rename-task": "rename a task (full +wf+g+t or short name) and update _after references",
    "rename-workflow": (
        "rename OLD.dig to NEW.dig and update call> / require> references across the project"
    ),
    "replace-in-command": (
        "regex-replace inside the command (sh>, td>, ...; {data: ...}) and query: of tasks"
    ),
}


def codemod_help() -> str:
    width = max(len(n) for n in PASS_HELP)
    lines = [
        "usage: digrefactor codemod NAME [options] PATH...",
        "       digrefactor codemod --pass module:callable [options] PATH...",
        "",
        "Edit many .dig files at once: in place (default), --diff or --check.",
        "",
        "codemods:",
    ]
    lines += [f"  {name:<{width}}  {help_text}" for name, help_text in PASS_HELP.items()]
    lines += ["", "Run 'digrefactor codemod NAME --help' for a codemod's options."]
    return "\n".join(lines)


def _add_common(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_argument_group("mode")
    mode.add_argument(
        "--diff", action="store_true", help="print unified diffs to stdout; write nothing"
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any file would change",
    )
    mode.add_argument(
        "-j",
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes (default: every core, or jobs in [tool.digrefactor])",
    )
    from digrefactor.transforms import DEFAULT_TIMEOUT

    mode.add_argument(
        "--timeout",
        type=seconds_value,
        default=None,
        metavar="SECONDS",
        help=(
            "fail a file that takes longer than this and go on (default: "
            f"{DEFAULT_TIMEOUT:g}, or timeout in [tool.digrefactor]; 0: no limit)"
        ),
    )
    add_file_options(parser)
    add_output_options(parser)
    parser.add_argument("paths", nargs="+", metavar="PATH", help=".dig files or directories")


def _parser_for(name: str, cls: type[CodemodPass] | None) -> argparse.ArgumentParser:
    if cls is None:
        parser = argparse.ArgumentParser(
            prog="digrefactor codemod",
            description="Run your own pass: a callable (workflow, ctx) -> None.",
        )
        parser.add_argument(
            "--pass",
            dest="pass_ref",
            required=True,
            metavar="MODULE:CALLABLE",
            help="module:callable or path/to/file.py:callable",
        )
        parser.add_argument(
            "-o",
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="an option for the pass (ctx.options); repeatable",
        )
    else:
        parser = argparse.ArgumentParser(
            prog=f"digrefactor codemod {name}",
            # ``code`` in a docstring is reStructuredText; a terminal shows 'code'.
            description=re.sub(
                r"``(.+?)``", r"'\1'", (cls.__doc__ or cls.help).strip().splitlines()[0]
            ),
        )
        cls.add_arguments(parser)
    _add_common(parser)
    return parser


def _join_values(argv: Sequence[str], options: Sequence[str]) -> list[str]:
    """``--by -30m`` → ``--by=-30m``: argparse would take ``-30m`` for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in options and i + 1 < len(argv):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _name_first(argv: list[str]) -> list[str]:
    """``codemod --diff NAME ...`` → ``codemod NAME --diff ...``: options may come first."""
    if not argv or not argv[0].startswith("-") or argv[0] in ("-h", "--help"):
        return argv
    if any(a == "--pass" or a.startswith("--pass=") for a in argv):
        return argv
    for i, arg in enumerate(argv):
        if arg in PASS_HELP:
            return [arg, *argv[:i], *argv[i + 1 :]]
    return argv


def parse_pass_args(
    name: str, cls: type[CodemodPass] | None, argv: Sequence[str]
) -> argparse.Namespace:
    """Parse a codemod's command line (exits through argparse on usage errors)."""
    parser = _parser_for(name, cls)
    return parser.parse_args(_join_values(argv, cls.value_options if cls else ()))


def _options(items: Sequence[str]) -> dict[str, Any]:
    from digrefactor.transforms import PassUsageError, parse_value

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"-o/--option: expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = parse_value(value)
        except PassUsageError as exc:
            raise UsageError(f"-o/--option {key.strip()}: {exc}") from None
    return out


def codemod_main(argv: Sequence[str]) -> int:
    argv = _name_first(list(argv))
    if not argv or argv[0] in ("-h", "--help"):
        print(codemod_help(), file=sys.stdout if argv else sys.stderr)
        return EXIT_OK if argv else EXIT_USAGE
    from digrefactor.transforms import (
        DEFAULT_TIMEOUT,
        PASSES,
        Changed,
        CodemodPass,
        Pass,
        PassRef,
        PassUsageError,
        load_pass,
        run_files,
    )

    name = argv[0]
    cls: type[CodemodPass] | None
    if name in PASSES:
        cls, rest = PASSES[name], argv[1:]
    elif any(a == "--pass" or a.startswith("--pass=") for a in argv):
        cls, rest = None, argv
    else:
        close = difflib.get_close_matches(name, list(PASSES), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        error(
            f"unknown codemod {name!r} ({hint}choose from {', '.join(PASSES)}, "
            "or --pass module:callable)"
        )
        return EXIT_USAGE
    args = parse_pass_args(name, cls, rest)
    try:
        pass_: Pass | PassRef
        options: dict[str, Any] = {}
        if cls is None:
            load_pass(args.pass_ref)  # fail early, in this process, with a clear message
            pass_ = PassRef(args.pass_ref)
            options = _options(args.option)
        else:
            pass_ = cls.from_args(args)
        config = load_config([Path(p) for p in args.paths])
        files = resolve_files(args.paths, args, config)
        if isinstance(pass_, CodemodPass):
            pass_.prepare(files)
    except (PassUsageError, UsageError) as exc:
        error(str(exc))
        return EXIT_USAGE
    write = not (args.diff or args.check)
    reporter = Reporter(
        total=len(files),
        tty=sys.stderr.isatty(),
        quiet=args.quiet,
        verbose=args.verbose,
        would=not write,
    )
    late: list[FileResult] = []
    results = run_files(
        files,
        pass_,
        options=options,
        write=write,
        jobs=jobs_value(args, config),
        # Worker processes always: a pass that exits, crashes or hangs costs one file.
        isolate=True,
        timeout=timeout_value(args, config, DEFAULT_TIMEOUT),
        diff=args.diff,
        late=late,
    )
    del files  # the runner keeps a compact copy of the list
    try:
        for result in results:
            if args.diff and isinstance(result, Changed):
                reporter.before_stdout()
                sys.stdout.write(result.diff)
                sys.stdout.flush()
            reporter.result(result)
    except KeyboardInterrupt:
        results.close()  # stops the workers; a file being written is finished first
        for result in late:  # done before the stop, not reported yet: they count too
            reporter.result(result)
        reporter.finish(interrupted=True)
        return EXIT_INTERRUPTED
    reporter.finish()
    counts = reporter.counts
    if counts.failed:
        return EXIT_FOUND
    if args.check and counts.changed:
        return EXIT_FOUND
    return EXIT_OK
