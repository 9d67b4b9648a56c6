"""Atomic writes in batches: every file synced before its rename, directories synced after.

The fsync policy (docs/codemods.md, "Durability"): a name is only ever switched from one
complete, synced file to another. These tests watch the system calls to check that order, and
that a failure in one file of a batch leaves that file untouched and the others written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from digrefactor.write import AtomicWrites, atomic_write
from digrefactor.write import _save as save_module


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(call, what) for every fsync and rename, in order; fsync names the synced file."""
    seen: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        seen.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))

    def replace(src: str, dst: object) -> None:
        seen.append(("rename", str(src)))
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(save_module.os, "fsync", fsync)
    monkeypatch.setattr(save_module.os, "replace", replace)
    return seen


def test_each_file_is_synced_before_its_rename_and_the_directory_after(
    tmp_path: Path, calls: list[tuple[str, str]]
) -> None:
    paths = [tmp_path / f"w{i}.dig" for i in range(5)]
    for p in paths:
        p.write_text("old\n")
    batch = AtomicWrites()
    for p in paths:
        batch.add(p, f"new {p.name}\n")
    assert all(p.read_text() == "old\n" for p in paths)  # nothing replaced before commit
    assert batch.commit() == {}
    assert [p.read_text() for p in paths] == [f"new {p.name}\n" for p in paths]
    renames = [i for i, (call, _) in enumerate(calls) if call == "rename"]
    for i in renames:
        tmp = calls[i][1]
        synced_at = [j for j, (call, what) in enumerate(calls) if call == "fsync" and what == tmp]
        assert synced_at and synced_at[0] < i, f"{tmp} renamed before it was synced"
    dir_syncs = [j for j, (call, what) in enumerate(calls) if what == str(tmp_path)]
    assert len(dir_syncs) == 1 and dir_syncs[0] > max(renames)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]


def test_a_failed_sync_leaves_that_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = tmp_path / "good.dig", tmp_path / "bad.dig"
    good.write_text("old\n")
    bad.write_text("old\n")
    batch = AtomicWrites()
    batch.add(good, "new\n")
    real_fsync = os.fsync

    def failing(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(tmp_path / ".bad.dig.")):
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(save_module.os, "fsync", failing)
    batch.add(bad, "new\n")
    errors = batch.commit()
    assert list(errors) == [bad]
    assert good.read_text() == "new\n" and bad.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.dig", "good.dig"]


def test_abort_leaves_every_original(tmp_path: Path) -> None:
    path = tmp_path / "w.dig"
    path.write_text("old\n")
    batch = AtomicWrites()
    batch.add(path, "new\n")
    batch.abort()
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["w.dig"]


def test_modes_links_and_new_files(tmp_path: Path) -> None:
    kept = tmp_path / "kept.dig"
    kept.write_text("old\n")
    os.chmod(kept, 0o640)
    link = tmp_path / "link.dig"
    link.symlink_to(kept)
    batch = AtomicWrites()
    batch.add(link, "through the link\n")
    batch.add(tmp_path / "fresh.dig", "new file\n")
    assert batch.commit() == {}
    assert link.is_symlink() and kept.read_text() == "through the link\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.dig").stat().st_mode) == 0o666 & ~umask


def test_atomic_write_is_a_batch_of_one(tmp_path: Path, calls: list[tuple[str, str]]) -> None:
    path = tmp_path / "w.dig"
    atomic_write(path, "content\n")
    assert path.read_text() == "content\n"
    assert [c for c, _ in calls] == ["fsync", "rename", "fsync"]
