"""Project archives: build the tar.gz Digdag's ``PUT /api/projects`` expects, extract one safely.

Building from a directory follows Digdag's CLI (``Archiver.java`` + ``ProjectArchive.listFiles``):
names starting with ``.`` are skipped at every level, ``.digdagignore`` (gitignore syntax, read
from the project root) prunes files and whole directories, regular files keep their POSIX mode,
symlinks pointing inside the project become symlink entries and symlinks pointing outside are an
error unless ``copy_outgoing_symlinks`` is set (then the target's content is archived).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import tarfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from digrefactor.client._errors import ArchiveError, ArchiveTooLarge
from digrefactor.files import DigdagIgnore, Entry, ProjectFile, walk

#: Digdag's default ``api.max_archive_total_size_limit``: 2 MiB, applied by the server to the
#: uploaded body, to every entry and to the sum of the entries.
DEFAULT_ARCHIVE_SIZE_LIMIT = 2 * 1024 * 1024

ProjectFiles = Mapping[str, bytes | str | ProjectFile]


def normalize_entry_name(name: str) -> str:
    """A safe project-relative entry name, or :class:`ArchiveError`.

    ``./`` prefixes and backslashes are normalised; absolute names, ``..`` components and empty
    names are rejected.
    """
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        raise ArchiveError(f"archive entry {name!r} is an absolute path")
    parts = [part for part in PurePosixPath(unified).parts if part not in ("", ".")]
    if not parts:
        raise ArchiveError(f"archive entry {name!r} has no file name")
    if ".." in parts:
        raise ArchiveError(f"archive entry {name!r} leads outside the project ('..')")
    return "/".join(parts)


@dataclass(frozen=True)
class _Entry:
    name: str
    data: bytes
    mode: int
    mtime: int
    link_target: str | None = None


def _walk_directory(
    project_dir: Path, *, copy_outgoing_symlinks: bool, ignore_patterns: Sequence[str]
) -> Iterator[_Entry]:
    root = project_dir.resolve()
    if not root.is_dir():
        raise ArchiveError(f"{project_dir} is not a directory")
    ignore = DigdagIgnore.of_project(root, ignore_patterns)

    def prune(entry: Entry) -> bool:
        return ignore is not None and ignore.ignores(entry.rel, is_dir=entry.is_dir)

    def raise_error(err: OSError) -> None:
        raise ArchiveError(f"cannot read {err.filename}: {err.strerror}")

    def outgoing(entry: Entry) -> Path | None:
        """The target of a link leading outside the project (None for one inside it)."""
        target = (entry.path.parent / os.readlink(entry.path)).resolve()
        return None if target == root or root in target.parents else target

    def follow(entry: Entry) -> bool:
        return copy_outgoing_symlinks and outgoing(entry) is not None

    for entry in walk(root, prune=prune, follow_links=follow, on_error=raise_error):
        if entry.is_link:
            target = outgoing(entry)
            if target is None:
                link = os.path.relpath(entry.path.resolve(), entry.path.parent)
                mtime = int(entry.path.lstat().st_mtime)
                yield _Entry(entry.rel, b"", 0o777, mtime, link.replace(os.sep, "/"))
                continue
            if not copy_outgoing_symlinks:
                raise ArchiveError(
                    f"invalid symbolic link: {entry.rel} points to {target}, outside the "
                    f"project directory {root}; use copy_outgoing_symlinks=True to archive "
                    "the target's content instead"
                )
        if entry.kind == "file":
            info = entry.path.stat()
            yield _Entry(
                entry.rel, entry.path.read_bytes(), stat.S_IMODE(info.st_mode), int(info.st_mtime)
            )


def _mapping_entries(files: ProjectFiles) -> Iterator[_Entry]:
    now = int(time.time())
    seen: set[str] = set()
    for raw_name in sorted(files):
        name = normalize_entry_name(raw_name)
        if name in seen:
            raise ArchiveError(f"archive entry {name!r} is given twice")
        seen.add(name)
        content = files[raw_name]
        if isinstance(content, ProjectFile):
            yield _Entry(name, content.data, content.mode or 0o644, now)
            continue
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        yield _Entry(name, data, 0o644, now)


def build_archive(
    source: str | os.PathLike[str] | ProjectFiles,
    *,
    copy_outgoing_symlinks: bool = False,
    ignore_patterns: Sequence[str] = (),
) -> bytes:
    """Build a Digdag project archive (gzipped POSIX tar) from a directory or a file mapping.

    A mapping is ``{"wf.dig": b"...", "scripts/x.py": b"..."}``; names are project-relative
    (``str`` values are encoded as UTF-8, files get mode 0644 unless given as a
    :class:`~digrefactor.files.ProjectFile` with its mode). ``ignore_patterns`` are extra
    gitignore-syntax rules applied after the directory's ``.digdagignore``.
    """
    if isinstance(source, Mapping):
        entries = _mapping_entries(source)
    else:
        entries = _walk_directory(
            Path(source),
            copy_outgoing_symlinks=copy_outgoing_symlinks,
            ignore_patterns=ignore_patterns,
        )
    buffer = io.BytesIO()
    # mtime=0 in the gzip header: identical content gives identical bytes.
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.mode = entry.mode
            info.mtime = entry.mtime
            if entry.link_target is not None:
                info.type = tarfile.SYMTYPE
                info.linkname = entry.link_target
                tar.addfile(info)
            else:
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
    return buffer.getvalue()


def check_archive_size(archive: bytes, limit: int = DEFAULT_ARCHIVE_SIZE_LIMIT) -> None:
    """Raise :class:`ArchiveTooLarge` when the server (default limit 2 MiB) would reject it.

    Digdag checks the uploaded size, each entry's size and the sum of entry sizes against the
    same limit (``api.max_archive_total_size_limit``).
    """
    hint = (
        f"Digdag's upload limit is {_human(limit)} ({limit} bytes; server option "
        "api.max_archive_total_size_limit, default 2 MiB); exclude large files with "
        ".digdagignore or pass max_archive_size= if your server allows more"
    )
    if len(archive) > limit:
        raise ArchiveTooLarge(f"the archive is {_human(len(archive))} compressed: {hint}")
    total = 0
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar:
            if member.size > limit:
                raise ArchiveTooLarge(f"{member.name} is {_human(member.size)}: {hint}")
            total += member.size
    if total > limit:
        raise ArchiveTooLarge(f"the archive's files add up to {_human(total)}: {hint}")


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.2f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def read_archive(archive: bytes) -> dict[str, bytes]:
    """The regular files of an archive as ``{name: content}`` (names normalised)."""
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        for member in tar:
            if member.isfile():
                extracted = tar.extractfile(member)
                if extracted is not None:
                    files[normalize_entry_name(member.name)] = extracted.read()
    return files


def extract_archive(archive: bytes, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Extract a project archive into ``out_dir`` refusing anything that could escape it.

    Rejected (nothing is written then): absolute names, ``..`` components, symlinks or hard
    links whose target lies outside ``out_dir``, device files and FIFOs. Link targets are
    resolved like the operating system will, through the archive's other links (as they are
    when extraction ends) and links already in ``out_dir``. Returns the written paths.
    """
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        members = tar.getmembers()
        planned: list[tuple[tarfile.TarInfo, str]] = []
        tree = _PlannedTree(root)
        for member in members:
            name = normalize_entry_name(member.name)
            if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
                raise ArchiveError(f"archive entry {name!r} is a device file or FIFO")
            if member.issym() or member.islnk():
                _check_link(tree, name, member)
            else:
                tree.entry_outside(name)
            tree.add(name, member.linkname.replace("\\", "/") if member.issym() else None)
            planned.append((member, name))
        # Links resolve when used, so check them again against the tree as it will be at the
        # end (a later entry can turn a directory a link passes through into another link).
        for member, name in planned:
            if member.issym():
                _check_link(tree, name, member)
        written: list[Path] = []
        for member, name in planned:
            target = root / name
            _check_inside(root, target.parent, name)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.is_file():
                target.unlink()
            if member.issym():
                os.symlink(member.linkname, target)
                # Backstop against links already in out_dir that the plan could not see.
                if not _inside(root, Path(os.path.realpath(target))):
                    target.unlink()
                    raise ArchiveError(
                        f"archive link {name!r} -> {member.linkname!r} leads outside the project"
                    )
            elif member.islnk():
                source = root / normalize_entry_name(member.linkname)
                _check_inside(root, source, name)
                target.write_bytes(source.read_bytes())
            else:
                extracted = tar.extractfile(member)
                target.write_bytes(extracted.read() if extracted is not None else b"")
                # No setuid/setgid/sticky bits from a downloaded archive.
                target.chmod(member.mode & 0o777 or 0o644)
            written.append(target)
    return written


_MAX_LINK_HOPS = 40


class _PlannedTree:
    """The extracted tree as planned so far: which names are links (and to what), which are not.

    Names outside the archive fall back to what ``out_dir`` already holds, so link targets are
    resolved the way the operating system will resolve them, links through links included.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.links: dict[str, str] = {}
        self.plain: set[str] = set()

    def add(self, name: str, link: str | None) -> None:
        if link is None:
            self.links.pop(name, None)
            self.plain.add(name)
        else:
            self.plain.discard(name)
            self.links[name] = link

    def _link_of(self, relative: str) -> str | None:
        if relative in self.links:
            return self.links[relative]
        if relative in self.plain:
            return None
        existing = self.root / relative
        if existing.is_symlink():
            real = Path(os.path.realpath(existing))
            if not _inside(self.root, real):
                return "/"  # an absolute target: outside
            return "/" + real.relative_to(self.root).as_posix() if real != self.root else "/."
        return None

    def resolve(self, start: Sequence[str], path: str) -> list[str] | None:
        """*path* resolved from the directory *start* (both root-relative), None if outside.

        A link target starting with ``/`` here is relative to the root (see ``_link_of``).
        """
        current = list(start)
        pending = path.split("/")
        hops = 0
        while pending:
            part = pending.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not current:
                    return None
                current.pop()
                continue
            link = self._link_of("/".join([*current, part]))
            if link is None:
                current.append(part)
                continue
            hops += 1
            if hops > _MAX_LINK_HOPS:
                return None
            if link.startswith("/"):
                if link == "/":
                    return None
                current = []
            pending = link.split("/") + pending
        return current

    def entry_outside(self, name: str) -> None:
        """Refuse an entry whose directory, through planned links, lies outside the root."""
        parent = name.split("/")[:-1]
        if parent and self.resolve([], "/".join(parent)) is None:
            raise ArchiveError(f"archive entry {name!r} would be written outside the project")


def _check_link(tree: _PlannedTree, name: str, member: tarfile.TarInfo) -> None:
    link = member.linkname.replace("\\", "/")
    if link.startswith("/") or re.match(r"^[A-Za-z]:", link):
        raise ArchiveError(f"archive link {name!r} points to the absolute path {link!r}")
    tree.entry_outside(name)
    # A symlink's target is relative to its directory, a hard link's to the archive root.
    base = tree.resolve([], "/".join(name.split("/")[:-1])) if member.issym() else []
    if base is None or tree.resolve(base, link) is None:
        raise ArchiveError(f"archive link {name!r} -> {link!r} leads outside the project")


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def _check_inside(root: Path, path: Path, name: str) -> None:
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise ArchiveError(f"archive entry {name!r} would be written outside {root}")
