"""Writing workflows and projects to disk: lossless when there is a source, atomic always."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from digrefactor._datatree import tree_fingerprint
from digrefactor._errors import DigWriteError
from digrefactor.export._emit import export_workflow
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.write._verify import verify_workflow_file
from digrefactor.write._writer import rewrite_text

__all__ = [
    "AtomicWrites",
    "atomic_write",
    "project_files",
    "save_project",
    "save_workflow",
    "write_workflow",
]

# save_workflow / save_project verify with verify_workflow_file before every write.


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


def atomic_write(path: str | Path, text: str | bytes, *, like: str | Path | None = None) -> None:
    """Replace *path* with *text* through a temp file in the same directory and a rename.

    The file keeps its permission bits (or takes those of *like*, e.g. the file it replaces
    under a new name); on any error the original is untouched. Durable when it returns (see
    :class:`AtomicWrites`, which this is for one file).
    """
    batch = AtomicWrites()
    batch.add(path, text, like=like)
    for error in batch.commit().values():
        raise error


class AtomicWrites:
    """Atomic replacement of many files, with the syncs of all of them overlapped.

    :meth:`add` writes each new content to a temporary file beside its target (the original is
    not touched) and starts syncing it in the background; :meth:`commit` then

    1. waits until every temporary file is synced (the syncs run concurrently, while the
       caller went on with its next file, and the filesystem groups them into few journal
       commits: one after the other, each would wait for a commit of its own),
    2. renames each over its target, only once its own sync has returned,
    3. fsyncs each directory once, so that the renames are on disk when commit returns.

    Why a crash loses neither the old nor the new content: a rename (atomic in POSIX) is the
    only step that changes what a name refers to, and it only ever swaps one complete, synced
    file for another; before it the name holds the old content, after it the new, durably. A
    crash before step 3 may undo some renames, which leaves those names with their old
    content; it never leaves a name empty or half written. A crash may leave ``.NAME.*.tmp``
    files beside their targets, and nothing else. ``docs/codemods.md`` says so for users.
    """

    def __init__(self) -> None:
        # path as given, file replaced, temporary file, its descriptor, its sync in progress
        self._pending: list[tuple[Path, Path, str, int, Future[OSError | None]]] = []

    def add(self, path: str | Path, text: str | bytes, *, like: str | Path | None = None) -> None:
        """Write the new content of *path* to its temporary file (raises on failure)."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        target = Path(path)
        try:
            st = os.lstat(target)
            if stat.S_ISLNK(st.st_mode):
                # Write through a symlink to the file it names (as an editor does): replacing
                # the link itself would silently split the project from the file it shares.
                target = Path(os.path.realpath(target))
                st = os.stat(target)
            mode = (st if like is None else os.stat(like)).st_mode & 0o7777
        except FileNotFoundError:
            if like is not None:
                mode = os.stat(like).st_mode & 0o7777
            else:
                # A new file gets what open() would give it (0666 less the umask), not
                # mkstemp's 0600.
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self._pending.append((Path(path), target, tmp, fd, _sync_pool().submit(_fsync, fd)))

    def commit(self) -> dict[Path, OSError]:
        """Wait for the syncs, rename, sync the directories; the files that could not be
        replaced (each left untouched, its temporary file removed), by the path given to
        :meth:`add`."""
        pending, self._pending = self._pending, []
        errors: dict[Path, OSError] = {}
        renamed: set[str] = set()
        for given, target, tmp, fd, sync in pending:
            sync_error = sync.result()
            os.close(fd)
            try:
                if sync_error is not None:
                    raise sync_error
                os.replace(tmp, target)
                renamed.add(str(target.parent))
            except OSError as exc:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                errors[given] = exc
        dir_fds = []
        for directory in sorted(renamed):
            with contextlib.suppress(OSError):
                dir_fds.append(os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)))
        # A directory that cannot be synced (some filesystems refuse) keeps the renames in
        # memory only until the next writeback: never a loss, only a later durability point.
        for sync in [_sync_pool().submit(_fsync, fd) for fd in dir_fds]:
            sync.result()
        for fd in dir_fds:
            os.close(fd)
        return errors

    def abort(self) -> None:
        """Drop every file added and not committed (originals untouched)."""
        pending, self._pending = self._pending, []
        for _, _, tmp, fd, sync in pending:
            sync.result()
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _fsync(fd: int) -> OSError | None:
    try:
        os.fsync(fd)
    except OSError as exc:
        return exc
    return None


_SYNC_POOL: tuple[int, ThreadPoolExecutor] | None = None


def _sync_pool() -> ThreadPoolExecutor:
    """This process's sync threads (made on first use; a forked child makes its own)."""
    global _SYNC_POOL
    if _SYNC_POOL is None or _SYNC_POOL[0] != os.getpid():
        _SYNC_POOL = (os.getpid(), ThreadPoolExecutor(16, thread_name_prefix="digrefactor-sync"))
    return _SYNC_POOL[1]


def save_workflow(workflow: Workflow, path: str | Path | None = None) -> bool:
    """Write *workflow* to *path* (default: where it was loaded from) if its text changed.

    Returns True when the file was written.
    """
    target = Path(path) if path is not None else workflow.path
    if target is None:
        raise DigWriteError(f"workflow {workflow.name!r} has no path; pass one to save_workflow")
    text = write_workflow(workflow)
    link = workflow._source
    if link is not None and target == workflow.path and text == link.text:
        return False
    if target.exists() and target.read_bytes() == text.encode("utf-8"):
        return False
    verify_workflow_file(text, workflow, target)
    atomic_write(target, text)
    return True


def project_files(project: WorkflowProject) -> dict[str, bytes]:
    """Every file of the project by POSIX path: ``<name>.dig`` per workflow plus other files."""
    out: dict[str, bytes] = dict(project.files)
    for wf in project.workflows:
        out[f"{wf.name}.dig"] = write_workflow(wf).encode("utf-8")
    return out


def save_project(project: WorkflowProject, directory: str | Path | None = None) -> list[Path]:
    """Write the project's files whose content changed (atomically); returns those written.

    Loaded workflows are rewritten losslessly; files nobody changed stay byte-identical.
    """
    root = Path(directory) if directory is not None else project.path
    if root is None:
        raise DigWriteError(f"project {project.name!r} has no directory; pass one to save_project")
    written: list[Path] = []

    def put(target: Path, data: bytes, workflow: Workflow | None = None) -> None:
        if target.exists() and target.read_bytes() == data:
            return
        if workflow is not None:
            verify_workflow_file(data.decode("utf-8"), workflow, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
        written.append(target)

    # Other files first: workflows are verified against the files they include.
    for rel, data in project.files.items():
        put(root.joinpath(*rel.split("/")), data)
    for wf in project.workflows:
        put(root / f"{wf.name}.dig", write_workflow(wf).encode("utf-8"), wf)
    return written
