"""The rooms talk through public names and depend one way: nothing imports the command line,
and no room reaches into another room's private (``_name``) modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "digrefactor"


#: A module path written as a string, as lazy imports (``importlib.import_module``) name them.
_MODULE_STRING = re.compile(r"digrefactor(\.[A-Za-z_]\w*)*")


def _module_of(path: Path) -> str:
    """The dotted name of the module in ``path`` (a package's ``__init__`` is the package)."""
    parts = ["digrefactor", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    """Every ``digrefactor`` module ``path`` imports: at module level or inside functions,
    relative imports resolved (``from .._x import y`` in a room's module is ``digrefactor._x``),
    ``from package import _module`` as ``package._module``, and module paths given as strings
    (lazy imports through ``importlib``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _MODULE_STRING.fullmatch(node.value)
        ):
            names.append(node.value)
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


def test_rooms_use_each_others_public_names() -> None:
    """``digrefactor.<room>._private`` is imported only from inside that room (the package's
    own top-level private modules, such as ``_errors``, are shared by every room)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        here = _room(path)
        for name in _imports(path):
            parts = name.split(".")
            if len(parts) >= 3 and parts[2].startswith("_") and parts[1] != here:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not offenders, "\n".join(sorted(offenders))
