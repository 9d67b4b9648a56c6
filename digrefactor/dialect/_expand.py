"""Expand ``!include`` markers with Digdag's merge rules.

Mirrors digdag-core ``YamlConfigLoader.ParameterizeContext``.
"""

from __future__ import annotations

import itertools
from typing import Any

from digrefactor._datatree import DataTree, is_include_entry
from digrefactor._limits import with_recursion_room

__all__ = ["expand_includes"]


def _deep_merge(base: DataTree, extra: DataTree) -> DataTree:
    out = dict(base)
    for k, v in extra.items():
        old = out.get(k)
        if isinstance(old, dict) and isinstance(v, dict):
            out[k] = _deep_merge(old, v)
        else:
            out[k] = v
    return out


@with_recursion_room
def expand_includes(value: Any, *, share: bool = False) -> Any:
    """Return *value* with every include expanded (a new tree; the input is not modified).

    ``share=True`` gives a view for reading instead: parts without includes are the input's
    (and the included trees') own objects, so only what the includes change is built. Such a
    view must not be modified.
    """
    return _view(value) if share else _expand(value)


def _expand(value: Any) -> Any:
    if isinstance(value, dict):
        out: DataTree = {}
        for k, v in value.items():
            if is_include_entry(k, v):
                if v.data is None:
                    raise ValueError(f"include {v.path!r} has not been loaded")
                included = _expand(v.data)
                for ik, iv in included.items():
                    old = out.get(ik)
                    # Keys defined before the directive deep-merge with included objects; the
                    # included value wins for everything else. Positions of existing keys stay.
                    if isinstance(old, dict) and isinstance(iv, dict):
                        out[ik] = _deep_merge(old, iv)
                    else:
                        out[ik] = iv
            else:
                out[k] = _expand(v)
        return out
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def _view(value: Any) -> Any:
    """expand_includes(value, share=True): new containers only on the way to an include."""
    if isinstance(value, dict):
        out: DataTree | None = None
        for i, (k, v) in enumerate(value.items()):
            if is_include_entry(k, v):
                if v.data is None:
                    raise ValueError(f"include {v.path!r} has not been loaded")
                if out is None:
                    out = dict(itertools.islice(value.items(), i))
                for ik, iv in _view(v.data).items():
                    old = out.get(ik)
                    if isinstance(old, dict) and isinstance(iv, dict):
                        out[ik] = _deep_merge(old, iv)
                    else:
                        out[ik] = iv
                continue
            seen = _view(v)
            if seen is not v and out is None:
                out = dict(itertools.islice(value.items(), i))
            if out is not None:
                out[k] = seen
        return value if out is None else out
    if isinstance(value, list):
        items = [_view(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value
