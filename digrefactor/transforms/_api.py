"""The pass API: what a codemod pass is, what it sees, and what one file's run gives back.

A *pass* is any callable ``(workflow, ctx) -> None`` that edits a loaded
:class:`~digrefactor.models.Workflow` in place. It may call ``ctx.skip(reason)`` to leave the
file alone, and ``ctx.warn(message)`` to report something without stopping. The runner turns
each file into one small typed result (:class:`Changed`, :class:`Unchanged`, :class:`Skipped`,
:class:`Failed`), never an exception.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Protocol, runtime_checkable

from digrefactor._errors import DigError

if TYPE_CHECKING:
    from digrefactor.models import Workflow

__all__ = [
    "Changed",
    "CodemodPass",
    "Failed",
    "FileResult",
    "Pass",
    "PassContext",
    "PassUsageError",
    "SkipFile",
    "Skipped",
    "Unchanged",
]


class PassUsageError(ValueError):
    """A pass was given a bad option value (reported as a usage error, exit code 2)."""


class SkipFile(Exception):
    """Raised by :meth:`PassContext.skip`; the runner turns it into :class:`Skipped`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class PassContext:
    """What a pass knows about the file it is editing.

    ``path`` is the `.dig` file, ``root`` the directory the run started from (the project
    root for project-wide passes such as ``rename-workflow``), ``options`` free-form options
    (``-o KEY=VALUE`` on the command line, keyword arguments of ``assert_codemod``).
    """

    path: Path
    root: Path
    options: Mapping[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Set by a pass that moves the file (``rename-workflow``); the runner renames it.
    new_path: Path | None = None

    def skip(self, reason: str) -> NoReturn:
        """Leave this file untouched and report *reason* (edits made so far are dropped)."""
        raise SkipFile(reason)

    def warn(self, message: str) -> None:
        """Report *message* with the file's result; the pass goes on."""
        if message not in self.warnings:
            self.warnings.append(message)

    def rename_file(self, new_path: Path) -> None:
        """Write the result to *new_path* (same directory or not) and remove the original."""
        self.new_path = new_path


@runtime_checkable
class Pass(Protocol):
    """A codemod pass: edits *workflow* in place."""

    def __call__(self, workflow: Workflow, ctx: PassContext, /) -> None: ...


class CodemodPass:
    """Base of the built-in passes: a named, picklable callable with command-line options.

    Subclasses set ``name`` and ``help``, implement ``__call__``, and describe their options
    with :meth:`add_arguments` / :meth:`from_args`. ``idempotent`` is false for passes whose
    second run legitimately changes the file again (``shift-schedule``).
    """

    name: ClassVar[str] = ""
    help: ClassVar[str] = ""
    description: ClassVar[str] = ""
    idempotent: ClassVar[bool] = True
    #: Whether the pass takes the shared task selectors (--operator, --task, ...).
    selects_tasks: ClassVar[bool] = False
    #: Options whose value may start with "-" (``--by -30m``).
    value_options: ClassVar[tuple[str, ...]] = ()

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        raise NotImplementedError

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add this pass's own options (positionals before the paths) to *parser*."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CodemodPass:
        """Build the pass from parsed options; raise :class:`PassUsageError` on bad values."""
        raise NotImplementedError

    def prepare(self, files: Sequence[tuple[Path, Path]]) -> None:
        """Check the whole run (``(file, root)`` pairs) before any file is touched.

        Raise :class:`PassUsageError` to stop the run (e.g. a rename target already exists).
        """

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


# ----------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Changed:
    """The pass changed the file; ``diff`` is a unified diff of its text."""

    path: Path
    diff: str
    warnings: tuple[str, ...] = ()
    #: Where the file now lives when the pass renamed it.
    new_path: Path | None = None


@dataclass(frozen=True)
class Unchanged:
    """The pass ran and the file's meaning did not change (its bytes are untouched)."""

    path: Path
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """The pass chose not to edit the file (``ctx.skip(reason)``); bytes untouched."""

    path: Path
    reason: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failed:
    """The file could not be loaded, edited, written or verified; bytes untouched.

    ``error`` is located (``str(error)`` is ``path:line:col: message``); ``detail`` holds a
    traceback for internal errors and exceptions raised by a pass (shown with ``--verbose``).
    """

    path: Path
    error: DigError
    detail: str | None = None

    @property
    def message(self) -> str:
        return str(self.error)


FileResult = Changed | Unchanged | Skipped | Failed
