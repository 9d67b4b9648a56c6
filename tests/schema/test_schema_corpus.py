"""The schema on the shared corpus: every workflow Digdag accepts validates, and every rejected
file whose fault a schema can express is rejected by it too.

The schema judges Digdag's data tree (``to_data``: Digdag's YAML typing, includes expanded).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from support.corpus import CORPUS_DIR, corpus_ids, require_corpus, workflow_files
from support.digdag import SUMMARY_LINES

from digrefactor import DigError, DigValidationError, load_workflow, to_data
from digrefactor.dialect import expand_includes, load_raw_file
from digrefactor.schema import build_schema

pytestmark = pytest.mark.slow

FILES = workflow_files()
VALIDATOR = jsonschema.Draft202012Validator(build_schema())

#: corpus path → why a file Digdag accepts on push fails the schema (strict xfail): operator
#: types Digdag checks only when the task runs.
FAILS_AT_RUN_TIME = {
    "marcy-t+digdag-embulk-gcp/run.dig": (
        "`http>: {Slack URL}` is a placeholder mapping where http> takes a URI; push accepts it, "
        "the task fails when it runs (Expected string type for key '_command')"
    ),
}

_counts: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _summary() -> object:
    require_corpus()
    yield
    SUMMARY_LINES.append(
        f"schema: {_counts['accepted_valid']}/{_counts['accepted']} Digdag-accepted files "
        f"validate; rejects {_counts['rejected_invalid']}/{_counts['expressible']} "
        f"checker-rejected files whose fault a schema can express "
        f"({_counts['unknown_keys']} for unknown top-level keys, mostly !include fragments); "
        f"not expressible: "
        f"{_counts['no_tree']} YAML/include errors, {_counts['file_name']} file-name errors"
    )


def _rel(path: Path) -> str:
    return str(path.relative_to(CORPUS_DIR))


def _params() -> list[object]:
    return [
        pytest.param(
            path,
            id=rel,
            marks=(
                [pytest.mark.xfail(strict=True, reason=FAILS_AT_RUN_TIME[rel])]
                if rel in FAILS_AT_RUN_TIME
                else []
            ),
        )
        for path, rel in zip(FILES, corpus_ids(FILES), strict=True)
    ]


@pytest.mark.parametrize("path", _params())
def test_corpus_file(path: Path) -> None:
    try:
        workflow = load_workflow(path)
    except DigValidationError as exc:
        if "(from the file name)" in exc.message:
            _counts["file_name"] += 1  # a schema sees the contents, not the file's name
            return
        try:
            tree = expand_includes(load_raw_file(path)[1])
        except DigError:
            tree = None  # empty file or a non-mapping root: the schema sees null
        _counts["expressible"] += 1
        if "includes unknown keys" in exc.message:
            _counts["unknown_keys"] += 1
        assert not VALIDATOR.is_valid(tree), f"the schema accepts what Digdag rejects: {exc}"
        _counts["rejected_invalid"] += 1
        return
    except DigError:
        _counts["no_tree"] += 1  # bad YAML, duplicate keys, missing include: no data tree
        return
    _counts["accepted"] += 1
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in VALIDATOR.iter_errors(to_data(workflow))
    ]
    assert errors == []
    _counts["accepted_valid"] += 1
