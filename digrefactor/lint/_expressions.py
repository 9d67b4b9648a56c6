"""``${...}`` in values: where the expressions are and which variables they read.

Digdag evaluates every string value of an operator task as a template just before the task
runs (``ConfigEvalEngine``, ``digdag.js``): ``${expr}`` is JavaScript evaluated with the task's
parameters as variables, ``${name:...}`` (lowercase letters and a colon, e.g.
``${secret:key}``) is left to the operator. This module finds the expressions and the variables
an expression reads: identifiers that are not property names (``td.last_job_id`` reads ``td``),
object keys, function parameters, JavaScript globals or Digdag's bundled ``moment``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["JS_GLOBALS", "Expression", "read_variables", "template_expressions"]

#: `${name:...}` is an operator-defined template (secrets), never evaluated as JavaScript.
_OPERATOR_TEMPLATE = re.compile(r"[a-z]+:")

#: Names a JavaScript expression can use without a parameter defining them.
JS_GLOBALS = frozenset(
    {
        # literals and keywords
        "true", "false", "null", "undefined", "NaN", "Infinity", "this", "typeof", "instanceof",
        "new", "in", "of", "void", "delete", "function", "return", "var", "let", "const", "if",
        "else", "for", "while", "do", "switch", "case", "default", "break", "continue", "try",
        "catch", "finally", "throw",
        # standard objects and functions
        "Math", "JSON", "Date", "String", "Number", "Boolean", "Array", "Object", "RegExp",
        "Error", "parseInt", "parseFloat", "isNaN", "isFinite", "encodeURIComponent",
        "decodeURIComponent", "encodeURI", "decodeURI", "escape", "unescape", "arguments",
        # digdag.js: moment.js is bundled; the template function's own helpers
        "moment", "print", "__p", "__t", "__j",
    }
)  # fmt: skip

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<template>`)
  | (?P<number>(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>\?\.|=>|\.\.\.|[.,:;?(){}\[\]]|[-+*/%=!<>&|^~]+)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Expression:
    """One ``${...}`` of a string: its code and where it sits in the string (``${`` to ``}``)."""

    code: str
    start: int
    end: int


def template_expressions(text: str) -> Iterator[Expression]:
    """The JavaScript expressions of *text*, as Digdag's template engine finds them.

    Braces inside an expression nest (``${ {a: 1}.a }``); an unterminated ``${`` is text.
    """
    pos = 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            return
        body = start + 2
        if _OPERATOR_TEMPLATE.match(text, body):
            pos = body
            continue
        depth = 0
        for i in range(body, len(text)):
            ch = text[i]
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    yield Expression(text[body:i], start, i + 1)
                    pos = i + 1
                    break
                depth -= 1
        else:
            return


def read_variables(code: str) -> list[str] | None:
    """Variables *code* reads, in order of first use; ``None`` when it cannot be read reliably.

    A variable is an identifier that is not after ``.``, not an object key (``{key: ...}``),
    not a parameter of a function or arrow function in the expression and not a global.
    """
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(code):
        match = _TOKEN.match(code, pos)
        if match is None:
            return None  # something this reader does not know (a regex literal...)
        kind = match.lastgroup or ""
        if kind == "template":
            return None  # a template literal can nest ${...}: not worth guessing
        if kind != "space":
            tokens.append((kind, match.group()))
        pos = match.end()
    local = _local_names(tokens)
    out: list[str] = []
    for i, (kind, text) in enumerate(tokens):
        if kind != "name" or text in JS_GLOBALS or text in local:
            continue
        before = tokens[i - 1][1] if i > 0 else ""
        after = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if before in (".", "?."):
            continue
        if after == ":" and before in ("{", ","):
            continue  # an object literal's key
        if text not in out:
            out.append(text)
    return out


def _local_names(tokens: list[tuple[str, str]]) -> set[str]:
    """Names an expression defines itself: function and arrow parameters, var/let/const."""
    local: set[str] = set()
    for i, (kind, text) in enumerate(tokens):
        if text == "=>":
            j = i - 1
            if j >= 0 and tokens[j][0] == "name":
                local.add(tokens[j][1])  # x => ...
            elif j >= 0 and tokens[j][1] == ")":
                local.update(_parenthesised_names(tokens, j))  # (a, b) => ...
        elif kind == "name" and text == "function":
            j = i + 1
            if j < len(tokens) and tokens[j][0] == "name":
                local.add(tokens[j][1])
                j += 1
            if j < len(tokens) and tokens[j][1] == "(":
                close = _matching_paren(tokens, j)
                local.update(_parenthesised_names(tokens, close))
        elif (
            kind == "name"
            and text in ("var", "let", "const")
            and i + 1 < len(tokens)
            and tokens[i + 1][0] == "name"
        ):
            local.add(tokens[i + 1][1])
    return local


def _matching_paren(tokens: list[tuple[str, str]], open_at: int) -> int:
    depth = 0
    for k in range(open_at, len(tokens)):
        if tokens[k][1] == "(":
            depth += 1
        elif tokens[k][1] == ")":
            depth -= 1
            if depth == 0:
                return k
    return len(tokens) - 1


def _parenthesised_names(tokens: list[tuple[str, str]], close_at: int) -> set[str]:
    """Plain names in the parenthesised list ending at *close_at* (function parameters)."""
    names: set[str] = set()
    depth = 0
    for k in range(close_at, -1, -1):
        text = tokens[k][1]
        if text == ")":
            depth += 1
        elif text == "(":
            depth -= 1
            if depth == 0:
                break
        elif tokens[k][0] == "name" and depth == 1:
            names.add(text)
    return names
