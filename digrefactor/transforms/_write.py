"""Where the transforms room turns an edited model into text and checks it: the write room's
lossless writer and its write-time verification (one implementation for every write)."""

from __future__ import annotations

from digrefactor.write import verify_workflow_file as verify_workflow_text
from digrefactor.write import write_workflow as render_workflow

__all__ = ["render_workflow", "verify_workflow_text"]
