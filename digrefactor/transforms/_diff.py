"""Unified diffs in near-linear time, for files with thousands of edits.

:mod:`difflib` finds the longest matching block of the whole remaining range once per edit,
which makes a file with 8,000 edited lines take minutes. Here lines unique to both sides anchor
the match first (patience diff, as git offers): common prefix and suffix are peeled off, the
unique common lines in increasing order on both sides (a longest increasing subsequence,
O(k log k)) split the texts into small gaps, and only those gaps are matched line by line
(:class:`difflib.SequenceMatcher` when a gap is small, a plain replacement when it is not).
The result is a valid unified diff in difflib's format; only how hunks are found differs.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Sequence

__all__ = ["line_opcodes", "unified_diff_lines"]

#: Above this many line pairs a gap without anchors is replaced whole instead of matched
#: line by line (difflib is quadratic in it).
_MATCH_BUDGET = 250_000

Opcode = tuple[str, int, int, int, int]


def _unique_common(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int
) -> list[tuple[int, int]]:
    """(i, j) of lines occurring exactly once in a[alo:ahi] and once in b[blo:bhi]."""
    count_a: dict[str, int] = {}
    where_a: dict[str, int] = {}
    for i in range(alo, ahi):
        line = a[i]
        count_a[line] = count_a.get(line, 0) + 1
        where_a[line] = i
    count_b: dict[str, int] = {}
    where_b: dict[str, int] = {}
    for j in range(blo, bhi):
        line = b[j]
        if count_a.get(line) == 1:
            count_b[line] = count_b.get(line, 0) + 1
            where_b[line] = j
    pairs = [(where_a[line], where_b[line]) for line, n in count_b.items() if n == 1]
    pairs.sort()
    return pairs


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of *pairs* (sorted by i) whose j also increases (patience sorting)."""
    tails: list[int] = []  # smallest j ending an increasing run of each length
    tail_at: list[int] = []  # index into pairs of that element
    back: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        back[k] = tail_at[pos - 1] if pos else -1
    out: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    out.reverse()
    return out


def line_opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes turning line list *a* into *b* (``equal`` runs merged)."""
    raw: list[Opcode] = []
    # Work items, leftmost last: a range still to match, or opcodes ready to emit.
    stack: list[tuple[int, int, int, int] | list[Opcode]] = [(0, len(a), 0, len(b))]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            raw.extend(item)
            continue
        alo, ahi, blo, bhi = item
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            raw.append(("equal", alo, alo + 1, blo, blo + 1))
            alo += 1
            blo += 1
        tail: list[Opcode] = []
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            tail.append(("equal", ahi - 1, ahi, bhi - 1, bhi))
            ahi -= 1
            bhi -= 1
        tail.reverse()
        stack.append(tail)
        if alo == ahi or blo == bhi:
            if alo < ahi:
                raw.append(("delete", alo, ahi, blo, blo))
            elif blo < bhi:
                raw.append(("insert", alo, alo, blo, bhi))
            continue
        anchors = _increasing(_unique_common(a, alo, ahi, b, blo, bhi))
        if not anchors:
            if (ahi - alo) * (bhi - blo) <= _MATCH_BUDGET:
                matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                    raw.append((tag, alo + i1, alo + i2, blo + j1, blo + j2))
            else:
                raw.append(("replace", alo, ahi, blo, bhi))
            continue
        # The gaps between anchors are matched in turn; the anchors are equal lines.
        pieces: list[tuple[int, int, int, int] | list[Opcode]] = []
        i0, j0 = alo, blo
        for i, j in anchors:
            pieces.append((i0, i, j0, j))
            pieces.append([("equal", i, i + 1, j, j + 1)])
            i0, j0 = i + 1, j + 1
        pieces.append((i0, ahi, j0, bhi))
        stack.extend(reversed(pieces))
    return _merge(raw)


def _merge(raw: list[Opcode]) -> list[Opcode]:
    out: list[Opcode] = []
    for tag, i1, i2, j1, j2 in raw:
        if i1 == i2 and j1 == j2:
            continue
        if out:
            ptag, pi1, pi2, pj1, pj2 = out[-1]
            if ptag == tag == "equal" or (
                ptag != "equal" and tag != "equal" and pi2 == i1 and pj2 == j1
            ):
                merged = tag if ptag == tag else "replace"
                out[-1] = (merged, pi1, i2, pj1, j2)
                continue
        out.append((tag, i1, i2, j1, j2))
    return out


def _grouped(codes: list[Opcode], n: int) -> list[list[Opcode]]:
    """Hunks: changes with *n* lines of context, nearby changes sharing a hunk."""
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    codes = list(codes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * n:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def _range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1
    if length == 1:
        return str(first)
    if not length:
        first -= 1
    return f"{first},{length}"


def unified_diff_lines(
    a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int = 3
) -> list[str]:
    """Lines of a unified diff of *a* to *b* (lines keep their endings), like difflib's."""
    out: list[str] = []
    for group in _grouped(line_opcodes(a, b), n):
        if not out:
            out.append(f"--- {fromfile}\n")
            out.append(f"+++ {tofile}\n")
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                out.extend("-" + line for line in a[i1:i2])
            if tag in ("replace", "insert"):
                out.extend("+" + line for line in b[j1:j2])
    return out
