"""Resource limits for hostile input: a bomb ends in a located error, in bounded time and memory.

Digdag 0.10.5.1 as released (SnakeYAML 1.28, Jackson 2.13 for its JSON round trip) has one
such limit, the alias count below; where it has none, its own failure is an out-of-memory or a
stack overflow. Each limit here is far above anything in the ~1,350 real files of the shared corpus
(deepest nesting 13, one alias, one level of includes with at most 6 of them) and is enforced
where the layer that knows it reads the input: nesting in the syntax layer, aliases, merge keys
and includes in the dialect layer. README "Limits" lists them for users.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_COLLECTION_ALIASES",
    "MAX_INCLUDED_VALUES",
    "MAX_INCLUDES",
    "MAX_INCLUDE_DEPTH",
    "MAX_NESTING_DEPTH",
    "recursion_room",
    "with_recursion_room",
]

#: Mappings and lists nested in one file, and in a workflow once its includes are merged.
#: Digdag's Java stack overflows (StackOverflowError) from about 700 nested tasks with the JVM's
#: default 1 MB stack (600 compile), and between 1,500 and 1,800 nested lists; Jackson 2.15+
#: stops JSON at 1,000 levels. Deeper input is refused; up to this depth everything works.
MAX_NESTING_DEPTH = 1000

#: Aliases (``*name``) that refer to a mapping or a list, per file: SnakeYAML's
#: ``maxAliasesForCollections`` default since 1.26, which Digdag's loader applies ("Number of
#: aliases for non-scalar nodes exceeds the specified max=50"; checked against Digdag in
#: tests/hostile/test_bombs.py).
MAX_COLLECTION_ALIASES = 50

#: Values that aliases and merge keys may copy into one file's data tree. 50 aliases can still
#: double a list 25 times (2^25 values); SnakeYAML shares the objects, but Digdag's JSON round
#: trip writes every copy out and runs out of memory.
MAX_ALIAS_VALUES = 100_000

#: ``!include`` chains (a includes b includes c ...). Digdag has no limit and loops until its
#: stack overflows on a cycle; digrefactor reports cycles as such and stops deeper chains here.
MAX_INCLUDE_DEPTH = 32

#: ``!include`` directives loading one workflow processes, counted as Digdag processes them:
#: a file included twice counts its own includes twice. Files that include the previous one
#: twice grow this exponentially (2^n), and Digdag re-reads every one of them.
MAX_INCLUDES = 1000

#: Values that ``!include`` directives bring into one workflow (each included copy counted).
MAX_INCLUDED_VALUES = 1_000_000

# Python frames a nesting level may take in the deepest code path (loading, rewriting,
# verifying, converting), with room to spare; measured at about 3-6.
_FRAMES_PER_LEVEL = 12
_ROOM = MAX_NESTING_DEPTH * _FRAMES_PER_LEVEL + 500
_local = threading.local()


def _depth() -> int:
    frame = sys._getframe(1)
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


@contextmanager
def recursion_room() -> Iterator[None]:
    """Room on the Python stack for input nested :data:`MAX_NESTING_DEPTH` levels deep.

    The code that walks data trees recurses a few frames per level, more than Python's default
    limit of 1,000 frames allows at that depth. Python 3.11+ keeps pure-Python frames off the C
    stack, so raising the limit for the call is safe; it is restored afterwards. Nested uses
    cost nothing.
    """
    state = _enter()
    try:
        yield
    finally:
        _leave(state)


def _enter() -> tuple[int, int] | None:
    """Raise the limit unless an outer call did: (old limit, new limit), or None (nested)."""
    if getattr(_local, "active", False):
        return None
    old = sys.getrecursionlimit()
    need = _depth() + _ROOM
    if need > old:
        sys.setrecursionlimit(need)
    _local.active = True
    return old, need


def _leave(state: tuple[int, int] | None) -> None:
    if state is None:
        return
    _local.active = False
    old, need = state
    # Another thread may have raised it meanwhile: only undo what is still ours.
    if need > old and sys.getrecursionlimit() == need:
        sys.setrecursionlimit(old)


P = ParamSpec("P")
R = TypeVar("R")


def with_recursion_room(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`recursion_room` for the public entry points."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        # Inline rather than through the context manager: these wrap every load and write,
        # and the nested calls (most of them) only check a flag.
        if getattr(_local, "active", False):
            return func(*args, **kwargs)
        state = _enter()
        try:
            return func(*args, **kwargs)
        finally:
            _leave(state)

    return wrapper
