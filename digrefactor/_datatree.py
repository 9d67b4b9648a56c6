"""The data tree: the project's one currency of meaning.

A data tree is what Digdag sees in a `.dig` file: ``dict`` (insertion-ordered, ``str`` keys),
``list``, ``str``, ``int``, ``float``, ``bool`` and ``None``. Two workflows mean the same thing
when their data trees are equal.

The *raw* tree of one file keeps ``!include : path`` directives unexpanded, as a key made by
:func:`include_key` whose value is an :class:`Include`. Expanding includes (Digdag's merge rules)
turns a raw tree into the plain data tree.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, TypeAlias

DataTree: TypeAlias = dict[str, Any]

# NUL cannot be typed into a plain or single-quoted YAML key, so this prefix never collides with a
# real key in practice; a counter keeps several includes in one mapping apart.
_INCLUDE_PREFIX = "\x00!include\x00"
_include_counter = itertools.count(1)


def include_key() -> str:
    """A fresh, unique key for an ``!include`` entry in a raw data tree."""
    return f"{_INCLUDE_PREFIX}{next(_include_counter)}"


def is_include_key(key: object) -> bool:
    """Whether *key* has the form of an include key (see :func:`is_include_entry`)."""
    return isinstance(key, str) and key.startswith(_INCLUDE_PREFIX)


def is_include_entry(key: object, value: object) -> bool:
    """Whether ``key: value`` is an ``!include`` entry: an include key holding an Include.

    Checking the value too means no string key from a file can ever pass for an include.
    """
    return isinstance(value, Include) and is_include_key(key)


@dataclass(eq=False)
class Include:
    """An ``!include : path`` directive.

    ``path`` is written relative to the including file. ``data`` is the included file's raw tree
    once it has been loaded (``None`` for an include built in code and not yet resolved).
    Equality compares the path only: two includes of the same file mean the same thing.
    """

    path: str
    data: DataTree | None = field(default=None, repr=False, compare=False)
    #: The file the include resolves to, when known (absolute).
    resolved_path: str | None = field(default=None, repr=False, compare=False)
    #: The raw-tree key this include was loaded under (keeps its place on write-back).
    key: str = field(default_factory=include_key, repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Include) and other.path == self.path

    def __hash__(self) -> int:
        return hash(("!include", self.path))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def raw_equal(a: Any, b: Any) -> bool:
    """Type-exact equality of two raw trees (``1 != 1.0 != True``; includes by path)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True):
            # Two includes match by path, whatever their raw-tree keys.
            if ka != kb and not (is_include_entry(ka, va) and is_include_entry(kb, vb)):
                return False
            if type(va) in _SCALARS:  # inlined for speed: the common leaf
                if type(va) is not type(vb) or va != vb:
                    return False
            elif not raw_equal(va, vb):
                return False
        return True
    if isinstance(a, list):
        return len(a) == len(b) and all(raw_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# Stands for an Include in a fingerprint; random per process, so no value in a file can pose
# as one.
_INCLUDE_MARK = f"\x00include:{secrets.token_hex(8)}"


def _include_json(value: object) -> object:
    if isinstance(value, Include):
        return [_INCLUDE_MARK, value.path]
    raise TypeError(f"not raw data: {type(value).__name__}")


def tree_fingerprint(tree: Any) -> bytes | None:
    """A 128-bit digest of what a raw tree means to Digdag (its JSON, in key order; includes by
    key and path), or ``None`` for a tree holding something that is not raw data.

    Equal fingerprints mean trees Digdag reads alike, so a text that reads as one reads as the
    other: this lets an unedited model give back its file's text without re-reading it.
    """
    try:
        text = _FINGERPRINT_JSON.encode(tree)
    except (TypeError, ValueError):
        return None
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


# One encoder for every fingerprint (json.dumps would build one per call).
_FINGERPRINT_JSON = json.JSONEncoder(
    ensure_ascii=False, check_circular=False, default=_include_json
)


def digdag_equal(a: Any, b: Any) -> bool:
    """Equal the way Digdag means a definition: JSON types exact (``1 != 1.0 != True``), the
    order of ``+task`` keys significant, the order of every other key irrelevant."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return False
        if [k for k in a if k.startswith("+")] != [k for k in b if k.startswith("+")]:
            return False
        return all(digdag_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(digdag_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
