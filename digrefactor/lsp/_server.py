"""The pygls server: LSP requests and notifications → :mod:`digrefactor.lsp._features`.

The features work in code points; this layer converts positions from and to the client's
units (UTF-16 unless the client negotiated another encoding) with pygls' position codec,
keeps diagnostics fresh as the user types (debounced), and reads files the editor has open
from the editor, not from disk.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from digrefactor import __version__
from digrefactor._errors import DigError
from digrefactor.config import ConfigError, load_config
from digrefactor.lint import LintOptions, LintResult, UnknownLintCode, lint_workflow
from digrefactor.lsp._features import (
    FeatureError,
    ProjectContext,
    RenameTarget,
    completion,
    definition,
    diagnostics,
    document_symbols,
    hover,
    load_text,
    prepare_rename,
    rename,
    rename_files,
)
from digrefactor.transforms import FileFilter, discover_files

__all__ = ["DigLanguageServer", "create_server"]

#: Seconds of quiet typing before a changed document is checked again.
DEBOUNCE = 0.3
#: Seconds a walk of the project's files is reused.
FILE_LIST_SECONDS = 5.0
#: Projects larger than this are not scanned for callers of a file (DIG104 context).
MAX_PROJECT_FILES = 5000


class RequestFailed(JsonRpcException):
    """LSP's ``RequestFailed``: a valid request that cannot be carried out (message shown)."""

    CODE = -32803
    MESSAGE = "Request failed"


class DigLanguageServer(LanguageServer):
    """pygls' server plus what digrefactor keeps per session."""

    def __init__(self) -> None:
        super().__init__("digrefactor", __version__)
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.caller_cache: dict[str, _FileFacts] = {}
        self.file_lists: dict[Path, tuple[float, list[Path]]] = {}

    # ------------------------------------------------------------------------ documents

    def path_of(self, uri: str) -> Path | None:
        path = to_fs_path(uri)
        return Path(path) if path else None

    def text_of(self, path: Path) -> str:
        """A file's text: the editor's buffer when it is open, else the file on disk."""
        uri = from_fs_path(str(path))
        if uri is not None and uri in self.workspace.text_documents:
            return self.workspace.get_text_document(uri).source
        return path.read_text(encoding="utf-8")

    def root_of(self, path: Path) -> Path:
        """The workspace folder holding *path* (the deepest one), else its directory."""
        best: Path | None = None
        for folder in self.workspace.folders.values():
            root = self.path_of(folder.uri)
            inside = root is not None and (root == path or root in path.parents)
            if inside and root is not None and (best is None or len(root.parts) > len(best.parts)):
                best = root
        if best is None and self.workspace.root_path:
            root = Path(self.workspace.root_path)
            if root in path.parents:
                best = root
        return best or path.parent

    def options_for(self, path: Path | None) -> LintOptions:
        try:
            config = load_config([path] if path is not None else [])
            return LintOptions.from_settings(config.lint)
        except (ConfigError, UnknownLintCode) as exc:
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=str(exc))
            )
            return LintOptions()

    # ---------------------------------------------------------------------- diagnostics

    def publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        document = self.workspace.get_text_document(uri)
        path = self.path_of(uri)
        found = diagnostics(document.source, path, self.options_for(path), self.project_context)
        codec = self.workspace.position_codec
        for diagnostic in found:
            diagnostic.range = codec.range_to_client_units(document.lines, diagnostic.range)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=document.version)
        )

    def publish_later(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(DEBOUNCE, self.publish, uri)

    def project_context(self, path: Path) -> ProjectContext:
        """Lint facts of the project's files that call, require or include *path*."""
        root = self.root_of(path)
        callers: list[tuple[str, LintResult]] = []
        included: list[str] = []
        files = self.project_files(root)
        if len(files) > MAX_PROJECT_FILES:
            return ProjectContext(callers, included)
        me = os.path.realpath(path)
        stem = path.name[:-4] if path.name.endswith(".dig") else path.stem
        for other in files:
            if os.path.realpath(other) == me:
                continue
            facts = self.file_facts(other)
            if facts is None or stem not in facts.text:
                continue  # cannot name this file at all
            if facts.result is _NOT_LINTED:
                try:
                    facts.result = lint_workflow(load_text(facts.text, other))
                except DigError:
                    facts.result = None
            if isinstance(facts.result, LintResult):
                callers.append((str(other), facts.result))
            if me in facts.includes:
                included.append(str(path))
        return ProjectContext(callers, included)

    def project_files(self, root: Path) -> list[Path]:
        """The `.dig` files under *root* (the walk is reused for a few seconds)."""
        cached = self.file_lists.get(root)
        now = time.monotonic()
        if cached is not None and now - cached[0] < FILE_LIST_SECONDS:
            return cached[1]
        try:
            walk = discover_files([root], FileFilter(include=["*.dig"], exclude=[]))
            found = [p for p, _ in walk]
        except (OSError, ValueError):
            found = []
        self.file_lists[root] = (now, found)
        return found

    def file_facts(self, path: Path) -> _FileFacts | None:
        """A file's text and includes, kept until the file (or its editor buffer) changes."""
        uri = from_fs_path(str(path))
        version = None
        if uri is not None and uri in self.workspace.text_documents:
            version = self.workspace.get_text_document(uri).version
        try:
            stamp = (path.stat().st_mtime, version)
        except OSError:
            return None
        facts = self.caller_cache.get(str(path))
        if facts is None or facts.stamp != stamp:
            try:
                text = self.text_of(path)
            except (OSError, UnicodeDecodeError):
                return None
            includes = {
                os.path.realpath(path.parent / m.group(1).strip("'\""))
                for m in re.finditer(r"!include\s+:\s*(\S+)", text)
            }
            facts = _FileFacts(stamp, text, includes)
            self.caller_cache[str(path)] = facts
        return facts


_NOT_LINTED = object()


@dataclass
class _FileFacts:
    stamp: tuple[float, int | None]
    text: str
    includes: set[str]
    result: object = _NOT_LINTED


T = TypeVar("T")


def _converted(
    server: DigLanguageServer, lines: Sequence[str], value: Any
) -> Any:  # ranges of a result, to the client's units
    codec = server.workspace.position_codec
    if isinstance(value, types.Range):
        return codec.range_to_client_units(lines, value)
    if isinstance(value, list):
        return [_converted(server, lines, v) for v in value]
    for name in ("range", "selection_range"):
        inner = getattr(value, name, None)
        if isinstance(inner, types.Range):
            setattr(value, name, codec.range_to_client_units(lines, inner))
    children = getattr(value, "children", None)
    if isinstance(children, list):
        for child in children:
            _converted(server, lines, child)
    return value


def _where(
    server: DigLanguageServer, uri: str, position: types.Position
) -> tuple[str, Sequence[str], Path | None, int, int]:
    document = server.workspace.get_text_document(uri)
    at = server.workspace.position_codec.position_from_client_units(document.lines, position)
    return document.source, document.lines, server.path_of(uri), at.line, at.character


def _failing(call: Callable[[], T]) -> T:
    try:
        return call()
    except FeatureError as exc:
        raise RequestFailed(str(exc)) from None


def create_server() -> DigLanguageServer:
    """A server with every feature registered (``start_io()`` runs it)."""
    server = DigLanguageServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DigLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DigLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish_later(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DigLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DigLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: DigLanguageServer, params: types.HoverParams) -> types.Hover | None:
        text, lines, path, line, char = _where(ls, params.text_document.uri, params.position)
        result = hover(text, line, char, path)
        return _converted(ls, lines, result) if result is not None else None

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["_", "+"]),
    )
    def on_completion(
        ls: DigLanguageServer, params: types.CompletionParams
    ) -> types.CompletionList:
        text, _, _, line, char = _where(ls, params.text_document.uri, params.position)
        return types.CompletionList(is_incomplete=False, items=completion(text, line, char))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def on_definition(
        ls: DigLanguageServer, params: types.DefinitionParams
    ) -> list[types.Location]:
        text, lines, path, line, char = _where(ls, params.text_document.uri, params.position)
        found = definition(text, line, char, path)
        # Targets in other files are file starts (0, 0): only same-file ranges need converting.
        return [
            _converted(ls, lines, loc) if loc.uri == params.text_document.uri else loc
            for loc in found
        ]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(
        ls: DigLanguageServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        return list(_converted(ls, document.lines, document_symbols(document.source)))

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def on_prepare_rename(
        ls: DigLanguageServer, params: types.PrepareRenameParams
    ) -> types.PrepareRenamePlaceholder | None:
        text, lines, path, line, char = _where(ls, params.text_document.uri, params.position)
        target = prepare_rename(text, line, char, path)
        if target is None:
            return None
        placeholder = target.old.rpartition("+")[2] if target.kind == "task" else target.old
        return types.PrepareRenamePlaceholder(
            range=_converted(ls, lines, target.range), placeholder=placeholder
        )

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    def on_rename(ls: DigLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        text, _, path, line, char = _where(ls, params.text_document.uri, params.position)
        if path is None:
            raise RequestFailed("only files on disk can be renamed in")
        target = prepare_rename(text, line, char, path)
        if target is None:
            raise RequestFailed("put the cursor on a +task, an _after entry, or a call>/require>")
        new_name = params.new_name.strip()
        if target.kind == "task" and new_name.startswith("+"):
            new_name = new_name[1:]
        return _workspace_edit(ls, _failing(lambda: _rename(ls, target, new_name, text, path)))

    @server.feature(
        types.WORKSPACE_WILL_RENAME_FILES,
        types.FileOperationRegistrationOptions(
            filters=[types.FileOperationFilter(pattern=types.FileOperationPattern(glob="**/*.dig"))]
        ),
    )
    def on_will_rename(
        ls: DigLanguageServer, params: types.RenameFilesParams
    ) -> types.WorkspaceEdit | None:
        pairs = []
        for item in params.files:
            old, new = ls.path_of(item.old_uri), ls.path_of(item.new_uri)
            if old is not None and new is not None:
                pairs.append((old, new))
        if not pairs:
            return None
        root = ls.root_of(pairs[0][0])
        changes = _failing(lambda: rename_files(pairs, root, ls.text_of))
        return _workspace_edit(ls, {path: (edits, None) for path, (edits, _) in changes.items()})

    return server


def _rename(
    ls: DigLanguageServer, target: RenameTarget, new_name: str, text: str, path: Path
) -> dict[Path, tuple[list[types.TextEdit], Path | None]]:
    return rename(target, new_name, text, path, ls.text_of, ls.root_of(path))


def _workspace_edit(
    ls: DigLanguageServer, changes: dict[Path, tuple[list[types.TextEdit], Path | None]]
) -> types.WorkspaceEdit | None:
    if not changes:
        return None
    document_changes: list[Any] = []
    renames: list[types.RenameFile] = []
    for path, (edits, new_path) in changes.items():
        uri = from_fs_path(str(path)) or path.as_uri()
        text = ls.text_of(path)
        lines = text.splitlines(keepends=True)
        edits = [
            types.TextEdit(
                range=ls.workspace.position_codec.range_to_client_units(lines, e.range),
                new_text=e.new_text,
            )
            for e in edits
        ]
        if edits:
            version = None
            if uri in ls.workspace.text_documents:
                version = ls.workspace.get_text_document(uri).version
            document_changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(edits),
                )
            )
        if new_path is not None:
            new_uri = from_fs_path(str(new_path)) or new_path.as_uri()
            renames.append(types.RenameFile(old_uri=uri, new_uri=new_uri))
    if renames and not _can_rename_files(ls):
        raise RequestFailed("this editor cannot rename files through a language server")
    return types.WorkspaceEdit(document_changes=[*document_changes, *renames])


def _can_rename_files(ls: DigLanguageServer) -> bool:
    workspace = ls.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace is not None else None
    operations = (edit.resource_operations if edit is not None else None) or []
    return types.ResourceOperationKind.Rename in operations


def serve() -> None:
    """Run the server on stdin/stdout until the client exits."""
    create_server().start_io()
