"""Resolve a SourceDoc into Digdag's raw data tree (includes kept as markers).

Mirrors digdag-core's ``YamlConfigLoader``: SnakeYAML ``SafeConstructor`` with Digdag's
resolver, ``StrictSafeConstructor``'s duplicate-key rule (raw key text, ``!include`` keys
excepted), merge keys and aliases expanded, then Jackson's conversion to a JSON tree.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

__all__ = ["IncludeLoader", "load_raw_file", "load_raw_text", "resolve_document"]

INCLUDE_TAG = "!include"
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


class _FileIncludes:
    """Loads ``!include`` targets relative to the including file, confined to its directory."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[SourceDoc, DataTree]] = {}
        self.stack: list[str] = []

    def __call__(self, path: str, doc: SourceDoc, knode: Node) -> Include:
        line, col = doc.line_col(knode.start)
        where = {"path": doc.path, "line": line, "column": col}
        if doc.path is None:
            raise DigIncludeError(
                f"cannot resolve `!include : {path}` in text with no file path; "
                "pass a pathlib.Path or a project directory",
                **where,  # type: ignore[arg-type]
            )
        base = os.path.dirname(os.path.abspath(doc.path))
        target = os.path.normpath(os.path.join(base, path))
        if not (target == base or target.startswith(base + os.sep)):
            raise DigIncludeError(
                f"`!include : {path}` leaves the directory of the including file; "
                "Digdag rejects it (File name must not include ..)",
                **where,  # type: ignore[arg-type]
            )
        if target in self.stack:
            raise DigIncludeError(f"`!include : {path}` includes itself (cycle)", **where)  # type: ignore[arg-type]
        cached = self.cache.get(target)
        if cached is None:
            try:
                if not stat.S_ISREG(os.stat(target).st_mode):
                    raise DigIncludeError(
                        f"included file is not a regular file: {path}",
                        **where,  # type: ignore[arg-type]
                    )
                data = Path(target).read_bytes()
            except FileNotFoundError:
                raise DigIncludeError(
                    f"included file not found: {path}",
                    **where,  # type: ignore[arg-type]
                ) from None
            except OSError as exc:
                raise DigIncludeError(
                    f"cannot read included file {path}: {exc.strerror}",
                    **where,  # type: ignore[arg-type]
                ) from None
            self.stack.append(target)
            try:
                idoc = parse_source(decode_source(data, target), target)
                tree = resolve_document(idoc, self)
            finally:
                self.stack.pop()
            cached = (idoc, tree)
            self.cache[target] = cached
        return Include(path, data=cached[1], resolved_path=target)


def load_raw_text(text: str, path: str | None = None) -> tuple[SourceDoc, DataTree]:
    doc = parse_source(text, path)
    return doc, resolve_document(doc, _FileIncludes() if path is not None else None)


def load_raw_file(path: str | Path) -> tuple[SourceDoc, DataTree]:
    p = str(path)
    try:
        if not stat.S_ISREG(os.stat(p).st_mode):
            raise DigError("not a regular file", path=p)
        data = Path(p).read_bytes()
    except FileNotFoundError:
        raise DigError("file not found", path=p) from None
    except OSError as exc:
        raise DigError(f"cannot read file: {exc.strerror}", path=p) from None
    return load_raw_text(decode_source(data, p), p)
