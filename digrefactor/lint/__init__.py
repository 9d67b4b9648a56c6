"""Lint warnings beyond Digdag's validity: what Digdag accepts but likely is a mistake.

``digrefactor check`` prints them as ``path:line:col: warning: DIG102 message`` (they fail the
run only with ``--strict``); the language server shows them as warnings. Codes are listed in
:data:`RULES`; disable them with ``--ignore`` or ``[tool.digrefactor.lint] ignore``, or on one
line with a ``# noqa: DIG104`` comment.
"""

from digrefactor.lint._model import (
    RULES,
    LintOptions,
    LintWarning,
    Rule,
    UnknownLintCode,
    unknown_codes,
)
from digrefactor.lint._project import lint_files
from digrefactor.lint._rules import BUILTIN_VARIABLES, LintResult, WorkflowFacts, lint_workflow

__all__ = [
    "BUILTIN_VARIABLES",
    "RULES",
    "LintOptions",
    "LintResult",
    "LintWarning",
    "Rule",
    "UnknownLintCode",
    "WorkflowFacts",
    "lint_files",
    "lint_workflow",
    "unknown_codes",
]
