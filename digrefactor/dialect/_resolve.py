"""Resolve a SourceDoc into Digdag's raw data tree (includes kept as markers).

Mirrors digdag-core's ``YamlConfigLoader``: SnakeYAML ``SafeConstructor`` with Digdag's
resolver, ``StrictSafeConstructor``'s duplicate-key rule (raw key text, ``!include`` keys
excepted), merge keys and aliases expanded, then Jackson's conversion to a JSON tree.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _ruamel_yaml as _c
from ruamel.yaml.error import YAMLError

from digrefactor._datatree import DataTree, Include
from digrefactor._errors import (
    DigDuplicateKeyError,
    DigError,
    DigIncludeError,
    DigSyntaxError,
    DigValidationError,
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
    "load_raw_file",
    "load_raw_text",
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

IncludeLoader = Callable[[str, SourceDoc, Node], Include]


class _Resolver:
    def __init__(self, doc: SourceDoc, load_include: IncludeLoader | None) -> None:
        self.doc = doc
        self.load_include = load_include

    def fail(self, message: str, node: Node, cls: type[DigError] = DigSyntaxError) -> DigError:
        line, col = self.doc.line_col(node.start)
        return cls(message, path=self.doc.path, line=line, column=col)

    def value(self, node: Node) -> Any:
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
            return self.value(node.target)
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
        return out

    def merge_source(self, node: Node) -> list[tuple[str, Any]]:
        target = node.target if isinstance(node, AliasNode) else node
        if isinstance(target, MappingNode):
            return list(self.mapping(target).items())
        if isinstance(target, SequenceNode):
            pairs: list[tuple[str, Any]] = []
            for item in target.items:
                sub = item.target if isinstance(item, AliasNode) else item
                if not isinstance(sub, MappingNode):
                    raise self.fail("expected a mapping for merging", item)
                pairs.extend(self.mapping(sub).items())
            return pairs
        raise self.fail("expected a mapping or list of mappings for merging", node)

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
        return self.load_include(path, self.doc, knode)


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


#: Included files read in this process, by real path: (stat key, raw tree). A fragment that
#: many workflows include (a shared ``_export`` block...) is read and parsed once per run, not
#: once per including file. The stat key (device, inode, size, mtime, ctime) changes with any
#: write, atomic rename or touch; a file changed in the last two seconds is not kept, so two
#: writes within one timestamp tick cannot leave a stale tree. Only fragments without includes
#: of their own are kept (a kept tree never depends on another file). Trees are shared: read
#: only, like every raw tree an Include holds.
_SHARED_INCLUDES: dict[str, tuple[tuple[int, ...], DataTree]] = {}
_SHARED_INCLUDES_MAX = 128
_RACY_SECONDS = 2.0


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def clear_include_cache() -> None:
    """Forget the included files kept by this process (the next reads parse them again)."""
    _SHARED_INCLUDES.clear()


class _FileIncludes:
    """Loads ``!include`` targets relative to the including file, confined to its directory."""

    def __init__(self) -> None:
        self.cache: dict[str, DataTree] = {}
        self.stack: list[str] = []
        #: Whether any include was met (kept fragments must not hold includes themselves).
        self.used = False

    def __call__(self, path: str, doc: SourceDoc, knode: Node) -> Include:
        return self.load(path, doc.path, lambda: doc.line_col(knode.start))

    def load(
        self, path: str, including: str | None, position: Callable[[], tuple[int, int]]
    ) -> Include:
        """The include of *path*, written in the file *including*; *position* locates the
        directive (called only to report a problem)."""
        self.used = True

        def fail(message: str) -> DigIncludeError:
            line, col = position()
            return DigIncludeError(message, path=including, line=line, column=col)

        if including is None:
            raise fail(
                f"cannot resolve `!include : {path}` in text with no file path; "
                "pass a pathlib.Path or a project directory"
            )
        base = os.path.dirname(os.path.abspath(including))
        target = os.path.normpath(os.path.join(base, path))
        if not (target == base or target.startswith(base + os.sep)):
            raise fail(
                f"`!include : {path}` leaves the directory of the including file; "
                "Digdag rejects it (File name must not include ..)"
            )
        if target in self.stack:
            raise fail(f"`!include : {path}` includes itself (cycle)")
        tree = self.cache.get(target)
        if tree is None:
            tree = self._read(path, target, fail)
            self.cache[target] = tree
        return Include(path, data=tree, resolved_path=target)

    def _read(self, path: str, target: str, fail: Callable[[str], DigIncludeError]) -> DataTree:
        try:
            st = os.stat(target)
            if not stat.S_ISREG(st.st_mode):
                raise fail(f"included file is not a regular file: {path}")
            key = _stat_key(st)
            shared = _SHARED_INCLUDES.get(target)
            if shared is not None and shared[0] == key:
                return shared[1]
            data = Path(target).read_bytes()
        except FileNotFoundError:
            raise fail(f"included file not found: {path}") from None
        except OSError as exc:
            raise fail(f"cannot read included file {path}: {exc.strerror}") from None
        self.stack.append(target)
        outer_used, self.used = self.used, False
        try:
            tree = read_raw_text(decode_source(data, target), target, self)
            leaf = not self.used
        finally:
            self.stack.pop()
            self.used = outer_used
        if leaf and time.time() - st.st_mtime >= _RACY_SECONDS:
            if len(_SHARED_INCLUDES) >= _SHARED_INCLUDES_MAX:
                del _SHARED_INCLUDES[next(iter(_SHARED_INCLUDES))]
            _SHARED_INCLUDES[target] = (key, tree)
        return tree


# --------------------------------------------------------------------------- the fast reader


class _Unusual(Exception):
    """What the fast reader leaves to the full resolver (which also locates every error)."""


_NO_KEY: Any = object()
_intern = sys.intern


def _fast_tree(text: str, includes: _FileIncludes | None, path: str | None) -> DataTree:
    """The raw tree of *text*, straight from libyaml's events, for the everyday file.

    The same rules as :class:`_Resolver` (Digdag's scalar typing, Jackson's keys, duplicate
    key text, ``!include`` keys) without building the node tree. Anything else — anchors,
    aliases, merge keys, tags, complex keys, several documents — and every error raises
    :class:`_Unusual`: the caller then runs the full resolver, which reads such files and
    reports errors with their line and column. Both readers agree on every file of the shared
    corpus (tested).
    """
    body = text[1:] if text.startswith(_BOM) else text
    get_event = _c.CParser(body).get_event
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
    try:
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
                        else includes.load(target, path, _unusual_position)
                    )
                    current[inc.key] = inc
                    key = _NO_KEY
                else:
                    current[key] = typed
                    key = _NO_KEY
            elif cls is mapping_start or cls is sequence_start:
                if ev.anchor is not None or ev.tag is not None or include_next:
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
                current, is_map, key = new, cls is mapping_start, _NO_KEY
                key_texts = set() if is_map else None
            elif cls is mapping_end or cls is sequence_end:
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
    return root


def _unusual_position() -> tuple[int, int]:
    raise _Unusual  # the full resolver reports the problem, with its position


def read_raw_text(
    text: str, path: str | None = None, includes: _FileIncludes | None = None
) -> DataTree:
    """The raw data tree of *text* (the file *path*; ``!include`` resolved when it is given).

    What :func:`load_raw_text` gives, without the node tree: the fast reader for everyday
    files, the full resolver (with located errors) for the rest.
    """
    if includes is None and path is not None:
        includes = _FileIncludes()
    try:
        return _fast_tree(text, includes, path)
    except _Unusual:
        return resolve_document(parse_source(text, path), includes)


def read_raw_file(path: str | Path) -> tuple[str, DataTree]:
    """The text and raw data tree of the file *path* (see :func:`read_raw_text`)."""
    p = str(path)
    text = decode_source(_read_file(p), p)
    return text, read_raw_text(text, p)


def _read_file(p: str) -> bytes:
    try:
        if not stat.S_ISREG(os.stat(p).st_mode):
            raise DigError("not a regular file", path=p)
        return Path(p).read_bytes()
    except FileNotFoundError:
        raise DigError("file not found", path=p) from None
    except OSError as exc:
        raise DigError(f"cannot read file: {exc.strerror}", path=p) from None


def load_raw_text(text: str, path: str | None = None) -> tuple[SourceDoc, DataTree]:
    doc = parse_source(text, path)
    return doc, resolve_document(doc, _FileIncludes() if path is not None else None)


def load_raw_file(path: str | Path) -> tuple[SourceDoc, DataTree]:
    p = str(path)
    return load_raw_text(decode_source(_read_file(p), p), p)
