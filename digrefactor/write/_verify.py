"""The check every file write passes: the new text, read back from where it will live, must be
a valid workflow that means exactly what the model means."""

from __future__ import annotations

from pathlib import Path

from digrefactor._datatree import DataTree, raw_equal
from digrefactor._errors import DigError, DigWriteError
from digrefactor._limits import with_recursion_room
from digrefactor.dialect import expand_includes, read_raw_text, validate_workflow
from digrefactor.models import Workflow
from digrefactor.parse import text_locator, to_data

__all__ = ["verify_workflow_file"]


@with_recursion_room
def verify_workflow_file(text: str, workflow: Workflow, path: str | Path | None = None) -> DataTree:
    """Raise :class:`DigWriteError` unless *text*, as the file *path*, reads back as *workflow*.

    The text is loaded like any workflow (Digdag's validation included, ``!include`` resolved
    relative to *path*, default: the workflow's own path) and its data tree must equal
    ``to_data(workflow)``. Returns that data tree (what Digdag will see): a view for reading,
    which shares the included files' trees.
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
    spath = str(where) if where is not None else None
    try:
        # What load_workflow does, minus building models: read, expand, Digdag's checks.
        raw = read_raw_text(text, spath)
        data: DataTree = expand_includes(raw, share=True)
        validate_workflow(data, workflow.name, path=spath, locate=text_locator(text, spath))
    except DigError as exc:
        raise DigWriteError(
            f"the new text would not load ({exc.message}); the file was left unchanged",
            path=where,
            line=exc.line,
            column=exc.column,
        ) from None
    except ValueError as exc:  # an include that cannot be expanded without a path
        raise DigWriteError(f"the new text would not load ({exc})", path=where) from None
    if not raw_equal(data, expected):
        raise DigWriteError(
            "the new text does not mean what the edited workflow means; "
            "the file was left unchanged",
            path=where,
        )
    return data
