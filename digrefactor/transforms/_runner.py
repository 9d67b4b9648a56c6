"""Running a pass over many files: load, edit, write, verify, atomic replace — in parallel.

Every file gives one :class:`~digrefactor.transforms.FileResult`; nothing raises for a bad file.
A changed file's new text is verified (re-parsed: its data tree must equal ``to_data`` of the
edited model) before it is written through a temporary file in the same directory and
``os.replace`` (the file mode is kept). Workers hold one file's model at a time and results are
streamed back as they complete.
"""

from __future__ import annotations

import difflib
import gc
import importlib
import importlib.util
import multiprocessing
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digrefactor._datatree import raw_equal
from digrefactor._errors import DigError, DigValidationError, DigWriteError
from digrefactor.dialect import expand_includes, read_raw_text
from digrefactor.parse import load_workflow
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
from digrefactor.transforms._files import FileList
from digrefactor.transforms._write import render_workflow, verify_workflow_text
from digrefactor.write import AtomicWrites

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
            except Exception as exc:
                del sys.modules[mod_name]
                raise PassUsageError(
                    f"--pass {reference!r}: importing {target} raised {type(exc).__name__}: {exc}"
                ) from exc
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise PassUsageError(f"--pass {reference!r}: cannot import {target}: {exc}") from exc
        except Exception as exc:
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


# ----------------------------------------------------------------------------------- one file


@dataclass
class _Outcome:
    """An edited workflow and what the pass reported (before writing)."""

    ctx: PassContext
    text: str | None = None
    warnings: list[str] = field(default_factory=list)


def unified_diff(old: str, new: str, old_path: Path, new_path: Path | None = None) -> str:
    """A unified diff of two texts, headed with the file's path(s)."""
    lines = difflib.unified_diff(
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
            # Included files are taken as they are on disk for both sides: another worker may
            # be rewriting one of them in this very run.
            seen_after = verify_workflow_text(new_text, wf, new_path or path, includes="disk")
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


def run_file(
    path: Path,
    pass_: Pass,
    *,
    root: Path | None = None,
    options: Mapping[str, Any] | None = None,
    write: bool = True,
    diff: bool = True,
) -> FileResult:
    """Run *pass_* on one file; write it (atomically) when changed and *write* is true."""
    path = Path(path)
    root = root if root is not None else path.parent
    writes = AtomicWrites() if write else None
    outcome = _run_one(path, pass_, root, options or {}, writes, diff)
    if writes is None:
        return outcome[0]
    return _committed([outcome], writes)[0]


def _run_one(
    path: Path,
    pass_: Pass,
    root: Path,
    options: Mapping[str, Any],
    writes: AtomicWrites | None,
    diff: bool,
) -> tuple[FileResult, Path | None]:
    """One file up to its write: its result, and the old path of a renamed file. The new text
    is added to *writes*, which the caller commits."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Failed(path, DigError(f"cannot read file: {exc.strerror or exc}", path=path)), None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            decode_source(data, path)  # gives the located decoding error
        except DigError as exc:
            return Failed(path, exc), None
        return Failed(path, DigError("invalid UTF-8", path=path)), None  # pragma: no cover
    try:
        wf = load_workflow(text, path=path)
    except DigError as exc:
        return Failed(path, exc.with_path(path)), None
    except Exception as exc:  # a bug below us: report it, keep going
        return (
            Failed(
                path,
                DigError(f"internal error while loading ({type(exc).__name__}: {exc})", path=path),
                traceback.format_exc(),
            ),
            None,
        )
    result, new_text = _edit(pass_, wf, text, path=path, root=root, options=options, diff=diff)
    if writes is None or not isinstance(result, Changed):
        return result, None
    try:
        if result.new_path is not None:
            if result.new_path.exists():
                return (
                    Failed(
                        path,
                        DigError(f"cannot rename: {result.new_path} already exists", path=path),
                    ),
                    None,
                )
            writes.add(result.new_path, new_text, like=path)
            return result, path
        writes.add(path, new_text)
    except OSError as exc:
        return Failed(path, DigError(f"cannot write file: {exc.strerror or exc}", path=path)), None
    return result, None


def _committed(
    outcomes: list[tuple[FileResult, Path | None]], writes: AtomicWrites
) -> list[FileResult]:
    """Commit a batch's writes (one round of syncs): a file whose write failed becomes a
    Failed result, and a renamed file's old name goes once its new one is in place."""
    errors = writes.commit()
    results: list[FileResult] = []
    for result, renamed_from in outcomes:
        if isinstance(result, Changed):
            target = result.new_path if result.new_path is not None else result.path
            try:
                failure = errors.get(target)
                if failure is not None:
                    raise failure
                if renamed_from is not None:
                    renamed_from.unlink()
            except OSError as exc:
                message = f"cannot write file: {exc.strerror or exc}"
                result = Failed(result.path, DigError(message, path=result.path))
        results.append(result)
    return results


# --------------------------------------------------------------------------------- many files

_WORKER: dict[str, Any] = {}
#: Files per batch: a worker commits (syncs) its writes once per batch.
_BATCH = 16


def _init_worker(
    pass_: Pass | PassRef, options: Mapping[str, Any], write: bool, diff: bool = True
) -> None:
    _WORKER["pass"] = pass_.load() if isinstance(pass_, PassRef) else pass_
    _WORKER["options"] = options
    _WORKER["write"] = write
    _WORKER["diff"] = diff


def _work(batch: list[tuple[str, str]]) -> list[FileResult]:
    """A batch of files, each loaded, edited and verified; their writes are committed
    together (AtomicWrites: one round of syncs per batch, not one per file)."""
    writes = AtomicWrites() if _WORKER["write"] else None
    outcomes: list[tuple[FileResult, Path | None]] = []
    for path_str, root_str in batch:
        path, root = Path(path_str), Path(root_str)
        try:
            outcomes.append(
                _run_one(path, _WORKER["pass"], root, _WORKER["options"], writes, _WORKER["diff"])
            )
        except Exception as exc:  # pragma: no cover - _run_one reports everything it can
            error = DigError(f"internal error ({type(exc).__name__}: {exc})", path=path)
            outcomes.append((Failed(path, error, traceback.format_exc()), None))
    if writes is None:
        return [result for result, _ in outcomes]
    return _committed(outcomes, writes)


def run_files(
    files: Iterable[tuple[Path, Path]],
    pass_: Pass | PassRef,
    *,
    options: Mapping[str, Any] | None = None,
    write: bool = True,
    jobs: int | None = None,
    diff: bool = True,
) -> Iterator[FileResult]:
    """Run a pass over ``(path, root)`` pairs; yield results in file order as they complete.

    ``jobs`` is the number of worker processes (default: every core); 1 runs in this process.
    The pass (or the :class:`PassRef` to rebuild it) must be picklable for ``jobs > 1``.
    ``diff=False`` leaves :attr:`Changed.diff` empty. Files are written in batches of up to
    16 per process, each batch with one round of syncs (see :class:`AtomicWrites`).
    """
    # A compact copy (strings): a run over many thousands of files should not hold, nor hand
    # to every forked worker, thousands of Path objects (the memory a run needs stays flat).
    if isinstance(files, FileList):
        items = files.strings()
    else:
        items = [(os.fspath(path), os.fspath(root)) for path, root in files]
    del files
    # Which files the run's files include: read in a thread once the workers are forked (a
    # fork must not copy a busy thread), needed only to tell a fragment's validation failure
    # from a workflow's.
    with ThreadPoolExecutor(1) as scanner:
        scan: list[Future[set[str]]] = []

        def start_scan() -> None:
            scan.append(scanner.submit(_included_by, [path for path, _ in items]))

        results = _run(
            items, pass_, options=options, write=write, jobs=jobs, diff=diff, started=start_scan
        )
        for result in results:
            if (
                isinstance(result, Failed)
                and isinstance(result.error, DigValidationError)
                and os.path.realpath(result.path) in scan[0].result()
            ):
                # Valid YAML that another file here includes: a fragment, not a workflow.
                yield Skipped(result.path, "an !include fragment of another file, not a workflow")
            else:
                yield result


_INCLUDE_LINE = re.compile(
    r"""^\s*!include\s+:\s*(?:'([^']*)'|"([^"]*)"|([^#\s][^#]*?))\s*(?:#.*)?$"""
)


def _included_by(paths: Iterable[str]) -> set[str]:
    """Real paths of the files that the given files name in `!include : path` lines."""
    out: set[str] = set()
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if b"!include" not in data:
            continue
        for line in data.decode("utf-8", errors="replace").splitlines():
            m = _INCLUDE_LINE.match(line)
            if m:
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
    diff: bool,
    started: Callable[[], None] = lambda: None,
) -> Iterator[FileResult]:
    """Results in file order; *started* is called once the workers run."""
    options = dict(options or {})
    jobs = jobs if jobs is not None and jobs > 0 else (os.cpu_count() or 1)
    jobs = min(jobs, len(items))
    size = _BATCH if jobs <= 1 else max(1, min(_BATCH, len(items) // (jobs * 4)))
    batches = [items[i : i + size] for i in range(0, len(items), size)]
    if jobs <= 1:
        _init_worker(pass_, options, write, diff)
        started()
        try:
            for batch in batches:
                yield from _work(batch)
        finally:
            _WORKER.clear()
        return
    ctx = multiprocessing.get_context()
    # Forked workers share this process's memory until either side writes to it; the cyclic
    # garbage collector writes to every object it scans, which would copy all those pages
    # into every process, the more the longer the run. Frozen objects are never scanned.
    gc.freeze()
    try:
        pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(pass_, options, write, diff))
        started()
        try:
            # Ordered (diffs come out in file order); results are small, models stay in workers.
            for results in pool.imap(_work, batches):
                yield from results
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    finally:
        gc.unfreeze()
