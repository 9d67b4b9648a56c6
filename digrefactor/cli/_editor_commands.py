"""``schema`` (the JSON Schema of `.dig` files) and ``lsp`` (the language server) for editors.

``digrefactor schema [-o FILE]`` prints or writes the schema generated from the models;
``--print-path`` prints where the copy shipped in the package lives (for editor settings).
``digrefactor lsp`` serves the Language Server Protocol over stdio; it needs the ``lsp`` extra
(``pip install 'digrefactor[lsp]'``), imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from digrefactor.cli._common import EXIT_OK, EXIT_USAGE, error

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``schema`` and ``lsp`` subcommands."""
    schema = subparsers.add_parser(
        "schema",
        help="write the JSON Schema of .dig files (for editors)",
        description=(
            "Print (or write with -o) the JSON Schema (draft 2020-12) of a .dig workflow file, "
            "generated from digrefactor's models. Point your editor's YAML support at it; see "
            "docs/editors.md."
        ),
    )
    schema.add_argument("-o", "--output", type=Path, metavar="FILE", help="write it to FILE")
    schema.add_argument(
        "--print-path",
        action="store_true",
        help="print the path of the schema file shipped in the package instead",
    )
    schema.set_defaults(func=_schema)

    lsp = subparsers.add_parser(
        "lsp",
        help="run the language server (stdio) for editors",
        description=(
            "Serve the Language Server Protocol over stdin/stdout: diagnostics and lint "
            "warnings as you type, hover, completion, go to definition, document symbols and "
            "rename of tasks and workflows. Needs the lsp extra: pip install 'digrefactor[lsp]'."
        ),
    )
    lsp.set_defaults(func=_lsp)


def _schema(args: argparse.Namespace) -> int:
    from digrefactor.schema import SCHEMA_FILE, schema_text

    if args.print_path:
        print(SCHEMA_FILE)
        return EXIT_OK
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    from digrefactor.write import atomic_write

    output: Path = args.output
    if output.is_dir():
        error(f"{output}: is a directory (give a file name such as dig.schema.json)")
        return EXIT_USAGE
    if not output.parent.is_dir():
        error(f"{output.parent}: no such directory")
        return EXIT_USAGE
    try:
        atomic_write(output, text)
    except OSError as exc:
        error(f"{output}: cannot write: {exc.strerror or exc}")
        return EXIT_USAGE
    print(f"wrote {output}", file=sys.stderr)
    return EXIT_OK


def _lsp(args: argparse.Namespace) -> int:
    try:
        from digrefactor.lsp import serve
    except ImportError as exc:
        error(
            f"the language server needs the lsp extra ({exc}); "
            "install it with: pip install 'digrefactor[lsp]'"
        )
        return EXIT_USAGE
    serve()
    return EXIT_OK
