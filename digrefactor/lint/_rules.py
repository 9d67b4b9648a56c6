"""The lint rules: one walk over a workflow's data tree, in file order.

The walk follows Digdag's reading of the tree (``WorkflowCompiler``, ``OperatorManager``): a
task is disabled, an operator task (its first ``name>`` key or ``_type``) or a group; operator
tasks' string values are templates evaluated with the task's parameters as variables.
Warnings are located in the file itself; keys that come from an ``!include`` are not reported
(the included file is not what the user is editing).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from digrefactor._datatree import DataTree
from digrefactor._errors import DigValidationError
from digrefactor.dialect import expand_includes, load_raw_text, validate_workflow
from digrefactor.lint._expressions import read_variables, template_expressions
from digrefactor.lint._model import LintOptions, LintWarning, noqa_codes
from digrefactor.models import OPERATORS, OperatorTask, Task, Workflow
from digrefactor.parse import to_data
from digrefactor.syntax import AliasNode, MappingNode, Node, ScalarNode, SequenceNode, SourceDoc

__all__ = ["BUILTIN_VARIABLES", "LintResult", "WorkflowFacts", "lint_workflow"]

# ------------------------------------------------------------------------------------ facts


def _session_variables(prefix: str) -> set[str]:
    suffixes = ("time", "date", "date_compact", "local_time", "tz_offset", "unixtime")
    return {f"{prefix}{s}" for s in suffixes}


#: Variables Digdag sets for every task (``RuntimeParams.buildRuntimeParams``, ``AttemptBuilder``).
BUILTIN_VARIABLES = frozenset(
    {
        "timezone",
        "session_uuid",
        "session_id",
        "project_id",
        "retry_attempt_name",
        "attempt_id",
        "task_name",
        *_session_variables("session_"),
        *_session_variables("last_session_"),
        *_session_variables("last_executed_session_"),
        *_session_variables("next_session_"),
    }
)

#: Directives Digdag reads from a task (models' `_` keys) and the long form's keys.
_DIRECTIVES = frozenset(
    {spec.data_key for spec in Task.__fields_spec__.values()}
    | {
        spec.data_key
        for cls in OPERATORS.values()
        for spec in cls.__fields_spec__.values()
        if spec.data_key.startswith("_")
    }
    | {"_type", "_command", "_workdir"}
)
#: `retry` → `_retry`: directives as they look when the underscore is forgotten.
_BARE_DIRECTIVES = {key[1:]: key for key in _DIRECTIVES if key not in ("_command", "_workdir")}

#: Operators that read every parameter: `sh>` exports them as environment variables, `py>`
#: and `rb>` pass them to the method, `param_set>`/`param_get>` take any key as data.
_READS_EVERY_PARAMETER = frozenset({"sh", "py", "rb", "param_set", "param_get"})

#: Operators whose command may name a file they evaluate as a template with every parameter.
_TEMPLATED_COMMAND_FILES = frozenset(
    {"td", "td_for_each", "td_wait", "td_load", "pg", "redshift", "bq", "mail", "embulk"}
)

#: Operators whose output parameters cannot be known (a script or plugin may store any name).
_STORES_ANYTHING = frozenset({"py", "rb"})

#: Output parameters of built-in operators (their root names), by operator.
_STORED_ROOTS = {
    "pg": "pg",
    "redshift": "redshift",
    "http": "http",
    "http_call": "http",
    "s3_wait": "s3",
    "emr": "emr",
    "gcs_wait": "gcs_wait",
}

#: The variable a loop operator sets for its `_do` tasks.
_LOOP_VARIABLES = {"loop": {"i"}, "for_range": {"range"}, "td_for_each": {"td"}}


def _stored_root(operator: str) -> str | None:
    if operator.startswith("td"):
        return "td"
    if operator.startswith("bq"):
        return "bq"
    return _STORED_ROOTS.get(operator)


def _namespaces(operator: str) -> set[str]:
    """Nested defaults an operator reads from a key named after it (``td: {database: x}``)."""
    names = {operator, operator.split("_")[0]}
    if operator.startswith(("redshift", "s3", "emr")):
        names.add("aws")
    if operator.startswith(("bq", "gcs")):
        names.update({"gcp", "gcs"})
    return names


# ----------------------------------------------------------------------------- the results


@dataclass
class WorkflowFacts:
    """What one workflow tells about others: names it defines for what it calls or requires.

    ``calls`` maps a called file's real path to the names visible at the ``call>``;
    ``requires`` maps a required workflow's file (same directory) to the ``params`` it passes.
    """

    calls: dict[str, set[str]] = field(default_factory=dict)
    requires: dict[str, set[str]] = field(default_factory=dict)
    #: ``call>`` targets written with ``${...}``: a real-path pattern → the names at the call.
    call_patterns: dict[str, set[str]] = field(default_factory=dict)

    def defined_for(self, path: str) -> set[str]:
        """Names this workflow defines for the workflow at real path *path*."""
        names = self.calls.get(path, set()) | self.requires.get(path, set())
        for pattern, given in self.call_patterns.items():
            if re.fullmatch(pattern, path):
                names |= given
        return names


@dataclass
class LintResult:
    warnings: list[LintWarning]
    facts: WorkflowFacts


# ------------------------------------------------------------------------------- locations

_PathKey = str | int


class _Locator:
    """Key paths of the data tree → spans in the file's own text."""

    def __init__(self, doc: SourceDoc | None) -> None:
        self.doc = doc

    def pair(self, path: tuple[_PathKey, ...]) -> tuple[Node | None, Node] | None:
        doc = self.doc
        if doc is None or doc.root is None:
            return None
        node: Node = doc.root
        key_node: Node | None = None
        for step in path:
            if isinstance(node, AliasNode):
                return None  # a value shared through an alias: not this place's own text
            if isinstance(step, int):
                if not isinstance(node, SequenceNode) or step >= len(node.items):
                    return None
                key_node, node = None, node.items[step]
                continue
            if not isinstance(node, MappingNode):
                return None
            for knode, vnode in node.pairs:
                if isinstance(knode, ScalarNode) and knode.value == step and knode.tag is None:
                    key_node, node = knode, vnode
                    break
            else:
                return None
        return key_node, node

    def span(self, start: int, end: int) -> tuple[int, int, int, int] | None:
        if self.doc is None:
            return None
        line, col = self.doc.line_col(start)
        end_line, end_col = self.doc.line_col(max(end, start))
        return line, col, end_line, end_col


# --------------------------------------------------------------------------------- linting


@dataclass(frozen=True)
class _Scope:
    """Names defined for a task: exports of its ancestors, its own keys, loop variables.

    ``open`` scopes define every name (the tasks of a ``for_each>`` over a template, whose
    variables are known only at run time).
    """

    names: frozenset[str]
    open: bool = False

    def plus(self, more: Iterable[str]) -> _Scope:
        return _Scope(self.names | frozenset(more), self.open)

    def opened(self) -> _Scope:
        return _Scope(self.names, True)

    def defines(self, name: str) -> bool:
        return self.open or name in self.names


class _Linter:
    def __init__(self, workflow: Workflow, options: LintOptions) -> None:
        self.options = options
        source = workflow._source
        self.doc: SourceDoc | None = source.doc if source is not None else None
        self.path = str(workflow.path) if workflow.path is not None else None
        self.base = workflow.path.parent if workflow.path is not None else None
        self.locate = _Locator(self.doc)
        self.data = _data_tree(workflow)
        self.name = workflow.name
        self.warnings: list[LintWarning] = []
        self.facts = WorkflowFacts()
        self.plugins = _declares_plugins(self.data)
        self.operators = list(_operators_in(self.data))
        stored = {root for op in self.operators if (root := _stored_root(op)) is not None}
        stored |= _param_get_destinations(self.data)
        self.stored = stored
        # Once a task that may store any name (py>, rb>, a plugin) is behind, in file order,
        # an unknown variable may be its output.
        self.dynamic_seen = False

    # ---------------------------------------------------------------------------- reporting

    def warn(
        self,
        code: str,
        message: str,
        path: tuple[_PathKey, ...],
        *,
        at_value: bool = False,
        within: tuple[int, int] | None = None,
        subject: str | None = None,
    ) -> None:
        if not self.options.enabled(code):
            return
        if self.doc is None:
            self.warnings.append(LintWarning(code, message, self.path, subject=subject))
            return
        found = self.locate.pair(path)
        if found is None:
            return  # written in an included file, or reached through an alias
        key_node, value_node = found
        node = value_node if at_value or key_node is None else key_node
        start, end = node.start, node.end
        if within is not None:
            start, end = within
        span = self.locate.span(start, end)
        if span is None:  # pragma: no cover - a doc always gives a span
            return
        line, col, end_line, end_col = span
        self.warnings.append(
            LintWarning(code, message, self.path, line, col, end_line, end_col, subject)
        )

    # ------------------------------------------------------------------------------ walking

    def run(self) -> list[LintWarning]:
        data = self.data
        scope = _Scope(BUILTIN_VARIABLES | self.options.variables | frozenset(self.stored))
        scope = scope.plus(_keys(data.get("_export")))
        self.check_exports(data, (), scope)
        self.bodies(data, (), scope)
        sla = data.get("sla")
        if isinstance(sla, dict):
            body = {k: v for k, v in sla.items() if k not in ("time", "duration", "alert", "fail")}
            if body:
                self.task(body, ("sla",), scope)
        self.children(data, (), scope)
        self.line_endings()
        return self.warnings

    def children(self, data: DataTree, path: tuple[_PathKey, ...], scope: _Scope) -> None:
        for key, value in data.items():
            if not key.startswith("+"):
                continue
            if isinstance(value, dict):
                self.task(value, (*path, key), scope)
            elif isinstance(value, list):
                merged: DataTree = {}
                for item in value:
                    if isinstance(item, dict):
                        merged.update(item)
                self.task(merged, (*path, key), scope)

    def task(self, data: DataTree, path: tuple[_PathKey, ...], scope: _Scope) -> None:
        if data.get("_disable") in (True, "true", "True"):
            return  # Digdag replaces it with an empty group
        scope = scope.plus(_keys(data.get("_export")))
        operator = _operator_of(data)
        if operator is None:
            self.check_exports(data, path, scope)
            self.bodies(data, path, scope)
            self.children(data, path, scope)
            return
        self.operator_task(operator, data, path, scope)

    def check_exports(self, data: DataTree, path: tuple[_PathKey, ...], scope: _Scope) -> None:
        export = data.get("_export")
        if isinstance(export, dict):
            self.templates(export, (*path, "_export"), scope)

    def operator_task(
        self, operator: str, data: DataTree, path: tuple[_PathKey, ...], scope: _Scope
    ) -> None:
        if operator in _STORES_ANYTHING or operator not in OPERATORS:
            self.dynamic_seen = True
        cls = OPERATORS.get(operator)
        own = scope.plus(k for k in data if not k.startswith(("+", "_")))
        # Template values: every string of the task except the bodies it runs later.
        # (`+subtasks` of an operator task never run: a `_do` body Digdag rejects when it runs.)
        bodies = ("_do", "_else_do", "_error", "_check")
        values = {k: v for k, v in data.items() if k not in bodies and not k.startswith("+")}
        used = self.templates(values, path, own)
        self.parameters(operator, cls, data, path, used)
        if cls is not None and operator == "call":
            self.record_call(data, scope)
        if operator == "require":
            self.record_require(data)
        loop_scope = scope.plus(_LOOP_VARIABLES.get(operator, ()))
        if operator == "for_each":
            names = _for_each_variables(data.get(f"{operator}>", data.get("_command")))
            loop_scope = loop_scope.plus(names) if names is not None else loop_scope.opened()
        self.bodies(data, path, scope, loop_scope)

    def bodies(
        self,
        data: DataTree,
        path: tuple[_PathKey, ...],
        scope: _Scope,
        loop_scope: _Scope | None = None,
    ) -> None:
        """The task bodies a task runs later: `_error`, `_check`, and a loop's `_do`/`_else_do`."""
        loops = ("_do", "_else_do") if loop_scope is not None else ()
        for key in (*loops, "_error", "_check"):
            body = data.get(key)
            if not isinstance(body, dict):
                continue
            if key == "_error":
                self.task(body, (*path, key), scope.plus({"error"}))
                continue
            self.runtime_body(key, body, (*path, key))
            self.task(body, (*path, key), loop_scope if loop_scope and key in loops else scope)

    def runtime_body(self, key: str, body: DataTree, path: tuple[_PathKey, ...]) -> None:
        """DIG107: a body Digdag compiles only when it runs, and then rejects."""
        found: list[tuple[_PathKey, ...]] = []

        def locate(keys: tuple[str, ...]) -> tuple[int, int] | None:
            where = (*path, *keys[1:])
            if self.locate.pair(where) is None:
                return None
            found.append(where)
            return 1, 1

        try:
            validate_workflow({"+body": body}, "body", locate=locate)
        except DigValidationError as exc:
            message = exc.message.replace("+body+body", self.full_name(path)).replace(
                "+body", self.full_name(path)
            )
            self.warn(
                "DIG107",
                f"Digdag compiles `{key}` only when it runs, and will reject it: {message}",
                found[-1] if found else path,
            )

    def full_name(self, path: tuple[_PathKey, ...]) -> str:
        segments = {"_error": "^error", "_check": "^check", "_do": "^sub", "_else_do": "^sub"}
        parts = [
            step if step.startswith("+") else segments.get(step, "")
            for step in path
            if isinstance(step, str)
        ]
        return "+" + self.name + "".join(parts)

    # -------------------------------------------------------------------------------- rules

    def parameters(
        self,
        operator: str,
        cls: type[OperatorTask] | None,
        data: DataTree,
        path: tuple[_PathKey, ...],
        used: set[str],
    ) -> None:
        """DIG101, DIG102, DIG103 and DIG105 on an operator task's keys."""
        op_key = next((k for k in data if k.endswith(">")), None)
        if cls is None and op_key is not None and not self.plugins:
            close = difflib.get_close_matches(operator, list(OPERATORS), n=1, cutoff=0.85)
            if close:
                self.warn(
                    "DIG105",
                    f"`{op_key}` is not a built-in operator; did you mean `{close[0]}>`? "
                    "(no plugin is declared in _export.plugin)",
                    (*path, op_key),
                )
        fields = {s.data_key for s in cls.__fields_spec__.values()} if cls is not None else set()
        reads_all = cls is None or operator in _READS_EVERY_PARAMETER
        command_templates = (
            self.command_file_has_templates(data.get(op_key or "_command"))
            if operator in _TEMPLATED_COMMAND_FILES
            else False
        )
        for key, value in data.items():
            if key.startswith("+") or key.endswith(">") or key in fields:
                continue
            if key.startswith("_"):
                if key not in _DIRECTIVES:
                    close = difflib.get_close_matches(key, sorted(_DIRECTIVES), n=1, cutoff=0.75)
                    if close:
                        self.warn(
                            "DIG102",
                            f"`{key}` is not a directive Digdag knows; did you mean `{close[0]}`?",
                            (*path, key),
                        )
                continue
            holds_task = _looks_like_task(value)
            if (
                key in _BARE_DIRECTIVES
                and cls is not None
                # py> and rb> pass every key to the method: only a task body is a slip there.
                and (operator not in ("py", "rb") or holds_task)
            ):
                self.warn(
                    "DIG102",
                    f"`{key}` is not a parameter of {operator}>; did you mean the directive "
                    f"`{_BARE_DIRECTIVES[key]}`?",
                    (*path, key),
                )
                continue
            if holds_task:
                self.warn(
                    "DIG101",
                    f"`{key}` holds a task but has no `+`: Digdag reads it as a parameter of "
                    f"{operator}> and never runs it; did you mean `+{key}`?",
                    (*path, key),
                )
                continue
            if (
                reads_all
                or key in used
                or key in _namespaces(operator)
                or command_templates is not False
            ):
                continue
            if operator == "call":
                message = (
                    f"call> passes no parameters to the called workflow: `{key}` is ignored "
                    "(put it in `_export` to pass it)"
                )
            else:
                close = difflib.get_close_matches(key, sorted(fields), n=1, cutoff=0.75)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                message = f"`{key}` is not a parameter of {operator}> (Digdag ignores it){hint}"
            self.warn("DIG103", message, (*path, key))

    def command_file_has_templates(self, command: Any) -> bool | None:
        """Whether the command names a file of the project that holds ``${...}``.

        Digdag evaluates such a file with all the task's parameters, so then every key may be
        used; ``None`` when the command is not a readable file (nothing to tell from it).
        """
        if not isinstance(command, str) or self.base is None or "\n" in command:
            return None if isinstance(command, str) else False
        candidate = self.base / command
        try:
            info = candidate.stat()
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size > 4 * 1024 * 1024:
            return None
        try:
            return "${" in candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def templates(self, value: Any, path: tuple[_PathKey, ...], scope: _Scope) -> set[str]:
        """DIG104 on every string under *value*; returns the variables the strings read."""
        used: set[str] = set()
        for sub_path, text in _strings(value, path):
            cursor: int | None = None  # where the previous expression was found in the file
            for expression in template_expressions(text):
                names = read_variables(expression.code)
                needle = "${" + expression.code + "}"
                span = self.expression_span(sub_path, needle, cursor)
                if span is not None:
                    cursor = span[1]
                if names is None:
                    continue
                used.update(names)
                for name in names:
                    if scope.defines(name) or self.dynamic_seen:
                        continue  # (after a py>/rb>/plugin task: it may have stored the name)
                    self.report_undefined(name, expression.code, sub_path, scope, span)
        return used

    def report_undefined(
        self,
        name: str,
        code: str,
        path: tuple[_PathKey, ...],
        scope: _Scope,
        span: tuple[int, int] | None,
    ) -> None:
        candidates = sorted(n for n in scope.names if not n.startswith("_"))
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        message = (
            f"`${{{code.strip()}}}`: `{name}` is not defined (no _export, parameter, operator "
            f"output or built-in variable of that name){hint}; a name given at run time (-p) "
            "goes in [tool.digrefactor.lint] variables"
        )
        self.warn("DIG104", message, path, at_value=True, within=span, subject=name)

    def expression_span(
        self, path: tuple[_PathKey, ...], needle: str, after: int | None
    ) -> tuple[int, int] | None:
        """Where *needle* is written in the value at *path* (after offset *after*)."""
        found = self.locate.pair(path)
        if found is None or self.doc is None:
            return None
        node = found[1]
        start = node.start if after is None else max(after, node.start)
        at = self.doc.text.find(needle, start, max(node.end, node.start))
        return (at, at + len(needle)) if at >= 0 else None

    def record_call(self, data: DataTree, scope: _Scope) -> None:
        target = data.get("call>", data.get("_command"))
        if not isinstance(target, str) or self.base is None:
            return
        name = target if target.endswith(".dig") else target + ".dig"
        names = scope.names | _keys(data.get("_export"))
        if "${" not in name:
            real = os.path.realpath(self.base / name)
            self.facts.calls.setdefault(real, set()).update(names)
            return
        # `call>: sub/${kind}.dig`: any file the template can name.
        pieces = re.split(r"\$\{[^}]*\}", name)
        pattern = "[^/]*".join(re.escape(piece) for piece in pieces)
        base = re.escape(os.path.realpath(self.base) + os.sep)
        self.facts.call_patterns.setdefault(base + pattern, set()).update(names)

    def record_require(self, data: DataTree) -> None:
        target = data.get("require>", data.get("_command"))
        if not isinstance(target, str) or self.base is None or "${" in target:
            return
        if data.get("project_name") is not None or data.get("project_id") is not None:
            return
        params = data.get("params")
        names = set(params) if isinstance(params, dict) else set()
        real = os.path.realpath(self.base / f"{target}.dig")
        self.facts.requires.setdefault(real, set()).update(names)

    def line_endings(self) -> None:
        if self.doc is None or not self.options.enabled("DIG106"):
            return
        found = self.doc.mixed_line_endings()
        if found is None:
            return
        offset, message = found
        span = self.locate.span(offset, offset + 1)
        if span is not None:
            line, col, end_line, end_col = span
            self.warnings.append(
                LintWarning("DIG106", message, self.path, line, col, end_line, end_col)
            )


# --------------------------------------------------------------------------------- helpers


def _keys(value: Any) -> set[str]:
    return set(value) if isinstance(value, dict) else set()


def _operator_of(data: DataTree) -> str | None:
    for key in data:
        if key.endswith(">"):
            return key[:-1]
    kind = data.get("_type")
    return kind if isinstance(kind, str) else ("" if "_type" in data else None)


def _looks_like_task(value: Any) -> bool:
    """An operator key, or a `+name` holding a task (not `{+a: succeeded}`-style data)."""
    return isinstance(value, dict) and any(
        k.endswith(">") or (k.startswith("+") and isinstance(v, (dict, list)))
        for k, v in value.items()
    )


def _strings(value: Any, path: tuple[_PathKey, ...]) -> Iterator[tuple[tuple[_PathKey, ...], str]]:
    if isinstance(value, str):
        if "${" in value:
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _operators_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        op = _operator_of(value)
        if op:
            yield op
        for item in value.values():
            yield from _operators_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _operators_in(item)


def _declares_plugins(data: DataTree) -> bool:
    def visit(value: Any) -> bool:
        if isinstance(value, dict):
            export = value.get("_export")
            if isinstance(export, dict) and "plugin" in export:
                return True
            return any(visit(v) for v in value.values())
        if isinstance(value, list):
            return any(visit(v) for v in value)
        return False

    return visit(data)


def _param_get_destinations(value: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict):
        if "param_get>" in value:
            out.update(v for k, v in value.items() if not k.endswith(">") and isinstance(v, str))
        for item in value.values():
            out |= _param_get_destinations(item)
    elif isinstance(value, list):
        for item in value:
            out |= _param_get_destinations(item)
    return out


def _for_each_variables(command: Any) -> set[str] | None:
    if isinstance(command, dict):
        return set(command)
    if isinstance(command, str):
        try:
            parsed = json.loads(command)
        except ValueError:
            return None  # `${...}`: the variables are known only at run time
        return set(parsed) if isinstance(parsed, dict) else None
    return set()


def _data_tree(workflow: Workflow) -> DataTree:
    """Digdag's data tree of *workflow*, read again from its text when the model cannot give it.

    (A loaded task body holding two operator keys, which Digdag accepts in `_check`, cannot be
    turned back into data by the model.)
    """
    try:
        return to_data(workflow)
    except ValueError:
        source = workflow._source
        if source is None:
            raise
        _, raw = load_raw_text(source.text, source.path)
        data: DataTree = expand_includes(raw)
        return data


def lint_workflow(workflow: Workflow, options: LintOptions | None = None) -> LintResult:
    """Every lint warning of *workflow* (sorted by position), and what it tells about others."""
    linter = _Linter(workflow, options or LintOptions())
    warnings = linter.run()
    if linter.doc is not None:
        lines = linter.doc.text.splitlines()
        kept = []
        for w in warnings:
            silenced = noqa_codes(lines[w.line - 1]) if w.line and w.line <= len(lines) else None
            if silenced is not None and (not silenced or w.code in silenced):
                continue
            kept.append(w)
        warnings = kept
    warnings.sort(key=lambda w: (w.line or 0, w.column or 0, w.code))
    return LintResult(warnings, linter.facts)
