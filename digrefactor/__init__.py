"""digrefactor: author, import, refactor and deploy Digdag workflows from Python.

Everything public is importable from here; the sub-packages are the rooms of the
implementation (``syntax``, ``dialect``, ``models``, ``parse``, ``export``, ``write``,
``transforms``, ``convert``, ``client``, ``cli``).

Names are loaded on first use (PEP 562): ``import digrefactor`` (and so every command line
start, ``digrefactor --version`` included) costs nothing until a name is used; the models and
Pydantic load with the first model, the REST client (requests) and the converter (libcst)
only when asked for.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:
    from digrefactor import models
    from digrefactor._errors import (
        DigConflictError,
        DigDuplicateKeyError,
        DigError,
        DigIncludeError,
        DigSyntaxError,
        DigValidationError,
        DigWriteError,
    )
    from digrefactor.client import DigdagClient
    from digrefactor.convert import check_dig_files, load_python, to_python, write_dig_files
    from digrefactor.export import export_workflow
    from digrefactor.files import ProjectFile
    from digrefactor.models import *  # noqa: F403
    from digrefactor.parse import (
        ProjectDir,
        check_workflow,
        digdag_definition,
        discover_projects,
        load_project,
        load_workflow,
        to_data,
    )
    from digrefactor.transforms import (
        Changed,
        Failed,
        FileResult,
        PassContext,
        Skipped,
        TaskRef,
        Unchanged,
        apply_pass,
        iter_task_refs,
        run_files,
        select_tasks,
    )
    from digrefactor.write import (
        atomic_write,
        project_file_map,
        project_files,
        save_project,
        save_workflow,
        write_workflow,
    )

__version__ = "0.1.0"

#: Room → the names it gives the top level (every name of ``digrefactor.models`` as well).
_ROOM_NAMES: dict[str, tuple[str, ...]] = {
    "digrefactor._errors": (
        "DigConflictError",
        "DigDuplicateKeyError",
        "DigError",
        "DigIncludeError",
        "DigSyntaxError",
        "DigValidationError",
        "DigWriteError",
    ),
    "digrefactor.client": ("DigdagClient",),
    "digrefactor.convert": ("check_dig_files", "load_python", "to_python", "write_dig_files"),
    "digrefactor.export": ("export_workflow",),
    "digrefactor.files": ("ProjectFile",),
    "digrefactor.parse": (
        "ProjectDir",
        "check_workflow",
        "digdag_definition",
        "discover_projects",
        "load_project",
        "load_workflow",
        "to_data",
    ),
    "digrefactor.transforms": (
        "Changed",
        "Failed",
        "FileResult",
        "PassContext",
        "Skipped",
        "TaskRef",
        "Unchanged",
        "apply_pass",
        "iter_task_refs",
        "run_files",
        "select_tasks",
    ),
    "digrefactor.write": (
        "atomic_write",
        "project_file_map",
        "project_files",
        "save_project",
        "save_workflow",
        "write_workflow",
    ),
}

#: Name → the module it is loaded from on first use (model names: ``digrefactor.models``).
_LAZY: dict[str, str] = {name: room for room, names in _ROOM_NAMES.items() for name in names}

#: The rooms (sub-packages), reachable as attributes like any imported sub-package.
_ROOMS = frozenset(
    (
        "syntax",
        "dialect",
        "models",
        "parse",
        "export",
        "write",
        "transforms",
        "convert",
        "client",
        "files",
        "config",
        "lint",
        "lsp",
        "schema",
    )
)


def _all_names() -> list[str]:
    models_all: list[str] = _importlib.import_module("digrefactor.models").__all__
    return sorted({"__version__", *_LAZY, *models_all})


if not _TYPE_CHECKING:
    # Hidden from type checkers, which see the imports above and keep checking names.

    def __getattr__(name: str) -> _Any:
        if name == "__all__":
            value: _Any = _all_names()
        elif name in _LAZY:
            value = getattr(_importlib.import_module(_LAZY[name]), name)
        elif name in _ROOMS:
            value = _importlib.import_module(f"digrefactor.{name}")
        else:
            models = (
                _importlib.import_module("digrefactor.models")
                if not name.startswith("__")
                else None
            )
            if models is None or name not in models.__all__:
                raise AttributeError(f"module 'digrefactor' has no attribute {name!r}")
            value = getattr(models, name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_all_names()})


if _TYPE_CHECKING:
    # The type checkers' view; at run time __getattr__ gives __all__ (models are lazy too).
    __all__ = [
        "Changed",
        "DigConflictError",
        "DigDuplicateKeyError",
        "DigError",
        "DigIncludeError",
        "DigSyntaxError",
        "DigValidationError",
        "DigWriteError",
        "DigdagClient",
        "Failed",
        "FileResult",
        "PassContext",
        "ProjectDir",
        "ProjectFile",
        "Skipped",
        "TaskRef",
        "Unchanged",
        "__version__",
        "apply_pass",
        "atomic_write",
        "check_dig_files",
        "check_workflow",
        "digdag_definition",
        "discover_projects",
        "export_workflow",
        "iter_task_refs",
        "load_project",
        "load_python",
        "load_workflow",
        "project_file_map",
        "project_files",
        "run_files",
        "save_project",
        "save_workflow",
        "select_tasks",
        "to_data",
        "to_python",
        "write_dig_files",
        "write_workflow",
    ]
    __all__ += models.__all__
