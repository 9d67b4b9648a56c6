"""SourceDoc: the original text of a YAML file plus every node's exact span and style.

Built from libyaml's event parser (``ruamel.yaml.clib``), which reports character offsets for
every event. Nothing here interprets values the way Digdag does (that is the dialect layer's
job); this layer only knows text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import _ruamel_yaml as _c
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from digrefactor._errors import DigSyntaxError
from digrefactor._limits import MAX_NESTING_DEPTH

__all__ = [
    "AliasNode",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "SourceDoc",
    "decode_source",
    "parse_source",
    "walk_nodes",
]

_BOM = "\ufeff"


class Node:
    """A YAML node and its span ``[start, end)`` in the document text (character offsets)."""

    __slots__ = ("anchor", "end", "start", "tag")

    start: int
    end: int
    tag: str | None
    anchor: str | None


class ScalarNode(Node):
    """A scalar; ``style`` is ``""`` (plain), ``"'"``, ``'"'``, ``"|"`` or ``">"``."""

    __slots__ = ("style", "value")

    def __init__(
        self, value: str, style: str, tag: str | None, anchor: str | None, start: int, end: int
    ) -> None:
        self.value = value
        self.style = style
        self.tag = tag
        self.anchor = anchor
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"ScalarNode({self.value!r}, style={self.style!r}, {self.start}:{self.end})"


class SequenceNode(Node):
    __slots__ = ("flow", "items")

    def __init__(self, flow: bool, tag: str | None, anchor: str | None, start: int) -> None:
        self.items: list[Node] = []
        self.flow = flow
        self.tag = tag
        self.anchor = anchor
        self.start = start
        self.end = start

    def __repr__(self) -> str:
        return f"SequenceNode({len(self.items)} items, flow={self.flow}, {self.start}:{self.end})"


class MappingNode(Node):
    __slots__ = ("flow", "pairs")

    def __init__(self, flow: bool, tag: str | None, anchor: str | None, start: int) -> None:
        self.pairs: list[tuple[Node, Node]] = []
        self.flow = flow
        self.tag = tag
        self.anchor = anchor
        self.start = start
        self.end = start

    def __repr__(self) -> str:
        return f"MappingNode({len(self.pairs)} pairs, flow={self.flow}, {self.start}:{self.end})"


class AliasNode(Node):
    """``*name``; ``target`` is the anchored node it refers to."""

    __slots__ = ("target",)

    def __init__(self, target: Node, start: int, end: int) -> None:
        self.target = target
        self.tag = None
        self.anchor = None
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"AliasNode(*{self.target.anchor}, {self.start}:{self.end})"


@dataclass
class SourceDoc:
    """A parsed file: exact text, root node, and helpers to map offsets to lines."""

    text: str
    root: Node | None
    path: str | None = None
    #: The number of documents found (Digdag accepts exactly one).
    document_count: int = 1
    #: Offset of the second document's start, when there is one (for the error position).
    second_document_at: int | None = None
    #: How deeply mappings and lists nest (0 for a scalar root).
    depth: int = 0
    _line_starts: list[int] | None = field(default=None, repr=False)

    @property
    def has_bom(self) -> bool:
        return self.text.startswith(_BOM)

    @property
    def newline(self) -> str:
        """The dominant line ending of the file (``"\\n"`` when there is none)."""
        crlf = self.text.count("\r\n")
        lf = self.text.count("\n") - crlf
        return "\r\n" if crlf > lf else "\n"

    def mixed_line_endings(self) -> tuple[int, str] | None:
        """(offset, message) of the first line ending that differs from the file's usual one.

        Digdag reads such files fine; it is still worth a warning, because editors and diffs
        disagree about them and new lines can only follow one style.
        """
        text = self.text
        crlf = text.count("\r\n")
        lf = text.count("\n") - crlf
        cr = text.count("\r") - crlf
        kinds = {"CRLF": crlf, "LF": lf, "CR": cr}
        used = {k: n for k, n in kinds.items() if n}
        if len(used) < 2:
            return None
        usual = max(used, key=lambda k: used[k])
        for i, ch in enumerate(text):
            if ch == "\n" and (i == 0 or text[i - 1] != "\r"):
                kind = "LF"
            elif ch == "\r":
                kind = "CRLF" if text[i + 1 : i + 2] == "\n" else "CR"
            else:
                continue
            if kind != usual:
                counts = ", ".join(f"{n} {k}" for k, n in used.items())
                return i, (
                    f"mixed line endings ({counts}); this line ends with {kind}, most with "
                    f"{usual}, and new lines will be written with {usual}"
                )
        return None  # pragma: no cover - a minority kind always has a first occurrence

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            text = self.text
            i = text.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        starts = self.line_starts
        line = bisect.bisect_right(starts, offset) - 1
        column = offset - starts[line] + 1
        if line == 0 and self.text.startswith(_BOM) and offset > 0:
            column -= 1  # the BOM is not a column
        return line + 1, column

    def line_start(self, offset: int) -> int:
        starts = self.line_starts
        return starts[bisect.bisect_right(starts, offset) - 1]

    def line_end(self, offset: int) -> int:
        """Offset of the line break ending the line that holds *offset* (or len(text))."""
        i = self.text.find("\n", offset)
        if i < 0:
            return len(self.text)
        return i - 1 if i > 0 and self.text[i - 1] == "\r" else i

    def indent_of(self, offset: int) -> int:
        """Column (0-based) of *offset* on its line (a leading BOM is not a column)."""
        start = self.line_start(offset)
        if start == 0 and self.text.startswith(_BOM):
            start = 1
        return offset - start

    def error(
        self, message: str, offset: int, cls: type[DigSyntaxError] = DigSyntaxError
    ) -> Exception:
        line, col = self.line_col(offset)
        return cls(message, path=self.path, line=line, column=col)


def decode_source(data: bytes, path: str | Path | None = None) -> str:
    """Decode file bytes as UTF-8 (Digdag reads every file as UTF-8), with a located error."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise DigSyntaxError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); Digdag reads .dig files as UTF-8",
            path=str(path) if path is not None else None,
            line=line,
            column=col,
        ) from None


def parse_source(text: str, path: str | Path | None = None) -> SourceDoc:
    """Parse *text* into a :class:`SourceDoc` (all documents are scanned, the first is kept)."""
    spath = str(path) if path is not None else None
    doc = SourceDoc(text=text, root=None, path=spath)
    base = 1 if text.startswith(_BOM) else 0
    body = text[base:] if base else text
    stand_in = _bom_stand_in(body)
    if stand_in is not None:
        body = _BOM_AT_LINE_START.sub(stand_in, body)
    try:
        _compose(doc, body, base)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        offset = mark.index + base if mark is not None else 0
        if _is_tab_indent(text, doc.line_start(offset), offset):
            problem = "tab character used as indentation; YAML allows only spaces there"
        raise doc.error(problem, offset) from None
    except ReaderError as exc:
        offset = (exc.position or 0) + base
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise doc.error(f"special character {char} is not allowed in YAML", offset) from None
    except YAMLError as exc:  # pragma: no cover - libyaml reports marks for all we have seen
        raise DigSyntaxError(str(exc), path=spath) from None
    except UnicodeEncodeError as exc:
        # Text from Python code may hold a lone surrogate, which no file can.
        offset = exc.start + base
        raise doc.error(
            f"lone surrogate U+{ord(body[exc.start]):04X} is not a character; "
            "text from a file never holds one (decode with errors='strict')",
            offset,
        ) from None
    if stand_in is not None:
        _restore_bom(doc.root, stand_in)
    return doc


# libyaml skips a byte-order mark at the start of any line; SnakeYAML only at the very start of
# the stream (Java's reader keeps it), so Digdag reads any other one as text: a second BOM makes
# `\ufeff+task` a key of its own. To read like Digdag, such BOMs reach libyaml as a private-use
# character the text does not hold, and become U+FEFF again in the values.
_BOM_AT_LINE_START = re.compile(r"(?<=[\n\r])\ufeff|^\ufeff")


def _bom_stand_in(body: str) -> str | None:
    if _BOM not in body or _BOM_AT_LINE_START.search(body) is None:
        return None
    for code in range(0xF8FF, 0xE000, -1):
        if chr(code) not in body:
            return chr(code)
    raise DigSyntaxError(  # pragma: no cover - needs 6,400 distinct private-use characters
        "cannot read a byte-order mark inside the text of this file"
    )


def _restore_bom(root: Node | None, stand_in: str) -> None:
    for node in walk_nodes(root):
        if isinstance(node, ScalarNode) and stand_in in node.value:
            node.value = node.value.replace(stand_in, _BOM)


def walk_nodes(root: Node | None) -> Iterator[Node]:
    """Every node under *root* (keys too; aliases as themselves), without recursion."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, MappingNode):
            for key, value in node.pairs:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.items)


def _is_tab_indent(text: str, line_start: int, offset: int) -> bool:
    """True when the error sits in a line's leading white space and that holds a tab."""
    lead = text[line_start : offset + 1]
    return "\t" in lead and not lead.strip(" \t")


def _compose(doc: SourceDoc, body: str, base: int) -> None:
    parser = _c.CParser(body)
    get_event = parser.get_event
    ScalarEvent = _c.ScalarEvent
    MappingStartEvent = _c.MappingStartEvent
    MappingEndEvent = _c.MappingEndEvent
    SequenceStartEvent = _c.SequenceStartEvent
    SequenceEndEvent = _c.SequenceEndEvent
    AliasEvent = _c.AliasEvent
    DocumentStartEvent = _c.DocumentStartEvent

    anchors: dict[str, Node] = {}
    # Stack of open collections; for mappings a pending key is kept alongside.
    stack: list[Node] = []
    pending_key: list[Node | None] = []
    documents = 0
    depth = 0
    root: Node | None = None

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            if documents == 1:
                root = node
            return
        parent = stack[-1]
        if isinstance(parent, MappingNode):
            key = pending_key[-1]
            if key is None:
                pending_key[-1] = node
            else:
                parent.pairs.append((key, node))
                pending_key[-1] = None
        else:
            parent.items.append(node)  # type: ignore[attr-defined]

    while True:
        ev = get_event()
        if ev is None:
            break
        cls = type(ev)
        if cls is ScalarEvent:
            style = ev.style or ""
            tag = ev.tag
            if tag == "!" or (tag is not None and style == "" and ev.implicit[0] and tag == "!"):
                tag = None
            node: Node = ScalarNode(
                ev.value,
                style,
                tag,
                ev.anchor,
                ev.start_mark.index + base,
                ev.end_mark.index + base,
            )
            if ev.anchor is not None:
                anchors[ev.anchor] = node
            attach(node)
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            tag = ev.tag if ev.tag not in (None, "!") else None
            start = ev.start_mark.index + base
            if len(stack) >= MAX_NESTING_DEPTH:
                # Checked as the events stream in, so a runaway `[[[[...` stops here at once.
                raise doc.error(
                    f"mappings and lists nest more than {MAX_NESTING_DEPTH} levels deep here; "
                    "digrefactor stops at that depth (Digdag's Java stack overflows from about "
                    "700 nested tasks)",
                    start,
                )
            kind = MappingNode if cls is MappingStartEvent else SequenceNode
            node = kind(bool(ev.flow_style), tag, ev.anchor, start)
            if ev.anchor is not None:
                anchors[ev.anchor] = node
            attach(node)
            stack.append(node)
            pending_key.append(None)
            if len(stack) > depth:
                depth = len(stack)
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            node = stack.pop()
            pending_key.pop()
            if node.flow:  # type: ignore[attr-defined]
                node.end = ev.end_mark.index + base
            else:
                # Block collections end where their last child ends (libyaml's end mark sits at
                # the next token, after comments and blank lines that belong to what follows).
                last = _last_child(node)
                node.end = last.end if last is not None else node.start
        elif cls is AliasEvent:
            target = anchors.get(ev.anchor)
            start = ev.start_mark.index + base
            if target is None:  # libyaml reports undefined aliases itself; keep a guard
                raise doc.error(f"found undefined alias {ev.anchor!r}", start)
            attach(AliasNode(target, start, ev.end_mark.index + base))
        elif cls is DocumentStartEvent:
            documents += 1
            if documents == 2:
                doc.second_document_at = ev.start_mark.index + base
    doc.root = root
    doc.document_count = documents
    doc.depth = depth


def _last_child(node: Node) -> Node | None:
    if isinstance(node, MappingNode):
        return node.pairs[-1][1] if node.pairs else None
    if isinstance(node, SequenceNode):
        return node.items[-1] if node.items else None
    return None
