"""Worker processes that cannot take the run down with them.

:class:`multiprocessing.pool.Pool` waits forever for a result when a worker dies (out of
memory, ``os._exit`` in a user's pass), has no per-task timeout, and on Ctrl-C every worker
prints a traceback. Here each worker gets its items one at a time over its own pipe, so the
parent always knows which item a worker is on:

* a worker that dies costs that item (reported through ``lost``) and is replaced;
* an item running longer than ``timeout`` seconds gets its worker stopped (SIGTERM, then
  SIGKILL), and is reported the same way;
* workers ignore SIGINT: Ctrl-C reaches the parent, which stops the workers with SIGTERM
  (which they turn into an exception, so files being written are finished or rolled back)
  and re-raises :class:`KeyboardInterrupt` to its caller.

Results come back in item order.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

__all__ = ["run_in_workers"]

T = TypeVar("T")
R = TypeVar("R")

#: Items sent ahead to a worker, so it never waits for the parent between items.
_AHEAD = 2
#: Seconds a stopped worker gets to finish a write before it is killed.
_GRACE = 2.0


@dataclass(frozen=True)
class _NotSent:
    """Stands for a result the worker could not send back (it could not be pickled)."""

    reason: str


class _Stopped(BaseException):
    """Raised in a worker by SIGTERM: not an Exception (nor SystemExit, which the runner
    reports as a pass's doing), so it unwinds everything and finishes the worker."""


def _stop_on_term(signum: int, frame: object) -> None:
    raise _Stopped


def _worker_main(
    conn: Connection,
    work: Callable[[Any], Any],
    init: Callable[..., None] | None,
    init_args: tuple[Any, ...],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _stop_on_term)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        if init is not None:
            init(*init_args)
        parent = os.getppid()
        while True:
            # Other workers hold copies of this pipe's parent end (fork), so a parent that was
            # killed shows as a new parent process rather than as end of file.
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            index, item = message
            try:
                result = work(item)
            except _Stopped as stop:
                # Stopped right after the item's effect was done (a write finishes before a
                # stop takes effect): *work* attached its result; the parent still gets it.
                finished = getattr(stop, "finished", None)
                if finished is not None:
                    conn.send((index, finished))
                return
            try:
                conn.send((index, result))
            except Exception as exc:  # e.g. a result that cannot be pickled
                conn.send((index, _NotSent(f"{type(exc).__name__}: {exc}")))
    except (_Stopped, SystemExit):
        return
    except BrokenPipeError:  # the parent is gone
        return


@dataclass
class _Worker(Generic[T]):
    process: Any  # multiprocessing.Process (its type differs per start method)
    conn: Connection
    #: (index, item) sent and not answered yet; the first is the one being worked on.
    inflight: deque[tuple[int, T]] = field(default_factory=deque)
    #: When the first in-flight item started (monotonic seconds).
    started: float = 0.0


def _start_worker(
    ctx: Any, work: Callable[[T], R], init: Callable[..., None] | None, init_args: tuple[Any, ...]
) -> _Worker[T]:
    parent, child = ctx.Pipe(duplex=True)
    process = ctx.Process(target=_worker_main, args=(child, work, init, init_args), daemon=True)
    # Block SIGINT/SIGTERM while forking: the child unblocks them once it ignores SIGINT, so
    # a Ctrl-C in between cannot print a traceback from a half-started worker.
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    child.close()
    return _Worker(process, parent)


def _stop(workers: Sequence[_Worker[Any]]) -> list[tuple[int, Any]]:
    """SIGTERM every live worker, give them a moment to finish a write, then SIGKILL.

    Returns the ``(index, result)`` answers they sent meanwhile and nobody read (a worker
    stopped right after a write reports that item before it ends)."""
    for w in workers:
        if w.process.is_alive():
            with contextlib.suppress(OSError):
                os.kill(w.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + _GRACE
    unread: list[tuple[int, Any]] = []
    for w in workers:
        w.process.join(max(0.0, deadline - time.monotonic()))
        if w.process.is_alive():
            w.process.kill()
            w.process.join()
        with contextlib.suppress(EOFError, OSError, ValueError):
            while not w.conn.closed and w.conn.poll():
                unread.append(w.conn.recv())
        w.conn.close()
    return unread


def _exit_reason(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"the worker process was killed by {name}{hint}"
    return f"the worker process exited with status {code}"


def run_in_workers(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    jobs: int,
    lost: Callable[[T, str, int], R],
    init: Callable[..., None] | None = None,
    init_args: tuple[Any, ...] = (),
    timeout: float | None = None,
    late: list[R] | None = None,
) -> Iterator[R]:
    """``work(item)`` for every item in *jobs* worker processes; results in item order.

    ``lost(item, reason, pid)`` gives the result of an item whose worker died or ran past
    *timeout* seconds (``pid`` names the worker, e.g. to remove files it left). ``init`` runs
    once in each worker. *work*, *init* and its arguments must be picklable unless the start
    method is ``fork``. When the run ends early (Ctrl-C, or the caller stops iterating), the
    results of items finished but not yet yielded are appended to *late*, in item order.
    """
    ctx = multiprocessing.get_context()
    todo: deque[tuple[int, T]] = deque(enumerate(items))
    done: dict[int, R] = {}
    next_out = 0
    workers: list[_Worker[T]] = []

    def receive(w: _Worker[T]) -> bool:
        got = _receive(w)
        if got is None:
            return False
        index, item, result = got
        if isinstance(result, _NotSent):
            result = lost(item, f"its result could not be sent back ({result.reason})", 0)
        done[index] = result
        return True

    try:
        for _ in range(min(jobs, len(items))):
            workers.append(_start_worker(ctx, work, init, init_args))
        while next_out < len(items):
            _feed(workers, todo)
            ready = wait(
                [w.conn for w in workers] + [w.process.sentinel for w in workers],
                timeout=_next_deadline(workers, timeout),
            )
            for w in workers:
                if w.conn in ready:
                    receive(w)
            now = time.monotonic()
            for w in list(workers):
                expired = timeout is not None and bool(w.inflight) and now - w.started > timeout
                if not expired and w.process.sentinel not in ready:
                    continue
                if expired:
                    _stop([w])
                    reason = f"timed out after {timeout:g} s (see --timeout)"
                else:
                    # Results it sent before it exited still count.
                    with contextlib.suppress(OSError, ValueError):
                        while w.inflight and w.conn.poll() and receive(w):
                            pass
                    w.process.join()
                    w.conn.close()
                    reason = _exit_reason(w.process)
                if w.inflight:
                    index, item = w.inflight.popleft()
                    done[index] = lost(item, reason, w.process.pid)
                    # Items sent ahead were never started: they go back in line.
                    todo.extendleft(reversed(w.inflight))
                    w.inflight.clear()
                workers.remove(w)
                if todo:
                    workers.append(_start_worker(ctx, work, init, init_args))
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
        for w in workers:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        for w in workers:
            w.process.join(_GRACE)
    except BaseException:
        # Ctrl-C, or the consumer stopped early: what finished still counts.
        unread = _stop(workers)
        workers.clear()
        if late is not None:
            for index, result in unread:
                if not isinstance(result, _NotSent):
                    done[index] = result
            late.extend(done[index] for index in sorted(done))
        raise
    finally:
        # No worker outlives the run.
        _stop(workers)


def _feed(workers: list[_Worker[T]], todo: deque[tuple[int, T]]) -> None:
    for w in workers:
        while todo and len(w.inflight) < _AHEAD:
            index, item = todo.popleft()
            try:
                w.conn.send((index, item))
            except OSError:  # the worker is gone; its sentinel reports it
                todo.appendleft((index, item))
                break
            if not w.inflight:
                w.started = time.monotonic()
            w.inflight.append((index, item))


def _receive(w: _Worker[T]) -> tuple[int, T, Any] | None:
    """(index, item, result) of the next answer of *w*; None when it has died meanwhile."""
    try:
        index, result = w.conn.recv()
    except (EOFError, OSError):
        return None  # its sentinel reports the death
    item_index, item = w.inflight.popleft()
    assert item_index == index, "a worker answers its items in order"
    w.started = time.monotonic()
    return index, item, result


def _next_deadline(workers: list[_Worker[Any]], timeout: float | None) -> float | None:
    if timeout is None:
        return None
    busy = [w.started for w in workers if w.inflight]
    if not busy:
        return None
    return max(0.0, min(busy) + timeout - time.monotonic()) + 0.01
