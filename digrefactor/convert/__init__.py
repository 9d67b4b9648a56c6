"""Convert: `.dig` workflows and projects → idiomatic Python that rebuilds them exactly.

``to_python(workflow_or_project)`` returns a module built with libcst that constructs the
models with their typed classes, keeps the file's comments next to the code they describe,
folds sibling tasks that differ only in literal values into comprehensions, and defines every
``!include``-d file once. ``write_dig_files`` turns the rebuilt objects back into `.dig` files.
"""

from digrefactor.convert._module import ConversionReport, convert, to_python
from digrefactor.convert._modules import load_python, module_file
from digrefactor.convert._write import (
    DriftReport,
    FileDrift,
    check_dig_files,
    remove_extra_files,
    write_dig_files,
)

__all__ = [
    "ConversionReport",
    "DriftReport",
    "FileDrift",
    "check_dig_files",
    "convert",
    "load_python",
    "module_file",
    "remove_extra_files",
    "to_python",
    "write_dig_files",
]
