"""The one exception family of digrefactor: every user-facing problem carries a location."""

from __future__ import annotations

from pathlib import Path


def format_location(path: str | None, line: int | None, column: int | None) -> str:
    """``path:line:column`` as every message of digrefactor starts (parts only when known)."""
    parts = [path or "<string>"]
    if line is not None:
        parts.append(str(line))
        if column is not None:
            parts.append(str(column))
    return ":".join(parts)


class DigError(Exception):
    """A problem with a `.dig` file or project, located as ``path:line:column``.

    ``line`` and ``column`` are 1-based; either may be ``None`` when the problem has no single
    position (a missing file, a whole-project problem).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column

    @property
    def location(self) -> str:
        return format_location(self.path, self.line, self.column)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def with_path(self, path: str | Path) -> DigError:
        """Return this error located in *path* when it had no path yet."""
        if self.path is None:
            self.path = str(path)
        return self


class DigSyntaxError(DigError):
    """The text is not valid YAML (scanner/parser error, bad encoding, tabs as indentation)."""


class DigDuplicateKeyError(DigError):
    """A mapping repeats a key (compared by raw key text, as Digdag does)."""


class DigIncludeError(DigError):
    """An ``!include`` is missing, escapes the project directory, or is not a mapping."""


class DigValidationError(DigError):
    """YAML is fine but Digdag would reject the workflow (root not a mapping, bad task name...)."""


class DigWriteError(DigError):
    """A rewrite could not be computed or failed verification; the original is untouched."""


class DigConflictError(DigWriteError):
    """The file changed on disk after it was read; it was left as it is now (lost-update check)."""
