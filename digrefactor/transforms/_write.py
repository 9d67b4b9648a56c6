"""Where the transforms room turns an edited model into text and checks it: the write room's
lossless writer and its write-time verification (one implementation for every write)."""

from __future__ import annotations

from digrefactor.models import Workflow
from digrefactor.write import verify_workflow_file as verify_workflow_text
from digrefactor.write import write_workflow

__all__ = ["render_workflow", "verify_workflow_text"]


def render_workflow(workflow: Workflow) -> str:
    # The runner checks every changed text with verify_workflow_text (the stricter check).
    return write_workflow(workflow, verify=False)
