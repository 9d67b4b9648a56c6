"""Convert: `.dig` workflows and projects → idiomatic Python that rebuilds them exactly.

``to_python(workflow_or_project)`` returns a module built with libcst that constructs the
models with their typed classes, keeps the file's comments next to the code they describe,
folds sibling tasks that differ only in literal values into comprehensions, and defines every
``!include``-d file once. ``write_dig_files`` turns the rebuilt objects back into `.dig` files
(and ``check_dig_files`` says how a directory differs from them). ``plan_packages`` and
``convert_package`` turn the projects of a repository into one Python package each.
"""

from digrefactor.convert._module import ConversionReport, convert, to_python
from digrefactor.convert._modules import load_python, module_file
from digrefactor.convert._package import (
    PackagePlan,
    PackageResult,
    convert_package,
    convert_package_per_workflow,
    existing_and_different,
    module_name,
    plan_packages,
    write_package_markers,
)
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
    "PackagePlan",
    "PackageResult",
    "check_dig_files",
    "convert",
    "convert_package",
    "convert_package_per_workflow",
    "existing_and_different",
    "load_python",
    "module_file",
    "module_name",
    "plan_packages",
    "remove_extra_files",
    "to_python",
    "write_dig_files",
    "write_package_markers",
]
