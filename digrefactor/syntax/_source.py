"""SourceDoc: the original text of a YAML file plus every node's exact span and style.

Built from libyaml's event parser (``ruamel.yaml.clib``), which reports character offsets for
every event. Nothing here interprets values the way Digdag does (that is the dialect layer's
job); this layer only knows text.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

import _ruamel_yaml as _c
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from digrefactor._errors import DigSyntaxError

__all__ = [
    "AliasNode",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "SourceDoc",
    "decode_source",
    "parse_source",
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
    return doc


def _is_tab_indent(text: str, line_start: int, offset: int) -> bool:
    """True when the error sits in a line's leading white space and that holds a tab."""
    lead = text[line_start : offset + 1]
    return "\t" in lead and not lead.strip(" \t")


def _compose(doc: SourceDoc, body: str, base: int) -> None:
    parser = _c.CParser(body)
    get_event = parser.get_event
    scalar_event = _c.ScalarEvent
    mapping_start = _c.MappingStartEvent
    mapping_end = _c.MappingEndEvent
    sequence_start = _c.SequenceStartEvent
    sequence_end = _c.SequenceEndEvent
    alias_event = _c.AliasEvent
    document_start = _c.DocumentStartEvent

    anchors: dict[str, Node] = {}
    # The open collections (outer ones on the stack): the current one, whether it is a
    # mapping, and for mappings the key waiting for its value. A hot loop: kept in locals.
    stack: list[tuple[Node | None, bool, Node | None]] = []
    current: Node | None = None
    is_map = False
    pending: Node | None = None
    documents = 0
    root: Node | None = None

    while True:
        ev = get_event()
        if ev is None:
            break
        cls = type(ev)
        node: Node
        if cls is scalar_event:
            style = ev.style or ""
            tag = ev.tag
            if tag == "!":
                tag = None
            anchor = ev.anchor
            node = ScalarNode(
                ev.value,
                style,
                tag,
                anchor,
                ev.start_mark.index + base,
                ev.end_mark.index + base,
            )
            if anchor is not None:
                anchors[anchor] = node
        elif cls is mapping_start or cls is sequence_start:
            tag = ev.tag if ev.tag not in (None, "!") else None
            anchor = ev.anchor
            start = ev.start_mark.index + base
            if cls is mapping_start:
                node = MappingNode(bool(ev.flow_style), tag, anchor, start)
            else:
                node = SequenceNode(bool(ev.flow_style), tag, anchor, start)
            if anchor is not None:
                anchors[anchor] = node
        elif cls is mapping_end or cls is sequence_end:
            closed = current
            assert closed is not None
            if closed.flow:  # type: ignore[attr-defined]
                closed.end = ev.end_mark.index + base
            else:
                # Block collections end where their last child ends (libyaml's end mark sits at
                # the next token, after comments and blank lines that belong to what follows).
                last = _last_child(closed)
                closed.end = last.end if last is not None else closed.start
            current, is_map, pending = stack.pop()
            continue
        elif cls is alias_event:
            target = anchors.get(ev.anchor)
            start = ev.start_mark.index + base
            if target is None:  # libyaml reports undefined aliases itself; keep a guard
                raise doc.error(f"found undefined alias {ev.anchor!r}", start)
            node = AliasNode(target, start, ev.end_mark.index + base)
        else:
            if cls is document_start:
                documents += 1
                if documents == 2:
                    doc.second_document_at = ev.start_mark.index + base
            continue
        # Attach the new node to the open collection (or make it the first document's root).
        if current is None:
            if documents == 1:
                root = node
        elif is_map:
            if pending is None:
                pending = node
            else:
                current.pairs.append((pending, node))  # type: ignore[attr-defined]
                pending = None
        else:
            current.items.append(node)  # type: ignore[attr-defined]
        if cls is mapping_start or cls is sequence_start:
            stack.append((current, is_map, pending))
            current, is_map, pending = node, cls is mapping_start, None
    doc.root = root
    doc.document_count = documents


def _last_child(node: Node) -> Node | None:
    if isinstance(node, MappingNode):
        return node.pairs[-1][1] if node.pairs else None
    if isinstance(node, SequenceNode):
        return node.items[-1] if node.items else None
    return None
