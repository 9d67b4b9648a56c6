"""Write: span-preserving rewrites of edited workflows, verified and atomic."""

from digrefactor.write._project import included_files, project_file_map, project_files
from digrefactor.write._save import (
    atomic_write,
    check_unchanged,
    encode_text,
    read_regular,
    save_project,
    save_workflow,
    write_workflow,
)
from digrefactor.write._verify import verify_workflow_file
from digrefactor.write._writer import rewrite_text, verify_text

__all__ = [
    "atomic_write",
    "check_unchanged",
    "encode_text",
    "included_files",
    "project_file_map",
    "project_files",
    "read_regular",
    "rewrite_text",
    "save_project",
    "save_workflow",
    "verify_text",
    "verify_workflow_file",
    "write_workflow",
]
