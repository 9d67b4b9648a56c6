"""Every real-world corpus file loads, or fails with a located DigError; exports round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.corpus import corpus_ids, require_corpus, workflow_files
from support.digdag import SUMMARY_LINES

from digrefactor import DigError, export_workflow, load_workflow, to_data

pytestmark = pytest.mark.slow

FILES = workflow_files()
_counts = {"loaded": 0, "rejected": 0, "export_roundtrip": 0}


@pytest.fixture(scope="module", autouse=True)
def _summary() -> object:
    require_corpus()
    yield
    SUMMARY_LINES.append(
        f"corpus load: {_counts['loaded']} loaded, {_counts['rejected']} rejected with a located "
        f"DigError; export round trip exact for {_counts['export_roundtrip']}"
    )


@pytest.mark.parametrize("path", FILES, ids=corpus_ids(FILES))
def test_loads_or_fails_with_location_and_exports_exactly(path: Path) -> None:
    try:
        wf = load_workflow(path)
    except DigError as err:
        _counts["rejected"] += 1
        assert err.path is not None
        # Every rejection names a line, except a missing file has no position of its own.
        assert err.line is not None or "not found" in err.message, str(err)
        return
    _counts["loaded"] += 1
    data = to_data(wf)
    text = export_workflow(wf)
    again = to_data(load_workflow(text, path=path))
    # Type-exact: json.dumps distinguishes 1, 1.0, true and "1", and keeps key order.
    assert json.dumps(again) == json.dumps(data)
    _counts["export_roundtrip"] += 1
