"""Run hostile cases in a child process with a time and a memory budget.

A bomb that regresses must fail the test, not hang the suite or eat the machine: the child gets
``RLIMIT_AS`` (address space; Python raises MemoryError past it) and is killed, with its whole
process group (workers included), when it runs past its time. Its peak RSS is reported back.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["Outcome", "run_cli", "run_python"]

# The child limits itself before importing anything, then reports its peak RSS as it exits.
_PRELUDE = """
import atexit, resource, sys
_limit = {memory} * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (_limit, _limit))
atexit.register(lambda: print("@@peak_kb=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                              file=sys.stderr))
"""
_CLI = """
from digrefactor.cli import main
sys.exit(main(sys.argv[1:]))
"""
_PEAK = re.compile(r"^@@peak_kb=(\d+)\n?", re.MULTILINE)


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _run(
    code: str, args: list[str], *, seconds: float, memory_mb: int, cwd: Path | None
) -> Outcome:
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _PRELUDE.format(memory=memory_mb) + code, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: workers are killed with it
    )
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(
            f"over the time budget: still running after {seconds:g} s "
            f"(args {args!r})\nstdout: {out[-2000:]}\nstderr: {err[-2000:]}"
        )
    elapsed = time.monotonic() - start
    peaks = [int(m) for m in _PEAK.findall(err)]
    err = _PEAK.sub("", err)
    return Outcome(proc.returncode, out, err, elapsed, (peaks[-1] / 1024) if peaks else 0.0)


def run_cli(
    args: list[str], *, seconds: float = 30, memory_mb: int = 1024, cwd: Path | None = None
) -> Outcome:
    """``digrefactor ARGS`` in a child process within the budget."""
    return _run(_CLI, args, seconds=seconds, memory_mb=memory_mb, cwd=cwd)


def run_python(
    code: str, *, seconds: float = 30, memory_mb: int = 1024, cwd: Path | None = None
) -> Outcome:
    """Python *code* (using the API) in a child process within the budget."""
    return _run(code, [], seconds=seconds, memory_mb=memory_mb, cwd=cwd)
