"""Loader behaviour found in review, checked against Digdag's own loader where it can judge."""

from __future__ import annotations

import pytest
from support.digdag import DigdagOracle, definition_difference

from digrefactor import (
    DigSyntaxError,
    DigValidationError,
    digdag_definition,
    load_workflow,
    to_data,
)

MERGES = [
    "+first:\n  sh>: a\n<<: {+second: {sh>: b}}\n",
    "_export: {a: 1, <<: {b: 2, a: 9}, c: 3}\n+t:\n  sh>: x\n",
    "_export:\n  base: &b {x: 1, y: 2}\n  m:\n    y: 0\n    <<: [*b, {z: 3, x: 7}]\n    w: 4\n",
]


@pytest.mark.digdag
@pytest.mark.parametrize("text", MERGES)
def test_merge_keys_keep_document_order_like_digdag(digdag_oracle: DigdagOracle, text: str) -> None:
    verdict = digdag_oracle.judge_text(text, name="wf")
    assert verdict.ok, verdict.error
    ours = digdag_definition(load_workflow(text, name="wf"))
    assert definition_difference(verdict.definition, ours) is None
    # Task order is what Digdag executes; compare it exactly too.
    assert [k for k in ours["config"] if k.startswith("+")] == [
        k for k in verdict.definition["config"] if k.startswith("+")
    ]


def test_merge_order_is_document_order() -> None:
    data = to_data(load_workflow(MERGES[0]))
    assert list(data) == ["+first", "+second"]
    assert to_data(load_workflow(MERGES[1]))["_export"] == {"a": 1, "b": 2, "c": 3}


def test_an_unreadable_int_is_a_located_error() -> None:
    with pytest.raises(DigSyntaxError) as info:
        load_workflow("_export:\n  n: 0b_\n", path="w.dig")
    assert (info.value.line, info.value.column) == (2, 6)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("_parallel: 5\n", "Invalid _parallel format"),
        ("_parallel: {}\n", "'limit' is required"),
        ("schedule:\n  daily>: 07:00:00\n  start: 2020-13-45\n", "Invalid start"),
        ("schedule:\n  daily>: 07:00:00\n  end: 20200101\n", "Invalid end"),
        (
            "schedule:\n  daily>: 07:00:00\n  start: 2021-01-01\n  end: 2020-01-01\n",
            "end is earlier than start",
        ),
    ],
)
def test_top_level_parallel_and_schedule_dates_are_checked(text: str, fragment: str) -> None:
    with pytest.raises(DigValidationError, match=fragment):
        load_workflow(text, path="w.dig")


def test_valid_schedule_dates_load() -> None:
    wf = load_workflow("schedule:\n  daily>: 07:00:00\n  start: 2020-01-01\n  end: 2020-12-31\n")
    assert wf.schedule is not None and wf.schedule.end == "2020-12-31"
