"""No lost updates: a file that changes between reading and replacing it is a conflict.

The writers here are real: a thread of this test, or a second codemod process, changes the file
while the codemod holds it (a user pass waits at a rendezvous so the interleaving is certain).
Before the check, the codemod overwrote those edits and printed ``changed``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from digrefactor import DigConflictError, load_workflow, save_workflow
from digrefactor.cli import main
from digrefactor.transforms import (
    Failed,
    PassContext,
    PassRef,
    discover_files,
    run_file,
    run_files,
)

TD = "+load:\n  td>: q.sql\n"

# A pass that renames td> to td_run>, and for files named in $HOLD waits (after it has read
# and edited the file, before the runner writes it) until the file $HOLD_RELEASE exists.
PASS = textwrap.dedent(
    """
    import os, time
    from pathlib import Path

    def rename_td(wf, ctx):
        for _, task in wf.walk():
            if getattr(task, "operator", None) == "td":
                task.operator = "td_run"
        if ctx.path.name in os.environ.get("HOLD", "").split(","):
            Path(os.environ["HOLD_READY"]).touch()
            while not Path(os.environ["HOLD_RELEASE"]).exists():
                time.sleep(0.02)

    def _until(done, seconds):
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)

    def include_race(wf, ctx):
        # main.dig includes a_inc.dig. With two workers, make main.dig load before a_inc.dig is
        # rewritten and verify after: main signals once loaded, a_inc waits for that (a while at
        # most: with one worker a_inc comes first), main waits for the rewrite.
        rename_td(wf, ctx)
        loaded = Path(f"{ctx.path.parent}.main_loaded")
        if ctx.path.name == "main.dig":
            loaded.touch()
            inc = ctx.path.parent / "a_inc.dig"
            _until(lambda: b"td_run" in inc.read_bytes(), 20)
        else:
            _until(loaded.exists, 5)
    """
)


def _wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "p"
    project.mkdir()
    for name in ("a.dig", "b.dig", "c.dig"):
        (project / name).write_text(TD)
    (tmp_path / "passes.py").write_text(PASS)
    monkeypatch.setenv("HOLD_READY", str(tmp_path / "ready"))
    monkeypatch.setenv("HOLD_RELEASE", str(tmp_path / "release"))
    return project


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_user_saving_during_a_codemod_keeps_their_edit(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    monkeypatch.setenv("HOLD", "b.dig")
    mine = "+load:\n  td>: q.sql\n  database: saved_by_the_user\n"

    def user() -> None:  # the concurrent writer: an editor saving b.dig
        _wait_for(Path(os.environ["HOLD_READY"]))
        (tree / "b.dig").write_text(mine)
        Path(os.environ["HOLD_RELEASE"]).touch()

    writer = threading.Thread(target=user)
    writer.start()
    code = main(
        ["codemod", "--pass", f"{tree.parent / 'passes.py'}:rename_td", "-j", jobs, str(tree)]
    )
    writer.join()
    err = capsys.readouterr().err
    assert code == 1, err
    assert (tree / "b.dig").read_text() == mine  # the newer content stays
    assert f"error: {tree / 'b.dig'}: conflict: the file changed on disk after it was read" in err
    assert "2 changed" in err and "1 failed" in err
    assert (tree / "a.dig").read_text() == TD.replace("td>", "td_run>")
    assert sorted(p.name for p in tree.iterdir()) == ["a.dig", "b.dig", "c.dig"]  # no temp


def test_two_codemods_on_one_tree(tree: Path) -> None:
    """Run 1 holds a.dig; run 2 edits the whole tree meanwhile; run 1 must not undo it."""
    env = {**os.environ, "HOLD": "a.dig"}
    first = subprocess.Popen(
        [sys.executable, "-m", "digrefactor", "codemod", "--pass",
         f"{tree.parent / 'passes.py'}:rename_td", "-j", "2", str(tree)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(Path(env["HOLD_READY"]))
        second = subprocess.run(
            [sys.executable, "-m", "digrefactor", "codemod", "set-param", "--operator", "td",
             "engine=presto", "-j", "1", str(tree)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert second.returncode == 0, second.stderr
        Path(env["HOLD_RELEASE"]).touch()
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 1, err
    assert f"{tree / 'a.dig'}: conflict" in err
    # Run 2's edit of a.dig survives; b and c were edited by both runs in turn.
    assert (tree / "a.dig").read_text() == "+load:\n  td>: q.sql\n  engine: presto\n"
    for name in ("b.dig", "c.dig"):
        text = (tree / name).read_text()
        assert "engine: presto" in text or "td_run>" in text, text


def test_save_workflow_refuses_to_overwrite_a_newer_file(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    path.write_text(TD)
    wf = load_workflow(path)
    wf.tasks[0].params["database"] = "mine"
    newer = "+load:\n  td>: q.sql\n  # saved meanwhile\n"
    path.write_text(newer)
    with pytest.raises(DigConflictError, match="changed on disk after it was read"):
        save_workflow(wf)
    assert path.read_text() == newer
    assert [p.name for p in tmp_path.iterdir()] == ["wf.dig"]


def test_saving_twice_is_not_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    path.write_text(TD)
    wf = load_workflow(path)
    wf.tasks[0].params["database"] = "one"
    assert save_workflow(wf)
    wf.tasks[0].params["database"] = "two"
    assert save_workflow(wf)
    assert path.read_text() == TD + "  database: two\n"
    del wf.tasks[0].params["database"]  # back to what was first read: that is a change too
    assert save_workflow(wf)
    assert path.read_text() == TD
    assert not save_workflow(wf)


def test_results_do_not_depend_on_jobs(tmp_path: Path) -> None:
    """main.dig includes a_inc.dig, a workflow the same run edits. With -j 2 main.dig was
    loaded with the old include and verified against the new one, and failed; with -j 1 it
    passed. Now every worker reads includes of files in the run as they were before it."""
    (tmp_path / "passes.py").write_text(PASS)
    runs = {}
    for jobs in (1, 2):
        project = tmp_path / f"j{jobs}"
        project.mkdir()
        (project / "a_inc.dig").write_text("+inner:\n  td>: inner.sql\n")
        # Workers are sent two files ahead: the filler puts main.dig on the second worker.
        (project / "b_filler.dig").write_text("+f:\n  echo>: hi\n")
        (project / "main.dig").write_text(
            "+outer:\n  td>: outer.sql\n+group:\n  !include : a_inc.dig\n"
        )
        ref = PassRef(f"{tmp_path / 'passes.py'}:include_race")
        results = list(run_files(discover_files([project]), ref, jobs=jobs, isolate=True))
        statuses = [
            (r.path.name, r.message if isinstance(r, Failed) else type(r).__name__) for r in results
        ]
        runs[jobs] = (statuses, {p.name: p.read_text() for p in sorted(project.iterdir())})
    assert runs[1] == runs[2]
    assert runs[1][0] == [
        ("a_inc.dig", "Changed"),
        ("b_filler.dig", "Unchanged"),
        ("main.dig", "Changed"),
    ]
    assert "td_run>: outer.sql" in runs[1][1]["main.dig"]


def test_an_included_file_edited_through_a_link_of_another_name(tmp_path: Path) -> None:
    """The run edits a_inc.dig only through link.dig (a_inc.dig itself is not selected):
    main.dig's include of a_inc.dig still reads the file as it was, for any -j."""
    (tmp_path / "passes.py").write_text(PASS)
    runs = {}
    for jobs in (1, 2):
        project = tmp_path / f"j{jobs}"
        project.mkdir()
        (project / "a_inc.dig").write_text("+inner:\n  td>: inner.sql\n")
        (project / "b_filler.dig").write_text("+f:\n  echo>: hi\n")
        (project / "link.dig").symlink_to("a_inc.dig")
        (project / "main.dig").write_text(
            "+outer:\n  td>: outer.sql\n+group:\n  !include : a_inc.dig\n"
        )
        files = [(project / n, project) for n in ("link.dig", "b_filler.dig", "main.dig")]
        ref = PassRef(f"{tmp_path / 'passes.py'}:include_race")
        results = list(run_files(files, ref, jobs=jobs, isolate=True))
        statuses = [
            (r.path.name, r.message if isinstance(r, Failed) else type(r).__name__) for r in results
        ]
        runs[jobs] = (statuses, (project / "main.dig").read_text())
    assert runs[1] == runs[2]
    assert runs[1][0] == [
        ("link.dig", "Changed"),
        ("b_filler.dig", "Unchanged"),
        ("main.dig", "Changed"),
    ]


def test_many_includers_of_an_edited_workflow(tmp_path: Path) -> None:
    """Twelve files include shared.dig, which the run edits too: same outcome for any -j."""
    (tmp_path / "passes.py").write_text(PASS)
    outcomes = []
    for jobs in (1, 3):
        project = tmp_path / f"j{jobs}"
        project.mkdir()
        (project / "shared.dig").write_text("+s:\n  td>: s.sql\n")
        for i in range(12):
            (project / f"w{i:02}.dig").write_text(
                f"+own{i}:\n  td>: q.sql\n+group:\n  !include : shared.dig\n"
            )
        ref = PassRef(f"{tmp_path / 'passes.py'}:rename_td")
        got = [
            (r.path.name, type(r).__name__)
            for r in run_files(discover_files([project]), ref, jobs=jobs, isolate=True)
        ]
        assert all(status == "Changed" for _, status in got), got
        outcomes.append((got, {p.name: p.read_bytes() for p in sorted(project.iterdir())}))
    assert outcomes[0] == outcomes[1]


def test_the_rename_case_checks_the_original_too(tmp_path: Path) -> None:
    """rename-workflow writes NEW.dig then removes OLD.dig: an edit to OLD.dig in between is
    kept (NEW.dig is removed again) and reported."""
    old = tmp_path / "old.dig"
    old.write_text(TD)

    def rename_and_race(wf: object, ctx: PassContext) -> None:
        ctx.rename_file(ctx.path.with_name("new.dig"))
        old.write_text(TD + "# edited meanwhile\n")  # a writer between read and replace

    result = run_file(old, rename_and_race)
    assert isinstance(result, Failed) and "conflict" in result.message, result
    assert old.read_text() == TD + "# edited meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.dig"]
