"""Where the cursor is, read from the lines of the text: works while the YAML is half typed.

Completion and hover run on every keystroke, when the file often does not parse (``  sh`` with
no colon yet). So the context of a position is read line by line: each ``key:`` line is an
entry with its indentation, and the keys enclosing a position are the nearest entries above it
with less indentation. Block scalars (``|``, ``>``) are skipped so SQL text is not read as keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Context", "Entry", "context_at", "outline"]

_ENTRY = re.compile(
    r"""^(?P<lead>[ ]*(?:-[ ]+)*)
        (?P<key>"[^"\n]*"|'[^'\n]*'|!include[ ]*|[^\s#'"{}\[\],:-][^:#\n]*?|-[^\s:#][^:#\n]*?)
        [ ]*:(?=[ \t]|$)[ \t]*(?P<value>.*)$""",
    re.VERBOSE,
)
_BLOCK_SCALAR = re.compile(r"^[|>][0-9+-]*\s*(#.*)?$")


@dataclass(frozen=True)
class Entry:
    """A ``key: value`` line (0-based line and columns; the key without quotes)."""

    line: int
    indent: int
    key: str
    start: int
    end: int
    value: str
    value_start: int


def _strip_comment(value: str) -> str:
    if value.startswith(("'", '"')):
        return value.rstrip()
    cut = value.find(" #")
    return (value[:cut] if cut >= 0 else ("" if value.startswith("#") else value)).rstrip()


def outline(text: str) -> list[Entry | None]:
    """One item per line: its entry, or ``None`` (blank, comment, list value, block text)."""
    out: list[Entry | None] = []
    block_indent: int | None = None
    for number, line in enumerate(text.splitlines()):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                out.append(None)
                continue
            block_indent = None
        match = _ENTRY.match(line)
        if match is None or stripped.startswith("#"):
            out.append(None)
            continue
        raw_key = match.group("key").rstrip()
        key = raw_key[1:-1] if raw_key[:1] in "'\"" and len(raw_key) > 1 else raw_key
        if raw_key.startswith("!include"):
            key = "!include"
        start = match.start("key")
        value = _strip_comment(match.group("value"))
        entry = Entry(number, start, key, start, start + len(raw_key), value, match.start("value"))
        out.append(entry)
        if _BLOCK_SCALAR.match(value):
            block_indent = start
    return out


@dataclass
class Context:
    """What surrounds a position.

    ``path`` holds the keys of the enclosing mappings (outermost first); ``siblings`` the keys
    of the mapping the position is in; ``on_key`` the entry whose key the position touches,
    ``in_value`` the entry whose value it is in; ``prefix`` what is typed before the position
    on a line that is not an entry yet.
    """

    path: list[Entry] = field(default_factory=list)
    siblings: list[Entry] = field(default_factory=list)
    on_key: Entry | None = None
    in_value: Entry | None = None
    prefix: str = ""

    @property
    def keys(self) -> list[str]:
        return [e.key for e in self.path]


def context_at(text: str, line: int, character: int) -> Context:
    entries = outline(text)
    lines = text.splitlines()
    current = lines[line] if line < len(lines) else ""
    entry = entries[line] if line < len(entries) else None
    ctx = Context()
    if entry is not None:
        indent = entry.indent
        if entry.start <= character <= entry.end:
            ctx.on_key = entry
        elif character >= entry.value_start:
            ctx.in_value = entry
    else:
        before = current[:character]
        typed = before.lstrip(" ")
        if typed.startswith("- "):
            typed = typed[2:].lstrip(" ")
        indent = character - len(typed)
        ctx.prefix = typed
    # Enclosing keys: nearest entries above with less indentation.
    path: list[Entry] = []
    limit = indent
    for number in range(line - 1, -1, -1):
        above = entries[number]
        if above is None:
            continue
        if above.indent < limit:
            path.append(above)
            limit = above.indent
            if limit == 0:
                break
    ctx.path = list(reversed(path))
    ctx.siblings = _block(entries, ctx.path[-1] if ctx.path else None, indent)
    return ctx


def _block(entries: list[Entry | None], parent: Entry | None, indent: int) -> list[Entry]:
    """Entries directly under *parent* (the top level when ``None``)."""
    first = parent.line + 1 if parent is not None else 0
    parent_indent = parent.indent if parent is not None else -1
    child_indent: int | None = None
    out: list[Entry] = []
    for entry in entries[first:]:
        if entry is None:
            continue
        if entry.indent <= parent_indent:
            break
        if child_indent is None:
            child_indent = entry.indent
        if entry.indent == child_indent:
            out.append(entry)
    return out
