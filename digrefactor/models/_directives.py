"""Values of Digdag's underscore directives: ``_retry`` and ``_parallel``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from digrefactor.models._base import DigModel

__all__ = [
    "IntervalRetryCondition",
    "ParallelLimit",
    "RetryCondition",
    "RetryIntervalType",
    "SimpleRetryCondition",
]


class RetryIntervalType(StrEnum):
    CONSTANT = "constant"
    EXPONENTIAL = "exponential"


class RetryCondition(DigModel):
    """``_retry: {limit: N, interval: S, interval_type: constant|exponential, max_interval: S}``.

    Digdag also accepts a bare ``_retry: N``; models keep that as an ``int``.
    """

    limit: int | str | None = None
    """How many times to retry."""
    interval: int | str | None = None
    """Seconds to wait before a retry (default 0)."""
    interval_type: RetryIntervalType | str | None = None
    """`constant` (default) or `exponential` (interval × 2^retry, up to max_interval)."""
    max_interval: int | str | None = None
    """Longest wait between retries in seconds (exponential intervals)."""

    def to_raw(self) -> dict[str, Any]:
        raw = super().to_raw()
        it = raw.get("interval_type")
        if isinstance(it, RetryIntervalType):
            raw["interval_type"] = it.value
        return raw


class SimpleRetryCondition(RetryCondition):
    """``_retry: {limit: N}`` (the seed's name)."""


class IntervalRetryCondition(RetryCondition):
    """``_retry`` with an interval (the seed's name)."""


class ParallelLimit(DigModel):
    """``_parallel: {limit: N}``: children run in batches of N."""

    limit: int | str | None = None
    """How many children run at once (they run in batches of this size)."""
