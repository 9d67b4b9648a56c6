"""The hand-written corpus covers every construct the models have to handle.

Each test fails when a construct disappears from ``corpus/``: every built-in operator (as its
own class) and a plugin operator, every directive and its value shapes, every schedule kind and
modifier, both SLA forms, every place an ``!include`` can stand, anchors/aliases/merge keys and
YAML typing traps. Every file must load, and Digdag must accept it and see the same data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from corpus_walk import (
    CORPUS_DIR,
    corpus_tasks,
    data,
    dig_files,
    load,
    mappings,
    scalars,
    source_nodes,
    workflow_files,
)

from digrefactor import (
    OPERATORS,
    SCHEDULE_KINDS,
    GroupTask,
    Include,
    OperatorTask,
    ScheduleCron,
    ScheduleDaily,
    ScheduleHourly,
    ScheduleMinutesInterval,
    ScheduleMonthly,
    ScheduleWeekly,
    digdag_definition,
    load_workflow,
)
from digrefactor.syntax import AliasNode, MappingNode, ScalarNode, SequenceNode

DIRECTIVES = (
    "_parallel",
    "_background",
    "_after",
    "_retry",
    "_error",
    "_check",
    "_export",
    "_secrets",
    "_env",
    "_disable",
    "_do",
    "_else_do",
    "_type",
    "_command",
)
SCHEDULE_MODIFIERS = ("skip_on_overtime", "skip_delayed_by", "start", "end")
RETRY_KEYS = {"limit", "interval", "interval_type", "max_interval"}
SCHEDULE_CLASS = {
    "hourly": ScheduleHourly,
    "daily": ScheduleDaily,
    "weekly": ScheduleWeekly,
    "monthly": ScheduleMonthly,
    "minutes_interval": ScheduleMinutesInterval,
    "cron": ScheduleCron,
}


def all_mappings() -> Iterator[dict[str, Any]]:
    for path in workflow_files():
        yield from mappings(data(path))


def values_of(key: str) -> list[Any]:
    return [m[key] for m in all_mappings() if key in m]


def test_corpus_has_workflows_and_included_files() -> None:
    assert len(workflow_files()) >= 6
    assert set(dig_files()) - set(workflow_files()), "no .dig file outside the top directory"
    assert list(CORPUS_DIR.rglob("*.sql")) and list(CORPUS_DIR.rglob("*.yml"))


@pytest.mark.parametrize("path", dig_files(), ids=lambda p: str(p.relative_to(CORPUS_DIR)))
def test_every_file_loads(path: Path) -> None:
    workflow = load_workflow(path)
    assert workflow.name == path.name.removesuffix(".dig")
    assert workflow.tasks


# ----------------------------------------------------------------------------- operators


def test_every_builtin_operator_loads_as_its_class() -> None:
    seen = {type(task) for _, _, task in corpus_tasks()}
    missing = sorted(name for name, cls in OPERATORS.items() if cls not in seen)
    assert not missing, f"operators absent from the corpus: {missing}"


def test_a_plugin_operator_loads_as_the_generic_operator_task() -> None:
    plugins = [
        task.operator
        for _, _, task in corpus_tasks()
        if type(task) is OperatorTask and task.operator not in OPERATORS
    ]
    assert plugins, "no plugin operator (e.g. slack>) in the corpus"


def test_long_form_operator() -> None:
    assert any("_type" in m and "_command" in m for m in all_mappings())
    long_forms = [t for _, _, t in corpus_tasks() if isinstance(t, OperatorTask) and t.long_form]
    assert long_forms
    assert all(type(t) is OPERATORS[t.operator] and t.command for t in long_forms)


# ----------------------------------------------------------------------------- directives


@pytest.mark.parametrize("directive", DIRECTIVES)
def test_every_directive_is_used(directive: str) -> None:
    assert values_of(directive), f"{directive} absent from the corpus"


def test_parallel_as_bool_and_as_limit() -> None:
    shapes = values_of("_parallel")
    assert True in shapes
    assert any(isinstance(v, dict) and set(v) == {"limit"} for v in shapes)


def test_retry_as_int_and_as_object_with_every_key() -> None:
    shapes = values_of("_retry")
    assert any(type(v) is int for v in shapes)
    assert any(isinstance(v, dict) and set(v) == RETRY_KEYS for v in shapes)


def test_workflow_level_directives() -> None:
    top_level = set().union(*(data(p).keys() for p in workflow_files()))
    assert {"_parallel", "_retry", "_error", "_check", "_export"} <= top_level


def test_directives_on_tasks_and_groups() -> None:
    tasks = [t for _, _, t in corpus_tasks()]
    groups = [t for t in tasks if isinstance(t, GroupTask)]
    operators = [t for t in tasks if isinstance(t, OperatorTask)]
    for attr in ("error", "check", "retry"):
        assert any(getattr(t, attr) is not None for t in operators), f"no operator task {attr}"
    for attr in ("parallel", "error", "secrets"):
        assert any(getattr(t, attr) is not None for t in groups), f"no group {attr}"
    assert any(t.background for t in tasks)
    assert any(t.after for t in tasks)
    assert any(t.disable for t in tasks)


def test_loop_operators_carry_parallel() -> None:
    loops = {"loop", "for_each", "for_range", "td_for_each"}
    with_parallel = {
        t.operator
        for _, _, t in corpus_tasks()
        if isinstance(t, OperatorTask) and t.operator in loops and t.parallel is not None
    }
    assert with_parallel == loops


# ----------------------------------------------------------------------------- schedules, SLA


def test_every_schedule_kind_once_per_workflow_file() -> None:
    schedules = [load(p).schedule for p in workflow_files()]
    kinds = [s.kind for s in schedules if s is not None]
    assert sorted(kinds) == sorted(SCHEDULE_CLASS)
    assert set(SCHEDULE_CLASS) <= set(SCHEDULE_KINDS)
    for schedule in schedules:
        if schedule is not None:
            assert type(schedule) is SCHEDULE_CLASS[str(schedule.kind)]


def test_every_schedule_modifier() -> None:
    used = {k for p in workflow_files() for k in data(p).get("schedule", {})}
    assert set(SCHEDULE_MODIFIERS) <= used


def test_sla_time_and_duration_with_alert_fail_and_a_task() -> None:
    slas = [load(p).sla for p in workflow_files()]
    slas = [s for s in slas if s is not None]
    assert any(s.time is not None for s in slas)
    assert any(s.duration is not None for s in slas)
    assert any(s.alert is True for s in slas) and any(s.alert is False for s in slas)
    assert any(s.fail is True for s in slas) and any(s.fail is False for s in slas)
    assert all(any(k.startswith("+") for k in s.params) for s in slas)


# ----------------------------------------------------------------------------- includes


def includes_in(value: Any) -> Iterator[Include]:
    if isinstance(value, Include):
        yield value
        yield from includes_in(value.data)
    elif isinstance(value, dict):
        for v in value.values():
            yield from includes_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from includes_in(v)


def test_include_at_top_level() -> None:
    assert any(isinstance(t, Include) for p in workflow_files() for t in load(p).tasks)


def test_include_inside_a_task() -> None:
    groups = [t for p in workflow_files() for t in load(p).tasks if isinstance(t, GroupTask)]
    assert any(isinstance(child, Include) for g in groups for child in g.tasks)


def test_include_inside_export() -> None:
    exports = [load(p).export for p in workflow_files()]
    assert any(any(isinstance(v, Include) for v in (e or {}).values()) for e in exports)


def test_nested_include() -> None:
    raws = [load(p).to_raw() for p in workflow_files()]
    nested = [
        inner for raw in raws for outer in includes_in(raw) for inner in includes_in(outer.data)
    ]
    assert nested


# ----------------------------------------------------------------------------- YAML


def test_anchors_aliases_and_merge_keys() -> None:
    nodes = [n for p in dig_files() for n in source_nodes(p)]
    assert any(n.anchor for n in nodes)
    assert any(isinstance(n, AliasNode) for n in nodes)
    merge_keys = [
        k
        for n in nodes
        if isinstance(n, MappingNode)
        for k, v in n.pairs
        if isinstance(k, ScalarNode) and k.style == "" and k.value == "<<"
    ]
    assert merge_keys


@pytest.mark.parametrize(
    ("written", "loaded"),
    [("0755", 493), ("0.5", "0.5"), ("yes", "yes"), ("07:00:00", "07:00:00")],
)
def test_typing_trap_written_plain(written: str, loaded: Any) -> None:
    plain = [
        n
        for p in dig_files()
        for n in source_nodes(p)
        if isinstance(n, ScalarNode) and n.style == "" and n.value == written
    ]
    assert plain, f"no plain {written} in the corpus"
    values = [v for p in workflow_files() for v in scalars(data(p))]
    assert any(type(v) is type(loaded) and v == loaded for v in values)


def test_quoted_numbers_stay_strings() -> None:
    quoted = {
        n.value
        for p in dig_files()
        for n in source_nodes(p)
        if isinstance(n, ScalarNode) and n.style in ("'", '"') and re.fullmatch(r"\d+", n.value)
    }
    assert quoted
    values = {v for p in workflow_files() for v in scalars(data(p)) if isinstance(v, str)}
    assert quoted <= values


def test_flow_collections_and_block_scalars() -> None:
    nodes = [n for p in dig_files() for n in source_nodes(p)]
    assert any(isinstance(n, MappingNode) and n.flow for n in nodes)
    assert any(isinstance(n, SequenceNode) and n.flow for n in nodes)
    assert {"|", ">"} <= {n.style for n in nodes if isinstance(n, ScalarNode)}


# ----------------------------------------------------------------------------- Digdag


@pytest.mark.digdag
def test_digdag_accepts_every_file_and_sees_our_data(digdag_oracle: Any) -> None:
    from support.digdag import definition_difference

    verdicts = digdag_oracle.judge(dig_files())
    for path in dig_files():
        verdict = verdicts[path.absolute()]
        assert verdict.ok, f"Digdag rejects {path} ({verdict.stage}): {verdict.error}"
        ours = digdag_definition(load_workflow(path))
        diff = definition_difference(verdict.definition, ours)
        assert diff is None, f"{path}: {diff}"
