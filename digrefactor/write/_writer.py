"""Lossless writes: the difference between two raw trees becomes minimal text edits.

The old raw tree comes from the file's SourceDoc, the new one from the edited models. Scalars
are replaced at their spans (keeping their quote style where the new value allows it), renamed
keys change only the key text, inserted entries are rendered by the exporter in the siblings'
indentation, deleted entries take their lines (and the comments directly above them) along,
and moved entries move as intact text blocks. Every result is re-parsed and must equal the
intended tree; otherwise nothing is written.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from digrefactor._datatree import DataTree, Include, is_include_entry, raw_equal
from digrefactor._errors import DigError, DigWriteError
from digrefactor._limits import with_recursion_room
from digrefactor.dialect import java_key_string, read_raw_text, resolve_document, resolve_plain
from digrefactor.export import (
    double_quoted,
    literal_block,
    literal_ok,
    mapping_lines,
    plain_ok,
    quoted,
    render_scalar,
    sequence_lines,
)
from digrefactor.models import Workflow
from digrefactor.syntax import (
    AliasNode,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    SourceDoc,
    walk_nodes,
)

__all__ = ["rewrite_text", "verify_text"]

_FLOW_UNSAFE = re.compile(r"[,\[\]{}:?]")


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    seq: int


class _Entry:
    """One pair of a mapping (or item of a sequence) with its comparable key."""

    __slots__ = ("ckey", "key", "knode", "vnode")

    def __init__(self, ckey: str, key: str | None, knode: Node | None, vnode: Node) -> None:
        self.ckey = ckey
        self.key = key
        self.knode = knode
        self.vnode = vnode


def _include_ckey(path: str, seen: dict[str, int]) -> str:
    n = seen.get(path, 0)
    seen[path] = n + 1
    return f"\x00include:{path}:{n}"


def _value_key(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=False, default=lambda o: f"\x00{o!r}")
    except (TypeError, ValueError):  # pragma: no cover - raw trees are JSON-compatible
        return repr(value)


def _lcs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence (small inputs: O(n*m))."""
    n, m = len(a), len(b)
    if a == b:
        return [(i, i) for i in range(n)]
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            dp[i][j] = dp[i + 1][j + 1] + 1 if a[i] == b[j] else max(dp[i + 1][j], dp[i][j + 1])
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j]:
            out.append((i, j))
            i += 1
            j += 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


class _Writer:
    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.text = doc.text
        self.nl = doc.newline
        self.edits: list[_Edit] = []
        self.seq = 0

    # ------------------------------------------------------------------ file style

    @functools.cached_property
    def unit(self) -> str:
        """The file's indentation step (found when new lines need it)."""
        return self._detect_unit()

    @functools.cached_property
    def quote(self) -> str:
        """The quote the file mostly uses (found when a new value needs quoting)."""
        return self._detect_quote()

    def _detect_unit(self) -> str:
        root = self.doc.root
        stack: list[tuple[Node, int]] = []
        if isinstance(root, MappingNode) and not root.flow:
            stack.append((root, self.doc.indent_of(root.start)))
        while stack:
            node, col = stack.pop(0)
            if isinstance(node, MappingNode):
                for _, v in node.pairs:
                    if isinstance(v, MappingNode) and not v.flow and v.pairs:
                        child = self.doc.indent_of(v.start)
                        if child > col:
                            return " " * (child - col)
                        stack.append((v, child))
        return "  "

    def _detect_quote(self) -> str:
        singles = doubles = 0
        for node in walk_nodes(self.doc.root):
            if singles + doubles >= 200:
                break
            if isinstance(node, ScalarNode):
                if node.style == "'":
                    singles += 1
                elif node.style == '"':
                    doubles += 1
        return '"' if doubles > singles else "'"

    # ------------------------------------------------------------------ edits

    def edit(self, start: int, end: int, text: str) -> None:
        self.seq += 1
        self.edits.append(_Edit(start, end, text, self.seq))

    def apply(self) -> str:
        edits = sorted(self.edits, key=lambda e: (e.start, e.end, e.seq))
        out: list[str] = []
        pos = 0
        for e in edits:
            if e.start < pos:
                raise DigWriteError("internal error: overlapping text edits", path=self.doc.path)
            out.append(self.text[pos : e.start])
            out.append(e.text)
            pos = e.end
        out.append(self.text[pos:])
        result = "".join(out)
        # A file without a final line break keeps it that way when an edit reached its end.
        if (
            edits
            and edits[-1].end >= len(self.text)
            and not self.text.endswith("\n")
            and result.endswith("\n")
        ):
            result = result.removesuffix(self.nl) if result.endswith(self.nl) else result[:-1]
        return result

    def fail(self, message: str, node: Node | None) -> DigWriteError:
        line = col = None
        if node is not None:
            line, col = self.doc.line_col(node.start)
        return DigWriteError(message, path=self.doc.path, line=line, column=col)

    # ------------------------------------------------------------------ rendering

    def scalar_text(self, value: Any, style: str, in_flow: bool) -> str:
        if isinstance(value, str):
            if style == "'" and "\n" not in value and "\r" not in value and "\t" not in value:
                return "'" + value.replace("'", "''") + "'"
            if style == '"':
                return double_quoted(value)
            if plain_ok(value) and not (in_flow and _FLOW_UNSAFE.search(value)):
                return value
            if self.quote == '"' or "\n" in value or "\t" in value:
                return double_quoted(value)
            return quoted(value)
        return render_scalar(value)

    def flow_text(self, value: Any) -> str:
        if isinstance(value, dict):
            parts = []
            for k, v in value.items():
                if is_include_entry(k, v):
                    raise DigWriteError(
                        "cannot write `!include` inside a flow mapping", path=self.doc.path
                    )
                parts.append(f"{self.scalar_text(k, '', True)}: {self.flow_text(v)}")
            return "{" + ", ".join(parts) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow_text(v) for v in value) + "]"
        return self.scalar_text(value, "", True)

    def lines(self, lines: list[str]) -> str:
        return self.nl.join(lines)

    # ------------------------------------------------------------------ positions

    def line_start(self, pos: int) -> int:
        start = self.text.rfind("\n", 0, pos) + 1
        # The first line starts after a byte-order mark: text put before it would push the
        # BOM into the middle of the file, where Digdag reads it as part of a key.
        if start == 0 and self.doc.has_bom and pos > 0:
            return 1
        return start

    def after_line(self, pos: int) -> int:
        """Position after the line break ending the line of *pos* (or end of text)."""
        i = self.text.find("\n", pos)
        return len(self.text) if i < 0 else i + 1

    def node_end(self, node: Node) -> int:
        """End of a node's last content character (block scalars: before their line breaks)."""
        end = node.end
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            while end > node.start and self.text[end - 1] in "\r\n":
                end -= 1
        elif isinstance(node, (MappingNode, SequenceNode)) and not node.flow:
            last = (
                node.pairs[-1][1]
                if isinstance(node, MappingNode) and node.pairs
                else (node.items[-1] if isinstance(node, SequenceNode) and node.items else None)
            )
            if last is not None:
                return self.node_end(last)
        return end

    def comment_end(self, pos: int) -> int:
        """The end of the line at *pos* when only blanks and a comment follow *pos*, else *pos*."""
        text = self.text
        i = pos
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == "#":
            while i < len(text) and text[i] not in "\r\n":
                i += 1
            return i
        return pos

    def colon_after(self, knode: Node) -> int:
        """Position just after the ``:`` that follows a key."""
        i = knode.end
        text = self.text
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == ":":
            return i + 1
        raise self.fail("cannot find the ':' after this key", knode)

    def block_span(self, entry: _Entry, first_col: int) -> tuple[int, int]:
        """The lines of a block entry: comments directly above, through its last line."""
        text = self.text
        head = entry.knode if entry.knode is not None else entry.vnode
        start = self.line_start(head.start)
        # Comments directly above (same column, no blank line between) belong to the entry.
        while start > 0:
            prev_start = self.line_start(start - 1)
            prev = text[prev_start:start].rstrip("\r\n")
            stripped = prev.lstrip(" ")
            if stripped.startswith("#") and len(prev) - len(stripped) == first_col:
                start = prev_start
            else:
                break
        end = self.after_line(self.node_end(entry.vnode))
        if isinstance(entry.vnode, ScalarNode) and entry.vnode.style in ("|", ">"):
            end = max(end, entry.vnode.end)  # a block scalar's span holds its trailing blank lines
        # Comment lines right after, indented deeper, are inside the entry.
        while end < len(text):
            nxt_end = self.after_line(end)
            line = text[end:nxt_end].rstrip("\r\n")
            stripped = line.lstrip(" ")
            if stripped.startswith("#") and len(line) - len(stripped) > first_col:
                end = nxt_end
            else:
                break
        return start, end

    # ------------------------------------------------------------------ diff

    def diff(self, node: Node, old: Any, new: Any, ctx: _Ctx) -> None:
        if raw_equal(old, new):
            return
        if isinstance(node, AliasNode):
            raise self.fail(
                "cannot rewrite a value that comes from a YAML alias (*name); edit the anchor",
                node,
            )
        if (
            isinstance(node, MappingNode)
            and isinstance(old, dict)
            and isinstance(new, dict)
            and new
        ):
            if node.flow:
                self.diff_flow_mapping(node, old, new, ctx)
                return
            self.diff_block_mapping(node, old, new, ctx)
            return
        if (
            isinstance(node, SequenceNode)
            and isinstance(old, list)
            and isinstance(new, list)
            and new
        ):
            if len(old) == len(new):
                for item, o, n in zip(node.items, old, new, strict=True):
                    col = self.doc.indent_of(item.start) if not node.flow else ctx.indent
                    self.diff(item, o, n, _Ctx(col, ctx.in_flow or node.flow, item.start))
                return
            if node.flow:
                self.refuse_if_commented(node)
                self.replace(node, new, ctx)
                return
            self.diff_block_sequence(node, old, new, ctx)
            return
        self.replace(node, new, ctx)

    def diff_flow_mapping(self, node: MappingNode, old: DataTree, new: DataTree, ctx: _Ctx) -> None:
        """Same keys: edit values in place. Renamed keys (same places): edit only the keys.
        Anything else rewrites the whole `{...}`, which is refused when it holds comments."""
        entries = self.entries_of(node)
        new_items = self.new_keys(new)
        old_values = list(old.values())
        if len(entries) == len(new_items) and all(
            e.ckey == ckey or self.same_entry(e.ckey, ov, (ckey, key, value))
            for e, ov, (ckey, key, value) in zip(entries, old_values, new_items, strict=True)
        ):
            for e, ov, (ckey, key, value) in zip(entries, old_values, new_items, strict=True):
                inner = _Ctx(ctx.indent, True, e.vnode.start)
                if e.ckey != ckey:
                    if e.key is None or is_include_entry(key, value):
                        break  # includes cannot be written in flow style
                    assert isinstance(e.knode, ScalarNode)
                    self.edit(
                        e.knode.start, e.knode.end, self.scalar_text(key, e.knode.style, True)
                    )
                self.diff(e.vnode, ov, value, inner)
            else:
                return
        self.refuse_if_commented(node)
        self.replace(node, new, ctx)

    def refuse_if_commented(self, node: MappingNode | SequenceNode) -> None:
        """Rewriting a whole flow collection would drop comments inside it: refuse instead."""
        text = list(self.text[node.start : node.end])
        stack: list[Node] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ScalarNode):
                # Quoted or plain scalars may hold '#': blank them out before looking.
                for i in range(current.start - node.start, current.end - node.start):
                    text[i] = " "
            elif isinstance(current, MappingNode):
                for k, v in current.pairs:
                    stack.extend((k, v))
            elif isinstance(current, SequenceNode):
                stack.extend(current.items)
        if "#" in "".join(text):
            raise self.fail(
                "cannot add, remove or reorder entries of this flow collection ({...} or [...]) "
                "without losing the comments inside it; edit it by hand or make it a block",
                node,
            )

    def key_of(self, knode: Node) -> str:
        if isinstance(knode, ScalarNode):
            if knode.tag is None:
                value = resolve_plain(knode.value) if knode.style == "" else knode.value
                return value if isinstance(value, str) else java_key_string(value)
            if knode.tag == "tag:yaml.org,2002:str":
                return knode.value
        raise self.fail("cannot edit a mapping with a complex or tagged key here", knode)

    def entries_of(self, node: MappingNode) -> list[_Entry]:
        out: list[_Entry] = []
        seen: dict[str, int] = {}
        keys: set[str] = set()
        for knode, vnode in node.pairs:
            if isinstance(knode, ScalarNode) and knode.tag == "!include":
                path = vnode.value if isinstance(vnode, ScalarNode) else ""
                out.append(_Entry(_include_ckey(path, seen), None, knode, vnode))
                continue
            if isinstance(knode, ScalarNode) and knode.value == "<<" and knode.style == "":
                raise self.fail(
                    "cannot rewrite a mapping built with a merge key (<<); edit it by hand", knode
                )
            key = self.key_of(knode)
            if key in keys:
                raise self.fail(f"cannot rewrite a mapping that repeats key {key!r}", knode)
            keys.add(key)
            out.append(_Entry(key, key, knode, vnode))
        return out

    @staticmethod
    def new_keys(new: DataTree) -> list[tuple[str, str, Any]]:
        seen: dict[str, int] = {}
        out = []
        for k, v in new.items():
            if is_include_entry(k, v):
                out.append((_include_ckey(v.path, seen), k, v))
            else:
                out.append((k, k, v))
        return out

    def diff_block_mapping(
        self, node: MappingNode, old: DataTree, new: DataTree, ctx: _Ctx
    ) -> None:
        entries = self.entries_of(node)
        if not entries:
            self.replace(node, new, ctx)
            return
        new_items = self.new_keys(new)
        if len(entries) == len(new_items) and all(
            e.ckey == c for e, (c, _, _) in zip(entries, new_items, strict=True)
        ):
            # The same keys in the same order (the usual edit): only values can differ.
            col = self.doc.indent_of(entries[0].knode.start)  # type: ignore[union-attr]
            for e, old_value, (_, _, value) in zip(entries, old.values(), new_items, strict=True):
                if not raw_equal(old_value, value):
                    self.diff(e.vnode, old_value, value, self.child_ctx(e, col))
            return
        old_by_ckey = {e.ckey: e for e in entries}
        # Entries and the old mapping's items correspond one to one (no merges, no repeats).
        old_values = {e.ckey: v for e, v in zip(entries, old.values(), strict=True)}
        old_keys = [e.ckey for e in entries]
        new_ckeys = [c for c, _, _ in new_items]
        col = self.doc.indent_of(entries[0].knode.start)  # type: ignore[union-attr]
        pairs = _lcs(old_keys, new_ckeys)
        both = set(old_keys) & set(new_ckeys)
        matched_old = {i for i, _ in pairs}
        old_of_new = {j: i for i, j in pairs}
        # Pair unmatched old and new keys between the same anchors as renames.
        renames: dict[int, int] = {}
        bounds = [(-1, -1), *pairs, (len(old_keys), len(new_ckeys))]
        for (a_old, a_new), (b_old, b_new) in itertools.pairwise(bounds):
            olds = [i for i in range(a_old + 1, b_old) if old_keys[i] not in both]
            news = [j for j in range(a_new + 1, b_new) if new_ckeys[j] not in both]
            for i, j in zip(olds, news, strict=False):
                if self.same_entry(old_keys[i], old_values[old_keys[i]], new_items[j]):
                    renames[j] = i
        renamed_old = set(renames.values())
        # Where each new entry lands: after the block of the previous new entry that stays.
        # Block spans (comment lines included) are found only when something is inserted.
        anchor: _Entry | None = None
        separated: bool | None = None
        for j, (ckey, key, value) in enumerate(new_items):
            if j in old_of_new:
                e = entries[old_of_new[j]]
                self.diff(e.vnode, old_values[e.ckey], value, self.child_ctx(e, col))
                anchor = e
                continue
            if j in renames:
                e = entries[renames[j]]
                self.rename(e, key, value, old_values[e.ckey], col)
                anchor = e
                continue
            # Inserted (or moved here from elsewhere).
            moved = old_by_ckey.get(ckey) if ckey in both else None
            if moved is not None and raw_equal(old_values[ckey], value):
                s, t = self.block_span(moved, col)
                block = self.text[s:t]
                if not block.endswith("\n"):
                    block += self.nl
            else:
                block = self.lines(mapping_lines({key: value}, " " * col, self.unit)) + self.nl
            if separated is None:
                separated = self.blank_separated(entries, col)
            anchor_end = self.block_span(anchor, col)[1] if anchor is not None else None
            first_start = self.block_span(entries[0], col)[0]
            self.insert_block(block, anchor_end, first_start, separated)
        for i, e in enumerate(entries):
            if i in matched_old or i in renamed_old:
                continue
            self.delete_block(e, col)

    @staticmethod
    def same_entry(old_key: str, old_value: Any, new: tuple[str, str, Any]) -> bool:
        """Whether a key that vanished and one that appeared in its place are one renamed entry.

        Operator keys (``td>`` → ``td_run>``) always are; other keys when their values are
        mostly the same (a renamed task keeps most of its body).
        """
        new_ckey, _, new_value = new
        if old_key.startswith("\x00include:") or new_ckey.startswith("\x00include:"):
            return old_key.startswith("\x00include:") and new_ckey.startswith("\x00include:")
        if old_key.endswith(">") and new_ckey.endswith(">"):
            return True
        if raw_equal(old_value, new_value):
            return True
        a, b = _value_key(old_value), _value_key(new_value)
        return difflib.SequenceMatcher(None, a, b, autojunk=False).quick_ratio() >= 0.6

    def blank_separated(self, entries: list[_Entry], col: int) -> bool:
        """Whether the file separates these entries with blank lines (new ones follow suit).

        Only a consistent style counts: every gap between the entries holds a blank line.
        """
        if len(entries) < 2:
            return False
        for a, b in itertools.pairwise(entries):
            _, end = self.block_span(a, col)
            start, _ = self.block_span(b, col)
            gap = self.text[end:start]
            # Blocks end after a line break, so a further line break in the gap is a blank line.
            if "\n" not in gap:
                return False
        return True

    def insert_block(
        self, block: str, anchor_end: int | None, first_start: int, separated: bool
    ) -> None:
        if anchor_end is None:
            self.edit(first_start, first_start, block + (self.nl if separated else ""))
            return
        prefix = self.nl if separated else ""
        if anchor_end >= len(self.text) and not self.text.endswith("\n"):
            # The file has no final line break: keep it that way after the new block.
            prefix = self.nl + prefix
            block = block.removesuffix(self.nl)
            self.keep_last_block_scalar()
        self.edit(anchor_end, anchor_end, prefix + block)

    def keep_last_block_scalar(self) -> None:
        """Text is about to follow a clip block scalar that ended the file without a line
        break: its value has no final newline, which only strip chomping (``|-``) keeps."""
        node = self.doc.root
        while isinstance(node, (MappingNode, SequenceNode)) and not node.flow:
            if isinstance(node, MappingNode):
                node = node.pairs[-1][1] if node.pairs else None
            else:
                node = node.items[-1] if node.items else None
        if not (isinstance(node, ScalarNode) and node.style in ("|", ">")):
            return
        header_end = self.text.find("\n", node.start)
        header = self.text[node.start : header_end if header_end >= 0 else len(self.text)]
        indicators = header.split("#", 1)[0].rstrip()
        if "-" not in indicators and "+" not in indicators and not node.value.endswith("\n"):
            self.edit(node.start + 1, node.start + 1, "-")

    def delete_block(self, entry: _Entry, col: int) -> None:
        start, end = self.block_span(entry, col)
        text = self.text
        # Avoid leaving two blank lines where one separated the entries.
        before_blank = start >= 2 and text[:start].rstrip(" ").endswith(("\n\n", "\n\r\n"))
        if before_blank:
            nxt = self.after_line(end)
            if end < len(text) and text[end:nxt].strip() == "":
                end = nxt
        self.edit(start, end, "")

    def child_ctx(self, e: _Entry, col: int) -> _Ctx:
        value_start = self.colon_after(e.knode) if e.knode is not None else e.vnode.start
        return _Ctx(col, False, value_start)

    def rename(self, e: _Entry, key: str, value: Any, old_value: Any, col: int) -> None:
        old_is_include = e.key is None
        new_is_include = is_include_entry(key, value)
        if old_is_include and new_is_include:
            path = value.path if isinstance(value, Include) else str(value)
            self.replace(e.vnode, path, self.child_ctx(e, col))
            return
        if old_is_include or new_is_include:
            raise self.fail("cannot turn an !include into a key in place", e.knode)
        assert isinstance(e.knode, ScalarNode)
        self.edit(e.knode.start, e.knode.end, self.scalar_text(key, e.knode.style, False))
        self.diff(e.vnode, old_value, value, self.child_ctx(e, col))

    def diff_block_sequence(
        self, node: SequenceNode, old: list[Any], new: list[Any], ctx: _Ctx
    ) -> None:
        if not node.items:
            self.replace(node, new, ctx)
            return
        dash_col = self.doc.indent_of(self.dash_of(node.items[0]))
        ok = [_value_key(v) for v in old]
        nk = [_value_key(v) for v in new]
        pairs = _lcs(ok, nk)
        matched_new = dict((j, i) for i, j in pairs)
        matched_old = {i for i, _ in pairs}
        entries = [_Entry(str(i), None, None, item) for i, item in enumerate(node.items)]
        anchor_end: int | None = None
        first_start = self.line_start(self.dash_of(node.items[0]))
        for j, value in enumerate(new):
            if j in matched_new:
                anchor_end = self.item_span(entries[matched_new[j]])[1]
                continue
            block = self.lines(sequence_lines([value], " " * dash_col, self.unit)) + self.nl
            self.insert_block(block, anchor_end, first_start, False)
        for i, e in enumerate(entries):
            if i not in matched_old:
                start, end = self.item_span(e)
                self.edit(start, end, "")

    def dash_of(self, item: Node) -> int:
        i = item.start - 1
        while i > 0 and self.text[i] in " \t":
            i -= 1
        if self.text[i] == "-":
            return i
        # Items that are mappings: the dash precedes the first key on the same line.
        return self.line_start(item.start) + (
            len(self.text[self.line_start(item.start) : item.start])
            - len(self.text[self.line_start(item.start) : item.start].lstrip(" "))
        )

    def item_span(self, e: _Entry) -> tuple[int, int]:
        start = self.line_start(self.dash_of(e.vnode))
        end = self.after_line(self.node_end(e.vnode))
        return start, end

    def replace(self, node: Node, new: Any, ctx: _Ctx) -> None:
        """Replace a whole value (scalar or collection) with freshly rendered text."""
        text = self.text
        if ctx.in_flow or (
            isinstance(node, (MappingNode, SequenceNode))
            and node.flow
            and isinstance(new, (dict, list))
            and not (isinstance(new, dict) and any(is_include_entry(k, v) for k, v in new.items()))
        ):
            # Inside a flow collection, or a flow collection that stays one: write flow text.
            self.edit(node.start, node.end, self.flow_text(new))
            return
        is_block_value = (isinstance(new, dict) and new) or (isinstance(new, list) and new)
        if isinstance(node, ScalarNode) and not is_block_value:
            if (
                isinstance(new, str)
                and "\n" in new
                and literal_ok(new)
                and node.style in ("|", ">")
            ):
                indent = self.block_indent(node, ctx)
                rendered = literal_block(new, indent, ctx.indent).replace("\n", self.nl)
                self.edit(node.start, self.node_end(node), rendered)
                return
            if node.start == node.end:  # an empty (null) value right after the colon
                if new is None:
                    return
                if isinstance(new, (dict, list)):
                    self.edit(node.start, node.end, " {}" if isinstance(new, dict) else " []")
                    return
                self.edit(node.start, node.end, " " + self.inline_value(new, ctx))
                return
            if isinstance(new, (dict, list)):  # empty collection
                self.edit(node.start, self.node_end(node), "{}" if isinstance(new, dict) else "[]")
                return
            if new is None:
                self.edit(node.start, self.node_end(node), "null" if node.style else "")
                if not node.style and text[node.start - 1 : node.start] == " ":
                    self.edits[-1].start -= 1
                return
            self.edit(node.start, self.node_end(node), self.inline_value(new, ctx, node.style))
            return
        # Collections, or a scalar becoming a collection: rewrite from the colon/dash.
        start = ctx.value_start
        end = self.node_end(node)
        if not is_block_value:
            if isinstance(node, (MappingNode, SequenceNode)) and not node.flow:
                # The end-of-line comment of the collection's last line goes with it.
                end = self.comment_end(end)
            # After a colon the value needs a space; a root or sequence item does not.
            sep = "" if start == node.start else " "
            if new is None:
                self.edit(start, end, "")
            elif isinstance(new, (dict, list)):
                self.edit(start, end, sep + ("{}" if isinstance(new, dict) else "[]"))
            else:
                self.edit(start, end, sep + self.inline_value(new, ctx))
            return
        indent = " " * ctx.indent + self.unit
        if isinstance(new, dict):
            lines = mapping_lines(new, indent, self.unit)
        else:
            lines = sequence_lines(new, indent, self.unit)
        if start == node.start:  # a sequence item: the value follows "- " on the same line
            first = lines[0].lstrip(" ")
            self.edit(start, end, self.lines([first, *[ln for ln in lines[1:]]]))
            return
        self.edit(start, end, self.nl + self.lines(lines))

    def inline_value(self, new: Any, ctx: _Ctx, style: str = "") -> str:
        if isinstance(new, str) and "\n" in new and literal_ok(new):
            return literal_block(new, " " * ctx.indent + self.unit, ctx.indent).replace(
                "\n", self.nl
            )
        return self.scalar_text(new, style, False)

    def block_indent(self, node: ScalarNode, ctx: _Ctx) -> str:
        # Keep the existing content indentation of the block scalar.
        first_line_end = self.text.find("\n", node.start)
        if first_line_end >= 0:
            nxt = self.text[first_line_end + 1 : node.end]
            for line in nxt.split("\n"):
                if line.strip():
                    return " " * (len(line) - len(line.lstrip(" ")))
        return " " * ctx.indent + self.unit


@dataclass
class _Ctx:
    """Where a value sits: its owner's column, flow context, and where its text may start."""

    indent: int
    in_flow: bool
    value_start: int


@with_recursion_room
def rewrite_text(doc: SourceDoc, new_raw: DataTree, *, verify: bool = True) -> str:
    """The file's text changed minimally so that it reads as *new_raw* (verified)."""
    old_raw = resolve_document(doc, None)
    if raw_equal(old_raw, new_raw):
        return doc.text
    writer = _Writer(doc)
    root = doc.root
    assert root is not None
    writer.diff(root, old_raw, new_raw, _Ctx(writer.doc.indent_of(root.start), False, root.start))
    text = writer.apply()
    if verify:
        verify_text(text, new_raw, path=doc.path)
    return text


@with_recursion_room
def verify_text(text: str, intended: DataTree | Workflow, *, path: str | None = None) -> None:
    """Raise :class:`DigWriteError` unless *text* reads back as exactly *intended*.

    *intended* is a raw data tree or a workflow model (compared through ``to_raw()``).
    """
    if isinstance(intended, Workflow):
        path = path or (str(intended.path) if intended.path else None)
        intended = intended.to_raw()
    try:
        got = read_raw_text(text, includes=False)  # includes by path, as in *intended*
    except DigError as exc:
        raise DigWriteError(
            f"the rewritten text does not parse ({exc.message}); the file was left unchanged",
            path=path,
            line=exc.line,
            column=exc.column,
        ) from None
    if not raw_equal(got, intended):
        raise DigWriteError(
            "the rewritten text does not read back as the edited workflow; "
            "the file was left unchanged",
            path=path,
        )
