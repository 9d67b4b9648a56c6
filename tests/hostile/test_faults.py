"""Workers that die, exit, hang or get interrupted: a reported failure for that file, or a
clean interrupted summary (exit 130) — never a hang, a silent exit 0, or a temp file left.

Every run is a child process with a time budget (budget.py), so a regression that hangs fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from budget import run_cli, run_python

FILES = [f"f{i}.dig" for i in range(1, 7)]

PASSES = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path

    def _edit(wf):
        wf.tasks[0].command = "changed"

    def exits(wf, ctx):
        if ctx.path.name == "f3.dig":
            sys.exit(0)
        _edit(wf)

    def os_exit(wf, ctx):
        if ctx.path.name == "f3.dig":
            os._exit(7)
        _edit(wf)

    def oom_killed(wf, ctx):
        # What the out-of-memory killer does, with a temp file like atomic_write's left behind.
        if ctx.path.name == "f3.dig":
            (ctx.path.parent / f".f3.dig.{os.getpid()}.x1y2.tmp").write_text("partial")
            os.kill(os.getpid(), signal.SIGKILL)
        _edit(wf)

    def out_of_memory(wf, ctx):
        if ctx.path.name == "f3.dig":
            blocks = [bytearray(1 << 20) for _ in range(10_000)]  # 10 GB
        _edit(wf)

    def hangs(wf, ctx):
        if ctx.path.name == "f3.dig":
            while True:
                pass
        _edit(wf)

    def first_file_hangs(wf, ctx):
        if ctx.path.name == "f1.dig":
            time.sleep(60)
        _edit(wf)

    def slow(wf, ctx):
        Path(os.environ["STARTED"]).touch()
        time.sleep(5)
        _edit(wf)
    """
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    project = tmp_path / "p"
    project.mkdir()
    for name in FILES:
        (project / name).write_text(f"+t:\n  sh>: echo {name}\n")
    (tmp_path / "passes.py").write_text(PASSES)
    return project


def _codemod(tree: Path, pass_name: str, *args: str, seconds: float = 90) -> tuple[int, str]:
    out = run_cli(
        ["codemod", "--pass", f"{tree.parent / 'passes.py'}:{pass_name}", *args, str(tree)],
        seconds=seconds,
    )
    assert "Traceback" not in out.output, out.output
    return out.returncode, out.stderr


def _assert_f3_failed_others_changed(tree: Path, err: str, reason: str) -> None:
    assert f"error: {tree / 'f3.dig'}: {reason}" in err, err
    assert "6 files scanned: 5 changed, 0 unchanged, 0 skipped, 1 failed" in err, err
    for name in FILES:
        text = (tree / name).read_text()
        assert ("changed" in text) == (name != "f3.dig"), (name, text)
    assert sorted(p.name for p in tree.iterdir()) == FILES  # nothing hidden left behind


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_sys_exit_in_a_pass_fails_that_file(tree: Path, jobs: str) -> None:
    # With -j 1 this ended the whole run silently, with exit code 0.
    code, err = _codemod(tree, "exits", "-j", jobs)
    assert code == 1, err
    _assert_f3_failed_others_changed(tree, err, "pass exits called sys.exit(0)")


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_a_worker_that_exits_costs_one_file(tree: Path, jobs: str) -> None:
    # multiprocessing.Pool waited forever for the dead worker's result.
    code, err = _codemod(tree, "os_exit", "-j", jobs)
    assert code == 1, err
    _assert_f3_failed_others_changed(tree, err, "the worker process exited with status 7")


def test_a_killed_worker_costs_one_file_and_its_temp_file_is_removed(tree: Path) -> None:
    code, err = _codemod(tree, "oom_killed", "-j", "2")
    assert code == 1, err
    _assert_f3_failed_others_changed(tree, err, "the worker process was killed by SIGKILL")
    assert "out of memory?" in err


def test_memory_error_in_a_pass_is_that_files_failure(tree: Path) -> None:
    code, err = _codemod(tree, "out_of_memory", "-j", "2")
    assert code == 1, err
    _assert_f3_failed_others_changed(tree, err, "pass out_of_memory raised MemoryError")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_hanging_pass_times_out(tree: Path, jobs: str) -> None:
    start = time.monotonic()
    code, err = _codemod(tree, "hangs", "-j", jobs, "--timeout", "3", seconds=60)
    assert code == 1, err
    _assert_f3_failed_others_changed(tree, err, "timed out after 3 s (see --timeout)")
    assert time.monotonic() - start < 45


def test_the_default_timeout_is_set(tree: Path) -> None:
    out = run_cli(["codemod", "rename-operator", "--help"])
    assert "--timeout SECONDS" in out.stdout and "default: 120" in out.stdout


def test_ctrl_c_stops_cleanly(tree: Path, tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: no worker tracebacks, no
    hang, no temp file; an interrupted summary and exit code 130."""
    started = tmp_path / "started"
    proc = subprocess.Popen(
        [sys.executable, "-c",
         "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
         "from digrefactor.cli import main; sys.exit(main(sys.argv[1:]))",
         "codemod", "--pass", f"{tmp_path / 'passes.py'}:slow", "-j", "3", str(tree)],
        env={**os.environ, "STARTED": str(started)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.3)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted after 0 of 6 files; every file is either as it was or fully edited" in err
    assert sorted(p.name for p in tree.iterdir()) == FILES
    assert all("changed" not in (tree / n).read_text() for n in FILES)
    # No worker outlives the run.
    time.sleep(0.5)
    ps = subprocess.run(["ps", "-o", "pid=", "-g", str(proc.pid)], capture_output=True, text=True)
    assert ps.stdout.strip() == "", ps.stdout


def test_ctrl_c_counts_the_files_already_edited(tree: Path) -> None:
    """f1.dig hangs on one worker while the other edits f3..f6: their results wait behind
    f1's (results come in file order). Ctrl-C then must still count them: the summary said
    "0 changed" with four files edited on disk."""
    proc = subprocess.Popen(
        [sys.executable, "-c",
         "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
         "from digrefactor.cli import main; sys.exit(main(sys.argv[1:]))",
         "codemod", "--pass", f"{tree.parent / 'passes.py'}:first_file_hangs", "-j", "2",
         str(tree)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    edited = [f"f{i}.dig" for i in range(3, 7)]
    try:
        deadline = time.monotonic() + 60
        while not all("changed" in (tree / n).read_text() for n in edited):
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    for name in edited:
        assert f"changed {tree / name}" in err, err
    assert "4 files scanned: 4 changed, 0 unchanged, 0 skipped, 0 failed" in err, err
    assert ["changed" in (tree / n).read_text() for n in FILES] == [False, False] + [True] * 4


def test_an_interrupt_during_a_write_leaves_no_temp_file(tmp_path: Path) -> None:
    """Ctrl-C right after the temp file is created: it used to stay in the user's tree."""
    target = tmp_path / "wf.dig"
    target.write_text("old\n")
    code = textwrap.dedent(
        f"""
        import os, signal, tempfile
        from digrefactor import atomic_write

        real = tempfile.mkstemp
        def mkstemp(*args, **kwargs):
            made = real(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands right here
            return made
        tempfile.mkstemp = mkstemp
        try:
            atomic_write({str(target)!r}, "new\\n")
        except KeyboardInterrupt:
            print("interrupted")
        """
    )
    out = run_python(code)
    assert "interrupted" in out.stdout, out.output
    assert [p.name for p in tmp_path.iterdir()] == ["wf.dig"]
    assert target.read_text() == "new\n"  # the write finished, then the interrupt arrived
