"""``digrefactor scan PATH...``: what is in a tree of `.dig` files, at a glance.

Per file: the workflow, its task count, schedule, and operators used; then totals, then every
file that failed to load as ``path:line:col: message``. Exit 1 when any file failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_file_options(p)
    add_output_options(p)
    p.set_defaults(func=run_scan)


def _ops_text(ops: Counter[str]) -> str:
    return ", ".join(f"{op}>×{n}" if n > 1 else f"{op}>" for op, n in ops.most_common())


def run_scan(args: argparse.Namespace) -> int:
    try:
        config = load_config([Path(p) for p in args.paths])
        files = resolve_files(args.paths, args, config)
    except UsageError as exc:
        error(str(exc))
        return EXIT_USAGE
    rows: list[FileSummary] = []
    errors = []
    fragment_filter = FragmentFilter()
    bar = ProgressBar(len(files), enabled=sys.stderr.isatty() and not args.quiet)
    for loaded in load_all(files):
        problem = fragment_filter.see(loaded)
        if loaded.workflow is not None:
            rows.append(summarize(loaded.path, loaded.workflow))
        elif problem is not None:
            errors.append(problem)
        bar.tick(f"workflows {len(rows)}  failed {len(errors)}")
    bar.close()
    held, fragments = fragment_filter.finish()
    errors.extend(held)
    total_ops: Counter[str] = Counter()
    for row in rows:
        total_ops.update(row.operators)
    total_tasks = sum(r.tasks for r in rows)
    scheduled = sum(1 for r in rows if r.schedule)
    if args.format == "json":
        json.dump(
            {
                "files": [r.to_json() for r in rows],
                "errors": [
                    {"path": e.path, "line": e.line, "column": e.column, "message": e.message}
                    for e in errors
                ],
                "totals": {
                    "files": len(files),
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
    table = [(r.path, r.workflow, str(r.tasks), r.schedule, _ops_text(r.operators)) for r in rows]
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

    print(line(headers), file=out)
    for cells in table:
        print(line(cells), file=out)
    print(file=out)
    print(
        f"{len(files)} files: {len(rows)} workflows, {total_tasks} tasks, "
        f"{scheduled} scheduled, {len(errors)} failed to load"
        + (f", {fragments} !include fragments" if fragments else ""),
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
