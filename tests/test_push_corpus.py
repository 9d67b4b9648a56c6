"""Push is judged by the server: every project directory of the shared corpus is pushed to a
live Digdag 0.10.5.1, which must accept the push exactly when digrefactor accepts the project.

A project directory is a directory holding top-level ``.dig`` files (each one a workflow, as
Digdag's archive loader reads them); the archive is the whole directory, ``.digdagignore``
honoured, as ``digdag push`` builds it. digrefactor accepts a project when ``load_project``
loads it (every workflow read with Digdag's rules). Known disagreements would be strict xfails;
there are none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.corpus import corpus_params
from support.digdag import CORPUS_DIR, SUMMARY_LINES

from digrefactor import DigError, load_project
from digrefactor.client import BadRequest, DigdagClient

pytestmark = [pytest.mark.digdag, pytest.mark.slow]

# corpus-relative directory -> why the server and digrefactor disagree (strict xfail).
KNOWN_DISAGREEMENTS: dict[str, str] = {}


def project_directories() -> list[str]:
    """Corpus-relative directories that hold at least one top-level ``*.dig`` file."""
    if not CORPUS_DIR.is_dir():
        return []
    dirs = {p.parent for p in CORPUS_DIR.rglob("*.dig") if p.is_file()}
    return sorted(d.relative_to(CORPUS_DIR).as_posix() for d in dirs)


def _params() -> list[Any]:
    return corpus_params(project_directories(), KNOWN_DISAGREEMENTS)


OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def client(digdag_server: Any) -> Iterator[DigdagClient]:
    with DigdagClient(digdag_server.endpoint, retries=1) as client:
        yield client
    if OUTCOMES:
        total = sum(OUTCOMES.values())
        agree = OUTCOMES["both accept"] + OUTCOMES["both reject"]
        parts = ", ".join(f"{k}: {n}" for k, n in sorted(OUTCOMES.items()))
        SUMMARY_LINES.append(f"push agreement: {agree}/{total} project directories ({parts})")


def _our_verdict(directory: Path) -> str | None:
    """None when digrefactor accepts the project, else its first located error."""
    try:
        load_project(directory)
    except DigError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("rel", _params())
def test_server_accepts_push_exactly_when_we_accept_the_project(
    rel: str, client: DigdagClient
) -> None:
    directory = CORPUS_DIR / rel
    ours = _our_verdict(directory)
    name = "corpus_" + "".join(c if c.isalnum() else "_" for c in rel)[-200:]
    try:
        client.push(directory, name)
        theirs: str | None = None
    except BadRequest as exc:
        theirs = exc.message
    if ours is None and theirs is None:
        OUTCOMES["both accept"] += 1
    elif ours is not None and theirs is not None:
        OUTCOMES["both reject"] += 1
    elif ours is None:
        OUTCOMES["only we accept"] += 1
        pytest.fail(f"Digdag rejects the push: {theirs}")
    else:
        OUTCOMES["only Digdag accepts"] += 1
        pytest.fail(f"Digdag accepts the push; we reject the project: {ours}")
