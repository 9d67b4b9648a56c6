"""The ``digrefactor`` command line: ``codemod``, ``check``, ``scan`` and the REST commands.

Exit codes: 0 ok; 1 changes (``--check``) or problems found; 2 usage or internal error. Bad
input gives one line on stderr naming the file or option; ``--verbose`` adds tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from digrefactor._limits import with_recursion_room
from digrefactor.cli._common import EXIT_USAGE, error, verbose_requested

__all__ = ["main"]

#: Commands other modules define with ``register(subparsers)``; a module is imported only when
#: one of its commands runs, so a broken optional dependency (``requests``, ``libcst``) never
#: breaks the other commands, and ``digrefactor --version`` / ``--help`` load no models.
#: Help lines are repeated here for ``digrefactor --help`` (a test keeps them equal).
LAZY_COMMANDS: dict[str, dict[str, str]] = {
    "digrefactor.cli._check": {
        "check": "parse every .dig file and report problems as path:line:col: message",
    },
    "digrefactor.cli._scan": {
        "scan": "summarise .dig files: workflows, tasks, schedules, operators; list load errors",
    },
    "digrefactor.cli._client_commands": {
        "push": "upload a project (a directory, or a Python module defining it) as a new revision",
        "pull": "download a project and extract it",
        "start": "start a workflow",
        "status": "show an attempt and its tasks",
        "logs": "print an attempt's log",
    },
    "digrefactor.cli._convert_commands": {
        "convert": "convert .dig workflows or project directories to Python",
        "export": "run a Python module and write the .dig files it defines (or check them)",
    },
    "digrefactor.cli._editor_commands": {
        "schema": "write the JSON Schema of .dig files (for editors)",
        "lsp": "run the language server (stdio) for editors",
    },
}
CLIENT_COMMANDS = LAZY_COMMANDS["digrefactor.cli._client_commands"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("digrefactor")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _build_parser(command: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digrefactor",
        description="Refactor, check and deploy Digdag (.dig) workflows.",
    )
    parser.add_argument("--version", action="version", version=f"digrefactor {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "codemod",
        help="bulk edits across .dig files (run 'digrefactor codemod --help')",
        add_help=False,
    )
    for module, commands in LAZY_COMMANDS.items():
        if command in commands:
            register = importlib.import_module(module).register
            register(sub)
        else:
            for name, help_text in commands.items():
                sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _command_parser(
    parser: argparse.ArgumentParser, command: str | None
) -> argparse.ArgumentParser:
    for action in parser._actions:  # argparse has no public accessor for sub-parsers
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            found: argparse.ArgumentParser = action.choices[command]
            return found
    return parser


@with_recursion_room
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "codemod":
            from digrefactor.cli._codemod import codemod_main

            return codemod_main(args[1:])
        command = next((a for a in args if not a.startswith("-")), None)
        try:
            parser = _build_parser(command)
        except ImportError as exc:
            error(f"the {command} command is unavailable: {exc}")
            return EXIT_USAGE
        ns, extra = parser.parse_known_args(args)
        if extra:
            # The command's own usage, not the top-level one (argparse's default here).
            _command_parser(parser, ns.command).error(f"unrecognized arguments: {' '.join(extra)}")
        func = getattr(ns, "func", None)
        if func is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        code = func(ns)
        return int(code)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:  # e.g. `digrefactor scan . | head`
        return 0
    except Exception as exc:
        error(f"internal error: {type(exc).__name__}: {exc}")
        if verbose_requested(args):
            traceback.print_exc()
        else:
            print("(run with --verbose for the traceback)", file=sys.stderr)
        return EXIT_USAGE
