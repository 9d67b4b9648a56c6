"""Expand ``!include`` markers with Digdag's merge rules.

Mirrors digdag-core ``YamlConfigLoader.ParameterizeContext``.
"""

from __future__ import annotations

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
def expand_includes(value: Any) -> Any:
    """Return *value* with every include expanded (a new tree; the input is not modified)."""
    return _expand(value)


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
