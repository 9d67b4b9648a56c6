"""Lint warnings, their codes, and which codes a run reports."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from digrefactor._errors import format_location

__all__ = ["RULES", "LintOptions", "LintWarning", "Rule", "unknown_codes"]


@dataclass(frozen=True)
class Rule:
    """A lint rule: its code (``DIG102``), short name and what it reports."""

    code: str
    name: str
    summary: str


#: Every rule by code. Codes never change meaning; retired codes are not reused.
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "DIG101",
            "task-missing-plus",
            "a key that holds a task (an operator or +subtasks) but has no leading `+`: Digdag "
            "reads it as a parameter and never runs it",
        ),
        Rule(
            "DIG102",
            "misspelt-directive",
            "an unknown `_key` close to a directive (`_retyr`), or a directive written without "
            "its `_` (`retry:`) on an operator that does not take that parameter",
        ),
        Rule(
            "DIG103",
            "unknown-parameter",
            "a parameter the built-in operator does not read (Digdag ignores it at run time)",
        ),
        Rule(
            "DIG104",
            "undefined-variable",
            "a `${...}` variable that no `_export`, parameter, operator output, loop variable or "
            "built-in variable defines (the task would fail when it runs)",
        ),
        Rule(
            "DIG105",
            "unknown-operator",
            "an operator that is not built in but close to one (`shh>`), in a workflow that "
            "declares no plugins",
        ),
        Rule(
            "DIG107",
            "fails-at-run-time",
            "a `_do`, `_else_do` or `_check` body that Digdag compiles only when it runs and then "
            "rejects (an operator with subtasks, two operators, a parameter in a group, ...)",
        ),
        Rule(
            "DIG106",
            "mixed-line-endings",
            "a file that mixes line endings (LF, CRLF, CR)",
        ),
    )
}

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9]+(?:[\s,]+[A-Za-z0-9]+)*))?", re.I)


@dataclass(frozen=True)
class LintWarning:
    """One warning, located like a :class:`~digrefactor.DigError` (1-based lines and columns).

    ``end_line``/``end_column`` end the range (exclusive); ``subject`` is the name a warning is
    about (the undefined variable of DIG104), for project-wide filtering.
    """

    code: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    subject: str | None = None

    @property
    def location(self) -> str:
        return format_location(self.path, self.line, self.column)

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.code} {self.message}"


@dataclass(frozen=True)
class LintOptions:
    """Which codes to report and what the project defines at run time.

    ``select`` (codes or prefixes such as ``DIG10``; empty: every rule) and ``ignore`` choose
    the rules; ``variables`` are names given when workflows start (``digdag run -p``, server
    defaults) so that DIG104 does not report them.
    """

    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    variables: frozenset[str] = field(default_factory=frozenset)

    def enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)

    @classmethod
    def from_settings(
        cls,
        table: Mapping[str, Sequence[str]],
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
    ) -> LintOptions:
        """Options from ``[tool.digrefactor.lint]`` (*table*) and the command line's
        comma-separated *select* (replaces the table's) and *ignore* (adds to it).

        Raises :class:`UnknownLintCode` for a code that names no rule.
        """

        def codes(values: Sequence[str] | None) -> list[str]:
            return [c.strip().upper() for v in values or [] for c in v.split(",") if c.strip()]

        chosen = codes(select) or codes(table.get("select"))
        ignored = codes(table.get("ignore")) + codes(ignore)
        unknown = unknown_codes(chosen + ignored)
        if unknown:
            raise UnknownLintCode(
                f"unknown lint code {unknown[0]!r} (codes: {', '.join(sorted(RULES))})"
            )
        return cls(
            select=frozenset(chosen),
            ignore=frozenset(ignored),
            variables=frozenset(table.get("variables", [])),
        )


class UnknownLintCode(ValueError):
    """A code given to ``select``/``ignore`` that names no rule and prefixes none."""


def unknown_codes(codes: Iterable[str]) -> list[str]:
    """The entries of *codes* that name no rule and prefix none (for usage errors)."""
    return [c for c in codes if not any(code.startswith(c) for code in RULES)]


def noqa_codes(line_text: str) -> frozenset[str] | None:
    """Codes a ``# noqa`` comment on the line silences (empty: all), ``None`` without one."""
    match = _NOQA.search(line_text)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in re.split(r"[\s,]+", codes) if c)
