"""What the language server answers, computed from text (positions in code points).

Diagnostics come from the same loader and lint rules as ``digrefactor check``; hover and
completion take their words from the models' docstrings; renames run the codemods'
``rename-task`` / ``rename-workflow`` passes through :func:`~digrefactor.transforms.apply_pass`,
so an edit is verified and as small as the codemod's. The server turns these code-point
positions into the client's units.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from digrefactor._errors import DigError
from digrefactor.dialect import GROUP_KEYS, SCHEDULE_MODIFIERS, TOP_LEVEL_KEYS
from digrefactor.lint import (
    RULES,
    LintOptions,
    LintResult,
    LintWarning,
    lint_files,
    lint_workflow,
)
from digrefactor.lsp._outline import Context, Entry, context_at
from digrefactor.models import (
    OPERATORS,
    SLA,
    OperatorTask,
    ParallelLimit,
    RetryCondition,
    Schedule,
    Task,
    Workflow,
    describe_fields,
    describe_model,
)
from digrefactor.parse import load_workflow
from digrefactor.syntax import AliasNode, MappingNode, Node, ScalarNode, SequenceNode, SourceDoc
from digrefactor.syntax import parse_source as _parse_source
from digrefactor.transforms import (
    Changed,
    FileFilter,
    RenameTask,
    RenameWorkflow,
    Unchanged,
    apply_pass,
    discover_files,
)
from digrefactor.transforms import PassUsageError as _PassUsageError

__all__ = [
    "FeatureError",
    "completion",
    "definition",
    "diagnostics",
    "document_symbols",
    "hover",
    "prepare_rename",
    "rename",
    "rename_files",
]

SOURCE = "digrefactor"


class FeatureError(Exception):
    """A request that cannot be answered (shown to the user): why, in one sentence."""


# ------------------------------------------------------------------------------ diagnostics


def _offset(text: str, line: int, column: int) -> int:
    """Offset of a 1-based line and column."""
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    line = max(1, min(line, len(starts)))
    return min(starts[line - 1] + max(column - 1, 0), len(text))


def _position(text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=line, character=offset - start)


def _range(text: str, start: int, end: int) -> types.Range:
    return types.Range(start=_position(text, start), end=_position(text, max(end, start)))


def _node_at(doc: SourceDoc | None, offset: int) -> Node | None:
    """The scalar node (a key, mostly) that starts at *offset*, if any."""
    if doc is None or doc.root is None:
        return None
    stack: list[Node] = [doc.root]
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode) and node.start == offset:
            return node
        if isinstance(node, MappingNode):
            for k, v in node.pairs:
                stack.extend((k, v))
        elif isinstance(node, SequenceNode):
            stack.extend(node.items)
    return None


def _error_range(text: str, error: DigError) -> types.Range:
    """The node an error points at, else the word there; never past the end of its line."""
    if error.line is None:
        start = types.Position(line=0, character=0)
        return types.Range(start=start, end=start)
    offset = _offset(text, error.line, error.column or 1)
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    try:
        doc: SourceDoc | None = _parse_source(text)
    except DigError:
        doc = None
    node = _node_at(doc, offset)
    if node is not None:
        end = node.end
    else:
        word = re.compile(r"\S+").match(text, offset)
        end = word.end() if word else offset
    end = min(end, line_end)
    if end <= offset:
        end = min(offset + 1, line_end) if line_end > offset else offset
    return _range(text, offset, end)


def _warning_range(text: str, warning: LintWarning) -> types.Range:
    if warning.line is None:
        return types.Range(start=types.Position(line=0, character=0), end=_position(text, 0))
    start = _offset(text, warning.line, warning.column or 1)
    end = _offset(text, warning.end_line or warning.line, warning.end_column or 1)
    return _range(text, start, end)


def load_text(text: str, path: Path | None) -> Workflow:
    """The workflow of an editor's text (includes resolved next to *path*)."""
    return load_workflow(text, path=path) if path is not None else load_workflow(text)


def diagnostics(
    text: str,
    path: Path | None,
    options: LintOptions,
    project: Callable[[Path], ProjectContext] | None = None,
) -> list[types.Diagnostic]:
    """Errors Digdag would report and lint warnings, as ``check`` gives them."""
    try:
        workflow = load_text(text, path)
    except DigError as error:
        where = _error_range(text, error)
        kind = types.DiagnosticSeverity.Error
        return [_diagnostic(where, error.message, kind, type(error).__name__)]
    result = lint_workflow(workflow, options)
    warnings = result.warnings
    if path is not None and project is not None:
        context = project(path)
        key = str(path)
        warnings = lint_files([(key, result), *context.callers], context.included)[key]
    warning_kind = types.DiagnosticSeverity.Warning
    return [
        _diagnostic(_warning_range(text, w), w.message, warning_kind, w.code, RULES[w.code].name)
        for w in warnings
    ]


def _diagnostic(
    where: types.Range,
    message: str,
    severity: types.DiagnosticSeverity,
    code: str,
    rule: str | None = None,
) -> types.Diagnostic:
    return types.Diagnostic(
        range=where,
        message=message,
        severity=severity,
        source=SOURCE,
        code=code,
        data={"rule": rule} if rule else None,
    )


@dataclass
class ProjectContext:
    """What other workflows of the project say about one: callers' lint results, includers."""

    callers: list[tuple[str, LintResult]]
    included: list[str]


# ----------------------------------------------------------------------------- descriptions


def _md(text: str) -> str:
    return text.replace("``", "`")


def _operator_markdown(name: str) -> str:
    cls = OPERATORS.get(name)
    if cls is None:
        return f"**`{name}>`**: an operator of a plugin (not built into Digdag)."
    lines = [f"**`{name}>`** — {_md(describe_model(cls))}", ""]
    params = {
        key: doc
        for key, doc in describe_fields(cls).items()
        if key not in {s.data_key for s in Task.__fields_spec__.values()}
    }
    if params:
        lines += ["| parameter | |", "|---|---|"]
        lines += [f"| `{key}` | {_md(doc)} |" for key, doc in params.items()]
    return "\n".join(lines)


def _kind(keys: list[str]) -> str:
    """What the mapping at *keys* is: top, task, schedule, sla, retry, parallel or data."""
    if not keys:
        return "top"
    last = keys[-1]
    if len(keys) == 1 and last in ("schedule", "sla"):
        return last
    if last == "_retry":
        return "retry"
    if last == "_parallel":
        return "parallel"
    if last.startswith("+") or last in ("_error", "_check", "_do", "_else_do"):
        return "task"
    return "data"


def _operator_of(ctx: Context) -> str | None:
    for entry in ctx.siblings:
        if entry.key.endswith(">"):
            return entry.key[:-1]
    for entry in ctx.siblings:
        if entry.key == "_type" and entry.value:
            return entry.value.strip("'\"")
    return None


def _key_docs(kind: str, operator: str | None, top: bool) -> dict[str, str]:
    """Keys allowed in a mapping of *kind* → their description."""
    if kind == "top":
        fields = describe_fields(Workflow)
        return {key: fields.get(key, "") for key in TOP_LEVEL_KEYS}
    if kind == "schedule":
        return describe_fields(Schedule)
    if kind == "sla":
        return describe_fields(SLA)
    if kind == "retry":
        return describe_fields(RetryCondition)
    if kind == "parallel":
        return describe_fields(ParallelLimit)
    if kind != "task":
        return {}
    directives = describe_fields(Task)
    if operator is None:
        return {k: v for k, v in directives.items() if k in GROUP_KEYS}
    cls = OPERATORS.get(operator, OperatorTask)
    return {**describe_fields(cls), **{k: v for k, v in directives.items() if k != "_disable"}}


def hover(text: str, line: int, character: int, path: Path | None) -> types.Hover | None:
    """Docs of the operator, directive or parameter under the cursor."""
    ctx = context_at(text, line, character)
    entry = ctx.on_key or ctx.in_value
    if entry is None:
        return None
    keys = ctx.keys
    kind = _kind(keys)
    key = entry.key
    value = None
    if key.endswith(">") and kind in ("task", "sla"):
        value = _operator_markdown(key[:-1])
    elif key.endswith(">") and kind == "schedule":
        value = describe_fields(Schedule).get(key)
    elif key.startswith("+") and kind in ("top", "task", "sla"):
        value = _task_markdown(ctx, entry, path)
    else:
        docs = _key_docs(kind, _operator_of(ctx), not keys)
        if docs.get(key):
            value = f"**`{key}`** — {_md(docs[key])}"
    if not value:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
        range=types.Range(
            start=types.Position(line=line, character=entry.start),
            end=types.Position(line=line, character=entry.end),
        ),
    )


def _task_markdown(ctx: Context, entry: Entry, path: Path | None) -> str:
    name = _workflow_name(path)
    full = "+" + name + "".join(_segment(k) for k in ctx.keys) + entry.key
    return f"**task** `{full}`"


def _segment(key: str) -> str:
    if key.startswith("+"):
        return key
    return {"_error": "^error", "_check": "^check", "_do": "^sub", "_else_do": "^sub"}.get(key, "")


def _workflow_name(path: Path | None) -> str:
    if path is None:
        return "workflow"
    return path.name[:-4] if path.name.endswith(".dig") else path.stem


# ------------------------------------------------------------------------------- completion


def completion(text: str, line: int, character: int) -> list[types.CompletionItem]:
    """Keys that fit where the cursor is: operators, their parameters, directives, schedules."""
    ctx = context_at(text, line, character)
    if ctx.in_value is not None:
        return _value_completion(ctx)
    kind = _kind(ctx.keys)
    present = {e.key for e in ctx.siblings}
    items: list[types.CompletionItem] = []
    operator = _operator_of(ctx)
    if kind in ("task", "sla") and operator is None:
        for name in sorted(OPERATORS):
            items.append(
                types.CompletionItem(
                    label=f"{name}>",
                    kind=types.CompletionItemKind.Function,
                    detail="operator",
                    documentation=_markup(_operator_markdown(name)),
                    insert_text=f"{name}>: ",
                    sort_text=f"1{name}",
                )
            )
    docs = _key_docs("task" if kind == "sla" else kind, operator, not ctx.keys)
    if kind == "sla":
        docs = {**describe_fields(SLA), **docs}
    for key, doc in docs.items():
        if key in present or (kind == "schedule" and key.endswith(">") and _has_kind(present)):
            continue
        directive = key.startswith("_")
        items.append(
            types.CompletionItem(
                label=key,
                kind=types.CompletionItemKind.Keyword
                if directive
                else types.CompletionItemKind.Property,
                detail="directive"
                if directive
                else (f"{operator}> parameter" if operator else None),
                documentation=_markup(_md(doc)) if doc else None,
                insert_text=f"{key}: ",
                sort_text=f"{'3' if directive else '2'}{key}",
            )
        )
    if ctx.prefix:
        items = [i for i in items if i.label.startswith(ctx.prefix)] or items
    return items


def _has_kind(present: set[str]) -> bool:
    return any(k.endswith(">") for k in present)


def _value_completion(ctx: Context) -> list[types.CompletionItem]:
    entry = ctx.in_value
    assert entry is not None
    values: dict[str, list[str]] = {
        "interval_type": ["constant", "exponential"],
        "_parallel": ["true", "false"],
        "_background": ["true", "false"],
        "engine": ["presto", "hive"],
    }
    choices = values.get(entry.key, [])
    if entry.key in SCHEDULE_MODIFIERS and entry.key == "skip_on_overtime":
        choices = ["true", "false"]
    return [types.CompletionItem(label=c, kind=types.CompletionItemKind.Value) for c in choices]


def _markup(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)


# ------------------------------------------------------------------------------- definition


def definition(text: str, line: int, character: int, path: Path | None) -> list[types.Location]:
    """``call>`` → the called file; ``require>`` → the workflow; ``!include`` → the file;
    a name in ``_after`` → that sibling task."""
    if path is None:
        return []
    ctx = context_at(text, line, character)
    entry = ctx.in_value or ctx.on_key
    if entry is None:
        return []
    value = entry.value.strip().strip("'\"")
    target: Path | None = None
    if entry.key in ("call>", "!include") or (
        entry.key == "_command" and _operator_of(ctx) == "call"
    ):
        if not value or "${" in value:
            return []
        name = value if entry.key == "!include" or value.endswith(".dig") else value + ".dig"
        target = path.parent / name
    elif entry.key == "require>" or (entry.key == "_command" and _operator_of(ctx) == "require"):
        target = _find_workflow(path, value)
    elif entry.key == "_after":
        return _after_target(text, ctx, entry, character, path)
    if target is None or not target.is_file():
        return []
    return [_location(target, types.Position(line=0, character=0))]


def _find_workflow(path: Path, name: str) -> Path | None:
    """``NAME.dig`` of the project: next to *path*, else in a directory above it."""
    if not name or "${" in name or "/" in name:
        return None
    for directory in [path.parent, *path.parent.parents]:
        candidate = directory / f"{name}.dig"
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            break
    return None


def _after_target(
    text: str, ctx: Context, entry: Entry, character: int, path: Path
) -> list[types.Location]:
    line_text = text.splitlines()[entry.line]
    names = list(re.finditer(r"\+[^\s,\]\[]+", line_text))
    chosen = next((m for m in names if m.start() <= character <= m.end()), None)
    if chosen is None:
        return []
    # The task holding `_after` is in ctx.path[-1]'s mapping; its siblings are one level up.
    if not ctx.path:
        return []
    holder = ctx.path[-1]
    outer = context_at(text, holder.line, holder.start)
    for sibling in outer.siblings:
        if sibling.key == chosen.group():
            start = types.Position(line=sibling.line, character=sibling.start)
            end = types.Position(line=sibling.line, character=sibling.end)
            return [_location(path, start, end)]
    return []


# -------------------------------------------------------------------------- document symbols


def document_symbols(text: str) -> list[types.DocumentSymbol]:
    """The task tree (``+tasks``, ``_error``/``_check``/``_do``/``_else_do`` bodies)."""
    try:
        doc = _parse_source(text)
    except DigError:
        return []
    if not isinstance(doc.root, MappingNode):
        return []
    return list(_symbols(text, doc.root))


def _symbols(text: str, mapping: MappingNode) -> Iterator[types.DocumentSymbol]:
    for key, value in mapping.pairs:
        if not isinstance(key, ScalarNode):
            continue
        name = key.value
        body = value.target if isinstance(value, AliasNode) else value
        if name.startswith("+"):
            kind = types.SymbolKind.Namespace
            detail = "group"
        elif name in ("_error", "_check", "_do", "_else_do"):
            kind = types.SymbolKind.Event
            detail = name
        else:
            continue
        operator = None
        if isinstance(body, MappingNode):
            operator = next(
                (
                    k.value
                    for k, _ in body.pairs
                    if isinstance(k, ScalarNode) and k.value.endswith(">")
                ),
                None,
            )
        if operator is not None:
            kind = types.SymbolKind.Function
            detail = operator
        children = list(_symbols(text, body)) if isinstance(body, MappingNode) else []
        yield types.DocumentSymbol(
            name=name,
            detail=detail,
            kind=kind,
            range=_range(text, key.start, max(value.end, key.end)),
            selection_range=_range(text, key.start, key.end),
            children=children or None,
        )


# ----------------------------------------------------------------------------------- rename


@dataclass(frozen=True)
class RenameTarget:
    """What a rename at a position renames: a task (by full name) or a workflow."""

    kind: str  # "task" or "workflow"
    old: str
    range: types.Range


def prepare_rename(text: str, line: int, character: int, path: Path | None) -> RenameTarget | None:
    ctx = context_at(text, line, character)
    if ctx.on_key is not None and ctx.on_key.key.startswith("+"):
        entry = ctx.on_key
        full = "+" + _workflow_name(path) + "".join(_segment(k) for k in ctx.keys) + entry.key
        rng = types.Range(
            start=types.Position(line=line, character=entry.start + 1),
            end=types.Position(line=line, character=entry.end),
        )
        return RenameTarget("task", full, rng)
    value_entry = ctx.in_value
    if value_entry is None:
        return None
    entry = value_entry
    if entry.key == "_after":
        line_text = text.splitlines()[line]
        for match in re.finditer(r"\+([^\s,\]\[]+)", line_text):
            if match.start() <= character <= match.end() and ctx.path:
                holder = ctx.path[-1]
                outer = context_at(text, holder.line, holder.start)
                full = (
                    "+"
                    + _workflow_name(path)
                    + "".join(_segment(k) for k in outer.keys)
                    + match.group()
                )
                rng = types.Range(
                    start=types.Position(line=line, character=match.start(1)),
                    end=types.Position(line=line, character=match.end()),
                )
                return RenameTarget("task", full, rng)
        return None
    operator = entry.key[:-1] if entry.key.endswith(">") else None
    if operator in ("call", "require") and entry.value and "${" not in entry.value:
        raw = entry.value
        text_line = text.splitlines()[line]
        at = text_line.find(raw, entry.value_start)
        inner = raw.strip("'\"")
        inner_at = at + raw.find(inner)
        last = inner.rpartition("/")[2]
        stem = last[:-4] if last.endswith(".dig") else last
        stem_at = inner_at + inner.rfind(last)
        rng = types.Range(
            start=types.Position(line=line, character=stem_at),
            end=types.Position(line=line, character=stem_at + len(stem)),
        )
        return RenameTarget("workflow", stem, rng)
    return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _location(
    path: Path, start: types.Position, end: types.Position | None = None
) -> types.Location:
    return types.Location(
        uri=path.resolve().as_uri(), range=types.Range(start=start, end=end or start)
    )


def _text_edits(old: str, new: str) -> list[types.TextEdit]:
    """Edits turning *old* into *new*: one per changed run of lines, trimmed to the change."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for piece in old_lines:
        starts.append(starts[-1] + len(piece))
    edits: list[types.TextEdit] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a, b = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = _common_prefix(a, b)
        suffix = _common_prefix(a[prefix:][::-1], b[prefix:][::-1])
        start, end = starts[i1] + prefix, starts[i2] - suffix
        edits.append(
            types.TextEdit(range=_range(old, start, end), new_text=b[prefix : len(b) - suffix])
        )
    return edits


def rename(
    target: RenameTarget,
    new_name: str,
    text: str,
    path: Path,
    texts: Callable[[Path], str],
    root: Path,
) -> dict[Path, tuple[list[types.TextEdit], Path | None]]:
    """Edits per file (and its new path, for a renamed workflow), from the verified passes.

    *texts* gives a file's current text (the editor's, for open files); *root* is the
    project directory a workflow rename covers.
    """
    if target.kind == "task":
        try:
            pass_ = RenameTask(target.old, new_name)
        except _PassUsageError as exc:
            raise FeatureError(str(exc)) from None
        result, new_text = apply_pass(pass_, text, path=path)
        if isinstance(result, Changed):
            return {path: (_text_edits(text, new_text), None)}
        if isinstance(result, Unchanged):
            return {}
        raise FeatureError(_why(result))
    return _rename_workflow(target.old, new_name, root, texts)


def rename_files(
    renames: list[tuple[Path, Path]], root: Path, texts: Callable[[Path], str]
) -> dict[Path, tuple[list[types.TextEdit], Path | None]]:
    """Reference edits for `.dig` files the editor is about to rename (it moves the files)."""
    out: dict[Path, tuple[list[types.TextEdit], Path | None]] = {}
    for old, new in renames:
        if old.suffix != ".dig" or new.suffix != ".dig" or old.parent != new.parent:
            continue
        for file, (edits, _) in _rename_workflow(old.stem, new.stem, root, texts).items():
            if edits:
                out.setdefault(file, ([], None))[0].extend(edits)
    return out


def _rename_workflow(
    old: str, new: str, root: Path, texts: Callable[[Path], str]
) -> dict[Path, tuple[list[types.TextEdit], Path | None]]:
    new = new[:-4] if new.endswith(".dig") else new
    try:
        pass_ = RenameWorkflow(old, new)
    except _PassUsageError as exc:
        raise FeatureError(str(exc)) from None
    files = list(discover_files([root], FileFilter(include=["*.dig"], exclude=[], gitignore=False)))
    named = [p for p, _ in files if p.name == f"{old}.dig"]
    if len(named) > 1:
        raise FeatureError(
            f"{len(named)} files are named {old}.dig under {root}; rename this workflow with "
            f"`digrefactor codemod rename-workflow {old} {new} PROJECT_DIR` on its project"
        )
    try:
        pass_.prepare(files)
    except _PassUsageError as exc:
        raise FeatureError(str(exc)) from None
    out: dict[Path, tuple[list[types.TextEdit], Path | None]] = {}
    for file, file_root in files:
        try:
            text = texts(file)
        except OSError:
            continue
        result, new_text = apply_pass(pass_, text, path=file, root=file_root)
        if isinstance(result, Changed):
            out[file] = (_text_edits(text, new_text), result.new_path)
        elif not isinstance(result, Unchanged):
            raise FeatureError(_why(result))
    return out


def _why(result: object) -> str:
    error = getattr(result, "error", None)
    if error is not None:
        return str(error)
    return str(getattr(result, "reason", "the rename cannot be done"))
