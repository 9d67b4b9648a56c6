"""Writing workflows and projects to disk: lossless when there is a source, atomic always."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digrefactor._datatree import tree_fingerprint
from digrefactor._errors import DigConflictError, DigError, DigWriteError
from digrefactor._limits import with_recursion_room
from digrefactor.export import export_workflow
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.parse import SourceLink, file_digest
from digrefactor.write._verify import verify_workflow_file
from digrefactor.write._writer import rewrite_text

__all__ = [
    "atomic_write",
    "check_unchanged",
    "encode_text",
    "read_regular",
    "save_project",
    "save_workflow",
    "write_workflow",
]

# save_workflow / save_project verify with verify_workflow_file before every write.


@with_recursion_room
def write_workflow(workflow: Workflow, *, verify: bool = True) -> str:
    """The workflow's `.dig` text.

    A loaded workflow returns its file's original text when unedited, and otherwise the
    original changed only where the edit requires (verified by re-reading). A workflow built
    in code is exported fresh with :func:`export_workflow`. ``verify=False`` is only for
    callers that check the text themselves with :func:`verify_workflow_file` (a stricter check;
    the codemod runner does) and would otherwise parse it twice.
    """
    link = workflow._source
    if link is None:
        return export_workflow(workflow)
    new_raw = workflow.to_raw()
    if link.fingerprint is not None and tree_fingerprint(new_raw) == link.fingerprint:
        return str(link.text)  # unedited: the file already reads as this tree
    return rewrite_text(link.doc, new_raw, verify=verify)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"  # pragma: no cover - every other kind is listed above


def read_regular(path: str | Path) -> bytes | None:
    """The bytes of *path*, ``None`` when it does not exist; never opens a FIFO or a device.

    Raises :class:`DigWriteError` when *path* is not a regular file (or a link to one), so a
    write never replaces a device node or blocks forever on a FIFO.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DigWriteError(f"cannot write: {exc.strerror or exc}", path=path) from None
    if not stat.S_ISREG(mode):
        raise DigWriteError(f"cannot write: the target is {_kind(mode)}", path=path)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise DigWriteError(f"cannot write: {exc.strerror or exc}", path=path) from None


def check_unchanged(path: str | Path, expect: bytes, *, shown: str | Path | None = None) -> None:
    """Raise :class:`DigConflictError` unless *path* still holds content of digest *expect*."""
    try:
        mode = os.stat(path).st_mode
        current = Path(path).read_bytes() if stat.S_ISREG(mode) else None
    except FileNotFoundError:
        current = None
        what = "was deleted"
    except OSError as exc:
        raise DigWriteError(f"cannot write: {exc.strerror or exc}", path=shown or path) from None
    else:
        what = "changed on disk"
    if current is None or file_digest(current) != expect:
        raise DigConflictError(
            f"conflict: the file {what} after it was read; it was left as it is now "
            "(run again to edit the new content)",
            path=shown or path,
        )


def encode_text(text: str, path: str | Path | None = None) -> bytes:
    """*text* as UTF-8; a lone surrogate (possible in Python strings only) is a located error."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        before = text[: exc.start]
        line = before.count("\n") + 1
        column = exc.start - (before.rfind("\n") + 1) + 1
        raise DigWriteError(
            f"cannot write lone surrogate U+{ord(text[exc.start]):04X}: it is not a character "
            "and has no UTF-8 form",
            path=path,
            line=line,
            column=column,
        ) from None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block is done: a temp file is always renamed or removed
    (an interrupt then arrives right after, as usual)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def atomic_write(
    path: str | Path,
    text: str | bytes,
    *,
    like: str | Path | None = None,
    expect: bytes | None = None,
    create: bool = False,
) -> None:
    """Replace *path* with *text* through a temp file in the same directory and a rename.

    The file keeps its permission bits (or takes those of *like*, e.g. the file it replaces
    under a new name); on any error the original is untouched. A target that exists but is not
    a regular file (a directory, FIFO, device) is refused with :class:`DigWriteError`.

    *expect* is the :func:`~digrefactor.parse.file_digest` of what the file held when it was
    read: right before the rename the file is read again, and when it holds anything else (a
    user saved it, another run edited it) nothing is replaced and :class:`DigConflictError` is
    raised, so the newer content stays. ``create=True`` writes a new file only: when *path*
    exists by the time of the rename, that is a :class:`DigConflictError` too.
    """
    # Write through a symlink to the file it names (as an editor does): replacing the link
    # itself would silently split the project from the file it shares. Only a link needs
    # resolving (realpath costs a system call per path component, on every file written).
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    data = encode_text(text, path) if isinstance(text, str) else text
    existing_mode = _target_mode(target, path)
    try:
        mode: int | None = Path(like).stat().st_mode & 0o7777 if like is not None else existing_mode
    except FileNotFoundError:
        mode = None
    if mode is None:
        # A new file gets what open() would give it (0666 less the umask), not mkstemp's 0600.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with _signals_held():
        try:
            # The pid names the writer, so a run whose worker died can clean up after it.
            fd, tmp = tempfile.mkstemp(
                prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent
            )
        except FileNotFoundError:
            raise DigWriteError(
                f"cannot write: directory {target.parent} does not exist", path=path
            ) from None
        except OSError as exc:
            raise DigWriteError(f"cannot write: {exc.strerror or exc}", path=path) from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            if expect is not None:
                check_unchanged(target, expect, shown=path)
            if create:
                _create_from(tmp, target, path)
            else:
                os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise DigWriteError(f"cannot write: {exc.strerror or exc}", path=path) from None
            raise


def _create_from(tmp: str, target: Path, shown: str | Path) -> None:
    """Move *tmp* to *target* unless *target* exists (a hard link is atomic about that)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise DigConflictError(
            f"conflict: {target} appeared while the file was being written; left as it is",
            path=shown,
        ) from None
    except OSError:  # no hard links here (some file systems): check, then rename
        if os.path.lexists(target):
            raise DigConflictError(
                f"conflict: {target} appeared while the file was being written; left as it is",
                path=shown,
            ) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def _target_mode(target: Path, shown: str | Path) -> int | None:
    """Permission bits of the existing regular file *target* (None when there is none)."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DigWriteError(f"cannot write: {exc.strerror or exc}", path=shown) from None
    if not stat.S_ISREG(st.st_mode):
        raise DigWriteError(f"cannot write: the target is {_kind(st.st_mode)}", path=shown)
    return st.st_mode & 0o7777


@with_recursion_room
def save_workflow(workflow: Workflow, path: str | Path | None = None) -> bool:
    """Write *workflow* to *path* (default: where it was loaded from) if its text changed.

    Returns True when the file was written. Saving over the file the workflow was read from
    checks that it still holds what was read (:class:`DigConflictError` otherwise).
    """
    target = Path(path) if path is not None else workflow.path
    if target is None:
        raise DigWriteError(f"workflow {workflow.name!r} has no path; pass one to save_workflow")
    try:
        text = write_workflow(workflow)
    except DigError as exc:
        raise exc.with_path(target) from None
    link = _own_file_link(workflow, target)
    if link is not None and text == link.text:
        return False  # nothing changed since the file was read (or last saved)
    data = encode_text(text, target)
    if read_regular(target) == data:
        return False
    verify_workflow_file(text, workflow, target)
    atomic_write(target, data, expect=link.disk_digest if link is not None else None)
    if link is not None:
        _saved(link, text, data, workflow)
    return True


def _saved(link: SourceLink, text: str, data: bytes, workflow: Workflow) -> None:
    """The workflow's file now holds *text* (verified to read as *workflow*): later edits are
    written relative to it, and a later save checks the file still holds it."""
    link.text = text
    link.fingerprint = tree_fingerprint(workflow.to_raw())
    link.disk_digest = file_digest(data)


def _own_file_link(workflow: Workflow, target: Path) -> SourceLink | None:
    """The workflow's link to the file it was read from, when *target* is that file."""
    link = workflow._source
    if not isinstance(link, SourceLink) or link.disk_digest is None or workflow.path is None:
        return None
    if os.path.realpath(workflow.path) != os.path.realpath(target):
        return None
    return link


@with_recursion_room
def save_project(project: WorkflowProject, directory: str | Path | None = None) -> list[Path]:
    """Write the project's files whose content changed (atomically); returns those written.

    Loaded workflows are rewritten losslessly; files nobody changed stay byte-identical.
    """
    root = Path(directory) if directory is not None else project.path
    if root is None:
        raise DigWriteError(f"project {project.name!r} has no directory; pass one to save_project")
    written: list[Path] = []

    def put(target: Path, data: bytes, workflow: Workflow | None = None) -> None:
        if read_regular(target) == data:
            return
        link = None
        if workflow is not None:
            verify_workflow_file(data.decode("utf-8"), workflow, target)
            link = _own_file_link(workflow, target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DigWriteError(f"cannot write: {exc.strerror or exc}", path=target) from None
        atomic_write(target, data, expect=link.disk_digest if link is not None else None)
        if link is not None and workflow is not None:
            _saved(link, data.decode("utf-8"), data, workflow)
        written.append(target)

    # Other files first: workflows are verified against the files they include.
    for rel, data in project.files.items():
        put(root.joinpath(*rel.split("/")), data)
    for wf in project.workflows:
        wf_path = root / f"{wf.name}.dig"
        put(wf_path, encode_text(write_workflow(wf), wf_path), wf)
    return written
