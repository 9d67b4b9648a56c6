"""Conversion throughput: `.dig` workflows → Python modules, files per second.

``bench_convert(paths)`` is called by ``scripts/bench.py``; run alone it measures the corpus:
``.venv/bin/python scripts/bench_convert.py``. Loading is timed apart from converting, and the
generated code is executed and compared (Digdag-equal data trees) so the number counts only
correct conversions.
"""

from __future__ import annotations

import contextlib
import csv
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digrefactor import DigError, load_workflow, to_data  # noqa: E402
from digrefactor.convert import convert  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def _ordered_keys(value: Any) -> Any:
    """Digdag's notion of equality: ``+task`` order and JSON types exact, other keys unordered."""
    if isinstance(value, dict):
        tasks = tuple((k, _ordered_keys(v)) for k, v in value.items() if k.startswith("+"))
        rest = tuple(
            sorted((k, _ordered_keys(v)) for k, v in value.items() if not k.startswith("+"))
        )
        return ("object", tasks, rest)
    if isinstance(value, list):
        return ("list", tuple(_ordered_keys(v) for v in value))
    return (type(value).__name__, value)


def bench_convert(paths: list[Path]) -> dict[str, Any]:
    """Convert every loadable workflow in *paths*; returns the table row for the benchmark."""
    workflows = []
    load_started = time.perf_counter()
    for path in paths:
        with contextlib.suppress(DigError):  # files Digdag rejects are not converted
            workflows.append(load_workflow(Path(path)))
    load_seconds = time.perf_counter() - load_started

    started = time.perf_counter()
    reports = [convert(wf) for wf in workflows]
    seconds = time.perf_counter() - started

    reproduced = 0
    for wf, report in zip(workflows, reports, strict=True):
        namespace: dict[str, Any] = {"__name__": "bench_convert_check"}
        exec(compile(report.source, str(wf.path), "exec"), namespace)
        if _ordered_keys(to_data(namespace["workflow"])) == _ordered_keys(to_data(wf)):
            reproduced += 1
    n = len(workflows)
    return {
        "workflows": n,
        "convert s": round(seconds, 2),
        "files/s": round(n / seconds, 1) if seconds else 0.0,
        "load files/s": round(n / load_seconds, 1) if load_seconds else 0.0,
        "reproduced": reproduced,
        "loops": sum(r.folds for r in reports),
        "lines out": sum(r.source.count("\n") for r in reports),
    }


def corpus_paths() -> list[Path]:
    with (CORPUS / "MANIFEST.tsv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        CORPUS / row["repo"].replace("/", "+") / row["path"]
        for row in rows
        if row["kind"] in ("dig", "dig+included") and row["status"] != "duplicate"
    ]


if __name__ == "__main__":
    if not (CORPUS / "MANIFEST.tsv").is_file():
        sys.exit(f"the shared corpus is needed at {CORPUS}")
    for key, value in bench_convert(corpus_paths()).items():
        print(f"{key:>14}: {value}")
