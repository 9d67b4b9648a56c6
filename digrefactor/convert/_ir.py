"""The expression tree the converter builds before any layout decision.

Models become calls, raw data becomes literals; comments ride on the items they describe.
Loop folding rewrites this tree, and the renderer lays it out as libcst nodes. Keeping layout
out of this tree lets folding compare shapes without caring about line breaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = [
    "Attr",
    "Call",
    "Comments",
    "Comp",
    "DictExpr",
    "Expr",
    "FStr",
    "Item",
    "ListExpr",
    "Lit",
    "Name",
    "Scalar",
    "TupleExpr",
]

Scalar: TypeAlias = str | int | float | bool | None


@dataclass
class Comments:
    """Comment lines around an item (``leading``/``trailing``) or inside a bracket pair."""

    leading: list[str] = field(default_factory=list)
    trailing: str | None = None

    def __bool__(self) -> bool:
        return bool(self.leading or self.trailing)


@dataclass(eq=False)
class Lit:
    """A literal scalar value (``str``, ``int``, ``float``, ``bool`` or ``None``)."""

    value: Scalar


@dataclass(eq=False)
class FStr:
    """An f-string: literal text and loop-variable names (``("upload_", False), ("env", True)``)."""

    parts: list[tuple[str, bool]]


@dataclass(eq=False)
class Name:
    id: str


@dataclass(eq=False)
class Attr:
    value: Expr
    attr: str


@dataclass(eq=False)
class Item:
    """One element of a call, list, tuple or dict.

    ``keyword`` names a call argument, ``key`` is a dict key, ``star`` splices an iterable into
    a list (``*[... for x in ...]``); ``positional`` call arguments have neither.
    """

    value: Expr
    keyword: str | None = None
    key: Expr | None = None
    star: bool = False
    comments: Comments = field(default_factory=Comments)


@dataclass(eq=False)
class _Bracketed:
    items: list[Item]
    #: End-of-line comment after the opening bracket.
    opening: str | None = field(default=None, kw_only=True)
    #: Comment lines before the closing bracket.
    closing: list[str] = field(default_factory=list, kw_only=True)
    #: Always one item per line, even when everything would fit on one line.
    explode: bool = field(default=False, kw_only=True)


@dataclass(eq=False)
class Call(_Bracketed):
    func: str = field(kw_only=True)


@dataclass(eq=False)
class ListExpr(_Bracketed):
    pass


@dataclass(eq=False)
class TupleExpr(_Bracketed):
    pass


@dataclass(eq=False)
class DictExpr(_Bracketed):
    pass


@dataclass(eq=False)
class Comp:
    """``[elt for targets in iterable]``."""

    elt: Expr
    targets: list[str]
    iterable: Expr


Expr: TypeAlias = Lit | FStr | Name | Attr | Call | ListExpr | TupleExpr | DictExpr | Comp
