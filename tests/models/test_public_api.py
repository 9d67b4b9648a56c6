"""``digrefactor.__all__`` is the complete public API (in the spirit of httpx's export test).

Everything a user needs is importable from ``digrefactor`` itself: every public name of the
package namespace is in ``__all__``, every name in ``__all__`` exists, and the user-facing names
of each room's ``__init__`` are re-exported. Room names that are building blocks of other rooms
are listed in INTERNAL with the reason; the client is its own namespace (``digrefactor.client``)
because its REST models (``Task``, ``Schedule``, ``Workflow``) share names with the workflow models.
"""

from __future__ import annotations

import importlib
import types

import pytest

import digrefactor

#: Dunder names that are public API.
PUBLIC_DUNDERS = {"__version__"}

#: Room → names of its ``__all__`` that users do not need from the top level, and why.
INTERNAL: dict[str, dict[str, str]] = {
    "parse": {
        "SourceLink": "what a loaded workflow remembers of its file; read by the writer",
        "file_digest": "content digest behind the lost-update check of every write",
        "find_node": "source-node lookup used by error locations and the writer",
        "normalize_definition": "the step behind digdag_definition()",
        "projects_below_message": "the wording of 'not a project' errors, shared by commands",
        "text_locator": "lazy key path -> line/column lookup for the write-time re-check",
    },
    "export": {
        "double_quoted": "emitter building block, used by the writer",
        "literal_block": "emitter building block, used by the writer",
        "literal_ok": "emitter building block, used by the writer",
        "mapping_lines": "emitter building block, used by the writer",
        "plain_ok": "emitter building block, used by the writer",
        "quoted": "emitter building block, used by the writer",
        "render_block": "emitter building block, used for project include files",
        "render_key": "emitter building block, used by the writer",
        "render_scalar": "emitter building block, used by the writer",
        "sequence_lines": "emitter building block, used by the writer",
    },
    "write": {
        "check_unchanged": "the lost-update check inside atomic_write(), for the runner's renames",
        "encode_text": "UTF-8 with a located error for lone surrogates; used before every write",
        "read_regular": "reads a write target without ever opening a FIFO or device",
        "included_files": "the include files a project writes; the converter's building block",
        "rewrite_text": "the text-level step behind write_workflow()",
        "verify_text": "the re-read check behind write_workflow()",
        "verify_workflow_file": "the write-time check behind save_workflow() and codemods",
    },
}

ROOMS = ["models", "parse", "export", "write"]


def test_every_name_in_all_exists() -> None:
    missing = [name for name in digrefactor.__all__ if not hasattr(digrefactor, name)]
    assert not missing


def test_all_has_no_duplicates() -> None:
    assert len(digrefactor.__all__) == len(set(digrefactor.__all__))


def test_every_public_name_of_the_package_is_in_all() -> None:
    public = {
        name
        for name, value in vars(digrefactor).items()
        if (not name.startswith("_") or name in PUBLIC_DUNDERS)
        and not isinstance(value, types.ModuleType)
    }
    # Names loaded on first use (client, converter) may not be in the namespace yet.
    lazy = set(digrefactor._LAZY)
    assert public - lazy == set(digrefactor.__all__) - lazy
    assert lazy <= set(digrefactor.__all__)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from digrefactor import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(digrefactor.__all__)


@pytest.mark.parametrize("room", ROOMS)
def test_user_facing_names_of_each_room_are_reexported(room: str) -> None:
    module = importlib.import_module(f"digrefactor.{room}")
    internal = INTERNAL.get(room, {})
    assert set(internal) <= set(module.__all__), "INTERNAL lists names the room no longer has"
    needed = set(module.__all__) - set(internal)
    missing = sorted(needed - set(digrefactor.__all__))
    assert not missing, f"digrefactor.{room} names missing from digrefactor.__all__: {missing}"
    for name in needed:
        assert getattr(digrefactor, name) is getattr(module, name)


def test_every_error_class_is_reexported() -> None:
    from digrefactor import _errors

    errors = {
        name
        for name, value in vars(_errors).items()
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    assert errors and errors <= set(digrefactor.__all__)


def test_client_is_its_own_namespace() -> None:
    client = importlib.import_module("digrefactor.client")
    assert all(hasattr(client, name) for name in client.__all__)
    assert "DigdagClient" in client.__all__
    # The REST models' names are the workflow models' at the top level.
    assert digrefactor.Task is not client.Task


#: Rooms that are namespaces of their own (``digrefactor.transforms`` holds every pass and
#: helper); only their everyday names are also at the top level.
TOP_LEVEL_SUBSETS = {
    "transforms": {
        "Changed",
        "Failed",
        "FileResult",
        "PassContext",
        "Skipped",
        "TaskRef",
        "Unchanged",
        "apply_pass",
        "iter_task_refs",
        "run_files",
        "select_tasks",
    },
    "convert": {"check_dig_files", "load_python", "to_python", "write_dig_files"},
    "files": {"ProjectFile"},
    "client": {"DigdagClient"},
}


@pytest.mark.parametrize("room", sorted(TOP_LEVEL_SUBSETS))
def test_everyday_names_of_namespace_rooms_are_at_the_top(room: str) -> None:
    module = importlib.import_module(f"digrefactor.{room}")
    for name in TOP_LEVEL_SUBSETS[room]:
        assert name in module.__all__
        assert name in digrefactor.__all__
        assert getattr(digrefactor, name) is getattr(module, name)
