"""Keep every statement of the generated module shallow enough for Python to compile.

Python's tokenizer allows 200 nested brackets, and a workflow nested a few hundred tasks deep
would need more than that in one expression (``GroupTask(tasks=[GroupTask(tasks=[...`` takes
two per level). Values nested deeper than :data:`MAX_BRACKETS` are defined first as variables
of their own, innermost first, and the outer expression refers to them by name.
"""

from __future__ import annotations

from collections.abc import Callable

from digrefactor._errors import DigError
from digrefactor.convert._ir import Attr, Call, Comp, DictExpr, Expr, ListExpr, Name, TupleExpr

__all__ = ["MAX_BRACKETS", "hoist_deep"]

#: Brackets one statement may nest (a third of Python's limit: the source stays readable).
MAX_BRACKETS = 60

_Bracketed = (Call, ListExpr, TupleExpr, DictExpr)


def hoist_deep(
    statements: list[tuple[str, Expr, list[str]]], new_name: Callable[[Expr], str]
) -> list[tuple[str, Expr, list[str]]]:
    """*statements* with too deeply nested values moved into statements before their use."""
    out: list[tuple[str, Expr, list[str]]] = []
    for var, expr, extra in statements:
        hoisted: list[tuple[str, Expr, list[str]]] = []
        height = _hoist(expr, hoisted, new_name)
        if height > MAX_BRACKETS * 3:  # pragma: no cover - only inside folded comprehensions
            raise DigError(
                f"`{var}` would nest {height} brackets deep, more than Python compiles; "
                "convert it with fold_loops=False"
            )
        out.extend(hoisted)
        out.append((var, expr, extra))
    return out


def _hoist(
    expr: Expr, out: list[tuple[str, Expr, list[str]]], new_name: Callable[[Expr], str]
) -> int:
    """The bracket height of *expr* once its too deep parts are moved to *out*."""
    if isinstance(expr, Attr):
        return _hoist(expr.value, out, new_name)
    if isinstance(expr, Comp):
        # The element refers to the loop variables: it cannot move out of the comprehension.
        return 1 + max(_height(expr.elt), _hoist(expr.iterable, out, new_name))
    if not isinstance(expr, _Bracketed):
        return 0
    tallest = 0
    for item in expr.items:
        height = _hoist(item.value, out, new_name)
        # Calls (tasks) and mappings move out, named after what they are; lists only when
        # nothing else would do (lists of lists).
        movable = isinstance(item.value, (Call, DictExpr)) or height >= 2 * MAX_BRACKETS
        if height >= MAX_BRACKETS and movable:
            var = new_name(item.value)
            out.append((var, item.value, []))
            item.value = Name(var)
            height = 0
        if item.key is not None:
            height = max(height, _height(item.key))
        tallest = max(tallest, height)
    return 1 + tallest


def _height(expr: Expr) -> int:
    if isinstance(expr, Attr):
        return _height(expr.value)
    if isinstance(expr, Comp):
        return 1 + max(_height(expr.elt), _height(expr.iterable))
    if not isinstance(expr, _Bracketed):
        return 0
    heights = [_height(i.value) for i in expr.items]
    heights += [_height(i.key) for i in expr.items if i.key is not None]
    return 1 + max(heights, default=0)
