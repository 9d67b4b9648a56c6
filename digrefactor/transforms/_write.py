"""The one place the transforms room turns an edited model into text, and checks that text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from digrefactor._datatree import raw_equal
from digrefactor._errors import DigError, DigWriteError
from digrefactor.models import Workflow
from digrefactor.parse import load_workflow, to_data

__all__ = ["render_workflow", "verify_workflow_text"]


def render_workflow(workflow: Workflow) -> str:
    """The file's new text: original bytes where unedited, minimal edits elsewhere."""
    try:
        from digrefactor.write import write_workflow
    except ImportError:  # pragma: no cover - only while the writer is being written
        raise DigWriteError(
            "the lossless writer (digrefactor.write) is not available",
            path=workflow.path,
        ) from None
    text: str = write_workflow(workflow)
    return text


def verify_workflow_text(
    text: str, workflow: Workflow, path: Path | None = None, expected: Any = None
) -> None:
    """Raise :class:`DigWriteError` unless *text* parses to the data tree of *workflow*.

    *expected* is ``to_data(workflow)`` when the caller already has it. *path* locates the
    text (for ``!include`` resolution) when it differs from the workflow's own path.
    """
    where = path if path is not None else workflow.path
    if expected is None:
        expected = to_data(workflow)
    try:
        reloaded = load_workflow(text, name=workflow.name, path=where)
    except DigError as exc:
        raise DigWriteError(
            f"the rewritten text does not load ({exc.message}); file left unchanged",
            path=where,
            line=exc.line,
            column=exc.column,
        ) from None
    if not raw_equal(to_data(reloaded), expected):
        raise DigWriteError(
            "the rewritten text does not mean what the edited model means; file left unchanged",
            path=where,
        )
