"""The check every file write passes: the new text, read back from where it will live, must be
a valid workflow that means exactly what the model means."""

from __future__ import annotations

from pathlib import Path

from digrefactor._datatree import raw_equal
from digrefactor._errors import DigError, DigWriteError
from digrefactor.models import Workflow
from digrefactor.parse import load_workflow, to_data

__all__ = ["verify_workflow_file"]


def verify_workflow_file(text: str, workflow: Workflow, path: str | Path | None = None) -> None:
    """Raise :class:`DigWriteError` unless *text*, as the file *path*, reads back as *workflow*.

    The text is loaded like any workflow (Digdag's validation included, ``!include`` resolved
    relative to *path*, default: the workflow's own path) and its data tree must equal
    ``to_data(workflow)``.
    """
    where = Path(path) if path is not None else workflow.path
    try:
        expected = to_data(workflow)
    except DigError as exc:
        raise DigWriteError(
            f"the edited workflow cannot be expanded ({exc.message}); nothing written",
            path=where,
            line=exc.line,
            column=exc.column,
        ) from None
    try:
        reloaded = load_workflow(text, name=workflow.name, path=where)
    except DigError as exc:
        raise DigWriteError(
            f"the new text would not load ({exc.message}); the file was left unchanged",
            path=where,
            line=exc.line,
            column=exc.column,
        ) from None
    if not raw_equal(to_data(reloaded), expected):
        raise DigWriteError(
            "the new text does not mean what the edited workflow means; "
            "the file was left unchanged",
            path=where,
        )
