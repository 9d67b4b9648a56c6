"""Running a pass over many files: load, edit, write, verify, atomic replace — in parallel.

Every file gives one :class:`~digrefactor.transforms.FileResult`; nothing raises for a bad file.
A changed file's new text is verified (re-parsed: its data tree must equal ``to_data`` of the
edited model) before it is written through a temporary file in the same directory and
``os.replace`` (the file mode is kept). Workers hold one file's model at a time and results are
streamed back as they complete.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import os
import re
import stat
import sys
import traceback
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digrefactor._datatree import raw_equal
from digrefactor._errors import DigError, DigValidationError, DigWriteError
from digrefactor._limits import with_recursion_room
from digrefactor.dialect import expand_includes, include_snapshot, read_problem, read_raw_text
from digrefactor.files import FileList
from digrefactor.parse import file_digest, load_workflow
from digrefactor.syntax import decode_source
from digrefactor.transforms._api import (
    Changed,
    Failed,
    FileResult,
    Pass,
    PassContext,
    PassUsageError,
    SkipFile,
    Skipped,
    Unchanged,
)
from digrefactor.transforms._diff import unified_diff_lines
from digrefactor.transforms._pool import run_in_workers
from digrefactor.transforms._write import render_workflow, verify_workflow_text
from digrefactor.write import atomic_write, check_unchanged

__all__ = [
    "PassRef",
    "apply_pass",
    "load_pass",
    "run_file",
    "run_files",
    "unified_diff",
]


# ------------------------------------------------------------------------------- user passes


@dataclass(frozen=True)
class PassRef:
    """A pass named by reference, ``package.module:callable`` or ``path/to/file.py:callable``.

    Workers rebuild the pass from the reference, so it works with any start method.
    """

    reference: str

    def load(self) -> Pass:
        return load_pass(self.reference)


def load_pass(reference: str) -> Pass:
    """Import the pass *reference* names; raise :class:`PassUsageError` with a clear reason."""
    target, sep, attr = reference.rpartition(":")
    if not sep or not target or not attr:
        raise PassUsageError(
            f"--pass {reference!r}: expected module:callable or path/to/file.py:callable"
        )
    if target.endswith(".py") or "/" in target or os.sep in target:
        path = Path(target)
        if not path.is_file():
            raise PassUsageError(f"--pass {reference!r}: file {target} not found")
        mod_name = f"_digrefactor_pass_{abs(hash(str(path.resolve())))}"
        module = sys.modules.get(mod_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:  # pragma: no cover - .py files always load
                raise PassUsageError(f"--pass {reference!r}: cannot load {target}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            try:
                spec.loader.exec_module(module)
            except (Exception, SystemExit) as exc:
                del sys.modules[mod_name]
                raise PassUsageError(
                    f"--pass {reference!r}: importing {target} raised {type(exc).__name__}: {exc}"
                ) from exc
    else:
        try:
            module = _import_from_here(target)
        except ImportError as exc:
            raise PassUsageError(f"--pass {reference!r}: cannot import {target}: {exc}") from exc
        except (Exception, SystemExit) as exc:
            raise PassUsageError(
                f"--pass {reference!r}: importing {target} raised {type(exc).__name__}: {exc}"
            ) from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise PassUsageError(f"--pass {reference!r}: {target} has no {attr!r}") from None
    if isinstance(obj, type):
        try:
            obj = obj()
        except Exception as exc:
            raise PassUsageError(
                f"--pass {reference!r}: {attr}() raised {type(exc).__name__}: {exc}"
            ) from exc
    if not callable(obj):
        raise PassUsageError(f"--pass {reference!r}: {attr} is not callable")
    return obj  # type: ignore[no-any-return]


def _import_from_here(name: str) -> Any:
    """Import *name* as ``python -m`` would: a package in the current directory is found too
    (an installed console script does not have the current directory on ``sys.path``)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        here = os.getcwd()
        if exc.name != name.partition(".")[0] or here in sys.path or "" in sys.path:
            raise
        sys.path.insert(0, here)  # kept: the pass's own imports and every worker need it too
        return importlib.import_module(name)


# ----------------------------------------------------------------------------------- one file


@dataclass
class _Outcome:
    """An edited workflow and what the pass reported (before writing)."""

    ctx: PassContext
    text: str | None = None
    warnings: list[str] = field(default_factory=list)


def unified_diff(old: str, new: str, old_path: Path, new_path: Path | None = None) -> str:
    """A unified diff of two texts, headed with the file's path(s)."""
    lines = unified_diff_lines(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=str(old_path),
        tofile=str(new_path or old_path),
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


@with_recursion_room
def apply_pass(
    pass_: Pass,
    text: str,
    *,
    path: Path,
    root: Path | None = None,
    diff: bool = True,
    **options: Any,
) -> tuple[FileResult, str]:
    """Run *pass_* on *text* (the file at *path*, which need not exist); nothing is written.

    Returns the result and the new text (the old text unless changed). Used by tests and by
    :func:`run_file`. ``diff=False`` leaves :attr:`Changed.diff` empty (not needed when the
    files are written, and building it costs about as much as reading the file).
    """
    root = root if root is not None else path.parent
    try:
        wf = load_workflow(text, path=path)
    except DigError as exc:
        return Failed(path, exc.with_path(path)), text
    return _edit(pass_, wf, text, path=path, root=root, options=options, diff=diff)


def _edit(
    pass_: Pass,
    wf: Any,
    text: str,
    *,
    path: Path,
    root: Path,
    options: Mapping[str, Any],
    diff: bool = True,
) -> tuple[FileResult, str]:
    ctx = PassContext(path=path, root=root, options=dict(options))
    try:
        pass_(wf, ctx)
    except SkipFile as skip:
        return Skipped(path, skip.reason, tuple(ctx.warnings)), text
    except DigError as exc:
        return Failed(path, exc.with_path(path)), text
    except SystemExit as exc:
        # A pass must not end the process: with -j 1 that would end the whole run silently.
        name = _pass_name(pass_)
        return (
            Failed(
                path,
                DigError(
                    f"pass {name} called sys.exit({exc.code!r}); the file is left as it was",
                    path=path,
                ),
                traceback.format_exc(),
            ),
            text,
        )
    except Exception as exc:
        name = _pass_name(pass_)
        return (
            Failed(
                path,
                DigError(f"pass {name} raised {type(exc).__name__}: {exc}", path=path),
                traceback.format_exc(),
            ),
            text,
        )
    warnings = tuple(ctx.warnings)
    new_path = ctx.new_path
    renamed = new_path is not None and new_path != path
    # The writer returns the original text when the edited model's data equals the file's,
    # and verifies its own output; so an unchanged file costs no extra data-tree comparison.
    seen_after = None
    try:
        new_text = render_workflow(wf)
        if new_text != text or renamed:
            # Changed files are re-loaded like any workflow (Digdag's rules included) and must
            # mean exactly what the edited model means.
            seen_after = verify_workflow_text(new_text, wf, path=new_path or path)
    except DigError as exc:
        if isinstance(exc, DigWriteError):
            return Failed(path, exc.with_path(path)), text
        return Failed(path, DigWriteError(exc.message, path=path, line=exc.line)), text
    except Exception as exc:
        return (
            Failed(
                path,
                DigWriteError(
                    f"the edited model cannot be written ({type(exc).__name__}: {exc})", path=path
                ),
                traceback.format_exc(),
            ),
            text,
        )
    if new_text == text and not renamed:
        return Unchanged(path, warnings), text
    # With includes, an edit can land on a key an !include overrides: say so when the text
    # changes but what Digdag sees (the tree just verified) does not.
    if "!include" in text and raw_equal(seen_after, _digdag_view(text, path)):
        warnings += (
            "the edit changes the file but not what Digdag runs: an !include overrides the "
            "edited keys (edit the included file instead)",
        )
    text_diff = unified_diff(text, new_text, path, new_path) if diff else ""
    return Changed(path, text_diff, warnings, new_path if renamed else None), new_text


def _digdag_view(text: str, path: Path) -> Any:
    """What Digdag sees in *text* as the file *path* (includes expanded), if it loads."""
    try:
        return expand_includes(read_raw_text(text, str(path)), share=True)
    except (DigError, ValueError):
        return None


def _pass_name(pass_: Pass) -> str:
    name = getattr(pass_, "name", None)
    if isinstance(name, str) and name:
        return name
    qual = getattr(pass_, "__qualname__", None) or type(pass_).__qualname__
    return str(qual)


@with_recursion_room
def run_file(
    path: Path,
    pass_: Pass,
    *,
    root: Path | None = None,
    options: Mapping[str, Any] | None = None,
    write: bool = True,
    diff: bool = True,
) -> FileResult:
    """Run *pass_* on one file; write it (atomically) when changed and *write* is true.

    The file is read once; right before it is replaced it must still hold what was read,
    otherwise the result is a :class:`~digrefactor.DigConflictError` failure and the file keeps
    its newer content.
    """
    path = Path(path)
    root = root if root is not None else path.parent
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Failed(path, DigError(f"cannot read file: {read_problem(exc)}", path=path))
    try:
        text = decode_source(data, path)
        wf = load_workflow(text, path=path)
    except DigError as exc:
        return Failed(path, exc.with_path(path))
    except Exception as exc:  # a bug below us: report it, keep going
        return Failed(
            path,
            DigError(f"internal error while loading ({type(exc).__name__}: {exc})", path=path),
            traceback.format_exc(),
        )
    result, new_text = _edit(
        pass_, wf, text, path=path, root=root, options=options or {}, diff=diff
    )
    if write and isinstance(result, Changed):
        try:
            _write_result(path, result, new_text, file_digest(data))
        except DigError as exc:
            return Failed(path, exc.with_path(path))
        except OSError as exc:
            return Failed(path, DigError(f"cannot write file: {exc.strerror or exc}", path=path))
        except BaseException as stop:
            # A stop (Ctrl-C, a worker told to end) takes effect once a write is done: when
            # the new text is in place, the stop carries the result, so the file is counted.
            if _holds(result.new_path or path, new_text):
                stop.finished = result  # type: ignore[attr-defined]
            raise
    return result


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_bytes() == text.encode("utf-8")
    except (OSError, UnicodeEncodeError):
        return False


def _write_result(path: Path, result: Changed, new_text: str, read: bytes) -> None:
    """Write a changed file; *read* is the digest of what it held when it was read."""
    if result.new_path is None:
        atomic_write(path, new_text, expect=read)
        return
    if result.new_path.exists():
        raise DigError(f"cannot rename: {result.new_path} already exists", path=path)
    check_unchanged(path, read)
    atomic_write(result.new_path, new_text, like=path, create=True)
    try:
        check_unchanged(path, read)  # edited while the new file was written: keep the edit
    except DigError:
        result.new_path.unlink()
        raise
    path.unlink()


# --------------------------------------------------------------------------------- many files

_WORKER: dict[str, Any] = {}

#: Seconds one file may take in a worker process before the worker is stopped and the file
#: reported as failed (a user's pass that hangs); ``None`` waits forever.
DEFAULT_TIMEOUT = 120.0


def _init_worker(
    pass_: Pass | PassRef,
    options: Mapping[str, Any],
    write: bool,
    snapshot: Mapping[str, bytes] | None = None,
    diff: bool = True,
) -> None:
    _WORKER["pass"] = pass_.load() if isinstance(pass_, PassRef) else pass_
    _WORKER["options"] = options
    _WORKER["write"] = write
    _WORKER["snapshot"] = snapshot or {}
    _WORKER["diff"] = diff


def _work(item: tuple[str, str]) -> FileResult:
    path, root = Path(item[0]), Path(item[1])
    try:
        with include_snapshot(_WORKER["snapshot"]):
            return run_file(
                path,
                _WORKER["pass"],
                root=root,
                options=_WORKER["options"],
                write=_WORKER["write"],
                diff=_WORKER["diff"],
            )
    except Exception as exc:  # pragma: no cover - run_file reports everything it can
        return Failed(
            path,
            DigError(f"internal error ({type(exc).__name__}: {exc})", path=path),
            traceback.format_exc(),
        )


def _lost(item: tuple[str, str], reason: str, pid: int) -> FileResult:
    """The result of a file whose worker died or timed out (and the temp files it left)."""
    path = Path(item[0])
    if pid:
        for directory in {path.parent, Path(os.path.realpath(path)).parent}:
            for leftover in directory.glob(f".*.{pid}.*.tmp"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
    return Failed(
        path,
        DigError(f"{reason}; the file was left as it was or fully written", path=path),
    )


def run_files(
    files: Iterable[tuple[Path, Path]],
    pass_: Pass | PassRef,
    *,
    options: Mapping[str, Any] | None = None,
    write: bool = True,
    jobs: int | None = None,
    isolate: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
    diff: bool = True,
    late: list[FileResult] | None = None,
) -> Generator[FileResult, None, None]:
    """Run a pass over ``(path, root)`` pairs; yield results in file order as they complete.

    ``jobs`` is the number of worker processes (default: every core); 1 runs in this process
    unless *isolate* is true. In worker processes a file taking more than *timeout* seconds,
    or whose worker dies (``os._exit`` or a crash in a pass, the out-of-memory killer), fails
    on its own and the run goes on. The pass (or the :class:`PassRef` to rebuild it) must be
    picklable for worker processes unless the start method is ``fork``.

    The result does not depend on ``jobs``: ``!include`` of a file that this run may edit
    reads the file as it was before the run started, in every worker and at any moment.
    ``diff=False`` leaves :attr:`Changed.diff` empty. When the run ends early (Ctrl-C, or
    the caller stops iterating), the results of files done but not yet yielded — a worker
    finishes a write before it stops — are appended to *late*, so a summary counts them.
    """
    # A compact copy (strings): a run over many thousands of files should not hold, nor hand
    # to every forked worker, thousands of Path objects (the memory a run needs stays flat).
    if isinstance(files, FileList):
        items = files.strings()
    else:
        items = [(os.fspath(path), os.fspath(root)) for path, root in files]
    del files
    included = _included_by(path for path, _ in items)
    # Only a file named like an included one, or a link, can be one (realpath costs a system
    # call per path component, and this runs before any worker starts).
    names = {os.path.basename(target) for target in included}
    in_run = {
        os.path.realpath(path)
        for path, _ in items
        if included and (os.path.basename(path) in names or os.path.islink(path))
    }
    snapshot: dict[str, bytes] = {}
    for target in included & in_run:
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.stat(target).st_mode):
                snapshot[target] = Path(target).read_bytes()
    unreported: list[FileResult] = []
    try:
        for result in _run(
            items,
            pass_,
            options=options,
            write=write,
            jobs=jobs,
            isolate=isolate,
            timeout=timeout,
            snapshot=snapshot,
            diff=diff,
            late=unreported,
        ):
            yield _as_fragment(result, included)
    finally:
        if late is not None:
            late.extend(_as_fragment(result, included) for result in unreported)


def _as_fragment(result: FileResult, included: set[str]) -> FileResult:
    if (
        isinstance(result, Failed)
        and isinstance(result.error, DigValidationError)
        and os.path.realpath(result.path) in included
    ):
        # Valid YAML that another file here includes: a fragment, not a workflow.
        return Skipped(result.path, "an !include fragment of another file, not a workflow")
    return result


#: `!include : path` in block style (a line of its own) or flow style (after `{` or `,`).
_INCLUDE = re.compile(
    r"""(?:^[ \t]*|[{,][ \t]*)!include[ \t]+:[ \t]*"""
    r"""(?:'([^'\n]*)'|"([^"\n]*)"|([^\s#,{}\[\]][^#,{}\[\]\n]*?))[ \t]*(?=$|#|,|})""",
    re.MULTILINE,
)


def _included_by(paths: Iterable[str]) -> set[str]:
    """Real paths of the files that the given files name in `!include : path` directives."""
    out: set[str] = set()
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if b"!include" not in data:
            continue
        for m in _INCLUDE.finditer(data.decode("utf-8", errors="replace")):
            target = m.group(1) or m.group(2) or m.group(3) or ""
            out.add(os.path.realpath(os.path.join(os.path.dirname(path), target)))
    return out


def _run(
    items: list[tuple[str, str]],
    pass_: Pass | PassRef,
    *,
    options: Mapping[str, Any] | None,
    write: bool,
    jobs: int | None,
    isolate: bool,
    timeout: float | None,
    snapshot: Mapping[str, bytes],
    diff: bool,
    late: list[FileResult],
) -> Iterator[FileResult]:
    options = dict(options or {})
    jobs = jobs if jobs is not None and jobs > 0 else (os.cpu_count() or 1)
    jobs = min(jobs, len(items))
    if jobs <= 1 and not isolate:
        _init_worker(pass_, options, write, snapshot, diff)
        try:
            for item in items:
                yield _work(item)
        finally:
            _WORKER.clear()
        return
    # Forked workers share this process's memory until either side writes to it; the cyclic
    # garbage collector writes to every object it scans, which would copy those pages into
    # every process, the more the longer the run. Frozen objects are never scanned.
    gc.freeze()
    try:
        # Results are small (diffs); models stay in the workers.
        yield from run_in_workers(
            items,
            _work,
            jobs=max(jobs, 1),
            lost=_lost,
            init=_init_worker,
            init_args=(pass_, options, write, snapshot, diff),
            timeout=timeout,
            late=late,
        )
    finally:
        gc.unfreeze()
