"""``convert`` (.dig → Python) and ``export`` (Python → .dig) on the command line.

``digrefactor convert PATH... -o OUT`` writes one module per project directory (or one per
workflow with ``--per-workflow``) and one per `.dig` file given directly. ``digrefactor export
module.py -o DIR`` runs a module and writes the ``project`` (or ``workflow``) it defines.

Exit codes: 0 everything converted/written; 1 some input did not load (reported as
``path:line:col: message``, no output for it) or the module failed; 2 usage errors (a missing
input path or one that is not a regular file or directory included, checked before anything is
written).
"""

from __future__ import annotations

import argparse
import runpy
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from digrefactor._errors import DigError
from digrefactor.convert import ConversionReport, convert, write_dig_files
from digrefactor.convert._build import python_name
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.parse import load_project, load_workflow

__all__ = ["register"]

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``convert`` and ``export`` subcommands."""
    conv = subparsers.add_parser(
        "convert",
        help="convert .dig workflows or project directories to Python",
        description=(
            "Write Python modules that rebuild the workflows with digrefactor's models: one "
            "module per project directory (per workflow with --per-workflow) and one per .dig "
            "file. Comments are carried over; sibling tasks differing only in values become "
            "loops; included files are defined once."
        ),
    )
    conv.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".dig file or project")
    conv.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT",
        help="output directory (or a .py file when there is exactly one module to write)",
    )
    conv.add_argument(
        "--per-workflow",
        action="store_true",
        help="one module per workflow of a project directory",
    )
    conv.add_argument(
        "--no-fold", action="store_true", help="keep every task as its own call (no loops)"
    )
    conv.set_defaults(func=_convert)

    export = subparsers.add_parser(
        "export",
        help="run a Python module and write the .dig files of the project/workflow it defines",
        description=(
            "Run MODULE (a file made by 'digrefactor convert' or written by hand) and write "
            "the `project` or `workflow` object it defines as .dig files into DIR."
        ),
    )
    export.add_argument("module", type=Path, metavar="MODULE", help="Python file")
    export.add_argument(
        "-o", "--output", required=True, type=Path, metavar="DIR", help="output directory"
    )
    export.set_defaults(func=_export)


# ------------------------------------------------------------------------------------ convert


def _path_problem(path: Path, *, directory_ok: bool) -> str | None:
    """The one-line usage error for a path that cannot be read as input, else None.

    Same wording as ``check``/``scan``/``codemod``; a FIFO or device is refused because reading
    it would block.
    """
    if not path.exists():
        return f"{path}: no such file or directory"
    if directory_ok and path.is_dir():
        return None
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
    except OSError as err:
        return f"{path}: {err.strerror or err}"
    return None if regular else f"{path}: not a regular file"


def _convert(args: argparse.Namespace) -> int:
    for path in args.paths:
        problem = _path_problem(path, directory_ok=True)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return EXIT_USAGE
    fold = not args.no_fold
    jobs: list[tuple[str, Workflow | WorkflowProject]] = []
    problems = 0
    for path in args.paths:
        if path.is_dir():
            project, errors = _load_project(path)
            for err in errors:
                _report(err)
            problems += len(errors)
            if project is None:
                continue
            if args.per_workflow:
                jobs.extend((wf.name, wf) for wf in project.workflows)
            else:
                jobs.append((project.name, project))
        else:
            try:
                wf = load_workflow(path)
            except DigError as err:
                _report(err)
                problems += 1
                continue
            jobs.append((wf.name, wf))

    out: Path = args.output
    single_file = out.suffix == ".py"
    if single_file and len(jobs) > 1:
        print(
            f"error: {out} names one file but there are {len(jobs)} modules to write; "
            "give a directory",
            file=sys.stderr,
        )
        return EXIT_USAGE
    taken: set[str] = set()
    written = 0
    for name, obj in jobs:
        try:
            report = convert(obj, fold_loops=fold)
        except (DigError, ValueError, TypeError) as err:
            print(f"{_where(obj)}: cannot convert: {err}", file=sys.stderr)
            problems += 1
            continue
        target = out if single_file else out / f"{_module_name(name, taken)}.py"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(report.source, encoding="utf-8")
        except OSError as err:
            print(f"error: cannot write {target}: {err.strerror}", file=sys.stderr)
            return EXIT_USAGE
        written += 1
        print(f"{target}{_summary(report)}")
    if problems:
        print(f"{problems} input(s) could not be converted", file=sys.stderr)
    return EXIT_PROBLEM if problems else EXIT_OK


def _load_project(path: Path) -> tuple[WorkflowProject | None, list[DigError]]:
    """The project, or every workflow error in it (a project with errors is not converted)."""
    # Loading would block reading a FIFO named *.dig: refuse the project before that.
    blocked = [
        DigError("not a regular file", path=dig)
        for dig in sorted(path.glob("*.dig"))
        if _path_problem(dig, directory_ok=False) is not None
    ]
    if blocked:
        return None, blocked
    try:
        return load_project(path), []
    except DigError as first:
        errors: list[DigError] = []
        for dig in sorted(path.glob("*.dig")):
            try:
                load_workflow(dig)
            except DigError as err:
                errors.append(err)
        return None, errors or [first]


def _module_name(name: str, taken: set[str]) -> str:
    base = python_name(name, fallback="workflow")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _summary(report: ConversionReport) -> str:
    parts = []
    if report.folds:
        parts.append(f"{report.folds} loop(s) for {report.calls_folded} tasks")
    if report.includes:
        parts.append(f"{report.includes} include(s), {report.includes_reused} shared")
    if report.comments_unplaced:
        parts.append(f"{report.comments_unplaced} comment(s) moved to the top")
    return f" ({'; '.join(parts)})" if parts else ""


def _where(obj: Workflow | WorkflowProject) -> str:
    path = obj.path
    return str(path) if path is not None else obj.name


def _report(err: DigError) -> None:
    print(str(err), file=sys.stderr)


# ------------------------------------------------------------------------------------- export


def _export(args: argparse.Namespace) -> int:
    module: Path = args.module
    problem = _path_problem(module, directory_ok=False)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        namespace = runpy.run_path(str(module), run_name="__digrefactor_export__")
    except SyntaxError as err:
        print(f"{module}:{err.lineno}:{err.offset}: {err.msg}", file=sys.stderr)
        return EXIT_PROBLEM
    except Exception as err:  # the module is user code: any failure is its problem, not ours
        print(f"{module}: error: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_PROBLEM
    target = _exported_object(namespace)
    if target is None:
        print(
            f"{module}: error: defines no `project` (WorkflowProject) or `workflow` (Workflow)",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    try:
        paths = write_dig_files(target, args.output)
    except DigError as err:
        _report(err)
        return EXIT_PROBLEM
    except OSError as err:
        print(f"error: cannot write into {args.output}: {err.strerror}", file=sys.stderr)
        return EXIT_USAGE
    for path in paths:
        print(path)
    return EXIT_OK


def _exported_object(namespace: dict[str, object]) -> Workflow | WorkflowProject | None:
    project = namespace.get("project")
    if isinstance(project, WorkflowProject):
        return project
    workflow = namespace.get("workflow")
    if isinstance(workflow, Workflow):
        return workflow
    return None
