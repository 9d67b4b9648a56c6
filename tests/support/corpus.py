"""The shared real-world corpus (``../shared/corpus``), read in place and never copied."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import pytest

from support.digdag import CORPUS_DIR

__all__ = ["CORPUS_DIR", "corpus_ids", "require_corpus", "workflow_files"]


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
