"""Atomic writes: the temporary file is synced before it is renamed over the original.

The fsync policy (docs/codemods.md, "Durability"): a name is only ever switched from one
complete, synced file to another. These tests watch the system calls to check that order.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from digrefactor.write import _save as save_module
from digrefactor.write import atomic_write


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


def test_the_new_content_is_synced_before_the_rename(
    tmp_path: Path, calls: list[tuple[str, str]]
) -> None:
    path = tmp_path / "w.dig"
    path.write_text("old\n")
    atomic_write(path, "new\n")
    assert path.read_text() == "new\n"
    assert [c for c, _ in calls] == ["fsync", "rename"]
    (_, synced), (_, renamed) = calls
    assert synced == renamed and Path(renamed).parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == ["w.dig"]
