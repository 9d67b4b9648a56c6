"""``rename-workflow`` is all or nothing: references it cannot rewrite stop the whole rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from digrefactor.cli import main
from digrefactor.transforms import (
    Failed,
    PassUsageError,
    RenameTask,
    RenameWorkflow,
    Unchanged,
    discover_files,
    run_files,
)

BROKEN_CALLER = "+a:\n  call>: old\n+b:\n  sh>: x\n  k: [unclosed\n"
OLD = "+a:\n  sh>: x\n"


def _project(root: Path, files: dict[str, str]) -> dict[Path, bytes]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return _snapshot(root)


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_reviewer_repro_refuses_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _project(
        tmp_path,
        {
            "main.dig": BROKEN_CALLER,
            "old.dig": OLD,
            "other.dig": "+a:\n  call>: old.dig\n",
            "req.dig": "+z:\n  require>: old\n",
            ".gitignore": "other.dig\n",
        },
    )
    assert main(["codemod", "rename-workflow", "old", "new", str(tmp_path)]) == 1
    assert _snapshot(tmp_path) == before
    err = capsys.readouterr().err
    assert "rename-workflow old -> new refused" in err
    assert "main.dig may reference old but does not load" in err
    assert "other.dig may reference old but is left out of this run" in err


@pytest.mark.parametrize(
    ("args", "left_out"),
    [
        (["--exclude", "old.dig"], "old.dig is left out"),
        (["--exclude", "sub/"], "c.dig may reference old but is left out"),
        (["--include", "main.dig", "--include", "old.dig"], "c.dig may reference old but"),
    ],
)
def test_filters_that_leave_a_reference_out_refuse_the_rename(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], left_out: str
) -> None:
    before = _project(
        tmp_path,
        {
            "main.dig": "+a:\n  call>: old\n",
            "old.dig": OLD,
            "sub/c.dig": '+a: {call>: "../old.dig"}\n',
        },
    )
    assert main(["codemod", "rename-workflow", "old", "new", *args, str(tmp_path)]) == 1
    assert _snapshot(tmp_path) == before
    assert left_out in capsys.readouterr().err


def test_files_named_explicitly_are_checked_against_their_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _project(
        tmp_path,
        {"old.dig": OLD, "main.dig": "+a:\n  call>: old\n", "x.dig": "+r:\n  require>: 'old'\n"},
    )
    argv = ["codemod", "rename-workflow", "old", "new"]
    assert main([*argv, str(tmp_path / "old.dig"), str(tmp_path / "main.dig")]) == 1
    assert _snapshot(tmp_path) == before
    assert "x.dig may reference old but is left out" in capsys.readouterr().err


def test_unrelated_files_left_out_or_broken_do_not_block_the_rename(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "old.dig": OLD,
            "main.dig": "+a:\n  call>: old.dig\n",
            "ignored.dig": "+a:\n  call>: older\n",  # another workflow: not a reference
            "notes.dig": "# call>: old in a comment only of a broken file\n+b:\n  sh>: x\n",
            ".gitignore": "ignored.dig\nnotes.dig\n",
        },
    )
    assert main(["codemod", "rename-workflow", "-q", "old", "new", str(tmp_path)]) == 0
    assert (tmp_path / "new.dig").read_text() == OLD
    assert (tmp_path / "main.dig").read_text() == "+a:\n  call>: new.dig\n"


def test_refusal_fails_only_the_files_the_run_would_change(tmp_path: Path) -> None:
    _project(
        tmp_path,
        {
            "old.dig": OLD,
            "main.dig": BROKEN_CALLER,
            "caller.dig": "+a:\n  call>: old\n",
            "plain.dig": "+a:\n  sh>: x\n",
        },
    )
    pass_ = RenameWorkflow("old", "new")
    files = list(discover_files([tmp_path]))
    pass_.prepare(files)
    assert pass_.refusal is not None and "main.dig" in pass_.refusal
    results = {r.path.name: r for r in run_files(files, pass_, jobs=2)}
    assert isinstance(results["plain.dig"], Unchanged)
    for name in ("old.dig", "caller.dig"):
        result = results[name]
        assert isinstance(result, Failed) and "refused" in result.error.message
    assert (tmp_path / "old.dig").exists() and not (tmp_path / "new.dig").exists()
    assert (tmp_path / "caller.dig").read_text() == "+a:\n  call>: old\n"


def test_rename_task_uses_digdags_task_name_rule() -> None:
    with pytest.raises(PassUsageError, match="255"):
        RenameTask("a", "x" * 256)
    with pytest.raises(PassUsageError, match="character '/'"):
        RenameTask("a", "b/c")
    with pytest.raises(PassUsageError, match=r"\^"):
        RenameTask("a", "^error")
    assert RenameTask("a", "+ok_[1]").new == "ok_[1]"
