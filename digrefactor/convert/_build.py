"""Models → expression tree: typed calls, literal data, comments and shared includes.

Keyword arguments come in one fixed order: ``name``, the operator (generic tasks only), the
operator's command, the class's own typed fields in declaration order, ``params``, the
directives (``_export``, ``_retry``, ... in declaration order), then ``tasks``. Values equal to
the field's default are left out; a value the file leaves out but whose default would write a
key (``Workflow.timezone``) is passed as ``None``.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import digrefactor
import digrefactor.models
from digrefactor._datatree import Include, is_include_key
from digrefactor.convert._comments import EntryComments, SourceComments
from digrefactor.convert._ir import (
    Attr,
    Call,
    Comments,
    DictExpr,
    Expr,
    Item,
    ListExpr,
    Lit,
    Name,
)
from digrefactor.models import (
    OPERATORS,
    SCHEDULE_CLASSES,
    DigModel,
    GroupTask,
    OperatorTask,
    ParallelTask,
    RawTask,
    Task,
    Workflow,
    WorkflowProject,
)
from digrefactor.syntax import (
    AliasNode,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    decode_source,
    parse_source,
)

__all__ = ["Builder", "IncludeDefinition", "Names", "python_name"]

_INCLUDE_TAG = "!include"

#: Fields every task shares: written after the operator's own fields and ``params``.
_DIRECTIVES = frozenset(Task.__fields_spec__)

#: Typed schedule shortcuts take their value as the one positional argument.
_POSITIONAL_FIELD: dict[type[DigModel], str] = {cls: kind for kind, cls in SCHEDULE_CLASSES.items()}

_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))


def python_name(text: str, *, upper: bool = False, fallback: str = "value") -> str:
    """An identifier in snake_case (or UPPER_CASE) made from *text*."""
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text))
    name = "_".join(words).lower() or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    return name.upper() if upper else name


class Names:
    """Module-level names: each one handed out once, never a keyword or a builtin."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def new(self, base: str) -> str:
        name = base
        if name in _RESERVED:
            name += "_"
        n = 2
        while name in self.taken:
            name = f"{base}_{n}"
            n += 1
        self.taken.add(name)
        return name


@dataclass
class IncludeDefinition:
    """A module-level ``NAME = Include(path, data=...)`` and where it is used."""

    var: str
    path: str
    resolved: str | None
    data_source: str | None  # var of an earlier definition holding the same data
    expr: Expr | None = None
    uses: set[str] = field(default_factory=set)


class Builder:
    """Builds expression trees for the workflows of one module."""

    def __init__(self, names: Names) -> None:
        self.names = names
        #: Class name → module it is imported from (``digrefactor`` for the package's own).
        self.imports: dict[str, str] = {}
        self.includes: list[IncludeDefinition] = []
        self._includes_by_file: dict[tuple[str, str], IncludeDefinition] = {}
        self._data_vars: dict[str, str] = {}
        self._include_docs: dict[str, SourceComments | None] = {}
        self._include_comments: list[SourceComments] = []
        #: The workflow (or include variable) being built: for counting include reuse.
        self._user = ""

    # ------------------------------------------------------------------ entry points

    def workflow(self, wf: Workflow, comments: SourceComments | None) -> Call:
        self._user = wf.name
        root = comments.doc.root if comments is not None else None
        call = self.model(wf, comments, root)
        call.explode = True
        return call

    def leftover_include_comments(self) -> list[str]:
        return [c for doc in self._include_comments for c in doc.leftover()]

    # ------------------------------------------------------------------ models

    def class_ref(self, cls: type) -> str:
        """The name to call *cls* by, importing it from where the package exports it."""
        name = cls.__name__
        # `digrefactor.models` rather than `digrefactor`: mypy cannot see the operator classes
        # through the top-level package's computed `__all__`.
        module = (
            "digrefactor.models"
            if getattr(digrefactor.models, name, None) is cls
            else cls.__module__
        )
        known = self.imports.get(name)
        if known is not None and known != module:
            raise ValueError(f"two classes named {name} ({known}, {module}) in one module")
        self.imports[name] = module
        self.names.reserve(name)
        return name

    def model(
        self,
        model: DigModel,
        src: SourceComments | None,
        node: Node | None,
        opening: str | None = None,
    ) -> Call:
        node = _target(node)
        mapping = node if isinstance(node, MappingNode) else None
        pairs = _PairIndex(mapping)
        if isinstance(model, RawTask):
            return self._raw_task(model.name, model.value, src, node, opening)

        cls: type[DigModel] = type(model)
        if isinstance(model, GroupTask) and cls is GroupTask and model.parallel is True:
            cls = ParallelTask
        items: list[Item] = []

        def add(kw: str | None, value: Expr, key: str | None) -> None:
            item = Item(value, keyword=kw)
            if key is not None:
                self._attach(item, src, mapping, pairs.index(key))
            items.append(item)

        name = getattr(model, "name", None)
        if isinstance(model, (Task, Workflow, WorkflowProject)) and name is not None:
            add("name", Lit(name), None)
        positional = _POSITIONAL_FIELD.get(cls)
        if positional is not None:
            value = getattr(model, positional)
            if value is not None:
                spec = cls.__fields_spec__[positional]
                add(None, self.value(value, src, pairs.value(spec.data_key)), spec.data_key)
        if isinstance(model, OperatorTask):
            if OPERATORS.get(model.operator) is not cls:
                add("operator", Lit(model.operator), None)
            if model.command is not None:
                key = "_command" if model.long_form else model.operator_key
                add("command", self.value(model.command, src, pairs.value(key)), key)
            if model.long_form:
                add("long_form", Lit(True), "_type")
        own = [n for n in cls.__fields_spec__ if n not in _DIRECTIVES and n != positional]
        directives = [n for n in cls.__fields_spec__ if n in _DIRECTIVES]
        for fname in own:
            self._field(model, cls, fname, src, pairs, add)
        if model.params:
            params = self.mapping(model.params, src, mapping, pairs)
            items.append(Item(params, keyword="params"))
        for fname in directives:
            self._field(model, cls, fname, src, pairs, add)
        closing = src.closing(mapping) if src is not None else []
        tasks = getattr(model, "tasks", None)
        if isinstance(tasks, list) and tasks:
            task_list = self._tasks(tasks, src, mapping, pairs)
            if closing and pairs.last_is_task:
                task_list.closing, closing = closing, []
            items.append(Item(task_list, keyword="tasks"))
        return Call(items, func=self.class_ref(cls), opening=opening, closing=closing)

    def _field(
        self,
        model: DigModel,
        cls: type[DigModel],
        fname: str,
        src: SourceComments | None,
        pairs: _PairIndex,
        add: Any,
    ) -> None:
        value = getattr(model, fname)
        info = cls.model_fields[fname]
        default = info.get_default(call_default_factory=True)
        if type(value) is type(default) and value == default:
            return
        key = cls.__fields_spec__[fname].data_key
        if value is None:
            add(fname, Lit(None), None)
            return
        add(fname, self.value(value, src, pairs.value(key)), key)

    def _tasks(
        self,
        tasks: list[Task | Include],
        src: SourceComments | None,
        mapping: MappingNode | None,
        pairs: _PairIndex,
    ) -> ListExpr:
        items: list[Item] = []
        includes = 0
        for task in tasks:
            if isinstance(task, Include):
                index = pairs.include(includes)
                includes += 1
                item = Item(Name(self.include_var(task)))
            else:
                key = task._key or task.key
                index = pairs.index(key)
                ec = self._entry(src, mapping, index)
                item = Item(self.task(task, src, pairs.value(key), ec.opening))
                ec.opening = None
                _give(item, ec)
                items.append(item)
                continue
            self._attach(item, src, mapping, index)
            items.append(item)
        return ListExpr(items, explode=True)

    def task(
        self, task: Task, src: SourceComments | None, node: Node | None, opening: str | None
    ) -> Call:
        call = self.model(task, src, node, opening)
        if any(item.keyword == "tasks" for item in call.items):
            call.explode = True
        return call

    def _raw_task(
        self,
        name: str | None,
        value: Any,
        src: SourceComments | None,
        node: Node | None,
        opening: str | None,
    ) -> Call:
        items = [] if name is None else [Item(Lit(name), keyword="name")]
        items.append(Item(self.data(value, src, node), keyword="value"))
        return Call(items, func=self.class_ref(RawTask), opening=opening)

    # ------------------------------------------------------------------ values

    def value(self, value: Any, src: SourceComments | None, node: Node | None) -> Expr:
        """A typed field's value: a nested model call or literal data."""
        if isinstance(value, DigModel):
            return self.model(value, src, node)
        return self.data(value, src, node)

    def data(self, value: Any, src: SourceComments | None, node: Node | None) -> Expr:
        """Raw data as a literal (includes inside mappings become their shared variables)."""
        node = _target(node)
        if isinstance(value, dict):
            mapping = node if isinstance(node, MappingNode) else None
            return self.mapping(value, src, mapping, _PairIndex(mapping))
        if isinstance(value, (list, tuple)):
            seq = node if isinstance(node, SequenceNode) and len(node.items) == len(value) else None
            items = []
            for i, element in enumerate(value):
                child = seq.items[i] if seq is not None else None
                item = Item(self.data(element, src, child))
                self._attach(item, src, seq, i if seq is not None else None)
                items.append(item)
            return ListExpr(items, closing=src.closing(seq) if src and seq else [])
        if isinstance(value, DigModel):
            return self.model(value, src, node)
        if isinstance(value, Include):  # pragma: no cover - includes only appear as mapping keys
            return Name(self.include_var(value))
        if hasattr(value, "to_raw"):
            return self.data(value.to_raw(), src, node)
        if value is None or isinstance(value, (str, int, float, bool)):
            return Lit(value)
        raise TypeError(f"cannot write a {type(value).__name__} as Python data: {value!r}")

    def mapping(
        self,
        data: dict[str, Any],
        src: SourceComments | None,
        mapping: MappingNode | None,
        pairs: _PairIndex,
    ) -> DictExpr:
        items: list[Item] = []
        includes = 0
        used: set[str] = set()
        for key, value in data.items():
            if is_include_key(key) and isinstance(value, Include):
                index = pairs.include(includes)
                includes += 1
                var = self.include_var(value, avoid=used)
                used.add(var)
                item = Item(Name(var), key=Attr(Name(var), "key"))
            else:
                index = pairs.index(key)
                item = Item(self.data(value, src, pairs.value(key)), key=Lit(key))
            self._attach(item, src, mapping, index)
            items.append(item)
        closing = src.closing(mapping) if src is not None and mapping is not None else []
        return DictExpr(items, closing=closing)

    # ------------------------------------------------------------------ includes

    def include_var(self, include: Include, avoid: set[str] | None = None) -> str:
        """The module variable holding *include* (defined on first use, data shared by file)."""
        resolved = include.resolved_path or f"<{id(include.data)}>"
        key = (include.path, resolved)
        definition = self._includes_by_file.get(key)
        if definition is None or (avoid is not None and definition.var in avoid):
            definition = self._define_include(include, resolved)
            if key not in self._includes_by_file:
                self._includes_by_file[key] = definition
        definition.uses.add(self._user)
        return definition.var

    def _define_include(self, include: Include, resolved: str) -> IncludeDefinition:
        stem = python_name(include.path, upper=True, fallback="INCLUDE")
        var = self.names.new(stem)
        self.class_ref(Include)
        data_source = self._data_vars.get(resolved)
        definition = IncludeDefinition(var, include.path, include.resolved_path, data_source)
        if data_source is None:
            self._data_vars[resolved] = var
            if include.data is None:
                raise ValueError(f"`!include : {include.path}` has no data (not loaded)")
            src = self._include_source(include.resolved_path)
            root = src.doc.root if src is not None else None
            user = self._user
            self._user = var
            definition.expr = self.data(include.data, src, root)
            self._user = user
        self.includes.append(definition)
        return definition

    def _include_source(self, path: str | None) -> SourceComments | None:
        if path is None:
            return None
        if path not in self._include_docs:
            try:
                text = decode_source(Path(path).read_bytes(), path)
                src: SourceComments | None = SourceComments(parse_source(text, path))
            except (OSError, digrefactor.DigError):
                src = None
            self._include_docs[path] = src
            if src is not None:
                self._include_comments.append(src)
        return self._include_docs[path]

    # ------------------------------------------------------------------ comments

    def _entry(
        self, src: SourceComments | None, container: Node | None, index: int | None
    ) -> EntryComments:
        if src is None or container is None or index is None:
            return EntryComments()
        return src.entry(container, index)

    def _attach(
        self, item: Item, src: SourceComments | None, container: Node | None, index: int | None
    ) -> None:
        ec = self._entry(src, container, index)
        if ec.opening is not None:
            value = item.value
            if isinstance(value, (Call, ListExpr, DictExpr)) and value.opening is None:
                value.opening = ec.opening
                ec.opening = None
        _give(item, ec)


def _give(item: Item, ec: EntryComments) -> None:
    """Put an entry's comments on *item* (an opening comment with no bracket trails it)."""
    if not ec:
        return
    trailing = ec.trailing
    leading = list(ec.leading)
    if ec.opening is not None:
        if trailing is None:
            trailing = ec.opening
        else:
            leading.append(ec.opening)
    item.comments = Comments(leading=[*item.comments.leading, *leading], trailing=trailing)


def _target(node: Node | None) -> Node | None:
    while isinstance(node, AliasNode):
        node = node.target
    return node


class _PairIndex:
    """Where each data key of a mapping node is written (index of its pair, value node)."""

    def __init__(self, mapping: MappingNode | None) -> None:
        self.mapping = mapping
        self._keys: dict[str, int] = {}
        self._includes: list[int] = []
        self.last_is_task = False
        if mapping is None:
            return
        for i, (knode, _) in enumerate(mapping.pairs):
            if isinstance(knode, ScalarNode):
                if knode.tag == _INCLUDE_TAG:
                    self._includes.append(i)
                elif knode.value != "<<" or knode.style:
                    self._keys.setdefault(knode.value, i)
        if mapping.pairs:
            last = mapping.pairs[-1][0]
            self.last_is_task = isinstance(last, ScalarNode) and (
                last.value.startswith("+") or last.tag == _INCLUDE_TAG
            )

    def index(self, key: str) -> int | None:
        return self._keys.get(key)

    def include(self, n: int) -> int | None:
        return self._includes[n] if n < len(self._includes) else None

    def value(self, key: str) -> Node | None:
        i = self._keys.get(key)
        if i is None or self.mapping is None:
            return None
        return self.mapping.pairs[i][1]

    def __iter__(self) -> Iterator[int]:  # pragma: no cover - debugging aid
        return iter(self._keys.values())
