"""The built-in codemod passes, each reachable as ``digrefactor codemod NAME``.

Every pass is a small picklable class: constructed with typed arguments in Python
(``RenameOperator("td", "td_run")``) or from command-line options (:meth:`from_args`).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from digrefactor._errors import DigError
from digrefactor.dialect import (
    SCHEDULE_MODIFIERS,
    check_workflow_name,
    load_raw_text,
    resolve_plain,
    schedule_format_problem,
    task_name_problem,
    valid_timezone,
)
from digrefactor.files import real_path, walk
from digrefactor.models import (
    SCHEDULE_CLASSES,
    DigModel,
    GroupTask,
    IntervalRetryCondition,
    OperatorTask,
    ParallelLimit,
    RawTask,
    RetryCondition,
    Schedule,
    Task,
    Workflow,
    build_task,
)
from digrefactor.parse import load_workflow
from digrefactor.transforms._api import CodemodPass, PassContext, PassUsageError
from digrefactor.transforms._params import (
    NotAMapping,
    remove_dotted,
    rename_dotted,
    set_dotted,
)
from digrefactor.transforms._schedule import (
    DAY,
    ScheduleError,
    parse_duration,
    shift_value,
    to_cron,
)
from digrefactor.transforms._select import (
    TaskRef,
    TaskSelector,
    iter_task_refs,
    normalize_operator,
    split_key,
)

__all__ = [
    "PASSES",
    "ConvertSchedule",
    "RemoveExport",
    "RemoveParam",
    "RenameOperator",
    "RenameParam",
    "RenameTask",
    "RenameWorkflow",
    "ReplaceInCommand",
    "SetErrorHandler",
    "SetExport",
    "SetParallel",
    "SetParam",
    "SetRetry",
    "SetSchedule",
    "SetScheduleOption",
    "SetTimezone",
    "ShiftSchedule",
    "parse_value",
]

#: Operators that copy ``_parallel`` onto the tasks they generate (spec §2.4).
LOOP_OPERATORS = frozenset({"loop", "for_each", "for_range", "td_for_each"})
_OPERATOR_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


# ---------------------------------------------------------------------------------- helpers


def parse_value(text: str) -> Any:
    """A command-line VALUE with Digdag's YAML typing: ``3`` → 3, ``'3'`` → "3", ``true`` →
    True, ``[a, b]`` → a list, ``{k: v}`` → a mapping; anything else is a string."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{", "'", '"'):
        try:
            _, raw = load_raw_text(f"v: {stripped}\n")
        except DigError as exc:
            raise PassUsageError(f"value {text!r} is not valid YAML: {exc.message}") from None
        return raw["v"]
    return resolve_plain(text)


def _key_value(text: str, what: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise PassUsageError(f"{what}: expected KEY=VALUE, got {text!r}")
    _check_key(key, what)
    return key, parse_value(value)


def _check_key(key: str, what: str) -> None:
    try:
        split_key(key)
    except ValueError as exc:
        raise PassUsageError(f"{what}: {exc}") from None


def _operator_name(text: str, what: str) -> str:
    name = normalize_operator(text)
    if not _OPERATOR_NAME.match(name):
        raise PassUsageError(f"{what}: {text!r} is not an operator name (e.g. td or td>)")
    return name


def add_selector_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("task selection (all tasks when none is given)")
    group.add_argument(
        "--operator",
        action="append",
        default=[],
        metavar="OP",
        help="only tasks of this operator (td or td>); repeatable",
    )
    group.add_argument(
        "--task",
        action="append",
        default=[],
        metavar="GLOB",
        help="only tasks whose full (+wf+group+task) or short (+task) name matches; repeatable",
    )
    group.add_argument(
        "--has-param",
        action="append",
        default=[],
        metavar="KEY",
        help="only tasks that have this (dotted) parameter; repeatable",
    )
    group.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="only tasks whose parameter equals VALUE (YAML typing); repeatable",
    )


def selector_from_args(args: argparse.Namespace, kinds: tuple[str, ...] = ()) -> TaskSelector:
    operators = tuple(_operator_name(o, "--operator") for o in args.operator)
    for key in args.has_param:
        _check_key(key, "--has-param")
    where = tuple(_key_value(w, "--where") for w in args.where)
    return TaskSelector(
        operators=operators,
        names=tuple(args.task),
        has_params=tuple(args.has_param),
        where=where,
        kinds=kinds,
    )


def _selected(workflow: Workflow, selector: TaskSelector) -> Iterator[TaskRef]:
    for ref in iter_task_refs(workflow):
        if selector.matches(ref):
            yield ref


def _targets(
    workflow: Workflow, selector: TaskSelector | None
) -> Iterator[tuple[str, Workflow | Task]]:
    """The workflow itself when there is no selector, else the selected tasks."""
    if selector is None or selector.is_empty:
        yield "+" + workflow.name, workflow
    else:
        for ref in _selected(workflow, selector):
            yield ref.full_name, ref.task


def _build_body(raw: dict[str, Any]) -> Task:
    return build_task(None, raw)


# ---------------------------------------------------------------------------- rename-operator


class RenameOperator(CodemodPass):
    """``td>`` → ``td_run>``: the task becomes the new operator's model class."""

    name = "rename-operator"
    help = "rename an operator (td> → td_run>), optionally renaming its parameters"
    selects_tasks = True

    def __init__(
        self,
        old: str,
        new: str,
        params: dict[str, str] | None = None,
        selector: TaskSelector | None = None,
    ) -> None:
        self.old = normalize_operator(old)
        self.new = normalize_operator(new)
        self.params = dict(params or {})
        self.selector = selector

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--from", dest="old", required=True, metavar="OLD", help="td or td>")
        parser.add_argument("--to", dest="new", required=True, metavar="NEW", help="td_run")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="OLD=NEW",
            help="also rename this parameter of the renamed tasks; repeatable",
        )
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RenameOperator:
        old = _operator_name(args.old, "--from")
        new = _operator_name(args.new, "--to")
        if old == new:
            raise PassUsageError(f"--from and --to name the same operator ({old})")
        params: dict[str, str] = {}
        for item in args.param:
            a, sep, b = item.partition("=")
            if not sep or not a.strip() or not b.strip():
                raise PassUsageError(f"--param: expected OLD=NEW, got {item!r}")
            params[a.strip()] = b.strip()
        selector = selector_from_args(args)
        return cls(old, new, params, None if selector.is_empty else selector)

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for ref in iter_task_refs(workflow):
            task = ref.task
            if isinstance(task, RawTask):
                items = task.value if isinstance(task.value, list) else []
                if any(isinstance(i, dict) and f"{self.old}>" in i for i in items):
                    ctx.warn(
                        f"{ref.full_name} is a list of mappings; rename its {self.old}> by hand"
                    )
                continue
            if not isinstance(task, OperatorTask):
                continue
            if f"{self.old}>" in task.params and (
                self.selector is None or self.selector.matches(ref)
            ):
                # A second operator key (Digdag runs only the first, or `_type`): not renamed.
                ctx.warn(
                    f"{ref.full_name} runs {task.operator}> and also holds {self.old}>, "
                    f"which Digdag does not run as its operator; rename it by hand"
                )
            if task.operator != self.old:
                continue
            if self.selector is not None and not self.selector.matches(ref):
                continue
            raw = task.to_raw()
            renamed: dict[str, Any] = {}
            op_key = "_type" if task.long_form else f"{self.old}>"
            op_done = False
            for key, value in raw.items():
                if not op_done and key == op_key:
                    if task.long_form:
                        renamed[key] = self.new
                    else:
                        renamed[f"{self.new}>"] = value
                    op_done = True
                elif key in self.params:
                    target = self.params[key]
                    if target in raw and target != key:
                        ctx.warn(f"{ref.full_name}: {target} already set; {key} not renamed")
                        renamed[key] = value
                    else:
                        renamed[target] = value
                else:
                    renamed[key] = value
            ref.replace(build_task(task.name, renamed, task._key))


# -------------------------------------------------------------------- parameters of tasks


class _TaskParamPass(CodemodPass):
    selects_tasks = True

    def __init__(self, selector: TaskSelector | None = None) -> None:
        self.selector = selector or TaskSelector()

    def tasks(self, workflow: Workflow) -> Iterator[TaskRef]:
        for ref in _selected(workflow, self.selector):
            if isinstance(ref.task, OperatorTask):
                yield ref


class SetParam(_TaskParamPass):
    """``set-param KEY=VALUE``: set a (dotted) parameter on the selected operator tasks."""

    name = "set-param"
    help = "set a parameter (dotted keys for nested mappings) on selected operator tasks"

    def __init__(self, key: str, value: Any, selector: TaskSelector | None = None) -> None:
        super().__init__(selector)
        _check_key(key, "set-param")
        self.key = key
        self.value = value

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("assignment", metavar="KEY=VALUE", help="e.g. docker.image=python:3")
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetParam:
        key, value = _key_value(args.assignment, "set-param")
        return cls(key, value, selector_from_args(args))

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for ref in self.tasks(workflow):
            try:
                set_dotted(ref.task, self.key, self.value)
            except NotAMapping as exc:
                ctx.warn(f"{ref.full_name}: {exc}; {self.key} not set")
        if self.selector.names and not self.key.startswith("_"):
            for ref in _selected(workflow, self.selector):
                if isinstance(ref.task, GroupTask):
                    ctx.warn(
                        f"{ref.full_name} is a group: Digdag rejects parameters on groups "
                        "(use set-export); not set"
                    )


class RenameParam(_TaskParamPass):
    """``rename-param OLD NEW``: rename a (dotted) parameter of the selected operator tasks."""

    name = "rename-param"
    help = "rename a parameter of selected operator tasks (keeps its place)"

    def __init__(self, old: str, new: str, selector: TaskSelector | None = None) -> None:
        super().__init__(selector)
        _check_key(old, "rename-param OLD")
        _check_key(new, "rename-param NEW")
        if old == new:
            raise PassUsageError("rename-param: OLD and NEW are the same")
        self.old = old
        self.new = new

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("old", metavar="OLD")
        parser.add_argument("new", metavar="NEW")
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RenameParam:
        return cls(args.old, args.new, selector_from_args(args))

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for ref in self.tasks(workflow):
            try:
                rename_dotted(ref.task, self.old, self.new)
            except NotAMapping as exc:
                ctx.warn(f"{ref.full_name}: {exc}; {self.old} not renamed")


class RemoveParam(_TaskParamPass):
    """``remove-param KEY``: remove a (dotted) parameter from the selected operator tasks."""

    name = "remove-param"
    help = "remove a parameter from selected operator tasks"

    def __init__(self, key: str, selector: TaskSelector | None = None) -> None:
        super().__init__(selector)
        _check_key(key, "remove-param")
        self.key = key

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("key", metavar="KEY")
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RemoveParam:
        return cls(args.key, selector_from_args(args))

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for ref in self.tasks(workflow):
            try:
                remove_dotted(ref.task, self.key)
            except NotAMapping as exc:
                ctx.warn(f"{ref.full_name}: {exc}")


# --------------------------------------------------------------------------------- schedules

_SCHEDULE_OPTIONS = {
    "hourly": "MM:SS",
    "daily": "HH:MM:SS",
    "weekly": "DAY,HH:MM:SS",
    "monthly": "D,HH:MM:SS",
    "minutes_interval": "M",
    "cron": "'m h dom mon dow'",
}


def _set_schedule(workflow: Workflow, kind: str, value: Any) -> None:
    if workflow.schedule is None:
        workflow.schedule = SCHEDULE_CLASSES[kind].from_raw({f"{kind}>": value})
    elif workflow.schedule.kind != kind or workflow.schedule.value != value:
        workflow.schedule.set_kind(kind, value)


class SetSchedule(CodemodPass):
    """``set-schedule --daily 07:00:00``: set (or replace) the schedule type and time."""

    name = "set-schedule"
    help = "set the schedule (--daily/--hourly/--weekly/--monthly/--cron/--minutes-interval)"

    def __init__(self, kind: str, value: Any, only_missing: bool = False) -> None:
        if kind not in _SCHEDULE_OPTIONS:
            raise PassUsageError(f"set-schedule: unknown schedule type {kind!r}")
        if kind == "minutes_interval":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise PassUsageError(
                    f"--minutes-interval expects an integer, got {value!r}"
                ) from None
            if value <= 0:
                raise PassUsageError(f"--minutes-interval expects a positive integer, got {value}")
        problem = schedule_format_problem(kind, value)
        if problem:
            raise PassUsageError(f"--{kind.replace('_', '-')}: {problem}")
        if kind == "cron" and len(str(value).split()) != 5:
            raise PassUsageError(f"--cron expects 5 fields (m h dom mon dow), got {value!r}")
        self.kind = kind
        self.value = value
        self.only_missing = only_missing

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        for kind, meta in _SCHEDULE_OPTIONS.items():
            group.add_argument(
                f"--{kind.replace('_', '-')}", dest=kind, metavar=meta, help=f"{kind}>: {meta}"
            )
        parser.add_argument(
            "--only-missing", action="store_true", help="only add to workflows without a schedule"
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetSchedule:
        for kind in _SCHEDULE_OPTIONS:
            value = getattr(args, kind)
            if value is not None:
                return cls(kind, value, args.only_missing)
        raise PassUsageError("set-schedule: give one schedule type")  # pragma: no cover

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        if self.only_missing and workflow.schedule is not None:
            return
        _set_schedule(workflow, self.kind, self.value)


def _schedule_of(workflow: Workflow, ctx: PassContext) -> tuple[Schedule, str] | None:
    schedule = workflow.schedule
    if schedule is None:
        return None
    kind = schedule.kind
    if kind is None:
        ctx.skip("schedule has no TYPE> key")
    return schedule, kind


class ShiftSchedule(CodemodPass):
    """``shift-schedule --by +1h``: move the schedule's run time, wrapping across days.

    Not idempotent by nature: a second run shifts again (``--by -1h`` undoes it exactly).
    """

    name = "shift-schedule"
    help = "shift the schedule's time (--by +1h, -30m, +1d), wrapping across days"
    idempotent: ClassVar[bool] = False
    value_options = ("--by",)

    def __init__(self, by: int | str) -> None:
        if isinstance(by, str):
            try:
                by = parse_duration(by)
            except ValueError as exc:
                raise PassUsageError(f"--by: {exc}") from None
        self.by = by

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--by", required=True, metavar="DURATION", help="+1h, -30m, +1d, +1h30m, +90s"
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ShiftSchedule:
        return cls(args.by)

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        found = _schedule_of(workflow, ctx)
        if found is None or self.by == 0:
            return
        schedule, kind = found
        value = schedule.value
        try:
            new = shift_value(kind, value, self.by)
        except ScheduleError as exc:
            ctx.skip(str(exc))
        if new == value:
            return
        if kind in ("daily", "weekly", "monthly"):
            assert isinstance(value, str) and isinstance(new, str)
            if _crosses_day(kind, value, self.by):
                ctx.warn(
                    f"{kind}>: {value} → {new} crosses midnight: sessions now fall on "
                    "another day (session_date changes)"
                )
        schedule.set_kind(kind, new)


def _crosses_day(kind: str, value: str, delta: int) -> bool:
    time = value.rpartition(",")[2].strip()
    h, m, s = (int(p) for p in time.split(":"))
    return (h * 3600 + m * 60 + s + delta) // DAY != 0


class ConvertSchedule(CodemodPass):
    """``convert-schedule --to cron``: hourly/daily/weekly/monthly/minutes_interval → cron."""

    name = "convert-schedule"
    help = "convert the schedule to another type (--to cron)"

    def __init__(self, to: str = "cron") -> None:
        if to != "cron":
            raise PassUsageError(f"--to: only 'cron' is supported, got {to!r}")
        self.to = to

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--to", default="cron", choices=["cron"], help="target type")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ConvertSchedule:
        return cls(args.to)

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        found = _schedule_of(workflow, ctx)
        if found is None:
            return
        schedule, kind = found
        if kind == self.to:
            return
        try:
            cron = to_cron(kind, schedule.value)
        except ScheduleError as exc:
            ctx.skip(str(exc))
        if kind in ("hourly", "daily", "weekly", "monthly"):
            ctx.warn(
                f"{kind}> → cron>: session_time becomes the run time ({cron}) instead of the "
                f"start of the {'hour' if kind == 'hourly' else 'day'}"
            )
        schedule.set_kind("cron", cron)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SKIP_DURATION = re.compile(r"^\s*(?:\d+\s*[dhms]\s*)+$", re.IGNORECASE)


class SetScheduleOption(CodemodPass):
    """``set-schedule-option --skip-delayed-by 1h``: set or remove schedule modifiers."""

    name = "set-schedule-option"
    help = "set or remove skip_delayed_by, skip_on_overtime, start, end on schedules"

    def __init__(self, values: dict[str, Any], remove: Sequence[str] = ()) -> None:
        for key in [*values, *remove]:
            if key not in SCHEDULE_MODIFIERS:
                raise PassUsageError(
                    f"unknown schedule option {key!r} (one of {', '.join(SCHEDULE_MODIFIERS)})"
                )
        if not values and not remove:
            raise PassUsageError("set-schedule-option: nothing to set or remove")
        self.values = values
        self.remove = list(remove)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--skip-delayed-by", metavar="DURATION", help="e.g. 1h, 30m, 1h 30m")
        parser.add_argument("--skip-on-overtime", choices=["true", "false"])
        parser.add_argument("--start", metavar="YYYY-MM-DD")
        parser.add_argument("--end", metavar="YYYY-MM-DD")
        parser.add_argument(
            "--remove",
            action="append",
            default=[],
            metavar="OPTION",
            help="remove this option (skip_delayed_by, skip_on_overtime, start, end)",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetScheduleOption:
        values: dict[str, Any] = {}
        if args.skip_delayed_by is not None:
            if not _SKIP_DURATION.match(args.skip_delayed_by):
                raise PassUsageError(
                    f"--skip-delayed-by: expected a duration such as 1h or 30m, "
                    f"got {args.skip_delayed_by!r}"
                )
            values["skip_delayed_by"] = args.skip_delayed_by
        if args.skip_on_overtime is not None:
            values["skip_on_overtime"] = args.skip_on_overtime == "true"
        for key in ("start", "end"):
            value = getattr(args, key)
            if value is not None:
                if not _DATE.match(value):
                    raise PassUsageError(f"--{key}: expected YYYY-MM-DD, got {value!r}")
                values[key] = value
        remove = [r.replace("-", "_") for r in args.remove]
        return cls(values, remove)

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        found = _schedule_of(workflow, ctx)
        if found is None:
            return
        schedule, _ = found
        for key, value in self.values.items():
            set_dotted(schedule, key, value)
        for key in self.remove:
            schedule.remove_param(key)


# ------------------------------------------------------------------------- workflow settings


class SetTimezone(CodemodPass):
    """``set-timezone Asia/Tokyo``: set the workflow time zone."""

    name = "set-timezone"
    help = "set the workflow's timezone"

    def __init__(self, timezone: str, only_missing: bool = False) -> None:
        if not valid_timezone(timezone):
            raise PassUsageError(
                f"set-timezone: unknown time zone {timezone!r} (e.g. UTC, Asia/Tokyo, +09:00)"
            )
        self.timezone = timezone
        self.only_missing = only_missing

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("timezone", metavar="TZ", help="e.g. Asia/Tokyo, UTC, +09:00")
        parser.add_argument(
            "--only-missing", action="store_true", help="only where no timezone is set"
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetTimezone:
        return cls(args.timezone, args.only_missing)

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        if self.only_missing and workflow.timezone is not None:
            return
        if workflow.timezone != self.timezone:
            workflow.set_param("timezone", self.timezone)


class _TargetPass(CodemodPass):
    """A pass that edits the workflow (no selector) or the selected tasks."""

    selects_tasks = True

    def __init__(self, selector: TaskSelector | None = None) -> None:
        self.selector = selector if selector is not None and not selector.is_empty else None


class SetExport(_TargetPass):
    """``set-export KEY=VALUE``: set a key of ``_export`` (workflow, or selected tasks)."""

    name = "set-export"
    help = "set a key of _export (workflow level, or on selected tasks)"

    def __init__(self, key: str, value: Any, selector: TaskSelector | None = None) -> None:
        super().__init__(selector)
        _check_key(key, "set-export")
        self.key = key
        self.value = value

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("assignment", metavar="KEY=VALUE", help="e.g. td.database=sales")
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetExport:
        key, value = _key_value(args.assignment, "set-export")
        return cls(key, value, selector_from_args(args))

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for full_name, target in _targets(workflow, self.selector):
            try:
                set_dotted(target, "_export." + self.key, self.value)
            except NotAMapping as exc:
                ctx.warn(f"{full_name}: {exc}; {self.key} not exported")


class RemoveExport(_TargetPass):
    """``remove-export KEY``: remove a key of ``_export`` (``_export`` goes when empty)."""

    name = "remove-export"
    help = "remove a key of _export (workflow level, or on selected tasks)"

    def __init__(self, key: str, selector: TaskSelector | None = None) -> None:
        super().__init__(selector)
        _check_key(key, "remove-export")
        self.key = key

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("key", metavar="KEY")
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RemoveExport:
        return cls(args.key, selector_from_args(args))

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for _, target in _targets(workflow, self.selector):
            remove_dotted(target, "_export." + self.key)


class SetRetry(_TargetPass):
    """``set-retry 3`` or ``set-retry --limit 3 --interval 10 --interval-type exponential``."""

    name = "set-retry"
    help = "set _retry (workflow level, or on selected tasks)"

    def __init__(
        self,
        limit: int,
        interval: int | None = None,
        interval_type: str | None = None,
        max_interval: int | None = None,
        selector: TaskSelector | None = None,
    ) -> None:
        super().__init__(selector)
        if limit < 0:
            raise PassUsageError(f"set-retry: the limit must not be negative, got {limit}")
        if interval_type is not None and interval_type.lower() not in ("constant", "exponential"):
            raise PassUsageError(
                f"--interval-type: expected constant or exponential, got {interval_type!r}"
            )
        self.limit = limit
        self.interval = interval
        self.interval_type = interval_type
        self.max_interval = max_interval

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--limit", type=_int_arg("--limit"), help="number of retries")
        parser.add_argument("--interval", type=_int_arg("--interval"), metavar="SECONDS")
        parser.add_argument("--interval-type", choices=["constant", "exponential"])
        parser.add_argument("--max-interval", type=_int_arg("--max-interval"), metavar="SECONDS")
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetRetry:
        limit = args.limit
        if limit is None:
            # `set-retry 3 PATH...`: the first positional is the limit.
            if not args.paths or not args.paths[0].isdigit():
                raise PassUsageError(
                    "set-retry: give the retry count (set-retry 3 PATH or --limit)"
                )
            limit = int(args.paths.pop(0))
            if not args.paths:
                raise PassUsageError("set-retry: no PATH given")
        return cls(
            limit,
            args.interval,
            args.interval_type,
            args.max_interval,
            selector_from_args(args),
        )

    def value(self) -> int | RetryCondition:
        extra = {
            "interval": self.interval,
            "interval_type": self.interval_type,
            "max_interval": self.max_interval,
        }
        extra = {k: v for k, v in extra.items() if v is not None}
        if not extra:
            return self.limit
        return IntervalRetryCondition.from_raw({"limit": self.limit, **extra})

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for _, target in _targets(workflow, self.selector):
            value = self.value()
            raw = value.to_raw() if isinstance(value, DigModel) else value
            current = target.get_param("_retry")
            current_raw = current.to_raw() if isinstance(current, DigModel) else current
            if current_raw != raw or type(current_raw) is not type(raw):
                target.set_param("_retry", value)


def _int_arg(option: str) -> Any:
    def convert(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None

    return convert


class SetErrorHandler(_TargetPass):
    """``set-error-handler --sh 'notify.sh'``: add or replace ``_error``."""

    name = "set-error-handler"
    help = "add or replace _error (workflow level, or on selected tasks)"

    def __init__(
        self, body: dict[str, Any], only_missing: bool = False, selector: TaskSelector | None = None
    ) -> None:
        super().__init__(selector)
        if not isinstance(body, dict) or not body:
            raise PassUsageError("set-error-handler: the handler must be a non-empty mapping")
        ops = [k for k in body if k.endswith(">")]
        subtasks = [k for k in body if k.startswith("+")]
        if len(ops) > 1:
            raise PassUsageError(f"set-error-handler: more than one operator: {', '.join(ops)}")
        if ops and subtasks:
            raise PassUsageError("set-error-handler: an operator task cannot have +subtasks")
        if not ops and not subtasks and "_type" not in body:
            raise PassUsageError("set-error-handler: the handler needs an operator (e.g. sh>:)")
        self.body = body
        self.only_missing = only_missing

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--sh", metavar="COMMAND", help="_error: {sh>: COMMAND}")
        group.add_argument(
            "--operator-yaml",
            metavar="YAML",
            help="the handler as YAML, e.g. '{mail>: body.txt, subject: failed}'",
        )
        parser.add_argument(
            "--only-missing", action="store_true", help="do not replace an existing _error"
        )
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetErrorHandler:
        if args.sh is not None:
            body: Any = {"sh>": args.sh}
        else:
            try:
                _, body = load_raw_text(args.operator_yaml + "\n")
            except DigError as exc:
                raise PassUsageError(f"--operator-yaml: {exc.message}") from None
            if not isinstance(body, dict):
                raise PassUsageError("--operator-yaml: expected a mapping")
        return cls(body, args.only_missing, selector_from_args(args))

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for _, target in _targets(workflow, self.selector):
            if self.only_missing and target.error is not None:
                continue
            current = target.error.to_raw() if target.error is not None else None
            if current != self.body:
                target.set_param("_error", _build_body(dict(self.body)))


class SetParallel(_TargetPass):
    """``set-parallel true|false|N``: set ``_parallel`` (N → ``{limit: N}``)."""

    name = "set-parallel"
    help = "set _parallel: true, false or a limit N (workflow level, or selected tasks)"

    def __init__(self, value: bool | int, selector: TaskSelector | None = None) -> None:
        super().__init__(selector)
        if not isinstance(value, bool) and value < 1:
            raise PassUsageError(f"set-parallel: the limit must be at least 1, got {value}")
        self.value = value

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("value", metavar="true|false|N")
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SetParallel:
        text = args.value.strip().lower()
        value: bool | int
        if text in ("true", "false"):
            value = text == "true"
        elif text.isdigit():
            value = int(text)
        else:
            raise PassUsageError(
                f"set-parallel: expected true, false or a number, got {args.value!r}"
            )
        return cls(value, selector_from_args(args))

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for full_name, target in _targets(workflow, self.selector):
            if isinstance(target, OperatorTask) and target.operator not in LOOP_OPERATORS:
                ctx.warn(f"{full_name}: _parallel has no effect on {target.operator}>; not set")
                continue
            new: bool | ParallelLimit = (
                self.value
                if isinstance(self.value, bool)
                else ParallelLimit.from_raw({"limit": self.value})
            )
            current = target.get_param("_parallel")
            current_raw = current.to_raw() if isinstance(current, DigModel) else current
            new_raw = new.to_raw() if isinstance(new, DigModel) else new
            if current_raw != new_raw or type(current_raw) is not type(new_raw):
                target.set_param("_parallel", new)


# -------------------------------------------------------------------------------- renaming


class RenameTask(CodemodPass):
    """``rename-task OLD NEW``: rename a task and every ``_after`` reference to it."""

    name = "rename-task"
    help = "rename a task (full +wf+g+t or short name) and update _after references"

    def __init__(self, old: str, new: str) -> None:
        new_short = new[1:] if new.startswith("+") else new
        # Digdag's own rule (a renamed task may be a top-level one, so no `^` either).
        problem = task_name_problem("+" + new_short, top_level=True)
        if problem is not None:
            raise PassUsageError(f"rename-task: {new!r} is not a valid task name: {problem}")
        self.old = old
        self.new = new_short

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("old", metavar="OLD", help="+wf+group+task, +task or task")
        parser.add_argument("new", metavar="NEW", help="the new short name (+name or name)")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RenameTask:
        return cls(args.old, args.new)

    def _matches(self, ref: TaskRef) -> bool:
        if ref.is_body:
            return False
        old = self.old
        if old.count("+") > 1 or ("^" in old and old.startswith("+")):
            return ref.full_name == old
        short = old if old.startswith("+") else "+" + old
        return ref.short_name == short

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        matches = [ref for ref in iter_task_refs(workflow) if self._matches(ref)]
        new_key = "+" + self.new
        for ref in matches:
            old_key = ref.task.key
            if old_key == new_key:
                continue
            siblings = ref.siblings()
            if any(isinstance(s, Task) and s.name and s.key == new_key for s in siblings):
                ctx.skip(f"{ref.full_name}: a sibling task {new_key} already exists")
            ref.task.name = self.new
            for sibling in siblings:
                if isinstance(sibling, Task):
                    _rename_after(sibling, old_key, new_key)


def _rename_after(task: Task, old: str, new: str) -> None:
    after = task.after
    if isinstance(after, str):
        if after == old:
            task.after = new
    elif isinstance(after, list) and old in after:
        task.after = [new if a == old else a for a in after]


class RenameWorkflow(CodemodPass):
    """``rename-workflow OLD NEW``: rename ``OLD.dig`` and its ``call>``/``require>`` references.

    Run it over the whole project directory: files named ``OLD.dig`` under it are renamed,
    ``call>`` targets resolving to such a file (relative to the calling file) and
    ``require>: OLD`` (same project) are rewritten.
    """

    name = "rename-workflow"
    help = "rename OLD.dig to NEW.dig and update call> / require> references across the project"

    def __init__(self, old: str, new: str) -> None:
        old = old[:-4] if old.endswith(".dig") else old
        new = new[:-4] if new.endswith(".dig") else new
        for label, value in (("OLD", old), ("NEW", new)):
            if "/" in value or os.sep in value:
                raise PassUsageError(f"rename-workflow: {label} is a workflow name, not a path")
        problem = check_workflow_name(new)
        if problem:
            raise PassUsageError(f"rename-workflow: NEW: {problem}")
        if old == new:
            raise PassUsageError("rename-workflow: OLD and NEW are the same")
        self.old = old
        self.new = new

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("old", metavar="OLD", help="workflow name (file name without .dig)")
        parser.add_argument("new", metavar="NEW")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RenameWorkflow:
        return cls(args.old, args.new)

    #: Set by :meth:`prepare` when the rename cannot be done safely: every file the run would
    #: change then fails with this message instead (exit code 1, nothing written).
    refusal: str | None = None
    #: Real paths of the ``OLD.dig`` files this run renames (set by :meth:`prepare`); only
    #: references resolving to one of them are rewritten. Without :meth:`prepare`, a reference
    #: counts when an ``OLD.dig`` exists where it points.
    renamed: frozenset[Path] | None = None

    def _is_renamed(self, path: Path) -> bool:
        if self.renamed is not None:
            return real_path(path) in self.renamed
        return path.is_file()

    def prepare(self, files: Sequence[tuple[Path, Path]]) -> None:
        """Refuse overwriting ``NEW.dig``; refuse the whole rename when it could not be complete.

        Every ``.dig`` file of the project directories (hidden ones aside, *whatever* the
        include/exclude/.gitignore filters say) is scanned as raw text for ``call>`` /
        ``require>`` / ``_command`` values naming OLD. Such a file, or an ``OLD.dig``, that is
        left out of this run or does not load would keep pointing at OLD after the rename, so
        then nothing is renamed or rewritten: each file the run would change fails instead.
        """
        renamed: set[Path] = set()
        for path, _ in files:
            if path.name == f"{self.old}.dig":
                target = path.with_name(f"{self.new}.dig")
                if target.exists():
                    raise PassUsageError(f"rename-workflow: {target} already exists")
                renamed.add(real_path(path))
        in_run = {real_path(path) for path, _ in files}
        problems: list[str] = []
        roots = {real_path(root): root for _, root in files}  # walked as given: paths as shown
        seen: set[Path] = set()
        for root in roots.values():
            for path in _project_dig_files(root):
                key = real_path(path)
                if key in seen:
                    continue
                seen.add(key)
                if path.name == f"{self.old}.dig":
                    renamed.add(key)  # left out or not: references to it are this rename's
                if path.name != f"{self.old}.dig" and not self._may_reference(path):
                    continue
                what = str(path)
                if path.name != f"{self.old}.dig":
                    what += f" may reference {self.old} but"
                if key not in in_run:
                    problems.append(
                        f"{what} is left out of this run (--include/--exclude/.gitignore)"
                    )
                    continue
                try:
                    load_workflow(path)
                except DigError as exc:
                    problems.append(f"{what} does not load ({exc.message})")
        self.renamed = frozenset(renamed)
        self.refusal = (
            f"rename-workflow {self.old} -> {self.new} refused, nothing renamed or rewritten: "
            + "; ".join(problems)
            if problems
            else None
        )

    def _may_reference(self, path: Path) -> bool:
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return True  # cannot tell: assume it does
        for match in _REFERENCE_VALUE.finditer(text):
            value = match.group("value").strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1].strip()
            last = value.rpartition("/")[2]
            if last in (self.old, f"{self.old}.dig"):
                return True
        return False

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        if self._rename(workflow, ctx) and self.refusal is not None:
            raise DigError(self.refusal, path=ctx.path)

    def _rename(self, workflow: Workflow, ctx: PassContext) -> bool:
        """Rename the file and rewrite references in the model; whether anything changed."""
        changed = False
        if ctx.path.name == f"{self.old}.dig":
            ctx.rename_file(ctx.path.with_name(f"{self.new}.dig"))
            workflow.name = self.new
            changed = True
        root = real_path(ctx.root)
        here = real_path(ctx.path.parent)
        for ref in iter_task_refs(workflow):
            task = ref.task
            if not isinstance(task, OperatorTask) or not isinstance(task.command, str):
                continue
            if task.operator == "call":
                target = task.command
                head, _, last = target.rpartition("/")
                stem = last[:-4] if last.endswith(".dig") else last
                if stem != self.old:
                    continue
                resolved = Path(os.path.normpath(here / (target if last.endswith(".dig")
                                                         else target + ".dig")))  # fmt: skip
                if resolved != root and root not in resolved.parents:
                    ctx.warn(f"{ref.full_name}: call> {target} is outside {ctx.root}; not renamed")
                    continue
                if not self._is_renamed(resolved):
                    continue  # another workflow of that name, or none: not this rename's
                new_last = self.new + (".dig" if last.endswith(".dig") else "")
                task.command = f"{head}/{new_last}" if head else new_last
                changed = True
            elif task.operator == "require" and task.command == self.old:
                if task.get_param("project_name") is not None or (
                    task.get_param("project_id") is not None
                ):
                    continue
                # A workflow of this project: OLD.dig at the top of the run or beside the file.
                if not any(
                    self._is_renamed(d / f"{self.old}.dig") for d in (ctx.root, ctx.path.parent)
                ):
                    continue
                task.command = self.new
                changed = True
        return changed


#: ``call>: x`` / ``require>: x`` / ``_command: x`` as a key (block or flow style, not in a
#: comment line), the value up to the end of the line, a comment, or a flow separator.
_REFERENCE_VALUE = re.compile(
    r"""(?:^[ \t]*(?:-[ \t]+)?|[{,][ \t]*)['"]?(?:call>|require>|_command)['"]?[ \t]*:[ \t]*"""
    r"""(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s#,}\]]+)""",
    re.MULTILINE,
)


def _project_dig_files(root: Path) -> Iterator[Path]:
    """Every regular ``*.dig`` file under *root*, hidden files and directories aside."""
    for entry in walk(root):
        if entry.kind == "file" and entry.name.endswith(".dig"):
            yield entry.path


# --------------------------------------------------------------------------- command text


class ReplaceInCommand(_TaskParamPass):
    """``replace-in-command --pattern REGEX --replacement TEXT``: edit commands and queries."""

    name = "replace-in-command"
    help = "regex-replace inside the command (sh>, td>, ...; {data: ...}) and query: of tasks"

    def __init__(
        self,
        pattern: str,
        replacement: str,
        selector: TaskSelector | None = None,
        literal: bool = False,
    ) -> None:
        super().__init__(selector)
        try:
            self.regex = re.compile(re.escape(pattern) if literal else pattern)
        except re.error as exc:
            raise PassUsageError(f"--pattern: {pattern!r} is not a valid regex: {exc}") from None
        self.replacement = replacement.replace("\\", "\\\\") if literal else replacement

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        state["regex"] = (self.regex.pattern, self.regex.flags)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        pattern, flags = state.pop("regex")
        vars(self).update(state)
        self.regex = re.compile(pattern, flags)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--pattern", required=True, metavar="REGEX", help="Python regex")
        parser.add_argument(
            "--replacement", required=True, metavar="TEXT", help="replacement (\\1 for groups)"
        )
        parser.add_argument(
            "-F", "--literal", action="store_true", help="PATTERN and TEXT are plain strings"
        )
        add_selector_arguments(parser)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ReplaceInCommand:
        return cls(args.pattern, args.replacement, selector_from_args(args), args.literal)

    def _sub(self, text: str, where: str, ctx: PassContext) -> str:
        try:
            return self.regex.sub(self.replacement, text)
        except (re.error, IndexError) as exc:
            ctx.skip(f"{where}: replacement failed: {exc}")

    def __call__(self, workflow: Workflow, ctx: PassContext) -> None:
        for ref in self.tasks(workflow):
            task = ref.task
            assert isinstance(task, OperatorTask)
            command = task.command
            if isinstance(command, str):
                new = self._sub(command, ref.full_name, ctx)
                if new != command:
                    task.command = new
            elif isinstance(command, dict) and isinstance(command.get("data"), str):
                new = self._sub(command["data"], ref.full_name, ctx)
                if new != command["data"]:
                    task.command = {**command, "data": new}
            query = task.get_param("query")
            if isinstance(query, str):
                new = self._sub(query, ref.full_name, ctx)
                if new != query:
                    task.set_param("query", new)


#: Every built-in pass by command name.
PASSES: dict[str, type[CodemodPass]] = {
    cls.name: cls
    for cls in (
        RenameOperator,
        SetParam,
        RenameParam,
        RemoveParam,
        SetSchedule,
        ShiftSchedule,
        ConvertSchedule,
        SetScheduleOption,
        SetTimezone,
        SetExport,
        RemoveExport,
        SetRetry,
        SetErrorHandler,
        SetParallel,
        RenameTask,
        RenameWorkflow,
        ReplaceInCommand,
    )
}
