"""Project archives: what goes in (like ``digdag push``) and what may come out safely."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from digrefactor.client import (
    ArchiveError,
    ArchiveTooLarge,
    DigdagIgnore,
    build_archive,
    check_archive_size,
    extract_archive,
    read_archive,
)


def _members(archive: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return {member.name: member for member in tar.getmembers()}


def _write(root: Path, name: str, content: str = "x", mode: int | None = None) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    if mode is not None:
        path.chmod(mode)
    return path


def test_directory_archive_skips_dot_files_and_digdagignore(tmp_path: Path) -> None:
    _write(tmp_path, "main.dig", "+a:\n  echo>: hi\n")
    _write(tmp_path, "scripts/run.sh", "echo hi", mode=0o755)
    _write(tmp_path, "scripts/notes.tmp")
    _write(tmp_path, ".secret")
    _write(tmp_path, ".digdag/status/x")
    _write(tmp_path, "sub/.hidden/file")
    _write(tmp_path, "build/out.bin")
    _write(tmp_path, "data/keep.csv")
    _write(tmp_path, "data/drop.csv")
    _write(tmp_path, ".digdagignore", "# comment\n*.tmp\n/build/\ndata/*.csv\n!data/keep.csv\n")
    members = _members(build_archive(tmp_path))
    assert sorted(members) == ["data/keep.csv", "main.dig", "scripts/run.sh"]
    assert stat.S_IMODE(members["scripts/run.sh"].mode) == 0o755
    assert all(not name.startswith(("/", "./")) for name in members)


def test_symlink_inside_is_kept_as_link_and_outside_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _write(project, "lib/common.sql", "select 1")
    (project / "query.sql").symlink_to("lib/common.sql")
    members = _members(build_archive(project))
    assert members["query.sql"].issym()
    assert members["query.sql"].linkname == "lib/common.sql"

    outside = _write(tmp_path, "outside.txt", "shared")
    (project / "shared.txt").symlink_to(outside)
    with pytest.raises(ArchiveError, match="outside the project"):
        build_archive(project)
    copied = read_archive(build_archive(project, copy_outgoing_symlinks=True))
    assert copied["shared.txt"] == b"shared"


def test_mapping_archive_round_trips(tmp_path: Path) -> None:
    files = {"wf.dig": b"+t:\n  echo>: 1\n", "./sql/a.sql": "select 1", "b/c.txt": b"\x00\xff"}
    archive = build_archive(files)
    assert read_archive(archive) == {
        "wf.dig": b"+t:\n  echo>: 1\n",
        "sql/a.sql": b"select 1",
        "b/c.txt": b"\x00\xff",
    }
    written = extract_archive(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == [
        "b/c.txt",
        "sql/a.sql",
        "wf.dig",
    ]


@pytest.mark.parametrize("name", ["../evil.dig", "/etc/passwd", "a/../../b", ""])
def test_mapping_rejects_unsafe_names(name: str) -> None:
    with pytest.raises(ArchiveError):
        build_archive({name: b"x"})


def _tar(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return buffer.getvalue()


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


@pytest.mark.parametrize(
    ("member", "fragment"),
    [
        (_info("../escape.txt"), "outside the project"),
        (_info("/abs.txt"), "absolute"),
        (_info("link", tarfile.SYMTYPE, "../../etc/passwd"), "leads outside"),
        (_info("link", tarfile.SYMTYPE, "/etc/passwd"), "absolute"),
        (_info("hard", tarfile.LNKTYPE, "../x"), "leads outside"),
        (_info("dev", tarfile.CHRTYPE), "device"),
        (_info("fifo", tarfile.FIFOTYPE), "device"),
    ],
)
def test_extract_refuses_unsafe_entries(
    tmp_path: Path, member: tarfile.TarInfo, fragment: str
) -> None:
    archive = _tar((_info("ok.dig"), b"ok"), (member, b"x"))
    out = tmp_path / "out"
    with pytest.raises(ArchiveError, match=fragment):
        extract_archive(archive, out)
    assert not (out / "ok.dig").exists()  # checked before anything is written
    assert not (tmp_path / "escape.txt").exists()


def test_extract_keeps_modes_without_setuid_and_inside_links(tmp_path: Path) -> None:
    script = _info("bin/run.sh")
    script.mode = 0o4755
    alias = _info("alias.sh", tarfile.SYMTYPE, "bin/run.sh")
    archive = _tar((script, b"#!/bin/sh\n"), (alias, b""))
    out = tmp_path / "out"
    extract_archive(archive, out)
    assert stat.S_IMODE((out / "bin/run.sh").stat().st_mode) == 0o755
    assert os.readlink(out / "alias.sh") == "bin/run.sh"
    assert (out / "alias.sh").read_bytes() == b"#!/bin/sh\n"


def test_size_limit_is_checked_with_a_clear_message() -> None:
    big = build_archive({"big.bin": os.urandom(3 * 1024 * 1024)})
    with pytest.raises(ArchiveTooLarge, match=r"2\.00 MiB \(2097152 bytes"):
        check_archive_size(big)
    check_archive_size(big, limit=8 * 1024 * 1024)
    # Compresses to almost nothing, but the server also limits the extracted size.
    zeros = build_archive({"zeros.bin": bytes(3 * 1024 * 1024)})
    assert len(zeros) < 100_000
    with pytest.raises(ArchiveTooLarge, match=r"zeros\.bin"):
        check_archive_size(zeros)


@pytest.mark.parametrize(
    ("rules", "path", "is_dir", "ignored"),
    [
        ("*.log", "a/b/c.log", False, True),
        ("*.log", "a/b/c.txt", False, False),
        ("/top.txt", "top.txt", False, True),
        ("/top.txt", "sub/top.txt", False, False),
        ("build/", "build", True, True),
        ("build/", "build", False, False),
        ("docs/**/*.md", "docs/a/b/x.md", False, True),
        ("docs/**/*.md", "docs/x.md", False, True),
        ("**/cache", "x/y/cache", True, True),
        ("a?c", "abc", False, True),
        ("[ab].txt", "b.txt", False, True),
        ("[!ab].txt", "b.txt", False, False),
        ("*.csv\n!keep.csv", "keep.csv", False, False),
        ("\\#hash", "#hash", False, True),
    ],
)
def test_digdagignore_matches_gitignore_semantics(
    rules: str, path: str, is_dir: bool, ignored: bool
) -> None:
    assert DigdagIgnore(rules).ignores(path, is_dir=is_dir) is ignored


def test_extra_ignore_patterns_add_to_digdagignore(tmp_path: Path) -> None:
    _write(tmp_path, "main.dig")
    _write(tmp_path, "a.log")
    _write(tmp_path, "notes/todo.md")
    _write(tmp_path, ".digdagignore", "*.log\n")
    names = sorted(_members(build_archive(tmp_path, ignore_patterns=["notes/"])))
    assert names == ["main.dig"]


def _link(name: str, target: str) -> tuple[tarfile.TarInfo, bytes]:
    return _info(name, tarfile.SYMTYPE, target), b""


@pytest.mark.parametrize(
    "links",
    [
        # `s` is the root itself, so `s/s/s/..` is the root's parent: only a lexical check passes
        [_link("s", "."), _link("s2", "s/s/s/..")],
        # a link inside a linked directory, resolved through it
        [_link("d", "."), _link("d/d/e", "../..")],
        # fine when planned, outside once `b/c` (extracted later) turns into a link
        [(_info("b", tarfile.DIRTYPE), b""), _link("a", "b/c/../.."), _link("b/c", ".")],
        # links through links, each step inside
        [_link("s", "."), _link("t", "s/s"), _link("u", "t/t/../..")],
    ],
)
def test_extract_resolves_links_through_other_links(
    tmp_path: Path, links: list[tuple[tarfile.TarInfo, bytes]]
) -> None:
    archive = _tar((_info("ok.dig"), b"ok"), *links)
    out = tmp_path / "out"
    with pytest.raises(ArchiveError, match="outside"):
        extract_archive(archive, out)
    assert not (out / "ok.dig").exists()
    assert sorted(p.name for p in out.iterdir()) == []


def test_extract_resolves_links_through_links_already_in_out_dir(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "pre").symlink_to(tmp_path)  # not from the archive: the user's own link
    archive = _tar(_link("x", "pre/.."))
    with pytest.raises(ArchiveError, match="outside"):
        extract_archive(archive, out)
    assert not (out / "x").is_symlink()


def test_extract_keeps_links_that_stay_inside_through_other_links(tmp_path: Path) -> None:
    archive = _tar(
        (_info("sub/f.dig"), b"f"),
        _link("s", "."),
        _link("s2", "s/s/sub/f.dig"),
        _link("sub/up", "../s/sub/f.dig"),
        _link("sub/root", ".."),
    )
    out = tmp_path / "out"
    extract_archive(archive, out)
    assert (out / "s2").read_bytes() == b"f"
    assert (out / "sub/up").read_bytes() == b"f"
    assert Path(os.path.realpath(out / "sub/root")) == out.resolve()
