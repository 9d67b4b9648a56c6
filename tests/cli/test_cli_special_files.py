"""Non-regular files (FIFOs) named ``*.dig``: walks skip them, naming one is a usage error.

Reading a FIFO blocks until a writer shows up, so every command runs in a subprocess with a
timeout: a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")

GOOD = "+a:\n  sh>: x\n"
COMMANDS = [["check"], ["scan"], ["codemod", "set-timezone", "UTC"]]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digrefactor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=20,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_directory_walk_skips_a_fifo(tmp_path: Path, command: list[str]) -> None:
    project = tmp_path / "d"
    project.mkdir()
    (project / "good.dig").write_text(GOOD)
    os.mkfifo(project / "x.dig")
    proc = _run([*command, "d"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "x.dig" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_fifo_named_on_the_command_line_is_a_usage_error(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "good.dig").write_text(GOOD)
    os.mkfifo(tmp_path / "x.dig")
    proc = _run([*command, "good.dig", "x.dig"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "x.dig: not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_fifo_named_on_the_command_line_gets_one_clean_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.dig")
    proc = _run(["check", "x.dig"], tmp_path)
    assert proc.stderr == "error: x.dig: not a regular file\n"
