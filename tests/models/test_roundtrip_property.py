"""Property: exporting any workflow built from the models and loading it back gives its data.

``to_data(load_workflow(export_workflow(w))) == to_data(w)``, compared type-exactly (JSON text
with key order: ``1``, ``1.0``, ``True`` and ``"1"`` all differ), for random task trees of groups
and operator classes, random directive values and random scalars full of YAML typing traps.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digrefactor import (
    SLA,
    EchoTask,
    ForEachTask,
    GroupTask,
    HttpTask,
    IfTask,
    IntervalRetryCondition,
    LoopTask,
    MailTask,
    OperatorTask,
    ParallelLimit,
    PyTask,
    Schedule,
    ShTask,
    SimpleRetryCondition,
    Task,
    TdTableExportTask,
    TdTask,
    Workflow,
    export_workflow,
    load_workflow,
    to_data,
)

# Strings that a naive YAML writer gets wrong under Digdag's typing (spec §1.2) or YAML syntax.
TRAPS = [
    *["0.5", "+0.5", "0.0", ".5", "-.5", "1e3", "1.", "0755", "08", "0o17", "0x1F", "0b101"],
    *["1_000", "+5", "-0", ".inf", "-.Inf", ".nan", "1:30", "1:30.5", "07:00", "07:00:00"],
    *["2016-01-01", "2016-01-01 00:00:00", "yes", "no", "on", "off", "y", "TRUE", "True"],
    *["true", "false", "null", "Null", "NULL", "~", "", " ", " lead", "trail ", "#", "a #b"],
    *["a # b", "a#b", ": ", "a: b", "a:", "- a", "-", "? x", "<<", "!include", "!!str", "&a"],
    *["*a", "%YAML", "@x", "`x", "'", '"', "{a}", "[a]", "a, b", "${x}", "${session_date}"],
    *["---", "...", "multi\nline", "trailing\n", "\n", "\t", "tab\tin", "cr\r", "\u0085"],
    *["\ufeff", "é", "日本語", "😀", "\x00", "\x1b[0m", "\\", "a\\nb", "\u2028", "\xa0"],
]

# Every code point but lone surrogates (which cannot be encoded as UTF-8), including Unicode
# line separators and non-ASCII spaces.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
strings = st.one_of(st.sampled_from(TRAPS), text)
scalars = st.one_of(
    strings,
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3),
    max_leaves=6,
)

NAME_CHARS = string.ascii_letters + string.digits + "_-=[]{}%&@,.`"
task_names = st.text(NAME_CHARS, min_size=1, max_size=8)
nested_task_names = st.text(NAME_CHARS + "^", min_size=1, max_size=8)
env_names = st.from_regex(r"[A-Za-z_][A-Za-z_0-9]{0,6}", fullmatch=True)
plugin_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n not in ("sh", "td", "py", "rb")
)

retries = st.one_of(
    st.integers(0, 5),
    st.builds(SimpleRetryCondition, limit=st.integers(0, 5)),
    st.builds(
        IntervalRetryCondition,
        limit=st.integers(0, 5),
        interval=st.integers(0, 600),
        interval_type=st.sampled_from(["constant", "exponential"]),
        max_interval=st.none() | st.integers(1, 3600),
    ),
)
parallels = st.one_of(st.booleans(), st.builds(ParallelLimit, limit=st.integers(1, 8)))
exports = st.dictionaries(strings, values, max_size=3)


def param_keys(cls: type[Task]) -> st.SearchStrategy[str]:
    """Extra parameter keys: anything but task keys, operator keys, directives, typed keys."""
    return strings.filter(
        lambda k: (
            k != ""
            and not k.startswith(("+", "_"))
            and not k.endswith(">")
            and k not in cls.__key_to_field__
        )
    )


@st.composite
def operator_task(draw: st.DrawFn, name: str | None, depth: int) -> OperatorTask:
    kind = draw(
        st.sampled_from(
            ["sh", "echo", "td", "http", "py", "mail", "export", "plugin", "loop", "if", "each"]
        )
    )
    opt = st.none
    task: OperatorTask
    if kind == "sh":
        env = draw(st.none() | st.dictionaries(env_names, strings, max_size=2))
        task = ShTask(name=name, command=draw(strings), env=env)
    elif kind == "echo":
        task = EchoTask(name=name, command=draw(values))
    elif kind == "td":
        task = TdTask(
            name=name,
            command=draw(strings),
            database=draw(opt() | strings),
            priority=draw(opt() | st.integers(-2, 2) | strings),
            store_last_results=draw(opt() | st.booleans()),
        )
    elif kind == "http":
        task = HttpTask(
            name=name,
            command=draw(strings),
            method=draw(st.sampled_from(["GET", "POST"])),
            content=draw(opt() | values),
            headers=draw(
                opt() | st.lists(st.dictionaries(strings, strings, min_size=1, max_size=1))
            ),
            retry_=draw(opt() | st.booleans()),
            timeout=draw(opt() | st.integers(1, 300)),
        )
    elif kind == "py":
        task = PyTask(name=name, command=draw(strings), python=draw(opt() | strings))
    elif kind == "mail":
        task = MailTask(
            name=name,
            command=draw(strings),
            subject=draw(strings),
            to=draw(strings | st.lists(strings, max_size=2)),
            from_=draw(opt() | strings),
        )
    elif kind == "export":
        task = TdTableExportTask(
            name=name, table=draw(strings), from_=draw(strings | st.integers())
        )
    elif kind == "plugin":
        task = OperatorTask(name=name, operator=draw(plugin_names), command=draw(values))
    elif kind == "loop":
        task = LoopTask(
            name=name,
            command=draw(st.integers(0, 5)),
            parallel=draw(opt() | parallels),
            do=draw(body(depth + 1)),
        )
    elif kind == "if":
        task = IfTask(
            name=name,
            command=draw(st.booleans() | strings),
            do=draw(body(depth + 1)),
            else_do=draw(opt() | body(depth + 1)),
        )
    else:
        variables = st.dictionaries(
            env_names, st.lists(scalars, min_size=1, max_size=3), min_size=1, max_size=2
        )
        task = ForEachTask(name=name, command=draw(variables), do=draw(body(depth + 1)))
    task.params.update(draw(st.dictionaries(param_keys(type(task)), values, max_size=2)))
    draw_directives(draw, task, depth)
    task.disable = draw(opt() | st.booleans())
    return task


def draw_directives(draw: st.DrawFn, task: Task, depth: int) -> None:
    task.retry = draw(st.none() | retries)
    task.export = draw(st.none() | exports)
    task.secrets = draw(st.none() | st.dictionaries(env_names, st.booleans() | strings, max_size=2))
    if depth < 2:
        task.error = draw(st.none() | body(depth + 1))
        task.check = draw(st.none() | body(depth + 1))


@st.composite
def group_task(draw: st.DrawFn, name: str | None, depth: int) -> GroupTask:
    group = GroupTask(name=name, parallel=draw(st.none() | parallels))
    group.tasks = draw(children(group.parallel not in (None, False), depth + 1))
    draw_directives(draw, group, depth)
    return group


def body(depth: int) -> st.SearchStrategy[Task]:
    """An unnamed task body (``_error``, ``_check``, ``_do``)."""
    if depth >= 3:
        return operator_task(None, depth)
    return st.one_of(operator_task(None, depth), group_task(None, depth))


@st.composite
def children(draw: st.DrawFn, parallel: bool, depth: int, top_level: bool = False) -> list[Task]:
    names = draw(st.lists(task_names if top_level else nested_task_names, max_size=4, unique=True))
    tasks: list[Task] = []
    for i, name in enumerate(names):
        if depth >= 3:
            task: Task = draw(operator_task(name, depth))
        else:
            task = draw(st.one_of(operator_task(name, depth), group_task(name, depth)))
        if parallel and i:
            earlier = ["+" + n for n in names[:i]]
            task.after = draw(st.none() | st.lists(st.sampled_from(earlier), unique=True))
        elif not parallel:
            task.background = draw(st.none() | st.booleans())
        tasks.append(task)
    return tasks


two = st.integers(0, 59).map(lambda n: f"{n:02d}")
hours = st.integers(0, 23).map(lambda n: f"{n:02d}")
schedules = st.one_of(
    st.builds(lambda m, s: Schedule(hourly=f"{m}:{s}"), two, two),
    st.builds(lambda h, m: Schedule(daily=f"{h}:{m}:00"), hours, two),
    st.builds(
        lambda d, h: Schedule(weekly=f"{d},{h}:00:00"), st.sampled_from(["Mon", "Sun"]), hours
    ),
    st.builds(lambda d, h: Schedule(monthly=f"{d},{h}:30:00"), st.integers(1, 28), hours),
    st.builds(lambda m: Schedule(minutes_interval=m), st.integers(1, 60)),
    st.builds(lambda m: Schedule(cron=f"{m} * * * *"), st.integers(0, 59)),
)


@st.composite
def schedule(draw: st.DrawFn) -> Schedule:
    sched = draw(schedules)
    sched.skip_on_overtime = draw(st.none() | st.booleans())
    sched.skip_delayed_by = draw(st.none() | st.sampled_from(["1h", "30m", "1h 30m"]))
    if draw(st.booleans()):
        sched.start, sched.end = "2024-01-01", "2030-12-31"
    return sched


@st.composite
def sla(draw: st.DrawFn) -> SLA:
    deadline = draw(hours.map(lambda h: f"{h}:30"))
    sla = SLA(time=deadline) if draw(st.booleans()) else SLA(duration=deadline)
    sla.alert = draw(st.none() | st.booleans())
    sla.fail = draw(st.none() | st.booleans())
    if draw(st.booleans()):
        sla.params["+late"] = {"echo>": draw(strings)}
    return sla


@st.composite
def workflows(draw: st.DrawFn) -> Workflow:
    parallel = draw(st.none() | parallels)
    return Workflow(
        name="random",
        timezone=draw(st.sampled_from(["UTC", "Asia/Tokyo", "+09:00", None])),
        schedule=draw(st.none() | schedule()),
        sla=draw(st.none() | sla()),
        export=draw(st.none() | exports),
        parallel=parallel,
        retry=draw(st.none() | retries),
        error=draw(st.none() | body(1)),
        check=draw(st.none() | body(1)),
        tasks=draw(children(parallel not in (None, False), 0, top_level=True)),
    )


def exact(value: Any) -> str:
    return json.dumps(value, sort_keys=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflows())
def test_export_then_load_gives_the_same_data(workflow: Workflow) -> None:
    text = export_workflow(workflow)
    loaded = load_workflow(text, name=workflow.name)
    assert exact(to_data(loaded)) == exact(to_data(workflow)), text


@settings(max_examples=60, deadline=None)
@given(values)
def test_any_value_survives_export_in_export(value: Any) -> None:
    workflow = Workflow(name="values", export={"v": value, "k": [value, {"nested": value}]})
    loaded = load_workflow(export_workflow(workflow), name="values")
    assert exact(to_data(loaded)) == exact(to_data(workflow))


@pytest.mark.parametrize(
    "workflow",
    [
        Workflow(name="ls", tasks=[ShTask(name="t", command="\u2028")]),
        Workflow(name="ps", tasks=[ShTask(name="t", command="a\u2029b")]),
        Workflow(name="key", tasks=[ShTask(name="t", command="x", params={"\u2028": 1})]),
    ],
    ids=["u2028-value", "u2029-value", "u2028-key"],
)
def test_unicode_line_separators_are_escaped(workflow: Workflow) -> None:
    loaded = load_workflow(export_workflow(workflow), name=workflow.name)
    assert exact(to_data(loaded)) == exact(to_data(workflow))


@pytest.mark.parametrize("item", ["\xa0", "\u3000", "\u2009x"], ids=["nbsp", "ideographic", "thin"])
def test_unicode_spaces_in_list_items_survive(item: str) -> None:
    workflow = Workflow(name="spaces", export={"k": [item]})
    loaded = load_workflow(export_workflow(workflow), name="spaces")
    assert exact(to_data(loaded)) == exact(to_data(workflow))
