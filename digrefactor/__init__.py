"""digrefactor: author, import, refactor and deploy Digdag workflows from Python.

Everything public is importable from here; the sub-packages are the rooms of the
implementation (``syntax``, ``dialect``, ``models``, ``parse``, ``export``, ``write``,
``transforms``, ``convert``, ``client``, ``cli``).
"""

from digrefactor._errors import (
    DigDuplicateKeyError,
    DigError,
    DigIncludeError,
    DigSyntaxError,
    DigValidationError,
    DigWriteError,
)
from digrefactor.export import export_workflow
from digrefactor.models import *  # noqa: F403
from digrefactor.models import __all__ as _models_all
from digrefactor.parse import (
    digdag_definition,
    load_project,
    load_workflow,
    to_data,
)
from digrefactor.write import (
    atomic_write,
    project_files,
    save_project,
    save_workflow,
    write_workflow,
)

__version__ = "0.1.0"

__all__ = [
    "DigDuplicateKeyError",
    "DigError",
    "DigIncludeError",
    "DigSyntaxError",
    "DigValidationError",
    "DigWriteError",
    "__version__",
    "digdag_definition",
    "export_workflow",
    "load_project",
    "load_workflow",
    "to_data",
    "atomic_write",
    "project_files",
    "save_project",
    "save_workflow",
    "write_workflow",
    *_models_all,
]
