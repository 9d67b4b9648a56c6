"""Included files are read once per process while unchanged, and read again once they change.

A fragment that many workflows include is parsed once per run (keyed by path and stat); a
changed, replaced or freshly written fragment is never served from memory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from digrefactor import load_workflow, to_data
from digrefactor.dialect import _resolve as resolve_module
from digrefactor.dialect import clear_include_cache

OLD = time.time() - 3600  # a modification time well outside the racy window


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_include_cache()
    yield
    clear_include_cache()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the included files actually read from disk."""
    seen: list[str] = []
    real = resolve_module.decode_source

    def counting(data: bytes, path: object = None) -> str:
        if str(path).endswith(".yml"):
            seen.append(os.path.basename(str(path)))
        return real(data, path)  # type: ignore[arg-type]

    monkeypatch.setattr(resolve_module, "decode_source", counting)
    return seen


def _project(tmp_path: Path, fragment: str = "_export:\n  k: 1\n") -> Path:
    (tmp_path / "shared.yml").write_text(fragment)
    os.utime(tmp_path / "shared.yml", (OLD, OLD))
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.dig").write_text(f"!include : shared.yml\n+{name}:\n  sh>: x\n")
    return tmp_path


def test_a_shared_fragment_is_read_once(tmp_path: Path, reads: list[str]) -> None:
    root = _project(tmp_path)
    for name in ("a", "b", "c"):
        assert to_data(load_workflow(root / f"{name}.dig"))["_export"] == {"k": 1}
    assert reads == ["shared.yml"]


def test_a_changed_fragment_is_read_again(tmp_path: Path, reads: list[str]) -> None:
    root = _project(tmp_path)
    load_workflow(root / "a.dig")
    # Same size, new content and time: the stat key differs.
    (root / "shared.yml").write_text("_export:\n  k: 2\n")
    os.utime(root / "shared.yml", (OLD + 10, OLD + 10))
    assert to_data(load_workflow(root / "b.dig"))["_export"] == {"k": 2}
    assert reads == ["shared.yml", "shared.yml"]


def test_a_replaced_fragment_is_read_again(tmp_path: Path, reads: list[str]) -> None:
    root = _project(tmp_path)
    load_workflow(root / "a.dig")
    # An atomic replace with the very same size and times: a new inode.
    (root / "new.yml").write_text("_export:\n  k: 3\n")
    os.utime(root / "new.yml", (OLD, OLD))
    os.replace(root / "new.yml", root / "shared.yml")
    assert to_data(load_workflow(root / "b.dig"))["_export"] == {"k": 3}
    assert len(reads) == 2


def test_a_fragment_written_just_now_is_not_kept(tmp_path: Path, reads: list[str]) -> None:
    root = _project(tmp_path)
    (root / "shared.yml").write_text("_export:\n  k: 4\n")  # mtime: now
    load_workflow(root / "a.dig")
    load_workflow(root / "b.dig")
    assert reads == ["shared.yml", "shared.yml"]


def test_a_fragment_with_includes_of_its_own_is_not_kept(tmp_path: Path, reads: list[str]) -> None:
    root = _project(tmp_path, "!include : inner.yml\n")
    (root / "inner.yml").write_text("_export:\n  k: 5\n")
    os.utime(root / "inner.yml", (OLD, OLD))
    for name in ("a", "b"):
        assert to_data(load_workflow(root / f"{name}.dig"))["_export"] == {"k": 5}
    # The outer fragment is read each time; the leaf it includes only once.
    assert reads == ["shared.yml", "inner.yml", "shared.yml"]


def test_clear_include_cache_forgets(tmp_path: Path, reads: list[str]) -> None:
    root = _project(tmp_path)
    load_workflow(root / "a.dig")
    clear_include_cache()
    load_workflow(root / "b.dig")
    assert reads == ["shared.yml", "shared.yml"]
