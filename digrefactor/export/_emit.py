"""Fresh `.dig` text from models: block style, and every scalar quoted exactly when needed.

The one rule: whatever is written must load back, under Digdag's typing, to the same value.
A string is left plain only when libyaml would read it as the same plain scalar *and* Digdag's
resolver would keep it a string; otherwise it is single-quoted, or double-quoted when it holds
characters only escapes can carry. Multi-line strings become literal blocks when that is exact.
"""

from __future__ import annotations

import math
from typing import Any

from digrefactor._datatree import DataTree, is_include_entry, raw_equal
from digrefactor._errors import DigError, DigWriteError
from digrefactor._limits import with_recursion_room
from digrefactor.dialect import resolve_document, resolve_plain
from digrefactor.models import Workflow
from digrefactor.syntax import parse_source

__all__ = [
    "double_quoted",
    "export_workflow",
    "literal_block",
    "literal_ok",
    "mapping_lines",
    "plain_ok",
    "quoted",
    "render_block",
    "render_key",
    "render_scalar",
    "sequence_lines",
]

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
#: Characters YAML reads as line breaks: they can only be written as escapes.
_BREAKS = ("\x85", "\u2028", "\u2029")
_PRINTABLE_EXTRA = {"\t"}


def _printable(ch: str) -> bool:
    if ch in _BREAKS:
        return False
    o = ord(ch)
    return (
        ch in _PRINTABLE_EXTRA
        or 0x20 <= o <= 0x7E
        or 0xA0 <= o <= 0xD7FF
        or 0xE000 <= o <= 0xFFFD
        or o >= 0x10000
    ) and ch != "\ufeff"


def plain_ok(text: str, *, key: bool = False) -> bool:
    """True when *text* written plain loads back as exactly this string."""
    if not text or text != text.strip(" ") or text[0] in _INDICATORS or text[-1] == ":":
        return False
    if text[0] == "-" and (len(text) == 1 or text[1] == " "):
        return False
    if text.startswith(("---", "...")) or text == "<<":
        return False
    if ": " in text or " #" in text or ":\t" in text or "\t#" in text:
        return False
    if not all(_printable(c) and c != "\t" for c in text):
        return False
    value = resolve_plain(text)
    return isinstance(value, str) and value == text


def double_quoted(text: str) -> str:
    """*text* as a double-quoted scalar, escaping what YAML cannot carry literally."""
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\x85":
            out.append("\\N")
        elif ch == "\u2028":
            out.append("\\L")
        elif ch == "\u2029":
            out.append("\\P")
        elif _printable(ch):
            out.append(ch)
        else:
            o = ord(ch)
            if 0xD800 <= o <= 0xDFFF:
                # YAML has no escape for it (libyaml and SnakeYAML reject "\\ud800").
                raise DigWriteError(
                    f"a value holds lone surrogate U+{o:04X}, which is not a character and "
                    f"cannot be written: {text[:60]!r}"
                )
            out.append(
                f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"
            )
    out.append('"')
    return "".join(out)


def quoted(text: str) -> str:
    """Single quotes when they can carry *text* on one line, else double quotes with escapes."""
    if (
        "\n" not in text
        and "\r" not in text
        and all(_printable(c) for c in text)
        and ("\t" not in text)
    ):
        return "'" + text.replace("'", "''") + "'"
    return double_quoted(text)


def render_float(value: float) -> str:
    """A float Digdag's resolver reads back as this float (``0.5`` must be ``.5``)."""
    if math.isnan(value) or math.isinf(value):  # pragma: no cover - Jackson makes these strings
        raise ValueError("non-finite floats cannot be written; Digdag stores them as strings")
    text = repr(value)
    if "e" in text or "E" in text:
        mantissa, exp = text.split("e")
        if "." not in mantissa:
            text = f"{mantissa}e{exp}"
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    if text.startswith("0."):
        text = text[1:]  # 0.5 -> .5 (a leading 0 makes Digdag read a string)
        if text == ".0":
            text = ".0"
    result = sign + text
    assert resolve_plain(result) == value and isinstance(resolve_plain(result), float), result
    return result


def render_scalar(value: Any) -> str:
    """One-line text of a scalar value (strings quoted when needed)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return render_float(value)
    if isinstance(value, str):
        return value if plain_ok(value) else quoted(value)
    raise TypeError(f"cannot write a {type(value).__name__} as a YAML scalar: {value!r}")


def render_key(key: str) -> str:
    """A mapping key's text (quoted when needed)."""
    return key if plain_ok(key, key=True) else quoted(key)


def literal_ok(text: str) -> bool:
    """True when multi-line *text* written as a literal block (``|``) loads back exactly."""
    if "\n" not in text or "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        return False
    if not all(_printable(c) or c == "\n" for c in text):
        return False
    lines = text.split("\n")
    body = lines[:-1] if text.endswith("\n") else lines
    for line in body:
        if line != line.rstrip(" \t") and line.strip(" \t") != "":
            return False  # trailing blanks would survive, but are invisible and fragile
        if line and not line.strip(" \t"):
            return False  # a whitespace-only line can be taken for indentation
    return bool(text.strip("\n"))


def literal_block(text: str, indent: str, parent: int) -> str:
    """A literal block whose content lines start with *indent*; *parent* is the column of the
    key (or dash) the block belongs to: an explicit indentation indicator counts from there."""
    if text.endswith("\n\n"):
        chomp = "+"
    elif text.endswith("\n"):
        chomp = ""
    else:
        chomp = "-"
    content = text[:-1] if text.endswith("\n") else text
    if chomp == "+":
        content = text[:-1]
    # libyaml guesses the indentation from the first non-empty line: when that line itself
    # starts with white space, the indentation must be given explicitly (1-9, relative).
    first = next((line for line in content.split("\n") if line), "")
    relative = len(indent) - parent
    indicator = str(relative) if first.startswith((" ", "\t")) else ""
    if indicator and not 1 <= relative <= 9:
        return double_quoted(text)
    lines = [(indent + line) if line else "" for line in content.split("\n")]
    return f"|{indicator}{chomp}\n" + "\n".join(lines)


def render_block(value: Any, level: int, unit: str) -> list[str]:
    """Lines (without newlines) of a mapping's entries at *level* of indentation."""
    assert isinstance(value, dict)
    return mapping_lines(value, unit * level, unit)


def _value_after_key(value: Any, indent: str, unit: str) -> tuple[str, list[str]]:
    """(text on the key's line after ``key:``, following lines)."""
    if isinstance(value, dict):
        if not value:
            return " {}", []
        return "", mapping_lines(value, indent + unit, unit)
    if isinstance(value, list):
        if not value:
            return " []", []
        return "", sequence_lines(value, indent + unit, unit)
    if isinstance(value, str) and "\n" in value and literal_ok(value):
        block = literal_block(value, indent + unit, len(indent))
        head, _, rest = block.partition("\n")
        return " " + head, rest.split("\n")
    if value is None:
        return "", []
    return " " + render_scalar(value), []


def mapping_lines(mapping: DataTree, indent: str, unit: str) -> list[str]:
    """Block-style lines of *mapping*'s entries, each starting with *indent* (*unit* per level)."""
    lines: list[str] = []
    for key, value in mapping.items():
        if is_include_entry(key, value):
            lines.append(f"{indent}!include : {render_scalar(value.path)}")
            continue
        head, rest = _value_after_key(value, indent, unit)
        lines.append(f"{indent}{render_key(key)}:{head}")
        lines.extend(rest)
    return lines


def sequence_lines(items: list[Any], indent: str, unit: str) -> list[str]:
    """Block-style lines of *items* (``- item``), each dash at *indent* (*unit* per level)."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            sub = mapping_lines(item, indent + "  ", unit)
            first = sub[0][len(indent) + 2 :]
            lines.append(f"{indent}- {first}")
            lines.extend(sub[1:])
        elif isinstance(item, list) and item:
            sub = sequence_lines(item, indent + "  ", unit)
            lines.append(f"{indent}- {sub[0][len(indent) + 2 :]}")
            lines.extend(sub[1:])
        else:
            head, rest = _value_after_key(item, indent, unit)
            # head is "" (null) or " " + the value's text; never strip the text itself.
            text = head[1:] if head else "null"
            lines.append(f"{indent}- {text}")
            lines.extend(rest)
    return lines


@with_recursion_room
def export_workflow(workflow: Workflow, *, indent: int = 4) -> str:
    """Fresh `.dig` text for *workflow* (its file's formatting is not consulted).

    Top-level tasks are separated by blank lines. ``to_data(load_workflow(export_workflow(w)))``
    equals ``to_data(w)`` for every model.
    """
    raw = workflow.to_raw()
    text = _emit(raw, indent)
    # Our own output is checked like any write: it must read back as exactly this data.
    try:
        back = resolve_document(parse_source(text), None)
    except DigError as exc:
        raise DigWriteError(
            f"cannot write workflow {workflow.name!r} as YAML: the text would not parse "
            f"({exc.message})"
        ) from None
    if not raw_equal(back, raw):
        raise DigWriteError(
            f"cannot write workflow {workflow.name!r}: the text would not read back as the model"
        )
    return text


def _emit(raw: DataTree, indent: int) -> str:
    unit = " " * indent
    out: list[str] = []
    prev_block = False
    for key, value in raw.items():
        lines = mapping_lines({key: value}, "", unit)
        is_task = key.startswith("+") or key in ("_error", "_check") or is_include_entry(key, value)
        if out and (is_task or prev_block):
            out.append("")
        out.extend(lines)
        prev_block = is_task
    return "\n".join(out) + "\n" if out else "{}\n"
