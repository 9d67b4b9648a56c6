"""Walking tasks with full names, selecting them, and dotted parameter edits."""

from __future__ import annotations

from digrefactor.models import GroupTask, OperatorTask, ShTask
from digrefactor.parse import load_workflow, to_data
from digrefactor.transforms import (
    TaskSelector,
    get_dotted,
    iter_task_refs,
    name_matches,
    remove_dotted,
    rename_dotted,
    select_tasks,
    set_dotted,
    short_name,
)

WF = """\
_error:
  sh>: alert.sh
+extract:
  td>: extract.sql
  database: raw
  priority: 1
+load:
  _parallel: true
  +to_pg:
    pg>: load.sql
    docker:
      image: postgres:15
  +to_bq:
    bq>: load.sql
    priority: '1'
  _error:
    sh>: cleanup.sh
+each:
  for_each>:
    region: [us, eu]
  _do:
    +inner:
      td>: per_region.sql
"""


def load():  # type: ignore[no-untyped-def]
    return load_workflow(WF, name="wf")


def test_full_names_in_file_order() -> None:
    names = [ref.full_name for ref in iter_task_refs(load())]
    assert names == [
        "+wf^error",
        "+wf+extract",
        "+wf+load",
        "+wf+load^error",
        "+wf+load+to_pg",
        "+wf+load+to_bq",
        "+wf+each",
        "+wf+each^sub",
        "+wf+each^sub+inner",
    ]


def test_short_names_and_globs() -> None:
    assert short_name("+wf+load+to_pg") == "+to_pg"
    assert short_name("+wf+load^error") == "^error"
    assert name_matches("+wf+load+to_pg", "+wf+load+*")
    assert name_matches("+wf+load+to_pg", "to_*")
    assert name_matches("+wf+load+to_pg", "+to_pg")
    assert not name_matches("+wf+load+to_pg", "load")
    assert not name_matches("+wf+extract", "to_*")


def _names(selector: TaskSelector) -> list[str]:
    return [ref.full_name for ref in select_tasks(load(), selector)]


def test_select_by_operator_with_or_without_gt() -> None:
    assert _names(TaskSelector(operators=("td",))) == ["+wf+extract", "+wf+each^sub+inner"]
    assert _names(TaskSelector(operators=("td>", "pg>"))) == [
        "+wf+extract",
        "+wf+load+to_pg",
        "+wf+each^sub+inner",
    ]


def test_select_by_name_and_params() -> None:
    assert _names(TaskSelector(names=("+wf+load*",))) == [
        "+wf+load",
        "+wf+load^error",
        "+wf+load+to_pg",
        "+wf+load+to_bq",
    ]
    assert _names(TaskSelector(has_params=("docker.image",))) == ["+wf+load+to_pg"]
    assert _names(TaskSelector(has_params=("docker.missing",))) == []
    # type-exact: 1 is not '1'
    assert _names(TaskSelector(where=(("priority", 1),))) == ["+wf+extract"]
    assert _names(TaskSelector(where=(("priority", "1"),))) == ["+wf+load+to_bq"]
    assert _names(TaskSelector(where=(("_parallel", True),))) == ["+wf+load"]
    assert _names(TaskSelector(kinds=("group",), names=("*load*",))) == ["+wf+load"]


def test_replace_keeps_place_and_walk_follows_new_task() -> None:
    wf = load()
    for ref in iter_task_refs(wf):
        if ref.full_name == "+wf+load+to_pg":
            assert isinstance(ref.task, OperatorTask)
            new = ShTask.from_raw({"sh>": "load.sh"})
            ref.replace(new)
    group = wf.tasks[1]
    assert isinstance(group, GroupTask)
    assert isinstance(group.tasks[0], ShTask)
    data = to_data(wf)
    assert list(data["+load"]) == ["_parallel", "+to_pg", "+to_bq", "_error"]
    assert data["+load"]["+to_pg"] == {"sh>": "load.sh"}


def test_dotted_edits_never_mutate_loaded_values() -> None:
    wf = load()
    task = next(r.task for r in iter_task_refs(wf) if r.full_name == "+wf+load+to_pg")
    original = task.get_param("docker")
    snapshot = dict(original)
    assert set_dotted(task, "docker.image", "postgres:16")
    assert original == snapshot  # the loaded mapping object was not edited in place
    assert get_dotted(task, "docker.image") == "postgres:16"
    assert not set_dotted(task, "docker.image", "postgres:16")  # no change the second time
    assert set_dotted(task, "docker.pull.always", True)
    assert get_dotted(task, "docker") == {"image": "postgres:16", "pull": {"always": True}}
    assert rename_dotted(task, "docker.image", "docker.img")
    assert list(get_dotted(task, "docker")) == ["img", "pull"]
    assert remove_dotted(task, "docker.pull.always")
    assert get_dotted(task, "docker") == {"img": "postgres:16"}
    assert remove_dotted(task, "docker.img")
    assert get_dotted(task, "docker") is None
    assert not remove_dotted(task, "docker.img")


def test_values_use_digdag_typing() -> None:
    from digrefactor.transforms import PassUsageError, parse_value

    assert parse_value("3") == 3 and type(parse_value("3")) is int
    assert parse_value("'3'") == "3"
    assert parse_value('"3"') == "3"
    assert parse_value("true") is True
    assert parse_value("yes") == "yes"  # not a boolean for Digdag
    assert parse_value("0.5") == "0.5"  # floats may not start with 0
    assert parse_value(".5") == 0.5
    assert parse_value("07:00:00") == "07:00:00"
    assert parse_value("0755") == 493
    assert parse_value("") is None
    assert parse_value("[a, 1]") == ["a", 1]
    assert parse_value("{k: v}") == {"k": "v"}
    assert parse_value("python:3.11") == "python:3.11"
    try:
        parse_value("[unclosed")
    except PassUsageError as exc:
        assert "not valid YAML" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("bad YAML accepted")
