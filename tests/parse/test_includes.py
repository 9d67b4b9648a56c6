"""``!include`` (spec §1.8): explicit nodes in models, Digdag's merge rules in the data tree."""

from __future__ import annotations

from pathlib import Path

from digrefactor import GroupTask, Include, export_workflow, load_project, load_workflow, to_data


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def test_include_inside_task_is_an_explicit_node(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "wf.dig": "+basic:\n  !include : tasks/basic.dig\n",
            "tasks/basic.dig": "+a:\n  sh>: echo a\n",
        },
    )
    wf = load_workflow(tmp_path / "wf.dig")
    group = wf.tasks[0]
    assert isinstance(group, GroupTask)
    assert group.tasks == [Include("tasks/basic.dig")]
    assert to_data(wf) == {"+basic": {"+a": {"sh>": "echo a"}}}
    # Written back as an include, not expanded.
    assert "!include : tasks/basic.dig" in export_workflow(wf)


def test_keys_before_an_include_deep_merge_and_keys_after_replace(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "wf.dig": (
                "_export:\n  nested: {a: 1, b: 1}\n  !include : params.yml\n  after: {x: 1}\n"
            ),
            "params.yml": "nested: {b: 2, c: 2}\nafter: {y: 2}\nnew: 3\n",
        },
    )
    data = to_data(load_workflow(tmp_path / "wf.dig"))
    assert data["_export"] == {"nested": {"a": 1, "b": 2, "c": 2}, "after": {"x": 1}, "new": 3}
    assert list(data["_export"]) == ["nested", "after", "new"]


def test_nested_includes_resolve_relative_to_their_own_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "wf.dig": "!include : conf/top.dig\n+t:\n  sh>: x\n",
            "conf/top.dig": "!include : more/inner.yml\ntimezone: Asia/Tokyo\n",
            "conf/more/inner.yml": "_export:\n  k: v\n",
        },
    )
    data = to_data(load_workflow(tmp_path / "wf.dig"))
    assert data == {"_export": {"k": "v"}, "timezone": "Asia/Tokyo", "+t": {"sh>": "x"}}


def test_include_added_in_code_expands_relative_to_the_workflow(tmp_path: Path) -> None:
    write(tmp_path, {"wf.dig": "+t:\n  sh>: x\n", "more.dig": "+u:\n  sh>: y\n"})
    wf = load_workflow(tmp_path / "wf.dig")
    wf.tasks.append(Include("more.dig"))
    assert to_data(wf) == {"+t": {"sh>": "x"}, "+u": {"sh>": "y"}}


def test_load_project_skips_dot_files_and_digdagignore(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.dig": "+t:\n  sh>: x\n",
            "b.dig": "+t:\n  sh>: y\n",
            ".hidden.dig": "+t:\n  sh>: z\n",
            "scratch.dig": "this: [is not valid\n",
            ".digdagignore": "scratch.dig\n",
            "queries/q.sql": "select 1",
            "sub/c.dig": "+t:\n  sh>: called\n",
        },
    )
    project = load_project(tmp_path, name="demo")
    assert [w.name for w in project.workflows] == ["a", "b"]
    assert set(project.files) == {"queries/q.sql", "sub/c.dig", ".digdagignore"} - {".digdagignore"}
    assert project.files["queries/q.sql"] == b"select 1"


def test_a_key_shaped_like_an_internal_include_key_is_just_a_key() -> None:
    from digrefactor import ShTask, Workflow, export_workflow

    key = "\x00!include\x00"  # what an include entry's key looks like inside a raw tree
    wf = Workflow(name="w", tasks=[ShTask(name="t", command="x", params={key: None, "a": 1})])
    loaded = load_workflow(export_workflow(wf), name="w")
    assert to_data(loaded) == to_data(wf)
    assert loaded.tasks[0].params == {key: None, "a": 1}


def test_check_workflow_applies_digdags_rules_to_models_built_in_code() -> None:
    import pytest

    from digrefactor import DigValidationError, ScheduleDaily, ShTask, Workflow, check_workflow

    check_workflow(Workflow(name="ok", tasks=[ShTask(name="t", command="x")]))
    bad = [
        (Workflow(name="1w"), "numeric digit"),
        (Workflow(name="w", tasks=[ShTask(name="bad name", command="x")]), "character ' '"),
        (Workflow(name="w", timezone="Mars/X"), "unknown timezone"),
        (Workflow(name="w", schedule=ScheduleDaily("7am")), "hh:mm:ss"),
    ]
    for wf, fragment in bad:
        with pytest.raises(DigValidationError, match=fragment):
            check_workflow(wf)


def test_export_refuses_text_that_would_not_read_back() -> None:
    import pytest

    from digrefactor import DigWriteError, Workflow, export_workflow

    # libyaml cannot read a simple key longer than 1024 characters.
    with pytest.raises(DigWriteError, match="would not parse"):
        export_workflow(Workflow(name="w", export={"k" * 1100: 1}))


def test_a_non_utf8_digdagignore_does_not_stop_loading(tmp_path: Path) -> None:
    (tmp_path / "a.dig").write_text("+t:\n  sh>: x\n")
    (tmp_path / "b.dig").write_text("+t:\n  sh>: y\n")
    (tmp_path / ".digdagignore").write_bytes(b"# caf\xe9\nb.dig\n")
    assert [w.name for w in load_project(tmp_path).workflows] == ["a"]
