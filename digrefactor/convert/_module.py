"""Assemble the Python module: imports, shared includes, workflows, project, ``__main__``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from digrefactor._limits import with_recursion_room
from digrefactor.convert._build import Builder, Names, python_name
from digrefactor.convert._comments import SourceComments
from digrefactor.convert._fold import FoldStats, fold_list, fold_tree
from digrefactor.convert._hoist import hoist_deep
from digrefactor.convert._ir import Attr, Call, Comp, Expr, Item, ListExpr, Lit, Name
from digrefactor.convert._render import LINE_LENGTH, Renderer, text_width, wrap_comment
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.parse import SourceLink

__all__ = ["ConversionReport", "convert", "to_python"]


@dataclass
class ConversionReport:
    """What one conversion did: the module text and counts worth reporting."""

    source: str
    workflows: int = 0
    #: Runs of calls folded into comprehensions, and how many calls they replaced.
    folds: int = 0
    calls_folded: int = 0
    #: Include files defined once in the module, and how many of them are used more than once.
    includes: int = 0
    includes_reused: int = 0
    comments: int = 0
    #: Comments whose entry has no place in the code (written at the top of the module).
    comments_unplaced: int = 0
    imports: list[str] = field(default_factory=list)


@with_recursion_room
def to_python(
    workflow_or_project: Workflow | WorkflowProject,
    *,
    fold_loops: bool = True,
    files_dir: str | None = None,
) -> str:
    """Python source that rebuilds *workflow_or_project* with digrefactor's typed models.

    The module defines ``workflow`` (or ``project``) and, run as a script with a directory
    argument, writes the ``.dig`` files (and the files they include) there. Comments of the
    ``.dig`` files are carried next to the code they describe. *files_dir* (a project only)
    names the directory, relative to the module, that holds the project's other files: the
    project's ``files_dir`` then points there.
    """
    return convert(workflow_or_project, fold_loops=fold_loops, files_dir=files_dir).source


@with_recursion_room
def convert(
    workflow_or_project: Workflow | WorkflowProject,
    *,
    fold_loops: bool = True,
    files_dir: str | None = None,
) -> ConversionReport:
    """Like :func:`to_python`, with counts of what was folded, shared and carried over."""
    if files_dir is not None and not isinstance(workflow_or_project, WorkflowProject):
        raise ValueError("files_dir is for a project; a workflow ships no other files")
    names = Names()
    for reserved in ("project", "workflow", "sys", "Path", "write_dig_files"):
        names.reserve(reserved)
    builder = Builder(names)
    stats = FoldStats()
    renderer = Renderer()
    sources: list[SourceComments] = []

    if isinstance(workflow_or_project, WorkflowProject):
        project: WorkflowProject | None = workflow_or_project
        workflows = list(workflow_or_project.workflows)
    else:
        project = None
        workflows = [workflow_or_project]

    files_var: str | None = None
    calls: list[Call] = []
    for wf in workflows:
        src = _source_comments(wf)
        if src is not None:
            sources.append(src)
        call = builder.workflow(wf, src)
        if fold_loops:
            fold_tree(call, stats, set(names.taken))
        calls.append(call)
    if fold_loops:
        for definition in builder.includes:
            if definition.expr is not None:
                fold_tree(definition.expr, stats, set(names.taken))

    statements: list[tuple[str, Expr, list[str]]] = []
    for definition in builder.includes:
        if definition.expr is not None:
            data: Expr = definition.expr
        else:
            data = Attr(Name(definition.data_source or ""), "data")
        args = [Item(Lit(definition.path)), Item(data, keyword="data")]
        statements.append((definition.var, Call(args, func="Include"), []))

    if project is None:
        statements.append(("workflow", calls[0], []))
        target = "workflow"
    else:
        members: list[Item] = []
        workflow_list = ListExpr([Item(c) for c in calls])
        folded = fold_list(workflow_list, stats, set(names.taken)) if fold_loops else None
        items = (
            [Item(folded, star=True)]
            if isinstance(folded, Comp)
            else (folded.items if isinstance(folded, ListExpr) else workflow_list.items)
        )
        for item in items:
            value = item.value
            if isinstance(value, Comp):
                var = names.new(python_name(_comp_name(value), fallback="workflows"))
                statements.append((var, value, []))
                members.append(Item(Name(var), star=True))
            else:
                assert isinstance(value, Call)
                wf_name = _call_name(value)
                var = names.new(python_name(wf_name, fallback="workflow"))
                statements.append((var, value, []))
                members.append(Item(Name(var)))
        project_items = [
            Item(Lit(project.name), keyword="name"),
            Item(
                members[0].value
                if len(members) == 1 and members[0].star
                else ListExpr(members, explode=len(members) > 1),
                keyword="workflows",
            ),
        ]
        if files_dir is not None:
            files_var = names.new("FILES_DIR")
            project_items.append(Item(Name(files_var), keyword="files_dir"))
        project_call = Call(project_items, func=builder.class_ref(WorkflowProject), explode=True)
        statements.append(("project", project_call, []))
        target = "project"

    def part_name(expr: Expr) -> str:
        base = _call_name(expr) if isinstance(expr, Call) else "data"
        return names.new(python_name(base, fallback="task"))

    statements = hoist_deep(statements, part_name)

    unplaced = [c for src in sources for c in src.leftover()]
    unplaced += builder.leftover_include_comments()

    body: list[cst.SimpleStatementLine | cst.BaseCompoundStatement] = []
    for i, (var, expr, _) in enumerate(statements):
        head = len(var) + 3
        value_node = renderer.node(expr, 0, head, 0)
        leading: list[cst.EmptyLine] = [cst.EmptyLine()]
        if i == 0 and unplaced:
            leading = _comment_block(
                [
                    "# Comments of the .dig source whose entries have no place in the code:",
                    *unplaced,
                ]
            )
        body.append(
            cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(var))], value=value_node)],
                leading_lines=leading,
            )
        )
    if files_var is not None:
        body.insert(len(body) - 1, _files_dir_statement(files_var, files_dir or ""))
    body.append(_main_block(target))

    docstring = _docstring(workflow_or_project)
    imports = _imports(builder.imports)
    module = cst.Module(body=[docstring, *imports, *body])
    report = ConversionReport(
        source=module.code,
        workflows=len(workflows),
        folds=stats.folds,
        calls_folded=stats.calls_folded,
        includes=len(builder.includes),
        includes_reused=sum(len(d.uses) > 1 for d in builder.includes),
        comments=sum(s.count for s in sources) + sum(s.count for s in builder._include_comments),
        comments_unplaced=len(unplaced),
        imports=sorted(builder.imports),
    )
    return report


def _source_comments(wf: Workflow) -> SourceComments | None:
    link = wf._source
    if isinstance(link, SourceLink):
        return SourceComments(link.doc)
    return None


def _call_name(call: Call) -> str:
    for item in call.items:
        if item.keyword == "name" and isinstance(item.value, Lit):
            return str(item.value.value)
    return "workflow"


def _comp_name(comp: Comp) -> str:
    """``load_workflows`` for workflows named ``load_{region}``: the constant part of the name."""
    elt = comp.elt
    if isinstance(elt, Call):
        for item in elt.items:
            if item.keyword == "name":
                value = item.value
                texts = getattr(value, "parts", None)
                if texts:
                    constant = "_".join(t for t, is_var in texts if not is_var)
                    return f"{constant}_workflows"
    return "workflows"


def _comment_block(comments: list[str]) -> list[cst.EmptyLine]:
    lines = [cst.EmptyLine()]
    for comment in comments:
        for part in wrap_comment(comment, LINE_LENGTH):
            lines.append(cst.EmptyLine(indent=False, comment=cst.Comment(part)))
    return lines


def _files_dir_statement(var: str, directory: str) -> cst.SimpleStatementLine:
    """``FILES_DIR = Path(__file__).parent / "files"``: where the project's other files are."""
    if not re.fullmatch(r"[\w.-]+", directory) or directory in (".", ".."):
        raise ValueError(f"files_dir must be a plain directory name, not {directory!r}")
    stmt = cst.parse_statement(f'{var} = Path(__file__).parent / "{directory}"\n')
    assert isinstance(stmt, cst.SimpleStatementLine)
    comment = "# SQL, scripts and the project's other files, kept next to this module."
    return stmt.with_changes(leading_lines=_comment_block([comment]))


def _main_block(target: str) -> cst.If:
    # `python module.py OUT_DIR` writes the .dig files; the module stays importable.
    main = cst.parse_statement(
        'if __name__ == "__main__":\n'
        "    if len(sys.argv) != 2:\n"
        '        sys.exit(f"usage: python {sys.argv[0]} OUT_DIR")\n'
        f"    for path in write_dig_files({target}, Path(sys.argv[1])):\n"
        "        print(path)\n"
    )
    assert isinstance(main, cst.If)
    return main.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def _docstring(obj: Workflow | WorkflowProject) -> cst.SimpleStatementLine:
    if isinstance(obj, WorkflowProject):
        what = f"Digdag project {_plain(obj.name)}"
    else:
        source = obj.path.name if obj.path is not None else f"{obj.name}.dig"
        what = f"Digdag workflow {_plain(source)}"
    text = f"{what} as Python (generated by digrefactor convert)."
    if text_width(text) + 6 > LINE_LENGTH:
        text = "Digdag workflows as Python (generated by digrefactor convert)."
    return cst.SimpleStatementLine(body=[cst.Expr(cst.SimpleString(f'"""{text}"""'))])


def _plain(text: str) -> str:
    """*text* safe inside a docstring: no quotes, backslashes or invisible characters."""
    return re.sub(r"[^\w .,:+@&=()\[\]{}-]", "?", text)


def _imports(imports: dict[str, str]) -> list[cst.SimpleStatementLine]:
    by_module: dict[str, list[str]] = {}
    for name, module in imports.items():
        by_module.setdefault(module, []).append(name)
    by_module.setdefault("digrefactor.convert", []).append("write_dig_files")
    lines: list[cst.SimpleStatementLine] = []
    stdlib = [
        cst.parse_statement("import sys"),
        cst.parse_statement("from pathlib import Path"),
    ]
    for i, stmt in enumerate(stdlib):
        assert isinstance(stmt, cst.SimpleStatementLine)
        lines.append(stmt.with_changes(leading_lines=[cst.EmptyLine()] if i == 0 else []))
    first = True
    for module in sorted(by_module, key=_module_key):
        names = sorted(by_module[module], key=_member_key)
        lines.append(_import_from(module, names, blank=first))
        first = False
    return lines


def _module_key(module: str) -> tuple[int, str]:
    return (0 if module.split(".")[0] != "digrefactor" else 1, module)


def _member_key(name: str) -> tuple[int, list[object]]:
    """isort's "order by type": CONSTANTS, then Classes, then functions; natural order within."""
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    natural: list[object] = [
        int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.lower())
    ]
    return (kind, natural)


def _import_from(module: str, names: list[str], *, blank: bool) -> cst.SimpleStatementLine:
    one_line = f"from {module} import {', '.join(names)}"
    if len(one_line) <= LINE_LENGTH:
        source = one_line + "\n"
    else:
        source = f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"
    stmt = cst.parse_statement(source)
    assert isinstance(stmt, cst.SimpleStatementLine)
    return stmt.with_changes(leading_lines=[cst.EmptyLine()] if blank else [])
