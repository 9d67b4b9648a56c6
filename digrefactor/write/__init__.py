"""Write: span-preserving rewrites of edited workflows, verified and atomic."""

from digrefactor.write._save import (
    AtomicWrites,
    atomic_write,
    project_files,
    save_project,
    save_workflow,
    write_workflow,
)
from digrefactor.write._verify import verify_workflow_file
from digrefactor.write._writer import rewrite_text, verify_text

__all__ = [
    "AtomicWrites",
    "atomic_write",
    "project_files",
    "rewrite_text",
    "save_project",
    "save_workflow",
    "verify_text",
    "verify_workflow_file",
    "write_workflow",
]
