"""Helpers shared by the converter tests: the two equalities a conversion is judged by."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from support.digdag import CORPUS_DIR, canonical

MANIFEST = CORPUS_DIR / "MANIFEST.tsv"


def digdag_equal(a: Any, b: Any) -> bool:
    """Equal as Digdag means it: JSON types exact, ``+task`` order exact, other keys unordered."""
    return bool(canonical(a) == canonical(b))


def identical(a: Any, b: Any) -> bool:
    """Equal with types *and* every key order exact."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def corpus_workflows() -> list[Path]:
    """Workflow files of the shared corpus (kinds ``dig``/``dig+included``, no duplicates)."""
    with MANIFEST.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        CORPUS_DIR / row["repo"].replace("/", "+") / row["path"]
        for row in rows
        if row["kind"] in ("dig", "dig+included") and row["status"] != "duplicate"
    ]


def run_module(code: str, filename: str = "<generated>") -> dict[str, Any]:
    """Execute a generated module as an import would (its ``__main__`` block stays idle)."""
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(code, filename, "exec"), namespace)
    return namespace
