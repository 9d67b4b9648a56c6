"""The shared real-world corpus (``../shared/corpus``), read in place and never copied."""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import Any

import pytest

from support.digdag import CORPUS_DIR

__all__ = ["CORPUS_DIR", "corpus_ids", "corpus_params", "require_corpus", "workflow_files"]


@functools.cache
def workflow_files() -> tuple[Path, ...]:
    """Every stored `.dig` workflow of the corpus (MANIFEST kinds dig / dig+included)."""
    manifest = CORPUS_DIR / "MANIFEST.tsv"
    if not manifest.is_file():
        return ()
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return tuple(
        CORPUS_DIR / row["repo"].replace("/", "+") / row["path"]
        for row in rows
        if row["kind"] in ("dig", "dig+included") and row["status"] != "duplicate"
    )


def require_corpus() -> tuple[Path, ...]:
    files = workflow_files()
    if not files:
        pytest.skip(f"shared corpus not found at {CORPUS_DIR} (tests read it in place)")
    return files


def corpus_ids(paths: tuple[Path, ...]) -> list[str]:
    return [str(p.relative_to(CORPUS_DIR)) for p in paths]


def corpus_params(ids: list[str], known: dict[str, str]) -> list[Any]:
    """One pytest parameter per corpus-relative id, those in *known* (id -> why) as strict
    xfails; a single skipped parameter naming the missing corpus when there are none."""
    if not ids:
        return [
            pytest.param(
                "",
                id="corpus-absent",
                marks=pytest.mark.skip(reason=f"shared corpus not found at {CORPUS_DIR}"),
            )
        ]
    return [
        pytest.param(
            rel,
            id=rel,
            marks=[pytest.mark.xfail(strict=True, reason=known[rel])] if rel in known else [],
        )
        for rel in ids
    ]
