"""Odd targets and odd text through the API: a DigError with a clear message, never another
exception, never a blocked call, never a replaced device node.

No test needs root or touches system files: devices are reached through a symlink in tmp to
``/dev/null``, which must still be a character device afterwards. Calls that could block (a
FIFO) run in a child process with a time budget.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from budget import run_cli, run_python

from digrefactor import (
    DigError,
    DigIncludeError,
    DigWriteError,
    ShTask,
    Workflow,
    atomic_write,
    load_workflow,
    save_workflow,
    to_data,
)

WF = "+t:\n  sh>: x\n"


@pytest.fixture
def wf(tmp_path: Path) -> Workflow:
    path = tmp_path / "wf.dig"
    path.write_text(WF)
    workflow = load_workflow(path)
    workflow.tasks[0].command = "y"  # type: ignore[union-attr]
    return workflow


def test_saving_onto_a_directory(tmp_path: Path, wf: Workflow) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(DigWriteError, match="cannot write: the target is a directory"):
        save_workflow(wf, tmp_path / "d")


def test_saving_into_a_missing_directory(tmp_path: Path, wf: Workflow) -> None:
    with pytest.raises(DigWriteError) as info:
        save_workflow(wf, tmp_path / "nope" / "x.dig")
    assert str(info.value) == (
        f"{tmp_path / 'nope' / 'x.dig'}: cannot write: directory {tmp_path / 'nope'} does not exist"
    )  # the path the user gave, not a hidden temp file's


@pytest.fixture
def unprivileged_dir() -> Iterator[Path]:
    """A directory anyone may write (for the unprivileged child below), removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="digrefactor-device-"))
    directory.chmod(0o777)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _as_nobody(setup: str, writes: str) -> str:
    """Child code: *setup* (imports, loading) as the test's user, *writes* as nobody.

    Run as root, a writer that followed the link and renamed over its target would replace the
    machine's /dev/null with a regular file (the bug this guards against did). So the writes run
    after the child gives up root: a regression then fails with a permission error instead of
    destroying anything (root's own files are unreadable by then: import everything first).
    """
    drop = textwrap.dedent(
        """
        import os
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
        """
    )
    return textwrap.dedent(setup) + drop + textwrap.dedent(writes)


def test_saving_through_a_link_to_a_device(unprivileged_dir: Path) -> None:
    link = unprivileged_dir / "null.dig"
    link.symlink_to(os.devnull)
    source = unprivileged_dir / "wf.dig"
    source.write_text(WF)
    code = _as_nobody(
        f"""
        from pathlib import Path
        from digrefactor import DigWriteError, atomic_write, load_workflow, save_workflow
        wf = load_workflow(Path({str(source)!r}))
        wf.tasks[0].command = "y"
        link = Path({str(link)!r})
        """,
        """
        for call in (
            lambda: save_workflow(wf, link),
            lambda: atomic_write(link, "x"),
            lambda: atomic_write(link, b"x"),
        ):
            try:
                call()
                print("written")
            except DigWriteError as exc:
                print("refused:", exc.message)
        """,
    )
    out = run_python(code)
    refused = "refused: cannot write: the target is a character device"
    assert out.stdout.splitlines() == [refused] * 3, out.output
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)  # still a device: nothing replaced it
    assert link.is_symlink()


def test_save_project_refuses_a_device_in_place_of_a_file(unprivileged_dir: Path) -> None:
    project_dir = unprivileged_dir / "proj"
    project_dir.mkdir()
    project_dir.chmod(0o777)
    (project_dir / "wf.dig").write_text(WF)
    (project_dir / "null.sql").symlink_to(os.devnull)
    code = _as_nobody(
        f"""
        from digrefactor import DigWriteError, load_project, save_project
        project = load_project({str(project_dir)!r})
        project.files["null.sql"] = b"select 1"
        """,
        """
        try:
            save_project(project)
            print("written")
        except DigWriteError as exc:
            print("refused:", exc)
        """,
    )
    out = run_python(code)
    assert out.stdout.strip() == (
        f"refused: {project_dir / 'null.sql'}: cannot write: the target is a character device"
    ), out.output
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
@pytest.mark.parametrize("call", ["save_workflow", "atomic_write"])
def test_saving_onto_a_fifo_neither_blocks_nor_replaces_it(tmp_path: Path, call: str) -> None:
    fifo = tmp_path / "pipe.dig"
    os.mkfifo(fifo)
    (tmp_path / "wf.dig").write_text(WF)
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from digrefactor import DigWriteError, atomic_write, load_workflow, save_workflow
        wf = load_workflow(Path({str(tmp_path / "wf.dig")!r}))
        wf.tasks[0].command = "y"
        try:
            {call}(*((wf,) if {call!r} == "save_workflow" else ()), {str(fifo)!r},
                   *(("x",) if {call!r} == "atomic_write" else ()))
        except DigWriteError as exc:
            print("refused:", exc)
        """
    )
    out = run_python(code, seconds=30)
    assert f"refused: {fifo}: cannot write: the target is a FIFO (named pipe)" in out.stdout, (
        out.output
    )
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_lone_surrogate_is_a_located_error(tmp_path: Path, wf: Workflow) -> None:
    with pytest.raises(DigError) as loading:
        load_workflow("+t:\n  sh>: a\ud800\n")
    assert loading.value.location == "<string>:2:9"
    assert "lone surrogate U+D800" in loading.value.message
    wf.tasks[0].command = "a\udcffb"  # type: ignore[union-attr]
    with pytest.raises(DigWriteError, match=r"lone surrogate U\+DCFF"):
        save_workflow(wf)
    with pytest.raises(DigWriteError) as writing:
        atomic_write(tmp_path / "x.dig", "+t:\n  sh>: \ud800\n")
    assert writing.value.location == f"{tmp_path / 'x.dig'}:2:8"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wf.dig"]


def test_include_in_text_without_a_path() -> None:
    with pytest.raises(DigIncludeError) as info:
        load_workflow("+t:\n  sh>: x\n+u:\n  !include : part.dig\n")
    assert info.value.location == "<string>:4:3"
    assert "no file path" in info.value.message
    built = Workflow(name="w", tasks=[ShTask(name="t", command="x")])
    from digrefactor.models._tasks import new_include

    built.tasks.append(new_include("part.dig"))
    with pytest.raises(DigIncludeError, match="no file path"):
        to_data(built)


@pytest.mark.parametrize(
    "command", [["check"], ["scan"], ["codemod", "rename-operator", "--from", "sh", "--to", "echo"]]
)
def test_symlink_loops_are_reported_and_the_walk_goes_on(
    tmp_path: Path, command: list[str]
) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.dig").write_text(WF)
    (tree / "sub" / "b.dig").write_text(WF)
    (tree / "self.dig").symlink_to("self.dig")
    (tree / "x.dig").symlink_to("y.dig")
    (tree / "y.dig").symlink_to("x.dig")
    (tree / "sub" / "up").symlink_to("..")  # a directory loop: not followed
    out = run_cli([*command, "tree"], cwd=tmp_path, seconds=60)
    assert out.returncode == 1, out.output  # problems found, not a usage/internal error
    assert "internal error" not in out.output
    for name in ("self.dig", "x.dig", "y.dig"):
        assert f"tree/{name}: cannot read file: it is a symlink loop" in out.output, out.output
    summary = {
        "check": "5 files checked: 3 with problems, 2 ok",
        "scan": "5 files: 2 workflows, 2 tasks, 0 scheduled, 3 failed to load",
        "codemod": "5 files scanned: 2 changed, 0 unchanged, 0 skipped, 3 failed",
    }[command[0]]
    assert summary in out.output, out.output
    if command[0] == "codemod":
        assert (tree / "a.dig").read_text() == WF.replace("sh>", "echo>")
        assert (tree / "sub" / "b.dig").read_text() == WF.replace("sh>", "echo>")


def test_a_symlink_loop_named_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "loop.dig").symlink_to("loop.dig")
    out = run_cli(["check", "loop.dig"], cwd=tmp_path)
    assert out.returncode == 1, out.output
    assert "loop.dig: cannot read file: it is a symlink loop" in out.stdout
