"""``write_dig_files``: verified before anything is written, atomic, unchanged files left alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import digrefactor.convert._write as write_module
import digrefactor.write._project as files_module
from digrefactor._errors import DigWriteError
from digrefactor.convert import write_dig_files
from digrefactor.models import Workflow
from digrefactor.parse import load_workflow


def _workflow(tmp_path: Path, text: str, name: str = "wf") -> Workflow:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / f"{name}.dig").write_text(text, encoding="utf-8")
    return load_workflow(src / f"{name}.dig")


def _with_include(tmp_path: Path) -> Workflow:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "vars.dig").write_text("+inc:\n  echo>: included\n", encoding="utf-8")
    return _workflow(tmp_path, "!include : vars.dig\n+t:\n  sh>: echo\n", "main")


def test_files_are_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    real = write_module.atomic_write

    def spy(path: str | Path, text: str | bytes, *, like: str | Path | None = None) -> None:
        calls.append(Path(path))
        real(path, text, like=like)

    monkeypatch.setattr(write_module, "atomic_write", spy)
    out = tmp_path / "out"
    paths = write_dig_files(_with_include(tmp_path), out)
    assert paths == [out / "main.dig", out / "vars.dig"]
    assert calls == paths
    assert sorted(p.name for p in out.iterdir()) == ["main.dig", "vars.dig"]  # no temp files


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = write_dig_files(_with_include(tmp_path), out)
    for path in first:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    inodes = {path: path.stat().st_ino for path in first}
    assert write_dig_files(_with_include(tmp_path), out) == first
    for path in first:
        assert path.stat().st_mtime_ns == 1_000_000_000
        assert path.stat().st_ino == inodes[path]


def test_a_changed_file_is_replaced_and_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "wf.dig").write_text("+old:\n  sh>: x\n", encoding="utf-8")
    (out / "wf.dig").chmod(0o600)
    os.link(out / "wf.dig", tmp_path / "hardlink")  # sees the old inode: replaced, not edited
    write_dig_files(_workflow(tmp_path, "+a:\n  sh>: echo a\n"), out)
    assert (out / "wf.dig").read_text(encoding="utf-8") == "+a:\n    sh>: echo a\n"
    assert stat.S_IMODE((out / "wf.dig").stat().st_mode) == 0o600
    assert (tmp_path / "hardlink").read_text(encoding="utf-8") == "+old:\n  sh>: x\n"


def test_new_files_get_the_umask_permissions(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        write_dig_files(_workflow(tmp_path, "+a:\n  sh>: echo a\n"), tmp_path / "out")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "out" / "wf.dig").stat().st_mode) == 0o644


def test_text_that_does_not_read_back_is_refused_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wf = _workflow(tmp_path, "+a:\n  sh>: echo a\n")
    monkeypatch.setattr(files_module, "export_workflow", lambda _wf: "+a:\n  sh>: echo b\n")
    out = tmp_path / "out"
    with pytest.raises(DigWriteError, match="does not mean what"):
        write_dig_files(wf, out)
    assert not out.exists() or list(out.iterdir()) == []


def test_text_that_digdag_would_reject_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wf = _workflow(tmp_path, "+a:\n  sh>: echo a\n")
    # Valid YAML, but Digdag refuses a task with two operators.
    bad = "+a:\n  sh>: echo a\n  echo>: b\n"
    monkeypatch.setattr(files_module, "export_workflow", lambda _wf: bad)
    out = tmp_path / "out"
    with pytest.raises(DigWriteError, match="would not load") as info:
        write_dig_files(wf, out)
    assert info.value.path == str(out / "wf.dig")
    assert not out.exists() or list(out.iterdir()) == []


def test_a_broken_include_is_caught_through_the_workflow_and_located_in_out_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wf = _with_include(tmp_path)
    monkeypatch.setattr(files_module, "render_block", lambda *_args: ["+inc: [unclosed"])
    out = tmp_path / "out"
    with pytest.raises(DigWriteError) as info:
        write_dig_files(wf, out)
    assert info.value.path in (str(out / "main.dig"), str(out / "vars.dig"))
    assert not out.exists() or list(out.iterdir()) == []
