"""Dotted-key edits of a model's parameters and of plain mappings (``docker.image``).

Nested mappings are never mutated in place: the top-level value is copied, edited and set back
with the model's own ``set_param`` (which keeps the key's place in the file). Loaded values may
be shared with the source's data tree, so in-place mutation could hide an edit from the writer.
"""

from __future__ import annotations

import copy
from typing import Any

from digrefactor.models import DigModel, OperatorTask
from digrefactor.transforms._select import _MISSING, lookup, split_key

__all__ = [
    "get_dotted",
    "remove_dotted",
    "remove_in_mapping",
    "rename_dotted",
    "set_dotted",
    "set_in_mapping",
]


class NotAMapping(ValueError):
    """A dotted key goes through a value that is not a mapping."""


def get_dotted(model: DigModel, dotted: str) -> Any:
    """The value at *dotted*, or ``None`` when absent."""
    value = lookup(model, dotted)
    return None if value is _MISSING else value


def has_dotted(model: DigModel, dotted: str) -> bool:
    return lookup(model, dotted) is not _MISSING


def set_dotted(model: DigModel, dotted: str, value: Any) -> bool:
    """Set *dotted* to *value* (creating mappings on the way); True when something changed."""
    first, *rest = split_key(dotted)
    if isinstance(model, OperatorTask) and first == model.operator_key:
        raise NotAMapping(f"{first} is the operator key; use rename-operator")
    if not rest:
        current = lookup(model, first)
        if current is not _MISSING and _same(current, value):
            return False
        model.set_param(first, copy.deepcopy(value))
        return True
    top = lookup(model, first)
    if top is _MISSING or top is None:
        top = {}
    if not isinstance(top, dict):
        raise NotAMapping(f"{first} is not a mapping")
    new_top = copy.deepcopy(top)
    if not set_in_mapping(new_top, rest, value):
        return False
    model.set_param(first, new_top)
    return True


def set_in_mapping(mapping: dict[str, Any], keys: list[str], value: Any) -> bool:
    """Set ``mapping[k1][k2]...`` in place (mapping is the caller's own copy)."""
    node = mapping
    for i, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None:
            child = {}
            node[key] = child
        elif not isinstance(child, dict):
            raise NotAMapping(f"{'.'.join(keys[: i + 1])} is not a mapping")
        node = child
    last = keys[-1]
    if last in node and _same(node[last], value):
        return False
    node[last] = copy.deepcopy(value)
    return True


def remove_dotted(model: DigModel, dotted: str) -> bool:
    """Remove *dotted*; mappings it leaves empty are removed too. True when removed."""
    first, *rest = split_key(dotted)
    if isinstance(model, OperatorTask) and first == model.operator_key:
        raise NotAMapping(f"{first} is the operator key and cannot be removed")
    if not rest:
        if lookup(model, first) is _MISSING:
            return False
        return model.remove_param(first)
    top = lookup(model, first)
    if not isinstance(top, dict):
        return False
    new_top = copy.deepcopy(top)
    if not remove_in_mapping(new_top, rest):
        return False
    if new_top:
        model.set_param(first, new_top)
    else:
        model.remove_param(first)
    return True


def remove_in_mapping(mapping: dict[str, Any], keys: list[str]) -> bool:
    """Remove ``mapping[k1]...[kn]`` in place, pruning mappings left empty below the top."""
    if len(keys) == 1:
        if keys[0] not in mapping:
            return False
        del mapping[keys[0]]
        return True
    child = mapping.get(keys[0])
    if not isinstance(child, dict):
        return False
    if not remove_in_mapping(child, keys[1:]):
        return False
    if not child:
        del mapping[keys[0]]
    return True


def rename_dotted(model: DigModel, old: str, new: str) -> bool:
    """Rename a parameter. Same parent: the key keeps its place; else it moves. True if done."""
    old_parts, new_parts = list(split_key(old)), list(split_key(new))
    if old == new or lookup(model, old) is _MISSING:
        return False
    if lookup(model, new) is not _MISSING:
        raise NotAMapping(f"{new} already exists")
    if len(old_parts) == 1 and len(new_parts) == 1:
        return model.rename_param(old, new)
    if old_parts[:-1] == new_parts[:-1]:
        top = lookup(model, old_parts[0])
        assert isinstance(top, dict)
        new_top = copy.deepcopy(top)
        parent = new_top
        for key in old_parts[1:-1]:
            parent = parent[key]
        renamed = {(new_parts[-1] if k == old_parts[-1] else k): v for k, v in parent.items()}
        parent.clear()
        parent.update(renamed)
        model.set_param(old_parts[0], new_top)
        return True
    value = copy.deepcopy(lookup(model, old))
    remove_dotted(model, old)
    set_dotted(model, new, value)
    return True


def _same(a: Any, b: Any) -> bool:
    from digrefactor._datatree import raw_equal

    return raw_equal(a, b)
