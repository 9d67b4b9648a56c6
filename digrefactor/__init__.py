"""digrefactor: author, import, refactor and deploy Digdag workflows from Python.

Everything public is importable from here; the sub-packages are the rooms of the
implementation (``syntax``, ``dialect``, ``models``, ``parse``, ``export``, ``write``,
``transforms``, ``convert``, ``client``, ``cli``).
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

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

if _TYPE_CHECKING:
    from digrefactor.client import DigdagClient
    from digrefactor.convert import check_dig_files, load_python, to_python, write_dig_files

__version__ = "0.1.0"

#: Names loaded on first use: the REST client needs requests and the converter libcst, and
#: neither should slow down (or break) importing the rest, e.g. every CLI command.
_LAZY = {
    "DigdagClient": "digrefactor.client",
    "check_dig_files": "digrefactor.convert",
    "load_python": "digrefactor.convert",
    "to_python": "digrefactor.convert",
    "write_dig_files": "digrefactor.convert",
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'digrefactor' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
