"""Loop folding: consecutive calls that differ only in literal values become a comprehension.

``[ShTask(name="upload_int", command="upload --to int"), ShTask(name="upload_stg", ...)]``
becomes ``[ShTask(name=f"upload_{env}", command=f"upload --to {env}") for env in ("int",
"stg")]``. Each differing literal is written as a template over loop variables; a string is
derived from an existing variable when replacing that variable's value reproduces it in every
call, otherwise it gets a variable of its own (its varying middle part, between the prefix and
suffix all calls share). The fold is kept only when the code gets shorter, so the values built
are the same calls in the same order, with the same values and types.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass

from digrefactor.convert._ir import (
    Attr,
    Call,
    Comments,
    Comp,
    DictExpr,
    Expr,
    FStr,
    Item,
    ListExpr,
    Lit,
    Name,
    Scalar,
    TupleExpr,
)
from digrefactor.convert._render import python_string

__all__ = ["FoldStats", "fold_list", "fold_tree"]

#: More loop variables than this make a comprehension harder to read than the calls.
MAX_VARIABLES = 3

_AVOID = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,8}")


@dataclass
class FoldStats:
    folds: int = 0
    calls_folded: int = 0


@dataclass
class _Var:
    name: str
    values: list[Scalar]
    #: Written as ``range(a, b)`` (the values were consecutive decimal strings).
    as_range: bool = False


def fold_tree(expr: Expr, stats: FoldStats, taken: set[str]) -> None:
    """Fold every list of calls under *expr* (innermost lists first)."""
    for child in _children(expr):
        fold_tree(child, stats, taken)
    if isinstance(expr, (Call, DictExpr, ListExpr, TupleExpr)):
        for item in expr.items:
            if isinstance(item.value, ListExpr) and item.keyword == "tasks":
                item.value = fold_list(item.value, stats, taken)


def fold_list(lst: ListExpr, stats: FoldStats, taken: set[str]) -> ListExpr | Comp:
    """*lst* with its foldable runs of calls replaced by spliced comprehensions."""
    shapes = [_item_shape(item) for item in lst.items]
    out: list[Item] = []
    i = 0
    n = len(lst.items)
    while i < n:
        j = i + 1
        if shapes[i] is not None:
            # Comment lines before the first call stay before the comprehension.
            while j < n and shapes[j] == shapes[i] and not lst.items[j].comments.leading:
                j += 1
        run = lst.items[i:j]
        comp = _fold_run([item.value for item in run], taken) if len(run) > 1 else None
        if comp is not None:
            stats.folds += 1
            stats.calls_folded += len(run)
            leading = run[0].comments.leading
            if len(run) == n and not lst.closing and not lst.opening and not leading:
                return comp
            out.append(Item(comp, star=True, comments=Comments(leading=list(leading))))
        else:
            out.extend(run)
        i = j
    lst.items = out
    return lst


def _children(expr: Expr) -> list[Expr]:
    if isinstance(expr, (Call, DictExpr, ListExpr, TupleExpr)):
        return [item.value for item in expr.items]
    if isinstance(expr, Attr):
        return [expr.value]
    if isinstance(expr, Comp):
        return [expr.elt, expr.iterable]
    return []


# --------------------------------------------------------------------------------------------
# shapes: the structure of an expression with its literal leaves left open


def _item_shape(item: Item) -> object:
    if item.comments.trailing or item.star or not isinstance(item.value, Call):
        return None
    return _shape(item.value)


def _shape(expr: Expr) -> object:
    """A hashable description of *expr* minus its literal values; None when it has comments."""
    if isinstance(expr, Lit):
        return "lit"
    if isinstance(expr, Name):
        return ("name", expr.id)
    if isinstance(expr, Attr):
        return ("attr", _shape(expr.value), expr.attr)
    if isinstance(expr, (FStr, Comp)):
        return None  # already a template: leave it alone
    if expr.opening or expr.closing:
        return None
    parts: list[object] = [type(expr).__name__, getattr(expr, "func", None), expr.explode]
    for item in expr.items:
        if item.comments:
            return None
        value = _shape(item.value)
        if value is None:
            return None
        key: object = None
        if isinstance(item.key, Lit):
            key = ("key", item.key.value)
        elif item.key is not None:
            key = _shape(item.key)
        parts.append((item.keyword, key, item.star, value))
    return tuple(parts)


def _leaves(expr: Expr, out: list[tuple[Lit, str | None]], context: str | None = None) -> None:
    """Literal leaves in shape order, each with the argument name or dict key it sits under."""
    if isinstance(expr, Lit):
        out.append((expr, context))
    elif isinstance(expr, Attr):
        _leaves(expr.value, out, context)
    elif isinstance(expr, (Call, DictExpr, ListExpr, TupleExpr)):
        for item in expr.items:
            label = item.keyword
            if item.key is not None and isinstance(item.key, Lit):
                label = str(item.key.value)
            _leaves(item.value, out, label if label is not None else context)


# --------------------------------------------------------------------------------------------
# folding one run


def _fold_run(calls: list[Expr], taken: set[str]) -> Comp | None:
    leaves = []
    for call in calls:
        found: list[tuple[Lit, str | None]] = []
        _leaves(call, found)
        leaves.append(found)
    varying = [
        p for p in range(len(leaves[0])) if len({_typed(row[p][0].value) for row in leaves}) > 1
    ]
    if not varying:
        return None
    variables: list[_Var] = []
    templates: dict[int, Expr] = {}
    local_names = set(taken)
    for p in varying:
        values = [row[p][0].value for row in leaves]
        context = leaves[0][p][1]
        template = _derive(values, variables, templates)
        if template is None:
            if len({type(v) for v in values if v is not None}) > 1:
                return None  # one variable of mixed types would not type-check
            template, new = _new_var(values, context, local_names, variables)
            variables.append(new)
        templates[p] = template
        if len(variables) > MAX_VARIABLES:
            return None
    _rename_from_keys(variables, templates, {p: leaves[0][p][1] for p in varying}, taken)
    for var in variables:
        _maybe_range(var, templates)
    positions = {id(leaves[0][p][0]): templates[p] for p in varying}
    elt = _replace(calls[0], positions)
    comp = Comp(elt=elt, targets=[v.name for v in variables], iterable=_iterable(variables))
    if _size(comp) >= sum(_size(c) + 2 for c in calls):
        return None
    return comp


def _typed(value: Scalar) -> tuple[type, Scalar]:
    return (type(value), value)


def _derive(values: list[Scalar], variables: list[_Var], templates: dict[int, Expr]) -> Expr | None:
    """A template over existing variables that yields every one of *values*, if there is one."""
    if not all(isinstance(v, str) for v in values):
        for var in variables:
            if [_typed(v) for v in var.values] == [_typed(v) for v in values]:
                return Name(var.name)
        if all(type(v) is int for v in values):
            for var in variables:
                if var.values == [str(v) for v in values]:
                    # `step1`..`step3` and `priority: 1..3`: one int variable serves both.
                    var.values = list(values)
                    for p, template in templates.items():
                        if isinstance(template, Name) and template.id == var.name:
                            templates[p] = FStr([(var.name, True)])
                    return Name(var.name)
        return None
    texts = [str(v) for v in values]
    for var in variables:
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in var.values):
            continue
        subs = [str(v) for v in var.values]
        if not subs[0] or subs[0] not in texts[0]:
            continue
        pieces = texts[0].split(subs[0])
        if all(sub.join(pieces) == text for sub, text in zip(subs, texts, strict=True)):
            if isinstance(var.values[0], str) and pieces == ["", ""]:
                return Name(var.name)
            parts: list[tuple[str, bool]] = []
            for i, piece in enumerate(pieces):
                if i:
                    parts.append((var.name, True))
                if piece:
                    parts.append((piece, False))
            return FStr(parts)
    return None


def _new_var(
    values: list[Scalar], context: str | None, taken: set[str], variables: list[_Var]
) -> tuple[Expr, _Var]:
    name = _var_name(context, taken | {v.name for v in variables})
    if not all(isinstance(v, str) for v in values):
        return Name(name), _Var(name, values)
    texts = [str(v) for v in values]
    prefix = _common_prefix(texts)
    rests = [t[len(prefix) :] for t in texts]
    suffix = _common_prefix([r[::-1] for r in rests])[::-1]
    middles = [r[: len(r) - len(suffix)] for r in rests]
    if not all(m.isdigit() for m in middles):
        # Vary whole words: `daily`/`weekly`, not `dai`/`week` before a shared `ly`.
        while prefix and prefix[-1].isalnum():
            prefix = prefix[:-1]
        while suffix and suffix[0].isalnum():
            suffix = suffix[1:]
        middles = [t[len(prefix) : len(t) - len(suffix)] for t in texts]
    if not prefix and not suffix:
        return Name(name), _Var(name, list(texts))
    parts = [(prefix, False)] if prefix else []
    parts.append((name, True))
    if suffix:
        parts.append((suffix, False))
    return FStr(parts), _Var(name, list(middles))


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)
    n = 0
    while n < len(first) and n < len(last) and first[n] == last[n]:
        n += 1
    return first[:n]


def _var_name(context: str | None, taken: set[str]) -> str:
    base = "item"
    if context and context != "name":
        words = re.findall(r"[a-z0-9]+", context.lower())
        if words and not words[0][0].isdigit():
            base = "_".join(words)
    if base in _AVOID:
        base += "_"
    name = base
    n = 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _rename_from_keys(
    variables: list[_Var],
    templates: dict[int, Expr],
    contexts: dict[int, str | None],
    taken: set[str],
) -> None:
    """Name a variable after a key it fills whole (``region``), not the task name it forms."""
    names = {v.name for v in variables}
    for var in variables:
        if not var.name.startswith("item"):
            continue
        for p, template in templates.items():
            context = contexts.get(p)
            if isinstance(template, Name) and template.id == var.name and context != "name":
                new = _var_name(context, taken | names)
                if new.startswith("item"):
                    continue
                names.add(new)
                for t in templates.values():
                    if isinstance(t, Name) and t.id == var.name:
                        t.id = new
                    elif isinstance(t, FStr):
                        t.parts = [(new if v and x == var.name else x, v) for x, v in t.parts]
                var.name = new
                break


def _maybe_range(var: _Var, templates: dict[int, Expr]) -> None:
    """Consecutive decimal strings used only inside templates loop over ``range``."""
    values = var.values
    if len(values) < 3:
        return
    if all(type(v) is int for v in values):
        numbers = [int(str(v)) for v in values]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            var.as_range = True
        return
    if not all(isinstance(v, str) and _DECIMAL.fullmatch(v) for v in values):
        return
    numbers = [int(str(v)) for v in values]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return
    for p, template in list(templates.items()):
        if isinstance(template, Name) and template.id == var.name:
            templates[p] = FStr([(var.name, True)])
    var.values = list(numbers)
    var.as_range = True


def _iterable(variables: list[_Var]) -> Expr:
    if len(variables) == 1:
        var = variables[0]
        if var.as_range:
            first = int(var.values[0] or 0)
            stop = first + len(var.values)
            args = [Item(Lit(stop))] if first == 0 else [Item(Lit(first)), Item(Lit(stop))]
            return Call(args, func="range")
        return TupleExpr([Item(Lit(v)) for v in var.values])
    rows = zip(*(v.values for v in variables), strict=True)
    return TupleExpr([Item(TupleExpr([Item(Lit(v)) for v in row])) for row in rows])


def _replace(expr: Expr, positions: dict[int, Expr]) -> Expr:
    """A copy of *expr* with the leaves in *positions* replaced by their templates."""
    if isinstance(expr, Lit):
        return positions.get(id(expr), Lit(expr.value))
    if isinstance(expr, Attr):
        return Attr(_replace(expr.value, positions), expr.attr)
    if isinstance(expr, (Call, DictExpr, ListExpr, TupleExpr)):
        items = [
            Item(
                _replace(item.value, positions),
                keyword=item.keyword,
                key=item.key,
                star=item.star,
            )
            for item in expr.items
        ]
        kwargs: dict[str, object] = {"explode": expr.explode}
        if isinstance(expr, Call):
            kwargs["func"] = expr.func
        return type(expr)(items, **kwargs)  # type: ignore[arg-type]
    return expr


def _size(expr: Expr) -> int:
    """Characters of source *expr* takes, ignoring layout."""
    if isinstance(expr, Lit):
        return (
            len(python_string(expr.value)) if isinstance(expr.value, str) else len(repr(expr.value))
        )
    if isinstance(expr, FStr):
        return 3 + sum(len(text) + (2 if is_var else 0) for text, is_var in expr.parts)
    if isinstance(expr, Name):
        return len(expr.id)
    if isinstance(expr, Attr):
        return _size(expr.value) + 1 + len(expr.attr)
    if isinstance(expr, Comp):
        return 10 + _size(expr.elt) + sum(len(t) + 2 for t in expr.targets) + _size(expr.iterable)
    total = 2 + len(getattr(expr, "func", ""))
    for item in expr.items:
        total += _size(item.value) + 2
        if item.keyword:
            total += len(item.keyword) + 1
        if item.key is not None:
            total += _size(item.key) + 2
    return total
