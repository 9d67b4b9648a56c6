"""The rooms talk through public names and depend one way: nothing imports the command line,
and no room reaches into another room's private (``_name``) modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "digrefactor"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return [n for n in names if n == "digrefactor" or n.startswith("digrefactor.")]


def _room(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0] if len(rel) > 1 else ""


def test_nothing_outside_the_cli_imports_it() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in PACKAGE.rglob("*.py")
        if _room(path) != "cli" and path.name != "__main__.py"
        for name in _imports(path)
        if name == "digrefactor.cli" or name.startswith("digrefactor.cli.")
    ]
    assert not offenders, offenders
