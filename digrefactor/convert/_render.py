"""Lay the expression tree out as libcst nodes, the way ``ruff format`` would leave it.

Every bracket pair is either flat (everything on one line, which must fit in
:data:`LINE_LENGTH`) or exploded (one item per line with a trailing comma, which ruff keeps as a
"magic trailing comma"). Strings too long for their line are split into implicitly concatenated
pieces inside parentheses, and multi-line strings become triple-quoted blocks when their lines
allow it. Comments force the brackets around them open.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import libcst as cst

from digrefactor.convert._ir import (
    Attr,
    Call,
    Comp,
    DictExpr,
    Expr,
    FStr,
    Item,
    ListExpr,
    Lit,
    Name,
    TupleExpr,
)

__all__ = ["LINE_LENGTH", "Renderer", "python_string", "text_width", "wrap_comment"]

LINE_LENGTH = 100
INDENT = 4

#: Characters kept as they are in a string literal; everything else in these categories is
#: escaped so that no invisible or line-breaking character ends up in the source.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def text_width(text: str) -> int:
    """Columns *text* takes, counted as ruff counts them (East Asian wide characters are 2)."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _escape_char(ch: str, quote: str) -> str:
    if ch == quote:
        return "\\" + ch
    simple = _SIMPLE_ESCAPES.get(ch)
    if simple is not None:
        return simple
    if ch.isascii() and ch.isprintable():
        return ch
    if unicodedata.category(ch) in _ESCAPED_CATEGORIES:
        o = ord(ch)
        return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"
    return ch


def _choose_quote(texts: Sequence[str]) -> str:
    """Double quotes unless single quotes need fewer escapes (ruff's preference)."""
    doubles = sum(t.count('"') for t in texts)
    singles = sum(t.count("'") for t in texts)
    return "'" if doubles > singles else '"'


def python_string(value: str) -> str:
    """The source of a one-line string literal equal to *value*."""
    quote = _choose_quote([value])
    return quote + "".join(_escape_char(ch, quote) for ch in value) + quote


def _fstring(parts: Sequence[tuple[str, bool]]) -> str:
    """Source of an f-string (plain literal when it has no placeholder)."""
    if not any(is_var for _, is_var in parts):
        return python_string("".join(text for text, _ in parts))
    quote = _choose_quote([text for text, is_var in parts if not is_var])
    body: list[str] = []
    for text, is_var in parts:
        if is_var:
            body.append("{" + text + "}")
        else:
            escaped = "".join(_escape_char(ch, quote) for ch in text)
            body.append(escaped.replace("{", "{{").replace("}", "}}"))
    return "f" + quote + "".join(body) + quote


def _triple_quoted(value: str) -> str | None:
    """A ``\"\"\"\\``-block equal to *value*, or None when its lines would not be clean source.

    Lines must fit the line length and carry no trailing blanks (ruff would flag both).
    """
    out: list[str] = []
    for i, ch in enumerate(value):
        if ch == "\n":
            out.append("\n")
        elif ch == '"' and (i + 1 == len(value) or value[i + 1] == '"' or value[i - 1] == '"'):
            out.append('\\"')
        elif ch == "\r":
            return None
        else:
            out.append(_escape_char(ch, ""))
    body = "".join(out)
    lines = body.split("\n")
    for line in lines:
        if line != line.rstrip(" \t\u3000\xa0") or text_width(line) > LINE_LENGTH - 5:
            return None
    return '"""\\\n' + body + '"""'


def is_multiline(value: str) -> bool:
    """More than one line of text (a single trailing newline reads fine as ``\\n``)."""
    return "\n" in value[:-1]


def wrap_comment(comment: str, width: int) -> list[str]:
    """Split a ``# ...`` comment into lines of at most *width* columns, at blanks if possible."""
    if text_width(comment) <= width:
        return [comment.rstrip()]
    words = comment[1:].strip().split(" ")
    lines: list[str] = []
    current = "#"
    for word in words:
        candidate = f"{current} {word}"
        if text_width(candidate) <= width or current == "#":
            current = candidate
        else:
            lines.append(current)
            current = f"# {word}"
    lines.append(current)
    out: list[str] = []
    for line in lines:
        while text_width(line) > width and len(line) > 3:
            cut = _cut_at_width(line, width)
            out.append(line[:cut].rstrip())
            line = "# " + line[cut:]
        out.append(line.rstrip())
    return out


def _cut_at_width(text: str, width: int) -> int:
    total = 0
    for i, ch in enumerate(text):
        total += text_width(ch)
        if total > width:
            return max(i, 3)
    return len(text)


# --------------------------------------------------------------------------------------------
# whitespace helpers


def _ws(text: str = "") -> cst.SimpleWhitespace:
    return cst.SimpleWhitespace(text)


def _comment_lines(comments: Sequence[str], column: int) -> list[cst.EmptyLine]:
    lines: list[cst.EmptyLine] = []
    for comment in comments:
        for part in wrap_comment(comment, LINE_LENGTH - column):
            lines.append(
                cst.EmptyLine(indent=True, whitespace=_ws(" " * column), comment=cst.Comment(part))
            )
    return lines


def _break(
    comment: str | None, lines: Sequence[str], comment_column: int, next_column: int
) -> cst.ParenthesizedWhitespace:
    """End the current line (with *comment*), add comment *lines*, indent to *next_column*."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(
            whitespace=_ws("  " if comment else ""),
            comment=cst.Comment(comment) if comment else None,
        ),
        empty_lines=_comment_lines(lines, comment_column),
        indent=True,
        last_line=_ws(" " * next_column),
    )


_NO_COMMA = cst.MaybeSentinel.DEFAULT


def _flat_comma() -> cst.Comma:
    return cst.Comma(whitespace_before=_ws(), whitespace_after=_ws(" "))


# --------------------------------------------------------------------------------------------


class Renderer:
    """Turns expression trees into libcst nodes; flat text is measured once per node."""

    def __init__(self) -> None:
        self._flat: dict[int, str | None] = {}

    # ------------------------------------------------------------------ measuring

    def flat_text(self, expr: Expr) -> str | None:
        """The one-line source of *expr*, or None when it cannot be written on one line."""
        key = id(expr)
        if key in self._flat:
            return self._flat[key]
        text = self._compute_flat(expr)
        self._flat[key] = text
        return text

    def _compute_flat(self, expr: Expr) -> str | None:
        if isinstance(expr, Lit):
            if isinstance(expr.value, str) and is_multiline(expr.value):
                return None
            return _scalar_source(expr.value)
        if isinstance(expr, FStr):
            return _fstring(expr.parts)
        if isinstance(expr, Name):
            return expr.id
        if isinstance(expr, Attr):
            inner = self.flat_text(expr.value)
            return None if inner is None else f"{inner}.{expr.attr}"
        if isinstance(expr, Comp):
            elt = self.flat_text(expr.elt)
            iterable = self.flat_text(expr.iterable)
            if elt is None or iterable is None:
                return None
            return f"[{elt} for {', '.join(expr.targets)} in {iterable}]"
        if expr.explode or expr.opening or expr.closing:
            return None
        parts: list[str] = []
        for item in expr.items:
            if item.comments:
                return None
            value = self.flat_text(item.value)
            if value is None:
                return None
            if item.keyword is not None:
                parts.append(f"{item.keyword}={value}")
            elif item.key is not None:
                key = self.flat_text(item.key)
                if key is None:
                    return None
                parts.append(f"{key}: {value}")
            else:
                parts.append(("*" if item.star else "") + value)
        body = ", ".join(parts)
        if isinstance(expr, Call):
            return f"{expr.func}({body})"
        if isinstance(expr, ListExpr):
            return f"[{body}]"
        if isinstance(expr, DictExpr):
            return "{" + body + "}"
        return f"({body},)" if len(parts) == 1 else f"({body})"

    def fits(self, expr: Expr, head: int, tail: int) -> bool:
        text = self.flat_text(expr)
        return text is not None and head + text_width(text) + tail <= LINE_LENGTH

    # ------------------------------------------------------------------ building

    def node(self, expr: Expr, indent: int, head: int, tail: int) -> cst.BaseExpression:
        """*expr* starting at column *head* on a line indented *indent*, *tail* columns after."""
        if self.fits(expr, head, tail):
            return self.flat_node(expr)
        if isinstance(expr, (Call, ListExpr, TupleExpr, DictExpr)):
            return self._exploded(expr, indent)
        if isinstance(expr, Comp):
            return self._comp_exploded(expr, indent)
        if isinstance(expr, Lit) and isinstance(expr.value, str):
            return self._long_string([(ch, False) for ch in expr.value], indent, head, tail)
        if isinstance(expr, FStr):
            atoms: list[tuple[str, bool]] = []
            for text, is_var in expr.parts:
                atoms.extend([(text, True)] if is_var else [(ch, False) for ch in text])
            return self._long_string(atoms, indent, head, tail)
        return self.flat_node(expr)

    def flat_node(self, expr: Expr) -> cst.BaseExpression:
        if isinstance(expr, Lit):
            return _scalar_node(expr.value)
        if isinstance(expr, FStr):
            return cst.parse_expression(_fstring(expr.parts))
        if isinstance(expr, Name):
            return cst.Name(expr.id)
        if isinstance(expr, Attr):
            return cst.Attribute(value=self.flat_node(expr.value), attr=cst.Name(expr.attr))
        if isinstance(expr, Comp):
            return cst.ListComp(
                elt=self.flat_node(expr.elt),
                for_in=cst.CompFor(
                    target=_targets(expr.targets),
                    iter=self.flat_node(expr.iterable),
                    whitespace_before=_ws(" "),
                ),
            )
        return self._bracketed(expr, None, [self.flat_node(item.value) for item in expr.items])

    def _long_string(
        self, atoms: list[tuple[str, bool]], indent: int, head: int, tail: int
    ) -> cst.BaseExpression:
        inner = indent + INDENT
        text = "".join(a for a, _ in atoms)
        if not any(v for _, v in atoms) and is_multiline(text) and head + 4 <= LINE_LENGTH:
            block = _triple_quoted(text)
            last_line = block.rsplit("\n", 1)[-1] if block is not None else ""
            if block is not None and text_width(last_line) + tail <= LINE_LENGTH:
                return cst.SimpleString(block)
        # ruff joins implicitly concatenated pieces whenever the joined literal fits, so split
        # only what fits nowhere: on the line as it is, then alone inside parentheses.
        whole = _piece_source(atoms)
        if head + text_width(whole) + tail <= LINE_LENGTH:
            return _piece_node(atoms)
        if head > indent and inner + text_width(whole) <= LINE_LENGTH:
            pieces = [atoms]
        else:
            pieces = _split_atoms(atoms, LINE_LENGTH - inner)
            if len(pieces) == 1 and head <= indent:
                return _piece_node(atoms)  # unsplittable, and already on a line of its own
        expr: cst.BaseExpression = _piece_node(pieces[-1])
        for piece in reversed(pieces[:-1]):
            expr = cst.ConcatenatedString(
                left=_piece_node(piece),  # type: ignore[arg-type]
                right=expr,  # type: ignore[arg-type]
                whitespace_between=_break(None, [], 0, inner),
            )
        return expr.with_changes(
            lpar=[cst.LeftParen(whitespace_after=_break(None, [], 0, inner))],
            rpar=[cst.RightParen(whitespace_before=_break(None, [], 0, indent))],
        )

    def _comp_exploded(self, expr: Comp, indent: int) -> cst.BaseExpression:
        inner = indent + INDENT
        targets = ", ".join(expr.targets)
        clause = f"for {targets} in "
        elt_text = self.flat_text(expr.elt)
        iter_text = self.flat_text(expr.iterable)
        if elt_text is not None and iter_text is not None:
            # Like ruff: the whole comprehension on one line inside the brackets if it fits.
            one_line = inner + text_width(f"{elt_text} {clause}{iter_text}")
            if one_line <= LINE_LENGTH:
                return cst.ListComp(
                    elt=self.flat_node(expr.elt),
                    for_in=cst.CompFor(
                        target=_targets(expr.targets),
                        iter=self.flat_node(expr.iterable),
                        whitespace_before=_ws(" "),
                    ),
                    lbracket=cst.LeftSquareBracket(whitespace_after=_break(None, [], 0, inner)),
                    rbracket=cst.RightSquareBracket(whitespace_before=_break(None, [], 0, indent)),
                )
        return cst.ListComp(
            elt=self.node(expr.elt, inner, inner, 0),
            for_in=cst.CompFor(
                target=_targets(expr.targets),
                iter=self.node(expr.iterable, inner, inner + len(clause), 0),
                whitespace_before=_break(None, [], 0, inner),
            ),
            lbracket=cst.LeftSquareBracket(whitespace_after=_break(None, [], 0, inner)),
            rbracket=cst.RightSquareBracket(whitespace_before=_break(None, [], 0, indent)),
        )

    def _exploded(
        self, expr: Call | ListExpr | TupleExpr | DictExpr, indent: int
    ) -> cst.BaseExpression:
        inner = indent + INDENT
        items = expr.items
        open_width = len(expr.func) + 1 if isinstance(expr, Call) else 1
        opening = expr.opening
        leading_first: list[str] = []
        if opening is not None and indent + open_width + 2 + text_width(opening) > LINE_LENGTH:
            leading_first, opening = [opening], None
        values: list[cst.BaseExpression] = []
        trailing: list[str | None] = []
        leadings: list[list[str]] = []
        for i, item in enumerate(items):
            head = inner + self._prefix_width(item)
            value = self.node(item.value, inner, head, 1)
            leading = list(item.comments.leading)
            comment = item.comments.trailing
            if comment is not None:
                last = _last_line_width(value, head) + 1
                if last + 2 + text_width(comment) > LINE_LENGTH:
                    leading.append(comment)
                    comment = None
            if i == 0:
                leading = leading_first + leading
            values.append(value)
            trailing.append(comment)
            leadings.append(leading)
        closing = list(expr.closing)
        if not items:
            closing = leading_first + closing
        after_open = _break(opening, leadings[0] if items else closing, inner, inner)
        if not items:
            after_open = after_open.with_changes(last_line=_ws(" " * indent))
        commas: list[cst.Comma] = []
        for i in range(len(items)):
            last = i == len(items) - 1
            commas.append(
                cst.Comma(
                    whitespace_before=_ws(),
                    whitespace_after=_break(
                        trailing[i],
                        closing if last else leadings[i + 1],
                        inner,
                        indent if last else inner,
                    ),
                )
            )
        return self._bracketed(expr, after_open, values, commas)

    def _prefix_width(self, item: Item) -> int:
        if item.keyword is not None:
            return len(item.keyword) + 1
        if item.key is not None:
            key = self.flat_text(item.key)
            return text_width(key or "") + 2
        return 1 if item.star else 0

    def _bracketed(
        self,
        expr: Call | ListExpr | TupleExpr | DictExpr,
        after_open: cst.BaseParenthesizableWhitespace | None,
        values: list[cst.BaseExpression],
        commas: list[cst.Comma] | None = None,
    ) -> cst.BaseExpression:
        n = len(values)

        def comma(i: int) -> cst.Comma | cst.MaybeSentinel:
            if commas is not None:
                return commas[i]
            if i < n - 1:
                return _flat_comma()
            if isinstance(expr, TupleExpr) and n == 1:
                return cst.Comma(whitespace_before=_ws(), whitespace_after=_ws())
            return _NO_COMMA

        open_ws = after_open if after_open is not None else _ws()
        if isinstance(expr, Call):
            args = [
                cst.Arg(
                    value=values[i],
                    keyword=cst.Name(item.keyword) if item.keyword is not None else None,
                    equal=cst.AssignEqual(whitespace_before=_ws(), whitespace_after=_ws())
                    if item.keyword is not None
                    else _NO_COMMA,
                    star="*" if item.star else "",
                    comma=comma(i),
                )
                for i, item in enumerate(expr.items)
            ]
            return cst.Call(func=_dotted(expr.func), args=args, whitespace_before_args=open_ws)
        if isinstance(expr, DictExpr):
            elements: list[cst.BaseDictElement] = []
            for i, item in enumerate(expr.items):
                assert item.key is not None
                elements.append(
                    cst.DictElement(
                        key=self.flat_node(item.key),
                        value=values[i],
                        comma=comma(i),
                        whitespace_before_colon=_ws(),
                        whitespace_after_colon=_ws(" "),
                    )
                )
            return cst.Dict(elements=elements, lbrace=cst.LeftCurlyBrace(whitespace_after=open_ws))
        seq: list[cst.BaseElement] = [
            cst.StarredElement(value=values[i], comma=comma(i))
            if item.star
            else cst.Element(value=values[i], comma=comma(i))
            for i, item in enumerate(expr.items)
        ]
        if isinstance(expr, ListExpr):
            return cst.List(elements=seq, lbracket=cst.LeftSquareBracket(whitespace_after=open_ws))
        return cst.Tuple(elements=seq, lpar=[cst.LeftParen(whitespace_after=open_ws)])


# --------------------------------------------------------------------------------------------


def _dotted(name: str) -> cst.BaseExpression:
    parts = name.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _targets(names: list[str]) -> cst.BaseAssignTargetExpression:
    if len(names) == 1:
        return cst.Name(names[0])
    return cst.Tuple(
        elements=[
            cst.Element(cst.Name(n), comma=_flat_comma() if i < len(names) - 1 else _NO_COMMA)
            for i, n in enumerate(names)
        ],
        lpar=[],
        rpar=[],
    )


def _scalar_source(value: object) -> str:
    if isinstance(value, str):
        return python_string(value)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a non-finite float has no Python literal: {value!r}")
        text = repr(value)
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}e{exponent.lstrip('+')}"  # ruff writes 1e16, not 1e+16
        return text
    raise TypeError(f"not a scalar: {value!r}")


def _scalar_node(value: object) -> cst.BaseExpression:
    text = _scalar_source(value)
    if isinstance(value, str):
        return cst.SimpleString(text)
    if value is None or isinstance(value, bool):
        return cst.Name(text)
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    number: cst.BaseExpression = (
        cst.Integer(digits) if isinstance(value, int) else cst.Float(digits)
    )
    if negative:
        return cst.UnaryOperation(operator=cst.Minus(), expression=number)
    return number


def _piece_source(piece: list[tuple[str, bool]]) -> str:
    return _fstring(_merge_atoms(piece))


def _piece_node(piece: list[tuple[str, bool]]) -> cst.BaseExpression:
    source = _piece_source(piece)
    if source.startswith("f"):
        return cst.parse_expression(source)
    return cst.SimpleString(source)


def _merge_atoms(atoms: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    merged: list[tuple[str, bool]] = []
    for text, is_var in atoms:
        if merged and not is_var and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + text, False)
        else:
            merged.append((text, is_var))
    return merged


def _split_atoms(atoms: list[tuple[str, bool]], width: int) -> list[list[tuple[str, bool]]]:
    """Split a string into pieces whose literals fit *width*: after newlines, else at blanks."""
    width = max(width, 20)
    pieces: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    for atom in atoms:
        current.append(atom)
        if atom == ("\n", False) and len(current) > 0:
            pieces.append(current)
            current = []
    if current:
        pieces.append(current)
    out: list[list[tuple[str, bool]]] = []
    for piece in pieces:
        while len(piece) > 1:
            cut = _cut_piece(piece, width)
            if cut >= len(piece):
                break
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    return out


def _fits(piece: list[tuple[str, bool]], width: int) -> bool:
    return text_width(_piece_source(piece)) <= width


def _cut_piece(piece: list[tuple[str, bool]], width: int) -> int:
    """How many atoms of *piece* fit *width* (all of them when it fits whole): up to the last
    blank in reach when there is one.

    Only prefixes about *width* atoms long are rendered (a literal atom takes a column or more,
    bar zero-width characters: the search widens then), so splitting a long word is linear.
    """
    n = len(piece)
    reach = max(width, 1) + 1
    while reach < n and _fits(piece[:reach], width):
        reach *= 2
    if reach >= n:
        if _fits(piece, width):
            return n
        reach = n
    lo, hi = 1, reach - 1  # the longest prefix that fits (one atom at least)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _fits(piece[:mid], width):
            lo = mid
        else:
            hi = mid - 1
    fit = lo
    for i in range(fit, max(fit // 2, 1), -1):
        if piece[i - 1] == (" ", False):
            return i
    return fit


def _last_line_width(node: cst.BaseExpression, head: int) -> int:
    code = cst.Module(body=[]).code_for_node(node)
    if "\n" not in code:
        return head + text_width(code)
    return text_width(code.rsplit("\n", 1)[-1])
