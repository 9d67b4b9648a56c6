"""The runner's safety: verify, atomic writes, modes, byte-identical failures, parallel runs."""

from __future__ import annotations

import inspect
import os
import pickle
import stat
from pathlib import Path

import pytest

from digrefactor._errors import DigSyntaxError, DigWriteError
from digrefactor.models import Workflow
from digrefactor.transforms import (
    Changed,
    Failed,
    PassContext,
    PassRef,
    PassUsageError,
    RenameOperator,
    RenameWorkflow,
    SetParam,
    Skipped,
    TaskSelector,
    Unchanged,
    _runner,
    discover_files,
    load_pass,
    run_file,
    run_files,
)

GOOD = "timezone: UTC\n\n+a:\n  td>: a.sql   # keep\n  database: x\n"
BROKEN = "+a:\n  td>: a.sql\n   bad: indent\n"


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    os.chmod(path, mode)
    return path


def test_changed_file_written_atomically_with_mode_kept(tmp_path: Path) -> None:
    f = write(tmp_path / "wf.dig", GOOD, 0o640)
    result = run_file(f, RenameOperator("td", "td_run"))
    assert isinstance(result, Changed)
    assert f.read_text() == GOOD.replace("td>", "td_run>")
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert result.diff.splitlines()[:2] == [f"--- {f}", f"+++ {f}"]
    assert "-  td>: a.sql   # keep" in result.diff
    assert "+  td_run>: a.sql   # keep" in result.diff
    assert [p.name for p in tmp_path.iterdir()] == ["wf.dig"]  # no temp file left behind


def test_check_mode_writes_nothing(tmp_path: Path) -> None:
    f = write(tmp_path / "wf.dig", GOOD)
    result = run_file(f, RenameOperator("td", "td_run"), write=False)
    assert isinstance(result, Changed)
    assert f.read_text() == GOOD


def test_unchanged_file_is_not_rewritten(tmp_path: Path) -> None:
    f = write(tmp_path / "wf.dig", GOOD)
    before = f.stat()
    result = run_file(f, RenameOperator("sh", "bash"))
    assert isinstance(result, Unchanged)
    after = f.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_unparseable_file_fails_located_and_untouched(tmp_path: Path) -> None:
    f = write(tmp_path / "broken.dig", BROKEN)
    result = run_file(f, RenameOperator("td", "td_run"))
    assert isinstance(result, Failed)
    assert isinstance(result.error, DigSyntaxError)
    assert result.message.startswith(f"{f}:3:")
    assert f.read_text() == BROKEN


def test_invalid_utf8_fails_located(tmp_path: Path) -> None:
    f = tmp_path / "bad.dig"
    f.write_bytes(b"+a:\n  sh>: \xff\n")
    result = run_file(f, RenameOperator("sh", "bash"))
    assert isinstance(result, Failed)
    assert result.message.startswith(f"{f}:2:")
    assert f.read_bytes() == b"+a:\n  sh>: \xff\n"


def test_verification_failure_leaves_file_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = write(tmp_path / "wf.dig", GOOD)
    # A writer bug: text that parses but means something else.
    monkeypatch.setattr(_runner, "render_workflow", lambda wf: GOOD.replace("x", "y"))
    result = run_file(f, RenameOperator("td", "td_run"))
    assert isinstance(result, Failed)
    assert isinstance(result.error, DigWriteError)
    assert "does not mean what the edited workflow means" in result.message
    assert f.read_text() == GOOD


def test_writer_refusal_is_a_failure_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = write(tmp_path / "wf.dig", GOOD)

    def refuse(wf: Workflow) -> str:
        raise DigWriteError("cannot edit an anchor", path=str(f), line=2, column=3)

    monkeypatch.setattr(_runner, "render_workflow", refuse)
    result = run_file(f, RenameOperator("td", "td_run"))
    assert isinstance(result, Failed)
    assert result.message == f"{f}:2:3: cannot edit an anchor"
    assert f.read_text() == GOOD


def raising_pass(workflow: Workflow, ctx: PassContext) -> None:
    workflow.set_param("timezone", "Asia/Tokyo")
    raise ValueError("boom")


def skipping_pass(workflow: Workflow, ctx: PassContext) -> None:
    workflow.set_param("timezone", "Asia/Tokyo")
    ctx.warn("looked at it")
    ctx.skip("not today")


def warning_pass(workflow: Workflow, ctx: PassContext) -> None:
    workflow.set_param("timezone", str(ctx.options.get("tz", "Asia/Tokyo")))
    ctx.warn("timezone changed")


def test_pass_exception_is_reported_with_traceback(tmp_path: Path) -> None:
    f = write(tmp_path / "wf.dig", GOOD)
    result = run_file(f, raising_pass)
    assert isinstance(result, Failed)
    assert result.message == f"{f}: pass raising_pass raised ValueError: boom"
    assert result.detail is not None and "Traceback" in result.detail
    assert f.read_text() == GOOD


def test_skip_drops_edits(tmp_path: Path) -> None:
    f = write(tmp_path / "wf.dig", GOOD)
    result = run_file(f, skipping_pass)
    assert result == Skipped(f, "not today", ("looked at it",))
    assert f.read_text() == GOOD


def test_warnings_and_options_reach_the_result(tmp_path: Path) -> None:
    f = write(tmp_path / "wf.dig", GOOD)
    result = run_file(f, warning_pass, options={"tz": "Europe/Paris"})
    assert isinstance(result, Changed)
    assert result.warnings == ("timezone changed",)
    assert f.read_text().startswith("timezone: Europe/Paris\n")


def test_results_pickle(tmp_path: Path) -> None:
    f = write(tmp_path / "broken.dig", BROKEN)
    result = run_file(f, RenameOperator("td", "td_run"))
    clone = pickle.loads(pickle.dumps(result))
    assert isinstance(clone, Failed)
    assert type(clone.error) is type(result.error)
    assert clone.message == result.message


def _tree(tmp_path: Path) -> list[tuple[Path, Path]]:
    for i in range(12):
        write(tmp_path / f"d{i % 3}" / f"wf{i}.dig", GOOD if i % 4 else "+a:\n  sh>: echo\n")
    write(tmp_path / "d0" / "broken.dig", BROKEN)
    return list(discover_files([tmp_path]))


def test_parallel_run_matches_serial(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    serial = run_files(files, RenameOperator("td", "td_run"), write=False, jobs=1)
    assert inspect.isgenerator(serial)  # results stream, nothing is held
    parallel = run_files(files, RenameOperator("td", "td_run"), write=False, jobs=3)

    def summary(results: object) -> list[tuple[str, str, str]]:
        out = []
        for r in results:  # type: ignore[attr-defined]
            detail = r.message if isinstance(r, Failed) else getattr(r, "diff", "")
            out.append((str(r.path), type(r).__name__, detail))
        return sorted(out)

    assert summary(serial) == summary(parallel)


def test_user_pass_from_file_runs_in_workers(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    plugin = tmp_path / "plugins" / "my_pass.py"
    plugin.parent.mkdir()
    plugin.write_text(
        "def set_tz(workflow, ctx):\n    workflow.set_param('timezone', ctx.options['tz'])\n"
    )
    results = list(
        run_files(files, PassRef(f"{plugin}:set_tz"), options={"tz": "Asia/Tokyo"}, jobs=2)
    )
    changed = [r for r in results if isinstance(r, Changed)]
    assert len(changed) == 12
    assert [type(r) for r in results].count(Failed) == 1
    assert (tmp_path / "d1" / "wf1.dig").read_text().startswith("timezone: Asia/Tokyo\n")


def test_load_pass_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad_pass.py"
    bad.write_text("raise RuntimeError('no import for you')\n")
    cases = {
        "nocolon": "expected module:callable",
        "no_such_module_xyz:f": "cannot import no_such_module_xyz",
        "os.path:no_such_function": "has no 'no_such_function'",
        "os:sep": "is not callable",
        f"{tmp_path}/missing.py:f": "not found",
        f"{bad}:f": "raised RuntimeError: no import for you",
    }
    for ref, message in cases.items():
        with pytest.raises(PassUsageError, match=message):
            load_pass(ref)
    assert load_pass("digrefactor.transforms._passes:RenameOperator.from_args")


def test_rename_workflow_across_a_project(tmp_path: Path) -> None:
    old = write(tmp_path / "old_wf.dig", "+a:\n  sh>: echo\n", 0o600)
    caller = write(tmp_path / "main.dig", "+c:\n  call>: old_wf.dig\n+r:\n  require>: old_wf\n")
    sub = write(tmp_path / "sub" / "child.dig", "+c:\n  call>: ../old_wf\n")
    outside = write(tmp_path / "sub" / "far.dig", "+c:\n  call>: ../../old_wf.dig\n")
    pass_ = RenameWorkflow("old_wf", "new_wf")
    files = list(discover_files([tmp_path]))
    pass_.prepare(files)
    results = {r.path.name: r for r in run_files(files, pass_, jobs=1)}
    assert not old.exists()
    new = tmp_path / "new_wf.dig"
    assert new.read_text() == "+a:\n  sh>: echo\n"
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    renamed = results["old_wf.dig"]
    assert isinstance(renamed, Changed) and renamed.new_path == new
    assert caller.read_text() == "+c:\n  call>: new_wf.dig\n+r:\n  require>: new_wf\n"
    assert sub.read_text() == "+c:\n  call>: ../new_wf\n"
    assert outside.read_text() == "+c:\n  call>: ../../old_wf.dig\n"
    far = results["far.dig"]
    assert isinstance(far, Unchanged) and "outside" in far.warnings[0]


def test_rename_workflow_refuses_to_overwrite(tmp_path: Path) -> None:
    write(tmp_path / "a.dig", "+a:\n  sh>: echo\n")
    write(tmp_path / "b.dig", "+b:\n  sh>: echo\n")
    with pytest.raises(PassUsageError, match="already exists"):
        RenameWorkflow("a", "b").prepare(list(discover_files([tmp_path])))


def test_an_edit_an_include_overrides_is_made_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "p.dig").write_text("engine: presto\n")
    f = write(tmp_path / "main.dig", "+a:\n  td>: q.sql\n  engine: hive\n  !include : p.dig\n")
    result = run_file(f, SetParam("engine", "spark", TaskSelector(operators=("td",))))
    assert isinstance(result, Changed)
    assert any("an !include overrides" in w for w in result.warnings)
    # An edit that does change what Digdag runs gets no such warning.
    result = run_file(f, SetParam("database", "db1", TaskSelector(operators=("td",))))
    assert isinstance(result, Changed)
    assert not any("!include" in w for w in result.warnings)


def test_include_fragments_are_skipped_not_failed(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    fragment = write(tmp_path / "config" / "params.dig", "td:\n  database: sales\n")
    main_dig = write(
        tmp_path / "main.dig",
        "_export:\n  !include : 'config/params.dig'  # shared\n+t:\n  td>: q\n",
    )
    stray = write(tmp_path / "stray.dig", "td:\n  database: sales\n")
    results = {
        r.path.name: r
        for r in run_files(
            [(p, tmp_path) for p in (fragment, main_dig, stray)],
            RenameOperator("td", "td_run"),
            jobs=1,
        )
    }
    assert isinstance(results["params.dig"], Skipped)
    assert "fragment" in results["params.dig"].reason
    assert isinstance(results["main.dig"], Changed)
    assert isinstance(results["stray.dig"], Failed)  # nobody includes it: a broken workflow


def test_a_failed_write_in_a_batch_fails_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _tree(tmp_path)
    victim = tmp_path / "d1" / "wf1.dig"
    before = victim.read_bytes()
    real_replace = os.replace

    def replace(src: str, dst: object) -> None:
        if Path(str(dst)) == victim:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr("digrefactor.write._save.os.replace", replace)
    results = {r.path: r for r in run_files(files, RenameOperator("td", "td_run"), jobs=1)}
    failed = results[victim]
    assert isinstance(failed, Failed) and "No space left on device" in failed.message
    assert victim.read_bytes() == before
    others = [p for p, r in results.items() if isinstance(r, Changed)]
    assert len(others) == 8
    assert all("td_run>" in p.read_text() for p in others)
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_diffs_only_when_asked(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    quiet = [r for r in run_files(files, RenameOperator("td", "td_run"), write=False, diff=False)]
    assert [r.diff for r in quiet if isinstance(r, Changed)] == [""] * 9
    loud = [r for r in run_files(files, RenameOperator("td", "td_run"), write=False, jobs=2)]
    assert all("+  td_run>" in r.diff for r in loud if isinstance(r, Changed))


def test_a_pass_package_in_the_current_directory_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `python -m` finds it: the console script has no current directory on sys.path."""
    import sys

    package = tmp_path / "team_passes_here"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "passes.py").write_text("def noop(wf, ctx):\n    return None\n")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    monkeypatch.chdir(tmp_path)
    try:
        assert callable(load_pass("team_passes_here.passes:noop"))
    finally:
        for name in [n for n in sys.modules if n.startswith("team_passes_here")]:
            del sys.modules[name]
    with pytest.raises(PassUsageError, match="cannot import no_such_package_here"):
        load_pass("no_such_package_here.passes:noop")
