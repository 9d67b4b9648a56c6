"""``digrefactor lsp`` end to end: a real server process driven over stdio with LSP messages.

Every feature is exercised the way an editor uses it: diagnostics on open and as the text
changes, hover, completion, go to definition, document symbols, prepare-rename and rename of
tasks and workflows (checked by applying the returned edits), and willRenameFiles.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_client import LspClient, LspError, apply_edits, at

MAIN = """\
timezone: UTC
_export:
  td:
    database: sales
+extract:
  td>: queries/extract.sql
  store_last_results: true
+fanout:
  _parallel: true
  +a:
    sh>: a.sh
  +b:
    _after: [+a]
    sh>: b.sh
+sub:
  call>: sub/child.dig
+needs:
  require>: daily_load
+conf:
  !include : parts/conf.dig
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "main.dig").write_text(MAIN)
    (root / "daily_load.dig").write_text("+x:\n  echo>: hi\n")
    (root / "other.dig").write_text("+y:\n  require>: daily_load\n")
    (root / "sub").mkdir()
    (root / "sub" / "child.dig").write_text("+z:\n  echo>: ${td.database}\n")
    (root / "parts").mkdir()
    (root / "parts" / "conf.dig").write_text("+c:\n  echo>: conf\n")
    (root / "queries").mkdir()
    (root / "queries" / "extract.sql").write_text("select 1\n")
    return root


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[LspClient]:
    client = LspClient(project)
    try:
        client.initialize(project)
        yield client
    finally:
        client.close()


@pytest.fixture(scope="module")
def main_uri(server: LspClient, project: Path) -> str:
    uri = server.open(project / "main.dig")
    assert server.diagnostics(uri) == []  # a clean file: no diagnostics
    return uri


def test_server_advertises_every_feature(project: Path) -> None:
    client = LspClient(project)
    try:
        caps = client.initialize(project)["capabilities"]
    finally:
        client.close()
    assert caps["hoverProvider"]
    assert caps["completionProvider"]
    assert caps["definitionProvider"]
    assert caps["documentSymbolProvider"]
    assert caps["renameProvider"] == {"prepareProvider": True}
    will_rename = caps["workspace"]["fileOperations"]["willRename"]
    assert will_rename["filters"][0]["pattern"]["glob"] == "**/*.dig"


# ------------------------------------------------------------------------------ diagnostics


def test_diagnostics_as_you_type(server: LspClient, project: Path) -> None:
    path = project / "typing.dig"
    uri = server.open(path, "+a:\n  sh>: ok\n", version=1)
    assert server.diagnostics(uri, version=1) == []
    # Broken YAML: one error, located where the parser stops.
    server.change(uri, "+a:\n  sh>: [x\n", version=2)
    (error,) = server.diagnostics(uri, version=2)
    assert error["severity"] == 1 and error["source"] == "digrefactor"
    assert error["range"]["start"]["line"] == 2
    # Valid YAML that Digdag rejects: the error is on the second operator's key.
    server.change(uri, "+a:\n  sh>: a\n  py>: b\n", version=3)
    (error,) = server.diagnostics(uri, version=3)
    assert "more than one operator" in error["message"]
    assert error["range"] == {"start": at(2, 2), "end": at(2, 5)}
    # Lint warnings: severity 2, a code, the exact range of the key.
    server.change(uri, "+a:\n  sh>: a\n  _retyr: 3\n", version=4)
    (warning,) = server.diagnostics(uri, version=4)
    assert warning["severity"] == 2 and warning["code"] == "DIG102"
    assert "did you mean `_retry`?" in warning["message"]
    assert warning["range"] == {"start": at(2, 2), "end": at(2, 8)}
    # Fixed: the warning goes away.
    server.change(uri, "+a:\n  sh>: a\n  _retry: 3\n", version=5)
    assert server.diagnostics(uri, version=5) == []


def test_diagnostic_ranges_are_in_utf16_units(server: LspClient, project: Path) -> None:
    # "日本語𝄞" is 4 code points but 5 UTF-16 units (𝄞 is outside the BMP): the warning
    # starts at code point 14, UTF-16 unit 15.
    text = "+a:\n  echo>: 日本語𝄞 ${undefined_name}\n"
    uri = server.open(project / "utf16.dig", text)
    (warning,) = server.diagnostics(uri)
    assert warning["code"] == "DIG104"
    assert warning["range"]["start"] == at(1, 15)
    assert warning["range"]["end"] == at(1, 15 + len("${undefined_name}"))


def test_callers_define_variables_for_the_file_they_call(server: LspClient, project: Path) -> None:
    # sub/child.dig reads ${td.database}: main.dig, which calls it, exports td.
    uri = server.open(project / "sub" / "child.dig")
    assert server.diagnostics(uri) == []


# ------------------------------------------------------------------------------------ hover


def _hover(server: LspClient, uri: str, line: int, char: int) -> Any:
    return server.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": at(line, char)}
    )


def test_hover_explains_operators_parameters_and_directives(
    server: LspClient, main_uri: str
) -> None:
    op = _hover(server, main_uri, 5, 3)["contents"]
    assert op["kind"] == "markdown"
    assert "`td>`" in op["value"] and "run a Treasure Data query" in op["value"]
    assert "| `store_last_results` |" in op["value"]
    param = _hover(server, main_uri, 6, 5)
    assert "td.last_results" in param["contents"]["value"]
    assert param["range"] == {"start": at(6, 2), "end": at(6, 20)}
    directive = _hover(server, main_uri, 8, 4)["contents"]["value"]
    assert "`_parallel`" in directive and "batches" in directive
    top = _hover(server, main_uri, 0, 2)["contents"]["value"]
    assert "Time zone" in top
    task = _hover(server, main_uri, 9, 3)["contents"]["value"]
    assert "+main+fanout+a" in task
    assert _hover(server, main_uri, 3, 20) is None  # a value with nothing to say


# ------------------------------------------------------------------------------- completion


def _complete(server: LspClient, uri: str, line: int, char: int) -> dict[str, Any]:
    result = server.request(
        "textDocument/completion", {"textDocument": {"uri": uri}, "position": at(line, char)}
    )
    return {item["label"]: item for item in result["items"]}


def test_completion_offers_what_fits_where_the_cursor_is(server: LspClient, project: Path) -> None:
    text = "schedule:\n  \n+new:\n  \n+query:\n  td>: q.sql\n  engine: presto\n  \n\n"
    uri = server.open(project / "complete.dig", text)
    server.diagnostics(uri)
    schedule = _complete(server, uri, 1, 2)
    assert {"daily>", "cron>", "skip_delayed_by", "start"} <= set(schedule)
    empty_task = _complete(server, uri, 3, 2)
    assert {"sh>", "td>", "py>", "_retry", "_parallel", "_error"} <= set(empty_task)
    assert empty_task["td>"]["insertText"] == "td>: "
    assert "Treasure Data" in empty_task["td>"]["documentation"]["value"]
    td_task = _complete(server, uri, 7, 2)
    assert {"database", "store_last_results", "_retry", "_error"} <= set(td_task)
    assert "engine" not in td_task  # already there
    assert "sh>" not in td_task  # a task takes one operator
    top = _complete(server, uri, 8, 0)
    assert {"timezone", "_export", "sla"} <= set(top)
    assert "schedule" not in top
    # While typing a key: only the matching ones.
    server.change(uri, text.replace("+new:\n  \n", "+new:\n  _re\n"), version=2)
    typed = _complete(server, uri, 3, 5)
    assert set(typed) == {"_retry"}


# ------------------------------------------------------------------------------- definition


def _definition(server: LspClient, uri: str, line: int, char: int) -> list[Any]:
    result = server.request(
        "textDocument/definition", {"textDocument": {"uri": uri}, "position": at(line, char)}
    )
    return list(result or [])


def test_go_to_definition(server: LspClient, main_uri: str, project: Path) -> None:
    (call,) = _definition(server, main_uri, 15, 12)
    assert call["uri"] == (project / "sub" / "child.dig").resolve().as_uri()
    (require,) = _definition(server, main_uri, 17, 14)
    assert require["uri"] == (project / "daily_load.dig").resolve().as_uri()
    (include,) = _definition(server, main_uri, 19, 16)
    assert include["uri"] == (project / "parts" / "conf.dig").resolve().as_uri()
    (after,) = _definition(server, main_uri, 12, 14)
    assert after["uri"] == (project / "main.dig").resolve().as_uri()
    assert after["range"] == {"start": at(9, 2), "end": at(9, 4)}
    assert _definition(server, main_uri, 0, 12) == []


# ------------------------------------------------------------------------------ symbols


def test_document_symbols_are_the_task_tree(server: LspClient, main_uri: str) -> None:
    symbols = server.request("textDocument/documentSymbol", {"textDocument": {"uri": main_uri}})
    assert [s["name"] for s in symbols] == ["+extract", "+fanout", "+sub", "+needs", "+conf"]
    extract, fanout = symbols[0], symbols[1]
    assert extract["detail"] == "td>" and extract["kind"] == 12  # Function
    assert fanout["detail"] == "group" and fanout["kind"] == 3  # Namespace
    assert [c["name"] for c in fanout["children"]] == ["+a", "+b"]
    assert fanout["range"]["start"] == at(7, 0) and fanout["range"]["end"]["line"] == 13
    assert fanout["selectionRange"] == {"start": at(7, 0), "end": at(7, 7)}


# ---------------------------------------------------------------------------------- rename


def _rename(server: LspClient, uri: str, line: int, char: int, new: str) -> Any:
    return server.request(
        "textDocument/rename",
        {"textDocument": {"uri": uri}, "position": at(line, char), "newName": new},
    )


def _edits_by_uri(edit: dict[str, Any]) -> tuple[dict[str, list[Any]], list[Any]]:
    texts: dict[str, list[Any]] = {}
    renames = []
    for change in edit["documentChanges"]:
        if change.get("kind") == "rename":
            renames.append(change)
        else:
            texts.setdefault(change["textDocument"]["uri"], []).extend(change["edits"])
    return texts, renames


def test_rename_a_task_updates_after_references(server: LspClient, main_uri: str) -> None:
    prepared = server.request(
        "textDocument/prepareRename", {"textDocument": {"uri": main_uri}, "position": at(9, 3)}
    )
    assert prepared == {"range": {"start": at(9, 3), "end": at(9, 4)}, "placeholder": "a"}
    edit = _rename(server, main_uri, 9, 3, "first")
    texts, renames = _edits_by_uri(edit)
    assert renames == [] and list(texts) == [main_uri]
    new = apply_edits(MAIN, texts[main_uri])
    assert new == MAIN.replace("  +a:\n", "  +first:\n").replace("[+a]", "[+first]")
    # Minimal: one edit per changed name, covering only the name.
    assert sorted(e["newText"] for e in texts[main_uri]) == ["first", "first"]
    # From the _after reference, the same rename.
    again = _edits_by_uri(_rename(server, main_uri, 12, 15, "+first"))[0]
    assert apply_edits(MAIN, again[main_uri]) == new


def test_rename_a_task_onto_a_sibling_is_refused(server: LspClient, main_uri: str) -> None:
    with pytest.raises(LspError) as failure:
        _rename(server, main_uri, 9, 3, "b")
    assert failure.value.code == -32803
    assert "a sibling task +b already exists" in failure.value.message
    with pytest.raises(LspError, match="not a valid task name"):
        _rename(server, main_uri, 9, 3, "a b")


def test_rename_a_workflow_renames_the_file_and_every_reference(
    server: LspClient, main_uri: str, project: Path
) -> None:
    prepared = server.request(
        "textDocument/prepareRename",
        {"textDocument": {"uri": main_uri}, "position": at(17, 14)},
    )
    assert prepared["placeholder"] == "daily_load"
    assert prepared["range"] == {"start": at(17, 12), "end": at(17, 22)}
    edit = _rename(server, main_uri, 17, 14, "nightly_load")
    texts, renames = _edits_by_uri(edit)
    daily = (project / "daily_load.dig").as_uri()
    assert renames == [
        {"kind": "rename", "oldUri": daily, "newUri": (project / "nightly_load.dig").as_uri()}
    ]
    other = (project / "other.dig").as_uri()
    assert set(texts) == {main_uri, other}
    assert apply_edits(MAIN, texts[main_uri]) == MAIN.replace(
        "require>: daily_load", "require>: nightly_load"
    )
    assert apply_edits((project / "other.dig").read_text(), texts[other]) == (
        "+y:\n  require>: nightly_load\n"
    )
    # Nothing is written by the server: the editor applies the edit.
    assert (project / "daily_load.dig").exists()


def test_rename_a_called_file_from_its_call(
    server: LspClient, main_uri: str, project: Path
) -> None:
    edit = _rename(server, main_uri, 15, 14, "kid")
    texts, renames = _edits_by_uri(edit)
    assert renames[0]["newUri"] == (project / "sub" / "kid.dig").as_uri()
    assert apply_edits(MAIN, texts[main_uri]) == MAIN.replace("sub/child.dig", "sub/kid.dig")


def test_will_rename_files_updates_references(
    server: LspClient, main_uri: str, project: Path
) -> None:
    edit = server.request(
        "workspace/willRenameFiles",
        {
            "files": [
                {
                    "oldUri": (project / "daily_load.dig").as_uri(),
                    "newUri": (project / "load.dig").as_uri(),
                }
            ]
        },
    )
    texts, renames = _edits_by_uri(edit)
    assert renames == []  # the editor moves the file itself
    other = project / "other.dig"
    assert apply_edits(other.read_text(), texts[other.as_uri()]) == "+y:\n  require>: load\n"


def test_unsaved_editor_text_is_what_gets_renamed(server: LspClient, project: Path) -> None:
    path = project / "draft.dig"
    path.write_text("+old:\n  sh>: a\n")
    uri = server.open(path, "+old:\n  sh>: a\n+later:\n  sh>: b\n")
    server.diagnostics(uri)
    texts, _ = _edits_by_uri(_rename(server, uri, 0, 2, "new"))
    assert apply_edits("+old:\n  sh>: a\n+later:\n  sh>: b\n", texts[uri]) == (
        "+new:\n  sh>: a\n+later:\n  sh>: b\n"
    )


# ------------------------------------------------------------------------------------- CLI


def test_lsp_command_without_pygls_is_a_clear_usage_error() -> None:
    code = (
        "import sys; sys.modules['pygls'] = None\n"
        "from digrefactor.cli import main\n"
        "raise SystemExit(main(['lsp']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "pip install 'digrefactor[lsp]'" in done.stderr
