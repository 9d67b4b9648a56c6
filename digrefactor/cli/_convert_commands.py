"""``convert`` (.dig → Python) and ``export`` (Python → .dig) on the command line.

``digrefactor convert PATH... -o OUT`` finds every Digdag project at or below each directory
given and writes one package per project, mirroring the tree (one module per workflow with
``--per-workflow``), and one module per `.dig` file given directly. ``digrefactor export
MODULE -o DIR`` runs a module (or package) and writes the ``project`` (or ``workflow``) it
defines; ``--check``/``--diff`` compare DIR with it instead (the drift guard), ``--prune``
removes files it no longer defines.

Exit codes: 0 everything converted/written (export --check: DIR is up to date); 1 some input
did not load (reported as ``path:line:col: message``, no output for it), the module failed,
or ``--check`` found drift; 2 usage errors (a missing input path, one that is not a regular
file or directory, or a directory with no project below it; checked before anything is
written).
"""

from __future__ import annotations

import argparse
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from digrefactor._errors import DigError
from digrefactor.cli._progress import ProgressBar
from digrefactor.convert import (
    ConversionReport,
    DriftReport,
    PackagePlan,
    PackageResult,
    check_dig_files,
    convert,
    convert_package,
    convert_package_per_workflow,
    existing_and_different,
    load_python,
    module_name,
    plan_packages,
    remove_extra_files,
    write_dig_files,
    write_package_markers,
)
from digrefactor.parse import ProjectDir, discover_projects, load_workflow
from digrefactor.write import atomic_write

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
            "Write Python that rebuilds the workflows with digrefactor's models: for every "
            "Digdag project (a directory with top-level .dig files) at or below a directory "
            "given, a package mirroring the tree whose __init__.py defines `project`, with the "
            "project's other files kept in files/ next to it; one module per .dig file given. "
            "Comments are carried over; sibling tasks differing only in values become loops; "
            "included files are defined once."
        ),
    )
    conv.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".dig file or directory")
    conv.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT",
        help="output directory (or a .py file when converting exactly one .dig file)",
    )
    conv.add_argument(
        "--per-workflow",
        action="store_true",
        help="one module per workflow in each project's package (other files are not kept)",
    )
    conv.add_argument(
        "--no-fold", action="store_true", help="keep every task as its own call (no loops)"
    )
    conv.add_argument(
        "--force",
        action="store_true",
        help="overwrite modules and kept files that exist with other content (edited Python!)",
    )
    conv.add_argument("-q", "--quiet", action="store_true", help="only errors and the summary")
    conv.set_defaults(func=_convert)

    export = subparsers.add_parser(
        "export",
        help="run a Python module and write the .dig files it defines (or check them)",
        description=(
            "Run MODULE (a file or package made by 'digrefactor convert', or written by hand) "
            "and write the `project` or `workflow` it defines into DIR: its .dig files, the "
            "files they include and the project's other files. With --check or --diff, write "
            "nothing and compare DIR with what MODULE defines instead."
        ),
    )
    export.add_argument("module", type=Path, metavar="MODULE", help="Python file or package")
    export.add_argument(
        "-o", "--output", required=True, type=Path, metavar="DIR", help="output directory"
    )
    export.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when DIR differs from what MODULE defines",
    )
    export.add_argument(
        "--diff", action="store_true", help="write nothing; print unified diffs of the drift"
    )
    export.add_argument(
        "--prune",
        action="store_true",
        help="remove files of DIR that MODULE no longer defines",
    )
    export.add_argument("-q", "--quiet", action="store_true", help="only errors and drift")
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
    out: Path = args.output
    projects: dict[Path, list[ProjectDir]] = {}
    files: list[Path] = []
    for path in args.paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = discover_projects(path)
        if not found:
            print(
                f"error: {path}: no Digdag project (a directory with top-level .dig files) "
                "at or below it",
                file=sys.stderr,
            )
            return EXIT_USAGE
        projects[path] = found
    if out.suffix == ".py" and (projects or len(files) > 1):
        what = "a project becomes a package" if projects else f"there are {len(files)} modules"
        print(f"error: {out} names one file but {what}; give a directory", file=sys.stderr)
        return EXIT_USAGE

    plans = [plan for base, found in projects.items() for plan in plan_packages(found, base, out)]
    problems = _convert_files(files, out, fold=not args.no_fold, force=args.force)
    if problems < 0:
        return EXIT_USAGE
    results: list[PackageResult] = []
    bar = ProgressBar(len(plans), enabled=sys.stderr.isatty() and not args.quiet)
    try:
        if plans:
            write_package_markers(plans, out)
        for plan in plans:
            result = _convert_project(plan, args)
            results.append(result)
            bar.tick(f"converted {sum(r.ok for r in results)}")
            if result.errors:
                bar.close()
                for err in result.errors:
                    print(str(err), file=sys.stderr)
    except OSError as err:
        bar.close()
        print(f"error: cannot write into {out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_USAGE
    bar.close()
    failed = [r for r in results if not r.ok]
    problems += len(failed)
    if plans:
        workflows = sum(r.workflows for r in results)
        kept = sum(r.kept_files for r in results)
        print(
            f"{len(plans)} project(s) found: {len(plans) - len(failed)} converted "
            f"({workflows} workflows, {kept} other files kept), {len(failed)} not converted",
            file=sys.stderr,
        )
    elif problems:
        print(f"{problems} input(s) could not be converted", file=sys.stderr)
    return EXIT_PROBLEM if problems else EXIT_OK


def _convert_files(files: list[Path], out: Path, *, fold: bool, force: bool) -> int:
    """Convert `.dig` files given directly, one module each; the number that failed, or -1
    when the output cannot be written."""
    problems = 0
    taken: set[str] = set()
    for path in files:
        try:
            wf = load_workflow(path)
            report = convert(wf, fold_loops=fold)
        except DigError as err:
            print(str(err), file=sys.stderr)
            problems += 1
            continue
        except (ValueError, TypeError) as err:
            print(f"{path}: cannot convert: {err}", file=sys.stderr)
            problems += 1
            continue
        target = out if out.suffix == ".py" else out / f"{module_name(wf.name, taken)}.py"
        if not force and existing_and_different({target: report.source.encode("utf-8")}):
            print(f"{target}: exists with other content (--force overwrites it)", file=sys.stderr)
            problems += 1
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, report.source)
        except OSError as err:
            print(f"error: cannot write {target}: {err.strerror or err}", file=sys.stderr)
            return -1
        print(f"{target}{_summary(report)}")
    return problems


def _convert_project(plan: PackagePlan, args: argparse.Namespace) -> PackageResult:
    if not args.per_workflow:
        try:
            result = convert_package(plan, fold_loops=not args.no_fold, overwrite=args.force)
        except (ValueError, TypeError) as err:
            result = PackageResult(plan)
            result.errors.append(DigError(f"cannot convert: {err}", path=str(plan.project.root)))
        if result.report is not None and not args.quiet:
            kept = (
                f", {result.kept_files} other files in {plan.files_dir}/"
                if result.kept_files
                else ""
            )
            print(
                f"{plan.module}: project {plan.project.name} from {plan.project.root} "
                f"({result.workflows} workflows{kept}){_summary(result.report)}"
            )
        return result
    result, modules = convert_package_per_workflow(
        plan, fold_loops=not args.no_fold, overwrite=args.force
    )
    if not args.quiet:
        for target, report in modules.items():
            print(f"{target}{_summary(report)}")
        if result.ok and plan.project.file_paths() != [
            p.name for p in plan.project.workflow_paths()
        ]:
            print(
                f"note: {plan.project.root}: its other files are not kept "
                "(--per-workflow keeps the workflows only)",
                file=sys.stderr,
            )
    return result


def _summary(report: ConversionReport) -> str:
    parts = []
    if report.folds:
        parts.append(f"{report.folds} loop(s) for {report.calls_folded} tasks")
    if report.includes:
        parts.append(f"{report.includes} include(s), {report.includes_reused} shared")
    if report.comments_unplaced:
        parts.append(f"{report.comments_unplaced} comment(s) moved to the top")
    return f" ({'; '.join(parts)})" if parts else ""


# ------------------------------------------------------------------------------------- export


def _export(args: argparse.Namespace) -> int:
    module: Path = args.module
    if not module.exists():
        print(f"error: {module}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    if module.is_dir() and not (module / "__init__.py").is_file():
        print(
            f"error: {module}: a directory without __init__.py is not a Python package",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not module.is_dir():
        problem = _path_problem(module, directory_ok=False)
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return EXIT_USAGE
    try:
        target = load_python(module)
    except DigError as err:
        print(str(err), file=sys.stderr)
        return EXIT_PROBLEM
    out: Path = args.output
    try:
        report = check_dig_files(target, out)
    except DigError as err:
        print(str(err), file=sys.stderr)
        return EXIT_PROBLEM
    if args.check or args.diff:
        return _report_drift(report, module, args)
    try:
        paths = write_dig_files(target, out)
    except DigError as err:
        print(str(err), file=sys.stderr)
        return EXIT_PROBLEM
    except OSError as err:
        print(f"error: cannot write into {out}: {err.strerror or err}", file=sys.stderr)
        return EXIT_USAGE
    written = [d.path for d in report.drift if d.kind != "extra"]
    if not args.quiet:
        for path in written:  # files already up to date are not rewritten, nor listed
            print(path)
    for drift in report.of_kind("extra"):
        if not args.prune:
            print(f"warning: {drift.path}: {drift.describe()}", file=sys.stderr)
    removed: list[Path] = []
    if args.prune:
        try:
            removed = remove_extra_files(report)
        except OSError as err:
            print(f"error: cannot remove {err.filename}: {err.strerror}", file=sys.stderr)
            return EXIT_USAGE
        for path in removed:
            print(f"removed {path}", file=sys.stderr)
    extra = len(report.of_kind("extra"))
    print(
        f"{len(paths)} files defined: {len(written)} written, {len(paths) - len(written)} "
        f"up to date"
        + (f", {len(removed)} removed" if removed else "")
        + (
            f", {extra} not defined by the module (--prune removes them)"
            if extra and not removed
            else ""
        ),
        file=sys.stderr,
    )
    return EXIT_OK


def _report_drift(report: DriftReport, module: Path, args: argparse.Namespace) -> int:
    for drift in report.drift:
        print(f"{drift.path}: {drift.describe()}", file=sys.stderr)
        if args.diff:
            sys.stdout.write(drift.unified_diff(str(module)))
    if args.prune and report.of_kind("extra"):
        print("note: --prune removes nothing with --check or --diff", file=sys.stderr)
    kinds = {kind: len(report.of_kind(kind)) for kind in ("changed", "mode", "missing", "extra")}
    meaning = sum(1 for d in report.drift if d.meaning)
    print(
        f"{report.defined} files defined by {module}: {report.up_to_date} up to date, "
        f"{kinds['changed'] + kinds['mode']} differ ({meaning} in meaning), "
        f"{kinds['missing']} missing; {kinds['extra']} not defined by the module",
        file=sys.stderr,
    )
    if report.clean:
        return EXIT_OK
    return EXIT_PROBLEM if args.check else EXIT_OK
