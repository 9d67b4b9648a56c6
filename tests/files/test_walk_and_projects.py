"""``digrefactor.files``: the one walk, project discovery, project files; ``discover_projects``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.tree import write_tree

from digrefactor import DigError, discover_projects, load_project
from digrefactor.files import (
    find_project_dirs,
    project_file_paths,
    read_files,
    walk,
    workflow_file_names,
)

WF = "+a:\n  sh>: echo a\n"


def test_walk_is_sorted_depth_first_and_skips_dot_names(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"b.txt": "", "a/z.dig": "", "a/y/x.sql": "", ".git/config": "", "a/.env": ""}
    )
    assert [(e.rel, e.kind) for e in walk(tmp_path)] == [
        ("a", "dir"),
        ("a/y", "dir"),
        ("a/y/x.sql", "file"),
        ("a/z.dig", "file"),
        ("b.txt", "file"),
    ]


def test_walk_prunes_what_the_caller_says(tmp_path: Path) -> None:
    write_tree(tmp_path, {"keep/a.dig": "", "skip/b.dig": "", "c.tmp": ""})
    rels = [e.rel for e in walk(tmp_path, prune=lambda e: e.name in ("skip", "c.tmp"))]
    assert rels == ["keep", "keep/a.dig"]


def test_walk_does_not_follow_directory_links_unless_asked(tmp_path: Path) -> None:
    write_tree(tmp_path, {"real/a.dig": ""})
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "file.dig").symlink_to(tmp_path / "real" / "a.dig")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    entries = {e.rel: (e.kind, e.is_link) for e in walk(tmp_path)}
    assert entries == {
        "dangling": ("broken", True),
        "file.dig": ("file", True),
        "loop": ("dir", True),
        "real": ("dir", False),
        "real/a.dig": ("file", False),
    }
    followed = [e.rel for e in walk(tmp_path / "real", follow_links=True)]
    assert followed == ["a.dig"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_special_files_are_seen_but_never_project_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.dig": WF})
    os.mkfifo(tmp_path / "pipe.sql")
    assert {e.rel: e.kind for e in walk(tmp_path)}["pipe.sql"] == "special"
    assert project_file_paths(tmp_path) == ["a.dig"]


def test_a_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    # Deeper than Python's recursion limit (1000); made one level at a time (pathlib's own
    # mkdir(parents=True) recurses).
    deep = tmp_path
    for _ in range(1100):
        deep = deep / "d"
        os.mkdir(deep)
    try:
        (deep / "x.dig").write_text(WF)
        assert sum(1 for _ in walk(tmp_path)) == 1101
    finally:
        # shutil.rmtree (pytest's clean-up) recurses too: take the tree down level by level.
        (deep / "x.dig").unlink(missing_ok=True)
        while deep != tmp_path:
            os.rmdir(deep)
            deep = deep.parent


def test_project_files_honour_digdagignore_and_exclusions(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.dig": WF,
            "queries/a.sql": "select 1",
            "build/out.txt": "",
            "secret.key": "",
            "team/sub.dig": WF,
            ".digdagignore": "build/\n*.key\n",
        },
    )
    assert project_file_paths(tmp_path) == ["main.dig", "queries/a.sql", "team/sub.dig"]
    assert project_file_paths(tmp_path, exclude_dirs=["team"]) == ["main.dig", "queries/a.sql"]


def test_workflow_file_names_are_the_kept_top_level_dig_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.dig": WF, "b.dig": WF, "sub/c.dig": WF, ".digdagignore": "b.dig\n"})
    (tmp_path / "dir.dig").mkdir()
    assert workflow_file_names(tmp_path) == ["a.dig"]


def test_find_project_dirs(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "README.md": "",
            "team/etl/load.dig": WF,
            "team/etl/queries/q.sql": "",
            "team/reports/daily.dig": WF,
            "team/reports/old/legacy.dig": WF,
            "team/reports/.digdagignore": "old/\n",
            "node_modules/pkg/x.dig": WF,
            ".venv/lib/y.dig": WF,
            "only_ignored/z.dig": WF,
            "only_ignored/.digdagignore": "*.dig\n",
        },
    )
    assert find_project_dirs(tmp_path) == [tmp_path / "team/etl", tmp_path / "team/reports"]
    assert find_project_dirs(tmp_path / "team/etl") == [tmp_path / "team/etl"]


def test_nested_directories_are_part_of_the_project_that_uses_them(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.dig": "_export:\n  !include : config/params.dig\n+go:\n  call>: common/step\n",
            "config/params.dig": "td:\n  database: x\n",
            "common/step.dig": "+s:\n  td>: ../sql/q.sql\n",
            "sql/q.sql": "select 1",
            "sql/unused.dig": WF,
            "tools/q.dig": WF,
            "reports/daily.dig": "+r:\n  td>: queries/r.sql\n",
            "reports/queries/r.sql": "select 2",
        },
    )
    found = discover_projects(tmp_path)
    # config/ (an include), common/ (a call>) and sql/ (named by common/step.dig) belong to the
    # top project; reports/ and tools/ are projects of their own.
    assert [(p.root, p.nested) for p in found] == [
        (tmp_path, ("reports", "tools")),
        (tmp_path / "reports", ()),
        (tmp_path / "tools", ()),
    ]
    top = found[0]
    assert top.name == tmp_path.name
    assert top.file_paths() == [
        "common/step.dig",
        "config/params.dig",
        "main.dig",
        "sql/q.sql",
        "sql/unused.dig",
    ]
    project = load_project(top.root, exclude_dirs=top.nested)
    assert [w.name for w in project.workflows] == ["main"]
    assert sorted(project.files) == [
        "common/step.dig",
        "config/params.dig",
        "sql/q.sql",
        "sql/unused.dig",
    ]


def test_a_directory_without_workflows_is_not_a_project(tmp_path: Path) -> None:
    write_tree(tmp_path, {"team/etl/a.dig": WF, "team/reports/b.dig": WF})
    with pytest.raises(DigError) as info:
        load_project(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{tmp_path}: not a Digdag project (no top-level .dig files)")
    assert f"projects below it: {tmp_path / 'team/etl'}, {tmp_path / 'team/reports'}" in message
    empty = tmp_path / "docs"
    empty.mkdir()
    with pytest.raises(DigError, match=r"no Digdag project .* at or below it"):
        load_project(empty)


def test_read_files_keeps_modes(tmp_path: Path) -> None:
    write_tree(tmp_path, {"run.sh": "#!/bin/sh\n", "q.sql": "select 1"})
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "q.sql").chmod(0o640)
    files = read_files(tmp_path)
    assert {rel: (f.data, f.mode) for rel, f in files.items()} == {
        "q.sql": (b"select 1", 0o640),
        "run.sh": (b"#!/bin/sh\n", 0o755),
    }
    with pytest.raises(FileNotFoundError):
        read_files(tmp_path / "missing")
