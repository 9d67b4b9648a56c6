"""Linting several workflows together: what one workflow defines for those it calls."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable

from digrefactor.lint._model import LintWarning
from digrefactor.lint._rules import LintResult

__all__ = ["lint_files"]


def lint_files(
    results: Iterable[tuple[str, LintResult]], included: Collection[str] = ()
) -> dict[str, list[LintWarning]]:
    """Warnings per file, with what callers define taken into account.

    *results* pairs each workflow's path with its :class:`LintResult`. A variable that a
    ``call>`` site (its exports) or a ``require>`` (its ``params``) in another workflow defines
    for this one is not undefined (DIG104 dropped). *included* are real paths of files other
    files ``!include``: their variables come from where they are included, so DIG104 is
    dropped for them too.
    """
    results = list(results)
    fragments = {os.path.realpath(p) for p in included}
    out: dict[str, list[LintWarning]] = {}
    for path, result in results:
        real = os.path.realpath(path)
        given: set[str] = set()
        if any(w.code == "DIG104" for w in result.warnings):
            for _, other in results:
                given |= other.facts.defined_for(real)
        out[path] = [
            w
            for w in result.warnings
            if not (w.code == "DIG104" and (w.subject in given or real in fragments))
        ]
    return out
