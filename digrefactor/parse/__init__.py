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
    text_locator,
    to_data,
)
from digrefactor.parse._projects import ProjectDir, discover_projects, projects_below_message

__all__ = [
    "ProjectDir",
    "SourceLink",
    "check_workflow",
    "digdag_definition",
    "discover_projects",
    "file_digest",
    "find_node",
    "load_project",
    "load_workflow",
    "normalize_definition",
    "projects_below_message",
    "text_locator",
    "to_data",
]
