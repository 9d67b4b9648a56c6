"""Exceptions raised by the Digdag REST client.

Every message names the request (method and URL) but never a credential: URLs are stored with any
``user:password@`` part removed and request headers are never included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digrefactor.client._models import Attempt


class DigdagClientError(Exception):
    """Base of every error raised by :mod:`digrefactor.client`."""


class DigdagConnectionError(DigdagClientError):
    """The server could not be reached (refused, DNS failure, timeout, broken connection)."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(f"{method} {url}: {message}")
        self.message = message
        self.method = method
        self.url = url


class DigdagAPIError(DigdagClientError):
    """The server answered with an error status; ``message`` is Digdag's own text."""

    def __init__(self, status: int, message: str, *, method: str, url: str) -> None:
        super().__init__(f"{method} {url} failed with HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, message={self.message!r}, "
            f"method={self.method!r}, url={self.url!r})"
        )


class BadRequest(DigdagAPIError):
    """HTTP 400: invalid parameters, an invalid project archive, a workflow that does not load."""


class Unauthorized(DigdagAPIError):
    """HTTP 401: missing or wrong credentials."""


class Forbidden(DigdagAPIError):
    """HTTP 403: the access controller denied the operation."""


class NotFound(DigdagAPIError):
    """HTTP 404: no such project, workflow, schedule, session, attempt, secret or log file."""


class Conflict(DigdagAPIError):
    """HTTP 409: the resource already exists or is in the wrong state.

    When starting an attempt that already exists for the same workflow, session time and retry
    name, Digdag answers with that attempt as the body; it is available as ``existing_attempt``.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str,
        url: str,
        existing_attempt: Attempt | None = None,
    ) -> None:
        super().__init__(status, message, method=method, url=url)
        self.existing_attempt = existing_attempt


class ServerError(DigdagAPIError):
    """HTTP 5xx (after the retries allowed for the request were used up)."""


class ArchiveError(DigdagClientError, ValueError):
    """A project archive cannot be built or extracted safely."""


class ArchiveTooLarge(ArchiveError):
    """The archive exceeds the server's upload limit (Digdag's default is 2 MiB)."""


class WaitTimeout(DigdagClientError, TimeoutError):
    """An attempt did not finish within the time given to :meth:`DigdagClient.wait`."""

    def __init__(self, message: str, *, attempt: Attempt) -> None:
        super().__init__(message)
        self.attempt = attempt


def error_class_for_status(status: int) -> type[DigdagAPIError]:
    """The exception type for an HTTP error status."""
    by_status: dict[int, type[DigdagAPIError]] = {
        400: BadRequest,
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
    }
    if status in by_status:
        return by_status[status]
    if status >= 500:
        return ServerError
    return DigdagAPIError
