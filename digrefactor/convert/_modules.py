"""Run the Python that defines a project: a module file, or a package made by ``convert``."""

from __future__ import annotations

import importlib.util
import itertools
import runpy
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from digrefactor._errors import DigError
from digrefactor.models import Workflow, WorkflowProject

__all__ = ["load_python", "module_file"]

_fresh_names = itertools.count(1)


def module_file(path: Path) -> Path | None:
    """The file to run for *path*: a ``.py`` file itself, a package directory's
    ``__init__.py``; None when *path* is neither."""
    if path.is_dir():
        init = path / "__init__.py"
        return init if init.is_file() else None
    return path if path.suffix == ".py" and path.is_file() else None


def load_python(path: str | Path) -> Workflow | WorkflowProject:
    """Run the module (or package) at *path* and return the ``project`` (a
    :class:`WorkflowProject`) or else the ``workflow`` (a :class:`Workflow`) it defines.

    A module inside a package (a directory with ``__init__.py``) is imported as part of it, so
    its relative imports work; its ``if __name__ == "__main__"`` block does not run. Any
    failure is a :class:`DigError` naming the file and, where known, the line.
    """
    given = Path(path)
    file = module_file(given)
    if file is None:
        raise DigError("not a Python module (.py) or package (a directory with __init__.py)",
                       path=str(given))  # fmt: skip
    try:
        if (file.parent / "__init__.py").is_file():
            namespace = _import_in_package(file)
        else:
            namespace = runpy.run_path(str(file), run_name="__digrefactor_module__")
    except SyntaxError as err:
        raise DigError(
            err.msg, path=err.filename or str(file), line=err.lineno, column=err.offset
        ) from None
    except Exception as err:  # the module is user code: any failure is its problem, not ours
        raise DigError(
            f"{type(err).__name__}: {err}", path=str(file), line=_failing_line(err, file)
        ) from None
    for name, kind in (("project", WorkflowProject), ("workflow", Workflow)):
        found = namespace.get(name)
        if isinstance(found, kind):
            return found
    raise DigError(
        "defines no `project` (WorkflowProject) or `workflow` (Workflow)", path=str(file)
    )


def _failing_line(err: BaseException, file: Path) -> int | None:
    """The last line of *file* in the traceback of *err*."""
    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        if Path(frame.filename) == file:
            line = frame.lineno
    return line


def _import_in_package(file: Path) -> dict[str, Any]:
    """Import *file* with its enclosing packages under a fresh top-level name, then forget them
    (a second run executes the code again; no name of the user's can clash with one loaded)."""
    chain = [file.parent]
    while (chain[-1].parent / "__init__.py").is_file() and chain[-1].parent != chain[-1]:
        chain.append(chain[-1].parent)
    chain.reverse()
    top = f"_digrefactor_module_{next(_fresh_names)}"
    dotted = [top, *(d.name for d in chain[1:])]
    try:
        module: ModuleType | None = None
        for i, directory in enumerate(chain):
            module = _load(".".join(dotted[: i + 1]), directory / "__init__.py", directory)
        if file.name != "__init__.py":
            module = _load(f"{'.'.join(dotted)}.{file.stem}", file, None)
        assert module is not None
        return vars(module)
    finally:
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]


def _load(name: str, file: Path, package_dir: Path | None) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        name,
        file,
        submodule_search_locations=[str(package_dir)] if package_dir is not None else None,
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
