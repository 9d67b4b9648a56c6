"""digrefactor: author, import, refactor and deploy Digdag workflows from Python."""

from digrefactor._errors import (
    DigDuplicateKeyError,
    DigError,
    DigIncludeError,
    DigSyntaxError,
    DigValidationError,
    DigWriteError,
)

__all__ = [
    "DigDuplicateKeyError",
    "DigError",
    "DigIncludeError",
    "DigSyntaxError",
    "DigValidationError",
    "DigWriteError",
]
