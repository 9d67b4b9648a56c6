"""``digrefactor scan PATH...``: what is in a tree of `.dig` files, at a glance.

Grouped by Digdag project (:func:`discover_projects`), per file: the workflow, its task count,
schedule, and operators used; then totals, then every file that failed to load as
``path:line:col: message``. Exit 1 when any file failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digrefactor._errors import DigError
from digrefactor.cli._check import FragmentFilter, load_all
from digrefactor.cli._common import (
    EXIT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_file_options,
    add_output_options,
    error,
    load_config,
    resolve_files,
)
from digrefactor.cli._progress import ProgressBar
from digrefactor.models import OperatorTask, Workflow, walk_tasks
from digrefactor.parse import ProjectDir, discover_projects

__all__ = ["register", "summarize"]


@dataclass
class FileSummary:
    path: str
    workflow: str
    tasks: int
    schedule: str
    operators: Counter[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "workflow": self.workflow,
            "tasks": self.tasks,
            "schedule": self.schedule or None,
            "operators": dict(self.operators.most_common()),
        }


def summarize(path: Path, wf: Workflow) -> FileSummary:
    ops: Counter[str] = Counter()
    tasks = 0
    for _, task in walk_tasks(wf):
        tasks += 1
        if isinstance(task, OperatorTask):
            ops[task.operator] += 1
    schedule = ""
    if wf.schedule is not None and wf.schedule.kind is not None:
        schedule = f"{wf.schedule.kind}>: {wf.schedule.value}"
    return FileSummary(str(path), wf.name, tasks, schedule, ops)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "scan",
        help="summarise .dig files: workflows, tasks, schedules, operators; list load errors",
        description="Load every .dig file and print a summary table with totals.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".dig files or directories")
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text: tables per project (default); json: the same figures as one object",
    )
    add_file_options(p)
    add_output_options(p)
    p.set_defaults(func=run_scan)


def _ops_text(ops: Counter[str]) -> str:
    return ", ".join(f"{op}>×{n}" if n > 1 else f"{op}>" for op, n in ops.most_common())


@dataclass
class ProjectGroup:
    """The files of one Digdag project (``root`` None: files outside any project)."""

    root: Path | None
    name: str
    rows: list[FileSummary] = field(default_factory=list)
    failed: list[DigError] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"project {self.name} ({self.root})" if self.root is not None else self.name

    def totals(self) -> str:
        tasks = sum(r.tasks for r in self.rows)
        scheduled = sum(1 for r in self.rows if r.schedule)
        return (
            f"{len(self.rows)} workflows, {tasks} tasks, {scheduled} scheduled, "
            f"{len(self.failed)} failed to load"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name if self.root is not None else None,
            "root": str(self.root) if self.root is not None else None,
            "files": [r.path for r in self.rows],
            "workflows": len(self.rows),
            "tasks": sum(r.tasks for r in self.rows),
            "scheduled": sum(1 for r in self.rows if r.schedule),
            "failed": [e.path for e in self.failed],
        }


class ProjectIndex:
    """Which project a file belongs to: the nearest enclosing project found below the paths
    given (projects nested in a project are projects of their own unless it uses them)."""

    def __init__(self, paths: list[Path]) -> None:
        self.roots: dict[Path, ProjectDir] = {}
        for path in paths:
            for project in discover_projects(path if path.is_dir() else path.parent):
                self.roots.setdefault(Path(os.path.abspath(project.root)), project)

    def project_of(self, path: Path) -> ProjectDir | None:
        for parent in Path(os.path.abspath(path)).parents:
            found = self.roots.get(parent)
            if found is not None:
                return found
        return None


def _groups(index: ProjectIndex) -> tuple[dict[Path | None, ProjectGroup], Any]:
    groups: dict[Path | None, ProjectGroup] = {}

    def group_of(path: Path) -> ProjectGroup:
        project = index.project_of(path)
        key = project.root if project is not None else None
        if key not in groups:
            name = project.name if project is not None else "(files outside any project)"
            groups[key] = ProjectGroup(key, name)
        return groups[key]

    return groups, group_of


def run_scan(args: argparse.Namespace) -> int:
    try:
        config = load_config([Path(p) for p in args.paths])
        files = resolve_files(args.paths, args, config)
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    rows: list[FileSummary] = []
    errors = []
    groups, group_of = _groups(ProjectIndex([Path(p) for p in args.paths]))
    fragment_filter = FragmentFilter()
    bar = ProgressBar(len(files), enabled=sys.stderr.isatty() and not args.quiet)
    for loaded in load_all(files):
        problem = fragment_filter.see(loaded)
        group = group_of(loaded.path)
        if loaded.workflow is not None:
            row = summarize(loaded.path, loaded.workflow)
            rows.append(row)
            group.rows.append(row)
        elif problem is not None:
            errors.append(problem)
            group.failed.append(problem)
        bar.tick(f"workflows {len(rows)}  failed {len(errors)}")
    bar.close()
    held, fragments = fragment_filter.finish()
    errors.extend(held)
    for problem in held:
        group_of(Path(problem.path or "")).failed.append(problem)
    ordered = sorted(groups.values(), key=lambda g: (g.root is None, str(g.root)))
    projects = sum(1 for g in ordered if g.root is not None)
    total_ops: Counter[str] = Counter()
    for row in rows:
        total_ops.update(row.operators)
    total_tasks = sum(r.tasks for r in rows)
    scheduled = sum(1 for r in rows if r.schedule)
    if args.format == "json":
        json.dump(
            {
                "files": [r.to_json() for r in rows],
                "projects": [g.to_json() for g in ordered],
                "errors": [
                    {"path": e.path, "line": e.line, "column": e.column, "message": e.message}
                    for e in errors
                ],
                "totals": {
                    "files": len(files),
                    "projects": projects,
                    "workflows": len(rows),
                    "tasks": total_tasks,
                    "scheduled": scheduled,
                    "failed": len(errors),
                    "fragments": fragments,
                    "operators": dict(total_ops.most_common()),
                },
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return EXIT_FOUND if errors else EXIT_OK
    out = sys.stdout
    headers = ("FILE", "WORKFLOW", "TASKS", "SCHEDULE", "OPERATORS")
    table = [_cells(r, g.root) for g in ordered for r in g.rows]
    widths = [
        min(60, max([len(h), *(len(t[i]) for t in table)])) for i, h in enumerate(headers[:4])
    ]

    def line(cells: tuple[str, ...]) -> str:
        parts = [
            cells[0].ljust(widths[0]),
            cells[1].ljust(widths[1]),
            cells[2].rjust(widths[2]),
            cells[3].ljust(widths[3]),
            cells[4],
        ]
        return "  ".join(parts).rstrip()

    for group in ordered:
        print(f"{group.label}: {group.totals()}", file=out)
        if group.rows:
            print(line(headers), file=out)
            for row in group.rows:
                print(line(_cells(row, group.root)), file=out)
        print(file=out)
    print(
        f"{len(files)} files: {len(rows)} workflows, {total_tasks} tasks, "
        f"{scheduled} scheduled, {len(errors)} failed to load"
        + (f", {fragments} !include fragments" if fragments else "")
        + f"; {projects} project{'' if projects == 1 else 's'}",
        file=out,
    )
    if total_ops:
        print(f"operators: {_ops_text(total_ops)}", file=out)
    if errors:
        print(file=out)
        print("errors:", file=out)
        for e in errors:
            print(str(e), file=out)
    return EXIT_FOUND if errors else EXIT_OK


def _cells(r: FileSummary, root: Path | None) -> tuple[str, str, str, str, str]:
    """A table row; within a project the file is named relative to the project's root."""
    path = os.path.relpath(r.path, root) if root is not None else r.path
    return (path, r.workflow, str(r.tasks), r.schedule, _ops_text(r.operators))
