"""Digdag's scalar typing (spec §1.2), value by value; the oracle tests confirm it in Digdag."""

from __future__ import annotations

import json
from typing import Any

import pytest

from digrefactor import load_workflow, to_data
from digrefactor.dialect import resolve_plain

PLAIN = [
    ("10", 10),
    ("0755", 493),
    ("08", "08"),
    ("09", "09"),
    ("00", 0),
    ("0_1", 1),
    ("0x1F", 31),
    ("-0x1f", -31),
    ("0b101", 5),
    ("1_000", 1000),
    ("+5", 5),
    ("12345678901", 12345678901),
    ("123456789012345678901234", 123456789012345678901234),
    ("1.5", 1.5),
    ("0.5", "0.5"),
    ("0.0", "0.0"),
    ("+0.5", "+0.5"),
    ("00.5", "00.5"),
    (".5", 0.5),
    ("-.5", -0.5),
    (".0", 0.0),
    ("5e-1", 0.5),
    ("1.0E-7", 1.0e-7),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1e+3", 1000.0),
    ("1.", 1.0),
    ("0e0", "0e0"),
    ("0o17", "0o17"),
    ("1:30.5", 90.5),
    (".inf", "Infinity"),
    ("-.Inf", "-Infinity"),
    (".nan", "NaN"),
    ("1:30", "1:30"),
    ("07:00:00", "07:00:00"),
    ("30:00", "30:00"),
    ("true", True),
    ("True", True),
    ("false", False),
    ("False", False),
    ("TRUE", "TRUE"),
    ("yes", "yes"),
    ("on", "on"),
    ("off", "off"),
    ("no", "no"),
    ("y", "y"),
    ("null", None),
    ("~", None),
    ("Null", None),
    ("NULL", None),
    ("2016-01-01", "2016-01-01"),
    ("2016-03-13T10:00:00Z", "2016-03-13T10:00:00Z"),
    ("${x}", "${x}"),
]


def _exact(value: Any) -> str:
    return json.dumps(value)


@pytest.mark.parametrize(("text", "expected"), PLAIN, ids=[t for t, _ in PLAIN])
def test_plain_scalar_typing(text: str, expected: Any) -> None:
    got = resolve_plain(text)
    assert _exact(got) == _exact(expected)
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ('"10"', "10"),
        ("'10'", "10"),
        ("!!str 10", "10"),
        ('!!int "42"', 42),
        ('!!float "0.5"', 0.5),
        ('!!bool "yes"', True),
        ("!!binary aGVsbG8=", "aGVsbG8="),
        ("!!null ''", None),
        ("!!set {x, y}", ["x", "y"]),
        ("!!omap [x: 1, y: 2]", {"x": 1, "y": 2}),
        ('"\\u00e9\\t"', "é\t"),
        ("|\n    a\n    b\n", "a\nb\n"),
        (">-\n    a\n    b\n", "a b"),
    ],
)
def test_tagged_and_quoted_values(yaml_value: str, expected: Any) -> None:
    wf = load_workflow(f"_export:\n  v: {yaml_value}\n")
    got = to_data(wf)["_export"]["v"]
    assert _exact(got) == _exact(expected)


def test_non_string_keys_become_java_strings() -> None:
    wf = load_workflow("_export:\n  1: a\n  true: b\n  1.5: c\n  ? [a, b]\n  : d\n")
    assert list(to_data(wf)["_export"]) == ["1", "true", "1.5", "[a, b]"]


def test_merge_keys_and_aliases_expand_like_snakeyaml() -> None:
    wf = load_workflow(
        "_export:\n  base: &b {x: 1, y: 2}\n  merged:\n    <<: *b\n    y: 3\n    z: 4\n  copy: *b\n"
    )
    exported = to_data(wf)["_export"]
    assert exported["merged"] == {"x": 1, "y": 3, "z": 4}
    assert list(exported["merged"]) == ["x", "y", "z"]
    assert exported["copy"] == {"x": 1, "y": 2}


def test_later_duplicate_via_different_raw_text_wins() -> None:
    # Digdag compares raw key text: `1` and `01` are different texts, both become "1".
    wf = load_workflow("_export:\n  1: a\n  01: b\n")
    assert to_data(wf)["_export"] == {"1": "b"}
