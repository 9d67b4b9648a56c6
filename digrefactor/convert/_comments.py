"""Comments of a `.dig` file, attached to the entries they describe.

YAML comments live in the text between node spans. Each one is given to exactly one place:

* a full-line comment goes *before* the next entry (mapping pair or sequence item), unless it
  is indented deeper than that entry and sits after a nested block: then it closes that block;
* an end-of-line comment goes *after* the outermost entry that starts on its line, or after the
  opening of that entry's block value when the value starts on a later line (``+task:  # x``).

The converter asks for the comments of each entry it renders and takes them (each comment is
handed out once); whatever is never asked for is reported by :meth:`SourceComments.leftover`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from digrefactor.syntax import AliasNode, MappingNode, Node, ScalarNode, SequenceNode, SourceDoc

__all__ = ["EntryComments", "SourceComments", "normalize_comment"]

# A comment starts at `#` preceded by white space or the start of a line (YAML's rule).
_COMMENT = re.compile(r"(?:(?<=[ \t])|^)#[^\n]*", re.MULTILINE)

# Comment prefixes Python tools act on; a YAML comment must not switch such a tool on or off.
_PRAGMAS = re.compile(r"^\s*(type:|noqa\b|fmt:|ruff:|mypy:|pyright:|isort:|pragma\b)", re.I)


def normalize_comment(text: str) -> str:
    """A YAML comment (``#...``) as a Python comment that ``ruff format`` leaves unchanged."""
    body = text[1:].rstrip().replace("\t", " ")
    if _PRAGMAS.match(body):
        # Keep the words, lose the effect: tools only read these at the comment's start.
        body = " (yaml)" + (body if body.startswith(" ") else " " + body)
    elif body and body[0] not in " !:#":
        body = " " + body
    return "#" + body


@dataclass
class EntryComments:
    """Comments of one entry: lines before it, after it, and after its block value's opening."""

    leading: list[str] = field(default_factory=list)
    trailing: str | None = None
    opening: str | None = None

    def __bool__(self) -> bool:
        return bool(self.leading or self.trailing or self.opening)


@dataclass
class _Entry:
    container: Node
    index: int
    start: int
    line: int
    column: int
    value: Node | None


@dataclass
class _Comment:
    offset: int
    text: str
    taken: bool = False


class SourceComments:
    """The comments of one :class:`SourceDoc`, assigned to entries and block ends."""

    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self._entries: list[_Entry] = []
        self._by_key: dict[tuple[int, int], _Entry] = {}
        self._comments: list[_Comment] = []
        self._leading: dict[tuple[int, int], list[_Comment]] = {}
        self._trailing: dict[tuple[int, int], _Comment] = {}
        self._opening: dict[tuple[int, int], _Comment] = {}
        self._closing: dict[int, list[_Comment]] = {}
        leaves: list[Node] = []
        if doc.root is not None:
            self._collect(doc.root, leaves)
        self._entries.sort(key=lambda e: e.start)  # stable: outer entries stay first on ties
        self._starts = [e.start for e in self._entries]
        self._scan(leaves)
        self._assign()

    # ------------------------------------------------------------------ public

    def entry(self, container: Node | None, index: int) -> EntryComments:
        """Take the comments of entry *index* of a mapping or sequence node."""
        out = EntryComments()
        if container is None:
            return out
        key = (id(container), index)
        for c in self._leading.pop(key, []):
            out.leading.append(self._take(c))
        trailing = self._trailing.pop(key, None)
        if trailing is not None:
            out.trailing = self._take(trailing)
        opening = self._opening.pop(key, None)
        if opening is not None:
            out.opening = self._take(opening)
        return out

    def closing(self, container: Node | None) -> list[str]:
        """Take the comments that end a block (after its last entry, indented like its entries)."""
        if container is None:
            return []
        return [self._take(c) for c in self._closing.pop(id(container), [])]

    def leftover(self) -> list[str]:
        """Comments nobody took, in file order (their entries were not rendered)."""
        return [normalize_comment(c.text) for c in self._comments if not c.taken]

    @property
    def count(self) -> int:
        return len(self._comments)

    # ------------------------------------------------------------------ building

    def _take(self, comment: _Comment) -> str:
        comment.taken = True
        return normalize_comment(comment.text)

    def _collect(self, node: Node, leaves: list[Node]) -> None:
        if isinstance(node, (ScalarNode, AliasNode)):
            leaves.append(node)
            return
        if isinstance(node, MappingNode):
            for i, (k, v) in enumerate(node.pairs):
                self._add_entry(node, i, k.start, v)
                self._collect(k, leaves)
                self._collect(v, leaves)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.items):
                self._add_entry(node, i, item.start, item)
                self._collect(item, leaves)

    def _add_entry(self, container: Node, index: int, start: int, value: Node) -> None:
        line, col = self.doc.line_col(start)
        entry = _Entry(container, index, start, line, col, value)
        self._entries.append(entry)
        self._by_key[(id(container), index)] = entry

    def _scan(self, leaves: list[Node]) -> None:
        """Find comments in the gaps between scalar spans (never inside a scalar)."""
        text = self.doc.text
        leaves.sort(key=lambda n: n.start)
        pos = 0
        for leaf in [*leaves, None]:
            end = leaf.start if leaf is not None else len(text)
            if end > pos:
                gap = text[pos:end]
                if "#" in gap:
                    for m in _COMMENT.finditer(gap):
                        start = pos + m.start()
                        if start > 0 and m.start() == 0 and text[start - 1] not in " \t\n":
                            continue  # `#` glued to the scalar before it is not a comment
                        self._comments.append(_Comment(start, m.group().rstrip("\r")))
            if leaf is not None:
                pos = max(pos, leaf.end)

    def _assign(self) -> None:
        for comment in self._comments:
            line_start = self.doc.line_start(comment.offset)
            full_line = not self.doc.text[line_start : comment.offset].strip()
            if not full_line and self._assign_end_of_line(comment):
                continue
            self._assign_full_line(comment)

    def _assign_end_of_line(self, comment: _Comment) -> bool:
        line, _ = self.doc.line_col(comment.offset)
        i = bisect.bisect_left(self._starts, self.doc.line_start(comment.offset))
        while i < len(self._entries) and self._entries[i].start < comment.offset:
            entry = self._entries[i]
            if entry.line == line:
                key = (id(entry.container), entry.index)
                value = entry.value
                if (
                    isinstance(value, (MappingNode, SequenceNode))
                    and not value.flow
                    and self.doc.line_col(value.start)[0] > line
                    and key not in self._opening
                ):
                    self._opening[key] = comment
                    return True
                if key not in self._trailing:
                    self._trailing[key] = comment
                    return True
                return False
            i += 1
        return False

    def _assign_full_line(self, comment: _Comment) -> None:
        _, column = self.doc.line_col(comment.offset)
        i = bisect.bisect_right(self._starts, comment.offset)
        nxt = self._entries[i] if i < len(self._entries) else None
        if nxt is not None:
            previous = (
                self._by_key.get((id(nxt.container), nxt.index - 1)) if nxt.index > 0 else None
            )
            if column <= nxt.column or previous is None:
                self._leading.setdefault((id(nxt.container), nxt.index), []).append(comment)
                return
            block = self._closing_block(previous, column)
            if block is None:
                self._leading.setdefault((id(nxt.container), nxt.index), []).append(comment)
                return
        else:
            root = self.doc.root
            if not isinstance(root, (MappingNode, SequenceNode)):
                return  # left over: nothing in the file to hang it on
            last = _last_entry_index(root)
            block = root
            if last is not None:
                deeper = self._closing_block(self._by_key[(id(root), last)], column)
                block = deeper if deeper is not None else root
        self._closing.setdefault(id(block), []).append(comment)

    def _closing_block(self, previous: _Entry, column: int) -> Node | None:
        """The deepest block ending with *previous* whose entries sit at or left of *column*."""
        block: Node | None = None
        entry: _Entry | None = previous
        while entry is not None:
            value = entry.value
            if not isinstance(value, (MappingNode, SequenceNode)) or value.flow:
                break
            last = _last_entry_index(value)
            if last is None:
                break
            inner = self._by_key[(id(value), last)]
            if inner.column > column:
                break
            block, entry = value, inner
        return block


def _last_entry_index(node: Node) -> int | None:
    if isinstance(node, MappingNode):
        return len(node.pairs) - 1 if node.pairs else None
    if isinstance(node, SequenceNode):
        return len(node.items) - 1 if node.items else None
    return None
