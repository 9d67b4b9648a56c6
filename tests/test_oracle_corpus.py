"""Digdag's verdict vs ours on every workflow file of the shared corpus.

For each ``.dig`` listed in ``../shared/corpus/MANIFEST.tsv`` (kind ``dig`` or ``dig+included``,
not a duplicate), Digdag's compile oracle (tests/support/digdag.py) and ``digrefactor`` must
agree: both accept with equal normalised definitions (JSON types exact, ``+task`` order exact,
other keys unordered), or both reject. Each file is loaded on its own, its directory acting as
the project directory.

Known disagreements live in KNOWN_DISAGREEMENTS as strict xfails: fixing one makes its test
XPASS and fail, so the list has to shrink with the fix.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from support.corpus import corpus_ids, corpus_params, workflow_files
from support.digdag import (
    CORPUS_DIR,
    SUMMARY_LINES,
    DigdagOracle,
    Verdict,
    definition_difference,
)

pytestmark = [pytest.mark.digdag, pytest.mark.slow]

MANIFEST = CORPUS_DIR / "MANIFEST.tsv"

# corpus-relative path -> why digrefactor and Digdag disagree (strict xfail). Empty: every
# disagreement found so far has been fixed in the loader.
KNOWN_DISAGREEMENTS: dict[str, str] = {}


def corpus_workflows() -> list[str]:
    """Corpus-relative paths (``owner+repo/path``) of the workflow files to compare."""
    return corpus_ids(workflow_files())


def _params() -> list[Any]:
    return corpus_params(corpus_workflows(), KNOWN_DISAGREEMENTS)


OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def digdag_verdicts(digdag_oracle: DigdagOracle) -> Iterator[dict[str, Verdict]]:
    """Digdag's verdict on every corpus workflow, judged in one batch."""
    rels = corpus_workflows()
    began = time.monotonic()
    by_path = digdag_oracle.judge(CORPUS_DIR / rel for rel in rels)
    seconds = time.monotonic() - began
    verdicts = {rel: by_path[(CORPUS_DIR / rel).absolute()] for rel in rels}
    accepted = sum(v.ok for v in verdicts.values())
    SUMMARY_LINES.append(
        f"corpus oracle: {len(rels)} files in {seconds:.1f}s ({len(rels) / seconds:.0f} files/s); "
        f"Digdag accepts {accepted}, rejects {len(rels) - accepted}"
    )
    yield verdicts
    if OUTCOMES:
        total = sum(OUTCOMES.values())
        agree = OUTCOMES["both accept, equal"] + OUTCOMES["both reject"]
        parts = ", ".join(f"{k}: {n}" for k, n in sorted(OUTCOMES.items()))
        SUMMARY_LINES.append(f"corpus agreement: {agree}/{total} ({parts})")


@pytest.fixture(scope="module")
def ours() -> Any:
    """digrefactor's loader API (skips until it exists)."""
    import digrefactor

    missing = [
        name
        for name in ("load_workflow", "digdag_definition", "DigError")
        if not hasattr(digrefactor, name)
    ]
    if missing:
        pytest.skip(f"digrefactor loader API not available yet: {missing}")
    return digrefactor


@pytest.mark.parametrize("rel", _params())
def test_agrees_with_digdag(rel: str, digdag_verdicts: dict[str, Verdict], ours: Any) -> None:
    theirs = digdag_verdicts[rel]
    mine: dict[str, Any] | None = None
    our_error: Exception | None = None
    try:
        mine = ours.digdag_definition(ours.load_workflow(CORPUS_DIR / rel))
    except ours.DigError as exc:
        our_error = exc

    if theirs.ok and mine is not None:
        diff = definition_difference(theirs.definition, mine)
        OUTCOMES["both accept, equal" if diff is None else "both accept, different"] += 1
        assert diff is None, f"definitions differ (Digdag left, ours right): {diff}"
    elif not theirs.ok and mine is None:
        OUTCOMES["both reject"] += 1
    elif theirs.ok:
        OUTCOMES["only Digdag accepts"] += 1
        pytest.fail(f"we reject what Digdag accepts: {our_error}")
    else:
        OUTCOMES["only we accept"] += 1
        pytest.fail(f"Digdag rejects ({theirs.stage}, {theirs.exception}): {theirs.error}")


def test_corpus_paths_exist() -> None:
    if not MANIFEST.is_file():
        pytest.skip(f"shared corpus not found at {CORPUS_DIR}")
    missing = [rel for rel in corpus_workflows() if not (CORPUS_DIR / rel).is_file()]
    assert not missing, f"MANIFEST lists files that are not in the corpus: {missing[:5]}"
