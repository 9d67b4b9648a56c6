"""Parse: `.dig` files and projects → models, and models → Digdag's data tree."""

from digrefactor.parse._load import (
    SourceLink,
    check_workflow,
    digdag_definition,
    file_digest,
    find_node,
    load_project,
    load_workflow,
    normalize_definition,
    to_data,
)

__all__ = [
    "SourceLink",
    "check_workflow",
    "digdag_definition",
    "file_digest",
    "find_node",
    "load_project",
    "load_workflow",
    "normalize_definition",
    "to_data",
]
