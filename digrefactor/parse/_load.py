"""Load `.dig` files and projects into models; turn models back into Digdag's data tree."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from digrefactor._datatree import DataTree, Include, is_include_key, tree_fingerprint
from digrefactor._errors import DigError, DigIncludeError
from digrefactor._limits import with_recursion_room
from digrefactor.dialect import (
    Locator,
    expand_includes,
    key_text,
    load_raw_file,
    read_raw_file,
    read_raw_text,
    validate_workflow,
)
from digrefactor.files import project_file_paths
from digrefactor.models import Workflow, WorkflowProject
from digrefactor.syntax import MappingNode, Node, ScalarNode, SourceDoc, parse_source

__all__ = [
    "SourceLink",
    "check_workflow",
    "digdag_definition",
    "file_digest",
    "load_project",
    "load_workflow",
    "text_locator",
    "to_data",
]

#: Top-level keys in the fixed order Digdag stores them (``WorkflowFile.toWorkflowDefinition``).
_STORED_ORDER = ("schedule", "sla", "_error", "_check", "_retry", "_parallel")


class SourceLink:
    """What a loaded workflow remembers of its file, for lossless writes.

    The text; the fingerprint of the data tree it was read as (an unedited model gives the
    text back without re-reading it); when it was read from disk, the :func:`file_digest` of
    the file's bytes (and after each save): a save first checks that the file still holds them
    (lost-update check). The node tree with every span is not kept: it took three times the
    memory of the models themselves, and only an edited file's write (or a located message)
    needs it, so :attr:`doc` parses the text again for each such use.
    """

    __slots__ = ("disk_digest", "fingerprint", "path", "text")

    def __init__(
        self,
        text: str,
        path: str | None,
        fingerprint: bytes | None = None,
        disk_digest: bytes | None = None,
    ) -> None:
        self.text = text
        self.path = path
        self.fingerprint = fingerprint
        self.disk_digest = disk_digest

    @property
    def doc(self) -> SourceDoc:
        """The file's text with every node's span and style (parsed on each access)."""
        return parse_source(self.text, self.path)

    def __repr__(self) -> str:
        return f"SourceLink(path={self.path!r}, {len(self.text)} characters)"


def file_digest(data: bytes) -> bytes:
    """A digest of file content, to tell later whether a file still holds what was read."""
    return hashlib.blake2b(data, digest_size=20).digest()


@with_recursion_room
def load_workflow(
    source: Path | str, *, name: str | None = None, path: str | Path | None = None
) -> Workflow:
    """Load one workflow.

    *source* is a :class:`pathlib.Path` to read, or `.dig` text. The workflow name defaults to
    the file name without ``.dig`` (``"workflow"`` for text). *path* locates text on disk so
    that ``!include`` can be resolved and errors name the file.
    """
    content: bytes | None = None
    if isinstance(source, Path):
        file: Path | None = source
        spath: str | None = str(source)
        content, text, raw = read_raw_file(source)
    elif isinstance(source, str):
        file = path if isinstance(path, Path) or path is None else Path(path)
        spath = str(path) if path is not None else None
        text, raw = source, read_raw_text(source, spath)
    else:
        raise TypeError(
            f"load_workflow() takes a pathlib.Path or .dig text, not {type(source).__name__}"
        )
    default_name = _workflow_name(file) if file is not None else "workflow"
    wf_name = name if name is not None else default_name
    data = expand_includes(raw, share=True)
    validate_workflow(data, wf_name, path=spath, locate=text_locator(text, spath))
    wf = Workflow.from_raw(raw, name=wf_name)
    wf._path = file
    # Text read from a file is its bytes decoded strictly: their digest is that of the text.
    digest = file_digest(content) if content is not None else None
    wf._source = SourceLink(text, spath, tree_fingerprint(raw), digest)
    return wf


def _workflow_name(path: Path) -> str:
    name = path.name
    return name[:-4] if name.endswith(".dig") else path.stem


def _locator(doc: SourceDoc) -> Locator:
    def locate(keys: tuple[str, ...]) -> tuple[int, int] | None:
        node = find_node(doc, keys)
        return doc.line_col(node.start) if node is not None else None

    return locate


def text_locator(text: str, path: str | None) -> Locator:
    """A locator (key path → line, column) that parses *text* only when asked (on a problem)."""
    docs: list[SourceDoc] = []

    def locate(keys: tuple[str, ...]) -> tuple[int, int] | None:
        if not docs:
            docs.append(parse_source(text, path))
        return _locator(docs[0])(keys)

    return locate


def find_node(doc: SourceDoc, keys: tuple[str, ...]) -> Node | None:
    """The key node at *keys* (a path of mapping keys) in the file itself, if written there."""
    node = doc.root
    found: Node | None = None
    for key in keys:
        if not isinstance(node, MappingNode):
            return None
        for knode, vnode in node.pairs:
            if isinstance(knode, ScalarNode) and knode.value == key:
                found, node = knode, vnode
                break
        else:
            # A complex key (`? [a, b]`) stands for the text Jackson makes of it.
            for knode, vnode in node.pairs:
                if not isinstance(knode, ScalarNode) and key_text(doc, knode) == key:
                    found, node = knode, vnode
                    break
            else:
                return None
    return found


@with_recursion_room
def to_data(workflow: Workflow) -> DataTree:
    """Digdag's data tree of a workflow: file key order, includes expanded, JSON-compatible."""
    raw = workflow.to_raw()
    base = str(workflow.path.parent) if workflow.path is not None else None
    _resolve_code_includes(raw, base)
    result: DataTree = expand_includes(raw)
    return result


def _resolve_code_includes(value: Any, base: str | None) -> None:
    """Load includes added in code (no data yet) relative to the workflow's directory."""
    if isinstance(value, dict):
        for k, v in value.items():
            if is_include_key(k) and isinstance(v, Include) and v.data is None:
                if base is None:
                    raise DigIncludeError(
                        f"cannot expand `!include : {v.path}` of a workflow with no file path"
                    )
                target = os.path.normpath(os.path.join(base, v.path))
                _, inc_raw = load_raw_file(target)
                v.data = inc_raw
                v.resolved_path = target
            else:
                _resolve_code_includes(v, base)
    elif isinstance(value, list):
        for v in value:
            _resolve_code_includes(v, base)


@with_recursion_room
def check_workflow(workflow: Workflow) -> None:
    """Raise :class:`DigValidationError` for anything Digdag would reject in *workflow*.

    The same checks loading a file runs (names, top-level keys, groups, operators, _parallel,
    _after/_background, schedules), for models built or edited in code.
    """
    path = str(workflow.path) if workflow.path is not None else None
    link = workflow._source
    locate = text_locator(link.text, link.path) if link is not None else None
    validate_workflow(to_data(workflow), workflow.name, path=path, locate=locate)


@with_recursion_room
def digdag_definition(workflow: Workflow) -> dict[str, Any]:
    """The workflow as Digdag stores it: ``{"name", "timezone", "config"}`` (spec §1.11)."""
    data = to_data(workflow)
    return normalize_definition(workflow.name, data)


def normalize_definition(name: str, data: DataTree) -> dict[str, Any]:
    config: DataTree = {}
    export = data.get("_export")
    if isinstance(export, dict) and export:
        config["_export"] = export
    for key in _STORED_ORDER:
        if key in data:
            config[key] = data[key]
    for key, value in data.items():
        if key.startswith("+"):
            config[key] = value
    tz = data.get("timezone")
    return {"name": name, "timezone": tz if tz is not None else "UTC", "config": config}


@with_recursion_room
def load_project(
    directory: str | Path, *, name: str | None = None, exclude_dirs: Iterable[str] = ()
) -> WorkflowProject:
    """Load a Digdag project: every top-level ``*.dig`` is a workflow; other files are kept.

    Dot files and paths matched by ``.digdagignore`` are skipped, as Digdag's CLI does, and so
    is everything below the relative directories *exclude_dirs* (projects of their own, see
    :func:`discover_projects`). A directory without top-level ``*.dig`` files is not a project:
    the error says where projects are below it. Raises the first :class:`DigError` of any
    workflow (use :func:`load_workflow` per file to collect them all).
    """
    root = Path(directory)
    if not root.is_dir():
        raise DigError("not a directory", path=str(root))
    paths = project_file_paths(root, exclude_dirs=exclude_dirs)
    if not any("/" not in rel and rel.endswith(".dig") for rel in paths):
        from digrefactor.parse._projects import projects_below_message

        raise DigError(projects_below_message(root), path=str(root))
    project = WorkflowProject(name=name or Path(os.path.realpath(root)).name)
    project._path = root
    for rel in paths:
        full = root / rel
        if "/" not in rel and rel.endswith(".dig"):
            project.workflows.append(load_workflow(full))
        else:
            try:
                project.files[rel] = full.read_bytes()
            except OSError as err:
                raise DigError(f"cannot read file: {err.strerror}", path=str(full)) from None
    return project
