"""Resolve a SourceDoc into Digdag's raw data tree (includes kept as markers).

Mirrors digdag-core's ``YamlConfigLoader``: SnakeYAML ``SafeConstructor`` with Digdag's
resolver, ``StrictSafeConstructor``'s duplicate-key rule (raw key text, ``!include`` keys
excepted), merge keys and aliases expanded, then Jackson's conversion to a JSON tree.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _ruamel_yaml as _c
from ruamel.yaml.error import YAMLError

from digrefactor._datatree import DataTree, Include, is_include_entry
from digrefactor._errors import (
    DigDuplicateKeyError,
    DigError,
    DigIncludeError,
    DigSyntaxError,
    DigValidationError,
)
from digrefactor._limits import (
    MAX_ALIAS_VALUES,
    MAX_COLLECTION_ALIASES,
    MAX_INCLUDE_DEPTH,
    MAX_INCLUDED_VALUES,
    MAX_INCLUDES,
    MAX_NESTING_DEPTH,
    with_recursion_room,
)
from digrefactor.dialect._scalars import (
    ScalarTagError,
    java_key_string,
    resolve_plain,
    resolve_tagged,
)
from digrefactor.syntax import (
    AliasNode,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    SourceDoc,
    decode_source,
    parse_source,
)

__all__ = [
    "IncludeLoader",
    "clear_include_cache",
    "copy_tree",
    "count_values",
    "include_snapshot",
    "key_text",
    "load_raw_file",
    "load_raw_text",
    "read_problem",
    "read_raw_file",
    "read_raw_text",
    "resolve_document",
]

INCLUDE_TAG = "!include"
_BOM = "\ufeff"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_SET_TAG = "tag:yaml.org,2002:set"
_OMAP_TAG = "tag:yaml.org,2002:omap"
_PAIRS_TAG = "tag:yaml.org,2002:pairs"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

#: Loads ``!include : path`` written at *knode* of *doc*, whose mapping sits *depth* levels deep.
IncludeLoader = Callable[[str, SourceDoc, Node, int], Include]


def count_values(value: Any) -> int:
    """How many values a raw data tree holds: every mapping, list and scalar counts one, an
    ``!include`` entry one (what it includes is counted where that file is loaded)."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(v for k, v in item.items() if not is_include_entry(k, v))
        elif isinstance(item, list):
            stack.extend(item)
    return count


def copy_tree(value: Any) -> Any:
    """A copy of a data tree whose mappings and lists are new objects (includes shared)."""
    if isinstance(value, dict):
        return {k: v if is_include_entry(k, v) else copy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_tree(v) for v in value]
    return value


class _Resolver:
    def __init__(self, doc: SourceDoc, load_include: IncludeLoader | None) -> None:
        self.doc = doc
        self.load_include = load_include
        #: Anchored nodes already resolved (id → value, values in it): each alias copies the
        #: value instead of resolving the anchor again, which made alias and merge-key bombs
        #: take exponential time.
        self.anchored: dict[int, tuple[Any, int]] = {}
        #: Anchored nodes being resolved: an alias to one of them is a recursive structure.
        self.open_anchors: set[int] = set()
        self.collection_aliases = 0
        self.alias_values = 0
        #: Mapping levels around the node being resolved (for !include depth checks).
        self.depth = 0

    def fail(self, message: str, node: Node, cls: type[DigError] = DigSyntaxError) -> DigError:
        line, col = self.doc.line_col(node.start)
        return cls(message, path=self.doc.path, line=line, column=col)

    def value(self, node: Node) -> Any:
        if node.anchor is not None and type(node) is not ScalarNode:
            key = id(node)
            self.open_anchors.add(key)
            try:
                value = self.plain_value(node)
            finally:
                self.open_anchors.discard(key)
            self.anchored[key] = (value, count_values(value))
            return value
        return self.plain_value(node)

    def alias(self, node: AliasNode) -> Any:
        """The value of ``*name``: a copy of the anchor's value, within SnakeYAML's limits."""
        target = node.target
        if type(target) is ScalarNode:
            return self.plain_value(target)
        name = f"*{target.anchor}"
        if id(target) in self.open_anchors:
            raise self.fail(
                f"alias {name} refers to a mapping or list that contains it (a recursive "
                "structure); Digdag cannot turn it into JSON",
                node,
            )
        self.collection_aliases += 1
        if self.collection_aliases > MAX_COLLECTION_ALIASES:
            raise self.fail(
                f"more than {MAX_COLLECTION_ALIASES} aliases to mappings or lists in one file "
                f"(this is {name}); Digdag's YAML reader refuses that: Number of aliases for "
                f"non-scalar nodes exceeds the specified max={MAX_COLLECTION_ALIASES}",
                node,
            )
        done = self.anchored.get(id(target))
        if done is None:
            self.value(target)
            done = self.anchored[id(target)]
        value, size = done
        self.alias_values += size
        if self.alias_values > MAX_ALIAS_VALUES:
            raise self.fail(
                f"aliases and merge keys expand to more than {MAX_ALIAS_VALUES:,} values in "
                f"this file (at {name}); that is an alias bomb, not a workflow",
                node,
            )
        return copy_tree(value)

    def plain_value(self, node: Node) -> Any:
        if type(node) is ScalarNode:
            tag = node.tag
            if tag is None:
                if node.style != "":
                    return node.value
                try:
                    return resolve_plain(node.value)
                except ValueError:
                    # e.g. `0b_`: Digdag's resolver says int, its constructor then fails.
                    raise self.fail(f"cannot read {node.value!r} as a number", node) from None
            if tag == INCLUDE_TAG:
                raise self.fail(
                    "`!include` works only as a mapping key (`!include : file.dig`); "
                    "Digdag cannot load it as a value",
                    node,
                    DigIncludeError,
                )
            if tag in (_SEQ_TAG, _MAP_TAG):
                raise self.fail(f"expected a {tag[-3:]} for tag !!{tag[-3:]}", node)
            try:
                return resolve_tagged(node.value, tag)
            except ScalarTagError as exc:
                raise self.fail(str(exc), node) from None
        if type(node) is MappingNode:
            return self.mapping(node)
        if type(node) is SequenceNode:
            if node.tag not in (None, _SEQ_TAG):
                if node.tag == _OMAP_TAG:
                    return self.omap(node)
                if node.tag == _PAIRS_TAG:
                    return self.pairs(node)
                raise self.fail(self.unknown_tag(node.tag), node)
            return [self.value(item) for item in node.items]
        if type(node) is AliasNode:
            return self.alias(node)
        raise AssertionError(f"unexpected node {node!r}")  # pragma: no cover

    @staticmethod
    def unknown_tag(tag: str) -> str:
        short = "!!" + tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag
        return f"could not determine a constructor for the tag {short}"

    def key(self, node: Node) -> str:
        value = self.value(node)
        if isinstance(value, str):
            return value
        if value is None:
            raise self.fail(
                "a mapping key is null; Digdag (Jackson) does not allow null keys",
                node,
                DigValidationError,
            )
        return java_key_string(value)

    def mapping(self, node: MappingNode) -> Any:
        tag = node.tag
        if tag not in (None, _MAP_TAG):
            if tag == _SET_TAG:
                return [self.key(k) for k, _ in node.pairs]
            raise self.fail(self.unknown_tag(tag), node)
        self.check_duplicates(node)
        out: DataTree = {}
        self.depth += 1
        try:
            self.mapping_pairs(node, out)
        finally:
            self.depth -= 1
        return out

    def mapping_pairs(self, node: MappingNode, out: DataTree) -> None:
        for knode, vnode in node.pairs:
            if type(knode) is ScalarNode and knode.tag == INCLUDE_TAG:
                inc = self.include(vnode, knode)
                out[inc.key] = inc
                continue
            if type(knode) is ScalarNode and (
                (knode.style == "" and knode.tag is None and knode.value == "<<")
                or knode.tag == _MERGE_TAG
            ):
                # SnakeYAML's mergeNode: merged pairs take their place in document order but
                # never override a key already there (the first merge source wins)...
                for k, v in self.merge_source(vnode):
                    out.setdefault(k, v)
                continue
            # ...while an explicit key always sets its value, keeping its first position.
            out[self.key(knode)] = self.value(vnode)

    def merge_source(self, node: Node) -> list[tuple[str, Any]]:
        # Aliases go through alias(): counted, and copied from the anchor's value.
        target = node.target if isinstance(node, AliasNode) else node
        if isinstance(target, MappingNode):
            return list(self.merged_mapping(node).items())
        if isinstance(target, SequenceNode):
            for item in target.items:
                sub = item.target if isinstance(item, AliasNode) else item
                if not isinstance(sub, MappingNode):
                    raise self.fail("expected a mapping for merging", item)
            if isinstance(node, AliasNode):
                sources = self.alias(node)
            else:
                sources = [self.value(item) for item in target.items]
            pairs: list[tuple[str, Any]] = []
            for item, source in zip(target.items, sources, strict=True):
                if not isinstance(source, dict):
                    raise self.fail("expected a mapping for merging", item)
                pairs.extend(source.items())
            return pairs
        raise self.fail("expected a mapping or list of mappings for merging", node)

    def merged_mapping(self, node: Node) -> DataTree:
        value = self.value(node)
        if not isinstance(value, dict):
            raise self.fail("expected a mapping for merging", node)
        return value

    def check_duplicates(self, node: MappingNode) -> None:
        seen: dict[str, Node] = {}
        dups: list[str] = []
        first_dup: Node | None = None
        for knode, _ in node.pairs:
            if type(knode) is not ScalarNode or knode.tag == INCLUDE_TAG:
                continue
            text = knode.value
            if text in seen:
                if text not in dups:
                    dups.append(text)
                if first_dup is None:
                    first_dup = knode
            else:
                seen[text] = knode
        if dups and first_dup is not None:
            raise self.fail(
                f"Duplicated keys: [{', '.join(dups)}]", first_dup, DigDuplicateKeyError
            )

    def omap(self, node: SequenceNode) -> DataTree:
        out: DataTree = {}
        for item in node.items:
            sub = item.target if isinstance(item, AliasNode) else item
            if not isinstance(sub, MappingNode) or len(sub.pairs) != 1:
                raise self.fail("expected a single mapping item in !!omap", item)
            k, v = sub.pairs[0]
            out[self.key(k)] = self.value(v)
        return out

    def pairs(self, node: SequenceNode) -> list[Any]:
        out: list[Any] = []
        for item in node.items:
            sub = item.target if isinstance(item, AliasNode) else item
            if not isinstance(sub, MappingNode) or len(sub.pairs) != 1:
                raise self.fail("expected a single mapping item in !!pairs", item)
            k, v = sub.pairs[0]
            out.append([self.value(k), self.value(v)])
        return out

    def include(self, vnode: Node, knode: Node) -> Include:
        value = self.value(vnode)
        if value is None or isinstance(value, (dict, list)):
            raise self.fail("`!include` needs a file path as its value", vnode, DigIncludeError)
        path = value if isinstance(value, str) else java_key_string(value)
        if self.load_include is None:
            return Include(path)
        return self.load_include(path, self.doc, knode, self.depth)


def key_text(doc: SourceDoc, node: Node) -> str | None:
    """The data key a key node stands for (``? [a, b]`` is ``"[a, b]"``, as Jackson writes
    it); None when it does not resolve (e.g. a null key)."""
    try:
        return _Resolver(doc, None).key(node)
    except DigError:
        return None


@with_recursion_room
def resolve_document(doc: SourceDoc, load_include: IncludeLoader | None = None) -> DataTree:
    """The raw data tree of a one-document file whose root must be a mapping."""
    if doc.document_count > 1:
        offset = doc.second_document_at or 0
        raise doc.error(
            "expected a single document in the stream but found another document", offset
        )
    root = doc.root
    if root is None:
        raise DigValidationError(
            "the file is empty; a workflow must be a YAML mapping "
            "(Digdag: Expected object to load Config but got null)",
            path=doc.path,
            line=1,
            column=1,
        )
    resolver = _Resolver(doc, load_include)
    value = resolver.value(root)
    if not isinstance(value, dict):
        kind = "a list" if isinstance(value, list) else "a scalar"
        raise resolver.fail(
            f"the top level is {kind}; a workflow must be a YAML mapping of keys to values",
            root,
            DigValidationError,
        )
    return value


#: Bytes of files as they were before a run started (real path → content): includes of these
#: files read this instead of the disk, so a file another worker is editing reads the same
#: in every worker, whatever the timing (see :func:`include_snapshot`).
_SNAPSHOT: ContextVar[Mapping[str, bytes] | None] = ContextVar("include_snapshot", default=None)


@contextmanager
def include_snapshot(files: Mapping[str, bytes]) -> Iterator[None]:
    """Within this block, ``!include`` of a file in *files* (by real path) reads its bytes there."""
    token = _SNAPSHOT.set(files)
    try:
        yield
    finally:
        _SNAPSHOT.reset(token)


@dataclass
class _Loaded:
    """An included file once loaded, with what including it costs (nested includes counted)."""

    tree: DataTree
    #: Directives processed by including it once: itself plus those inside, repeats counted.
    directives: int
    #: Values it brings in (its own and its includes').
    values: int
    #: How deep its data nests once its own includes are merged.
    depth: int


class _Frame:
    """What the file being loaded has accumulated so far."""

    __slots__ = ("depth", "directives", "values")

    def __init__(self, depth: int) -> None:
        self.directives = 0
        self.values = 0
        self.depth = depth


class _FileIncludes:
    """Loads ``!include`` targets relative to the including file, confined to its directory.

    Keeps Digdag's cost of loading in check as it goes: chains no deeper than
    :data:`MAX_INCLUDE_DEPTH`, at most :data:`MAX_INCLUDES` directives and
    :data:`MAX_INCLUDED_VALUES` values brought in per workflow (a file included twice counts
    twice, as Digdag reads it twice), and merged data no deeper than :data:`MAX_NESTING_DEPTH`.
    Each file is read and parsed once however often it is included.
    """

    def __init__(
        self, path: str | None, depth: int = 0, cache: dict[str, _Loaded] | None = None
    ) -> None:
        """For the file *path* whose own data nests *depth* levels (0: not known yet, the
        fast reader checks its depth once it has read it); *cache*: files already loaded."""
        self.cache: dict[str, _Loaded] = {} if cache is None else cache
        #: Included files that failed to load, with their error.
        self.failed: dict[str, DigError] = {}
        self.stack: list[str] = []
        self.frames: list[_Frame] = [_Frame(depth)]
        self.snapshot = _SNAPSHOT.get()
        self.workflow = os.path.basename(path) if path else "this workflow"

    def __call__(self, path: str, doc: SourceDoc, knode: Node, depth: int) -> Include:
        return self.load_at(path, doc.path, lambda: doc.line_col(knode.start), depth)

    def load_at(
        self,
        path: str,
        including: str | None,
        position: Callable[[], tuple[int, int]],
        depth: int,
    ) -> Include:
        """The include of *path* written in the file *including*, in a mapping *depth* levels
        deep; *position* locates the directive (called only to report a problem)."""

        def where() -> dict[str, Any]:
            # Line and column are found only when an error is made with them.
            line, col = position()
            return {"path": including, "line": line, "column": col}

        doc_path = including
        if doc_path is None:
            raise DigIncludeError(
                f"cannot resolve `!include : {path}` in text with no file path; "
                "pass a pathlib.Path or a project directory",
                **where(),
            )
        base = os.path.dirname(os.path.abspath(doc_path))
        target = os.path.normpath(os.path.join(base, path))
        if not (target == base or target.startswith(base + os.sep)):
            raise DigIncludeError(
                f"`!include : {path}` leaves the directory of the including file; "
                "Digdag rejects it (File name must not include ..)",
                **where(),
            )
        if target in self.stack:
            raise DigIncludeError(f"`!include : {path}` includes itself (cycle)", **where())
        if len(self.stack) >= MAX_INCLUDE_DEPTH:
            raise DigIncludeError(
                f"`!include : {path}` is nested more than {MAX_INCLUDE_DEPTH} files deep "
                "(a includes b includes c ...); digrefactor stops there",
                **where(),
            )
        loaded = self.cache.get(target)
        if loaded is None:
            failure = self.failed.get(target)
            if failure is not None:
                # Once more, from the full resolver after the fast reader met this failure:
                # the same error, without reading the file (and what it includes) again.
                raise failure
            try:
                loaded = self.load(path, target, where)
            except DigError as exc:
                self.failed[target] = exc
                raise
            self.cache[target] = loaded
        frame = self.frames[-1]
        frame.directives += loaded.directives
        frame.values += loaded.values
        frame.depth = max(frame.depth, depth - 1 + loaded.depth)
        # A frame's counts only grow as its file is included again, so they can be checked
        # at once, where the directive is (a bomb stops at its first excess).
        if frame.directives > MAX_INCLUDES:
            raise DigIncludeError(
                f"loading {self.workflow} processes more than {MAX_INCLUDES} `!include` "
                "directives (files included again count again, as Digdag reads them again); "
                "that is an include bomb, not a workflow",
                **where(),
            )
        if frame.values > MAX_INCLUDED_VALUES:
            raise DigIncludeError(
                f"`!include` brings more than {MAX_INCLUDED_VALUES:,} values into this "
                "workflow; digrefactor stops there",
                **where(),
            )
        if frame.depth > MAX_NESTING_DEPTH:
            raise DigIncludeError(
                f"with `!include : {path}` merged here, mappings and lists nest more than "
                f"{MAX_NESTING_DEPTH} levels deep; digrefactor stops at that depth",
                **where(),
            )
        return Include(path, data=loaded.tree, resolved_path=target)

    def load(self, path: str, target: str, where: Callable[[], dict[str, Any]]) -> _Loaded:
        data = self.snapshot.get(os.path.realpath(target)) if self.snapshot else None
        key: tuple[int, ...] | None = None
        modified = 0.0
        if data is None:
            try:
                st = os.stat(target)
                modified = st.st_mtime
                if not stat.S_ISREG(st.st_mode):
                    raise DigIncludeError(f"included file is not a regular file: {path}", **where())
                key = _stat_key(st)
                shared = _SHARED_INCLUDES.get(target)
                if shared is not None and shared[0] == key:
                    return shared[1]
                data = Path(target).read_bytes()
            except FileNotFoundError:
                raise DigIncludeError(f"included file not found: {path}", **where()) from None
            except OSError as exc:
                raise DigIncludeError(
                    f"cannot read included file {path}: {read_problem(exc)}", **where()
                ) from None
        text = decode_source(data, target)
        self.stack.append(target)
        try:
            frame = _Frame(0)
            self.frames.append(frame)
            try:
                tree, depth = _fast_tree(text, self, target)
                frame.depth = max(frame.depth, depth)
            except _Unusual:
                # The full resolver, from a clean count (the fast reader may have counted some
                # of this file's includes before it stopped).
                self.frames[-1] = frame = _Frame(0)
                idoc = parse_source(text, target)
                frame.depth = idoc.depth
                tree = resolve_document(idoc, self)
        finally:
            self.stack.pop()
            self.frames.pop()
        loaded = _Loaded(tree, 1 + frame.directives, count_values(tree) + frame.values, frame.depth)
        racy = time.time() - modified < _RACY_SECONDS
        if key is not None and loaded.directives == 1 and not racy:
            if len(_SHARED_INCLUDES) >= _SHARED_INCLUDES_MAX:
                del _SHARED_INCLUDES[next(iter(_SHARED_INCLUDES))]
            _SHARED_INCLUDES[target] = (key, loaded)
        return loaded


#: Included files read in this process, by path: (stat key, what loading one gives). A fragment
#: that many workflows include (a shared ``_export`` block...) is read and parsed once per run,
#: not once per including file. The stat key (device, inode, size, mtime, ctime) changes with any
#: write, atomic rename or touch; a file changed in the last two seconds is not kept, so two
#: writes within one timestamp tick cannot leave a stale tree. Only fragments without includes
#: of their own are kept (a kept tree never depends on another file), and never instead of an
#: :func:`include_snapshot`. Trees are shared: read only, like every raw tree an Include holds.
_SHARED_INCLUDES: dict[str, tuple[tuple[int, ...], _Loaded]] = {}
_SHARED_INCLUDES_MAX = 128
_RACY_SECONDS = 2.0


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def clear_include_cache() -> None:
    """Forget the included files kept by this process (the next reads parse them again)."""
    _SHARED_INCLUDES.clear()


# --------------------------------------------------------------------------- the fast reader


class _Unusual(Exception):
    """What the fast reader leaves to the full resolver (which also locates every error)."""


_NO_KEY: Any = object()
_intern = sys.intern


def _fast_tree(text: str, includes: _FileIncludes | None, path: str | None) -> tuple[DataTree, int]:
    """The raw tree of *text* and how deep it nests, straight from libyaml's events, for the
    everyday file.

    The same rules as :class:`_Resolver` (Digdag's scalar typing, Jackson's keys, duplicate
    key text, ``!include`` keys and their limits) without building the node tree. Anything
    else (anchors, aliases, merge keys, tags, complex keys, several documents) and every error
    raises :class:`_Unusual`: the caller then runs the full resolver, which reads such files
    and reports errors with their line and column. Both readers agree on every file of the
    shared corpus (tested).
    """
    body = text[1:] if text.startswith(_BOM) else text
    if _BOM in body:
        raise _Unusual  # libyaml skips a BOM at any line start, Digdag only at the very start
    scalar_event = _c.ScalarEvent
    mapping_start, sequence_start = _c.MappingStartEvent, _c.SequenceStartEvent
    mapping_end, sequence_end = _c.MappingEndEvent, _c.SequenceEndEvent
    document_start, alias_event = _c.DocumentStartEvent, _c.AliasEvent
    # The open collection, whether it is a mapping, its pending key (mappings) and the key
    # texts it has (Digdag's duplicate rule looks at the text); outer ones on the stack.
    stack: list[tuple[Any, bool, Any, set[str] | None]] = []
    current: Any = None
    is_map = False
    key: Any = _NO_KEY
    key_texts: set[str] | None = None
    include_next = False
    root: DataTree | None = None
    documents = 0
    depth = 0  # deepest nesting of mappings and lists
    maps = 0  # mappings open around the current node (an include's depth)
    try:
        get_event = _c.CParser(body).get_event
        while True:
            ev = get_event()
            if ev is None:
                break
            cls = type(ev)
            if cls is scalar_event:
                if ev.anchor is not None:
                    raise _Unusual
                value = ev.value
                if is_map and key is _NO_KEY:
                    if ev.tag is not None:
                        if ev.tag != INCLUDE_TAG:
                            raise _Unusual
                        include_next = True
                        key = None
                        continue
                    if value in key_texts:  # type: ignore[operator]
                        raise _Unusual
                    key_texts.add(value)  # type: ignore[union-attr]
                    if ev.style:
                        key = value
                    elif value == "<<":
                        raise _Unusual
                    else:
                        typed = resolve_plain(value)
                        if type(typed) is str:
                            key = typed
                        elif typed is None:
                            raise _Unusual
                        else:
                            key = java_key_string(typed)
                    # Keys repeat across files and models keep them (params, key order): one
                    # copy of each serves all.
                    key = _intern(key)
                    continue
                if ev.tag is not None:
                    raise _Unusual
                typed = value if ev.style else resolve_plain(value)
                if not is_map:
                    if current is None:
                        raise _Unusual  # a scalar document
                    current.append(typed)
                elif include_next:
                    include_next = False
                    if typed is None:
                        raise _Unusual
                    target = typed if type(typed) is str else java_key_string(typed)
                    inc = (
                        Include(target)
                        if includes is None
                        else includes.load_at(target, path, _unusual_position, maps)
                    )
                    current[inc.key] = inc
                    key = _NO_KEY
                else:
                    current[key] = typed
                    key = _NO_KEY
            elif cls is mapping_start or cls is sequence_start:
                if ev.anchor is not None or ev.tag is not None or include_next:
                    raise _Unusual
                if len(stack) >= MAX_NESTING_DEPTH:
                    raise _Unusual
                new: Any = {} if cls is mapping_start else []
                if current is None:
                    if root is not None or cls is not mapping_start:
                        raise _Unusual
                    root = new
                elif is_map:
                    if key is _NO_KEY:
                        raise _Unusual  # a complex key
                    current[key] = new
                else:
                    current.append(new)
                stack.append((current, is_map, key, key_texts))
                if len(stack) > depth:
                    depth = len(stack)
                current, is_map, key = new, cls is mapping_start, _NO_KEY
                if is_map:
                    maps += 1
                    key_texts = set()
                else:
                    key_texts = None
            elif cls is mapping_end or cls is sequence_end:
                if is_map:
                    maps -= 1
                current, is_map, key, key_texts = stack.pop()
                key = _NO_KEY
            elif cls is document_start:
                documents += 1
                if documents > 1:
                    raise _Unusual
            elif cls is alias_event:
                raise _Unusual
    except (YAMLError, ValueError, DigError):
        raise _Unusual from None
    if root is None:
        raise _Unusual
    if includes is not None and max(includes.frames[-1].depth, depth) > MAX_NESTING_DEPTH:
        raise _Unusual  # the full resolver says where (it knows the depth from the start)
    return root, depth


def _unusual_position() -> tuple[int, int]:
    raise _Unusual  # the full resolver reports the problem, with its position


@with_recursion_room
def read_raw_text(text: str, path: str | None = None, *, includes: bool = True) -> DataTree:
    """The raw data tree of *text*, the file *path*, as :func:`load_raw_text` gives it, without
    building the node tree: the fast reader for everyday files, the full resolver (with
    located errors) for the rest. ``includes=False`` leaves ``!include`` entries unread (the
    include markers hold their path only), as a writer compares them.
    """
    loader = _FileIncludes(path) if includes else None
    try:
        return _fast_tree(text, loader, path)[0]
    except _Unusual:
        doc = parse_source(text, path)
        # From a clean count (the fast reader may have counted some includes), with the
        # files it already loaded.
        full = None
        if loader is not None:
            full = _FileIncludes(path, doc.depth, loader.cache)
            full.failed = loader.failed
        return resolve_document(doc, full)


def read_raw_file(path: str | Path) -> tuple[bytes, str, DataTree]:
    """The bytes, text and raw data tree of the file *path* (see :func:`read_raw_text`)."""
    p = str(path)
    data = _read_file(p)
    text = decode_source(data, p)
    return data, text, read_raw_text(text, p)


def _read_file(p: str) -> bytes:
    try:
        if not stat.S_ISREG(os.stat(p).st_mode):
            raise DigError("not a regular file", path=p)
        return Path(p).read_bytes()
    except FileNotFoundError:
        raise DigError("file not found", path=p) from None
    except OSError as exc:
        raise DigError(f"cannot read file: {read_problem(exc)}", path=p) from None


@with_recursion_room
def load_raw_text(text: str, path: str | None = None) -> tuple[SourceDoc, DataTree]:
    """Parse and resolve `.dig` text; ``!include`` is read relative to *path* (required then)."""
    doc = parse_source(text, path)
    return doc, resolve_document(doc, _FileIncludes(doc.path, doc.depth))


def load_raw_file(path: str | Path) -> tuple[SourceDoc, DataTree]:
    p = str(path)
    return load_raw_text(decode_source(_read_file(p), p), p)


def read_problem(exc: OSError) -> str:
    """Why a file cannot be read, in words (a symlink loop says so)."""
    if exc.errno == errno.ELOOP:
        return "it is a symlink loop (Too many levels of symbolic links)"
    return str(exc.strerror or exc)
