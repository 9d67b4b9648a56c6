"""Digdag's scalar typing: SnakeYAML 1.23's YAML 1.1 resolver with Digdag's four overrides.

Only ``true/True/false/False`` are booleans, floats may not start with ``0`` (``0.5`` stays a
string, ``.5`` is a float), ``0755`` is octal, and dates, times and sexagesimal ints stay strings.
Values then pass through Jackson, which writes non-finite doubles as strings.
See digdag-core ``YamlTagResolver`` and SnakeYAML ``SafeConstructor``.
"""

from __future__ import annotations

import base64
import math
import re
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "ScalarTagError",
    "java_key_string",
    "java_number_string",
    "resolve_plain",
    "resolve_tagged",
]

_INT = re.compile(
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*)$"
)
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[1-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL = {"true": True, "True": True, "false": False, "False": False}
_NULL = {"", "~", "null", "Null", "NULL"}
# YAML 1.1 boolean table, used only for an explicit !!bool tag (SafeConstructor's own table).
_BOOL11 = {
    "yes": True, "true": True, "on": True, "y": True,
    "no": False, "false": False, "off": False, "n": False,
}  # fmt: skip

_TAG_PREFIX = "tag:yaml.org,2002:"
#: The first characters of every plain scalar that is not a string (numbers, null, booleans).
_TYPED_FIRST = frozenset("0123456789+-.~tTfFnN")
_AFTER_SIGN = frozenset("0123456789.")


class ScalarTagError(ValueError):
    """A tag Digdag's constructor does not know, or a value its tag cannot construct."""


def resolve_plain(text: str) -> Any:
    """Type a plain (unquoted, untagged) scalar exactly as Digdag does."""
    if not text:
        return None
    c = text[0]
    # Fast paths: most plain scalars are words, paths, templates or +task keys; only a few
    # first characters can start a typed one, and a sign must be followed by a digit or '.'.
    if c not in _TYPED_FIRST:
        return text
    if (c == "+" or c == "-") and len(text) > 1 and text[1] not in _AFTER_SIGN:
        return text
    if text in _NULL:
        return None
    b = _BOOL.get(text)
    if b is not None:
        return b
    if _INT.match(text):
        return construct_int(text)
    if _FLOAT.match(text):
        return construct_float(text)
    return text


def construct_int(text: str) -> int:
    """SafeConstructor.ConstructYamlInt (sexagesimal included, for an explicit ``!!int``)."""
    value = text.replace("_", "")
    sign = 1
    if value[:1] == "-":
        sign, value = -1, value[1:]
    elif value[:1] == "+":
        value = value[1:]
    if value == "0":
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value.startswith("0"):
        return sign * int(value[1:], 8)
    if ":" in value:
        total = 0
        for part in value.split(":"):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(value)


def construct_float(text: str) -> float | str:
    """SafeConstructor.ConstructYamlFloat, then Jackson (non-finite doubles become strings)."""
    value = text.replace("_", "").lower()
    sign = 1.0
    if value[:1] == "-":
        sign, value = -1.0, value[1:]
    elif value[:1] == "+":
        value = value[1:]
    if value == ".inf":
        return "Infinity" if sign > 0 else "-Infinity"
    if value == ".nan":
        return "NaN"
    if ":" in value:
        total = 0.0
        for part in value.split(":"):
            total = total * 60 + float(part)
        return sign * total
    result = sign * float(value)
    if math.isinf(result):
        return "Infinity" if result > 0 else "-Infinity"
    return result


def resolve_tagged(text: str, tag: str) -> Any:
    """Construct a scalar with an explicit standard tag (``!!str``, ``!!int``, ...)."""
    if not tag.startswith(_TAG_PREFIX):
        raise ScalarTagError(f"could not determine a constructor for the tag {_short_tag(tag)}")
    kind = tag[len(_TAG_PREFIX) :]
    try:
        if kind == "str":
            return text
        if kind == "int":
            return construct_int(text)
        if kind == "float":
            return construct_float(text)
        if kind == "bool":
            return _BOOL11[text.lower()]
        if kind == "null":
            return None
        if kind == "binary":
            # byte[] is written by Jackson as standard base64 of the decoded bytes.
            raw = base64.b64decode("".join(text.split()))
            return base64.b64encode(raw).decode("ascii")
        if kind == "timestamp":
            return _timestamp_millis(text)
    except (ValueError, KeyError) as exc:
        raise ScalarTagError(f"cannot construct {_short_tag(tag)} from {text!r}") from exc
    raise ScalarTagError(f"could not determine a constructor for the tag {_short_tag(tag)}")


def _timestamp_millis(text: str) -> int:
    # java.util.Date -> Jackson epoch millis.
    value = text.strip().replace("t", "T").replace(" ", "T", 1)
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag


def java_number_string(value: float) -> str:
    """``Double.toString`` (used when Jackson turns a non-string key into a string)."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    mag = abs(value)
    if 1e-3 <= mag < 1e7:
        s = repr(value)
        if "e" in s or "E" in s:  # pragma: no cover - repr keeps this range positional
            s = f"{value:.17g}"
        return s if "." in s else s + ".0"
    mantissa, exp = f"{value:.17e}".split("e")
    # Shortest round-tripping digits, Java style: d.dddE<exp>
    digits = repr(value)
    if "e" in digits:
        mantissa, exp = digits.split("e")
    else:
        m = float(mantissa)
        mantissa = repr(m)
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{int(exp)}"


def java_key_string(value: Any) -> str:
    """Jackson's key serialisation of a non-string map key: ``toString()``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_number_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_key_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{java_key_string(k)}={java_key_string(v)}" for k, v in value.items())
            + "}"
        )
    return str(value)
