"""Which paths ``discover_files`` hands out: regular files (or links to them) only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from digrefactor.files import NotARegularFileError, discover_files

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")


def test_walk_takes_regular_files_and_links_to_them_but_not_fifos(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "real.dig").write_text("+a:\n  sh>: x\n")
    os.mkfifo(elsewhere / "pipe")
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "a.dig").write_text("+a:\n  sh>: x\n")
    (project / "link.dig").symlink_to(elsewhere / "real.dig")
    os.mkfifo(project / "fifo.dig")
    os.mkfifo(project / "sub" / "deep.dig")
    (project / "lfifo.dig").symlink_to(elsewhere / "pipe")
    found = [p.name for p, _ in discover_files([project])]
    assert found == ["a.dig", "link.dig"]


def test_a_fifo_given_explicitly_is_refused_before_anything_is_yielded(tmp_path: Path) -> None:
    (tmp_path / "a.dig").write_text("+a:\n  sh>: x\n")
    os.mkfifo(tmp_path / "x.dig")
    with pytest.raises(NotARegularFileError, match=r"x\.dig: not a regular file"):
        discover_files([tmp_path / "a.dig", tmp_path / "x.dig"])
    # a missing path is still handed on (its reader reports it), a directory is walked
    missing = tmp_path / "gone.dig"
    assert [p for p, _ in discover_files([missing, tmp_path])] == [missing, tmp_path / "a.dig"]


def test_files_come_in_path_order(tmp_path: Path) -> None:
    # Files of a directory and of its subdirectories interleave by name, as Paths sort.
    for rel in ("a.dig", "b/x.dig", "c.dig", "b-c.dig", "b/a/y.dig", "ab/z.dig"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("+t:\n  sh>: x\n")
    found = [p for p, _ in discover_files([tmp_path])]
    assert found == sorted(found)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.dig",
        "ab/z.dig",
        "b/a/y.dig",
        "b/x.dig",
        "b-c.dig",
        "c.dig",
    ]


def test_file_list_keeps_strings_and_gives_paths(tmp_path: Path) -> None:
    from digrefactor.files import FileList

    pairs = [(tmp_path / "a.dig", tmp_path), (tmp_path / "b" / "c.dig", tmp_path)]
    files = FileList(iter(pairs))
    assert len(files) == 2 and list(files) == pairs and files[1] == pairs[1]
    assert list(files[:1]) == pairs[:1]
    assert files.strings() == [(str(p), str(r)) for p, r in pairs]
