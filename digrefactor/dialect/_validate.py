"""Digdag's checks on a loaded workflow.

Mirrors ``WorkflowFile``, ``ModelValidator`` and ``WorkflowCompiler``.

Run on the expanded data tree; problems are reported at the line of the offending key when the
key is written in the workflow file itself.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any

from digrefactor._datatree import DataTree
from digrefactor._errors import DigValidationError
from digrefactor._limits import with_recursion_room

__all__ = [
    "GROUP_KEYS",
    "SCHEDULE_MODIFIERS",
    "SCHEDULE_TYPES",
    "TASK_NAME_CHARACTERS",
    "TOP_LEVEL_KEYS",
    "Locator",
    "check_workflow_name",
    "schedule_format_problem",
    "task_name_problem",
    "valid_timezone",
    "validate_workflow",
]

#: Finds (line, column) of a key path in the workflow file, when it is written there.
Locator = Callable[[tuple[str, ...]], tuple[int, int] | None]

TOP_LEVEL_KEYS = (
    "timezone",
    "_export",
    "schedule",
    "sla",
    "_error",
    "_check",
    "_retry",
    "_parallel",
)
GROUP_KEYS = frozenset(
    {
        "timezone",
        "schedule",
        "sla",
        "_parallel",
        "_background",
        "_after",
        "_error",
        "_check",
        "_retry",
        "_export",
        "_secrets",
    }
)
_BOM = "\ufeff"
#: A character allowed after the leading ``+`` of a task name (``ModelValidator``).
TASK_NAME_CHARACTERS = r"[A-Za-z0-9_\-=\[\]{}%&@,.^`]"
_RAW_TASK_NAME_CHARS = re.compile(TASK_NAME_CHARACTERS)
_RAW_TASK_NAME = re.compile(TASK_NAME_CHARACTERS + "*")
_PROJECT_NAME_FORBIDDEN_FIRST = set('+^@/\\:*?"<>|')
SCHEDULE_MODIFIERS = ("skip_on_overtime", "skip_delayed_by", "start", "end")
SCHEDULE_TYPES = frozenset(
    {"hourly", "daily", "weekly", "monthly", "minutes_interval", "cron", "seconds_interval"}
)


class _Checker:
    def __init__(self, name: str, path: str | None, locate: Locator | None) -> None:
        self.name = name
        self.path = path
        self.locate = locate

    def fail(self, message: str, at: tuple[str, ...] = ()) -> DigValidationError:
        line = col = None
        if self.locate is not None:
            probe = at
            while True:
                found = self.locate(probe)
                if found is not None or not probe:
                    break
                probe = probe[:-1]
            if found is not None:
                line, col = found
        return DigValidationError(message, path=self.path, line=line, column=col)


def check_workflow_name(name: str) -> str | None:
    """Digdag's ``ModelValidator.checkProjectName`` rules (also used for workflow names)."""
    if not name:
        return "name must not be empty"
    if len(name) > 255:
        return "name must not be longer than 255 characters"
    if name[0].isdigit():
        return f'name must not start with a numeric digit (0-9): "{name}"'
    if name[0] in _PROJECT_NAME_FORBIDDEN_FIRST:
        return f'name must not start with special symbols (+ ^ @ / \\ : * ? " < > |): "{name}"'
    if name.endswith(".dig"):
        return f'name must not end with .dig: "{name}"'
    return None


def task_name_problem(raw: str, top_level: bool) -> str | None:
    """Why Digdag rejects task key *raw* (``+name``; ``top_level`` forbids ``^``), or None."""
    if len(raw) > 255:
        return f'task name must not be longer than 255 characters: "{raw}"'
    if not raw.startswith(("+", "^")) or len(raw) < 2:
        return f"task name must start with '+': \"{raw}\""
    if not _RAW_TASK_NAME.fullmatch(raw, 1):
        for ch in raw[1:]:
            if not _RAW_TASK_NAME_CHARS.fullmatch(ch):
                return f"task name must not contain character '{ch}': \"{raw}\""
    if top_level and "^" in raw:
        return f'task name must not contain ^ character: "{raw}"'
    return None


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


_OFFSET = re.compile(r"^(?:Z|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?)$")


def valid_timezone(tz: str) -> bool:
    """``java.time.ZoneId.of``: region ids, ``Z``, offsets, and ``UTC``/``GMT``/``UT`` prefixes."""
    if tz in _known_zones() or tz in ("UTC", "GMT", "UT", "Z"):
        return True
    for prefix in ("UTC", "GMT", "UT"):
        if tz.startswith(prefix) and tz[len(prefix) :][:1] in "+-":
            return bool(_OFFSET.match(tz[len(prefix) :]))
    if tz[:1] in "+-":
        m = _OFFSET.match(tz)
        if not m:
            return False
        hours = int(re.findall(r"\d+", tz)[0][:2]) if len(tz) > 1 else 0
        return hours <= 18
    return False


@with_recursion_room
def validate_workflow(
    data: DataTree, name: str, *, path: str | None = None, locate: Locator | None = None
) -> None:
    """Raise :class:`DigValidationError` for anything Digdag rejects at push/check time."""
    c = _Checker(name, path, locate)
    problem = check_workflow_name(name) or task_name_problem("+" + name, top_level=True)
    if problem:
        # The file's name is at fault, not a line of it: point at the start of the file.
        if path is None:
            raise DigValidationError(f"invalid workflow name: {problem}")
        raise DigValidationError(
            f"invalid workflow name (from the file name): {problem}", path=path, line=1, column=1
        )
    unknown = [k for k in data if not k.startswith("+") and k not in TOP_LEVEL_KEYS]
    if unknown:
        if unknown[0].startswith(_BOM):
            # Only a BOM at the very start of a file is skipped; a second one is text.
            raise c.fail(
                f"Workflow '{name}' includes unknown keys: [{', '.join(map(repr, unknown))}]: "
                "a second byte-order mark (U+FEFF) starts this key; Digdag skips only one at "
                "the very start of the file and reads any other as text (remove it)",
                (unknown[0],),
            )
        raise c.fail(
            f"Workflow '{name}' includes unknown keys: [{', '.join(unknown)}] "
            "(top level accepts timezone, schedule, sla, _export, _error, _check, _retry, "
            "_parallel and +tasks; put parameters in _export)",
            (unknown[0],),
        )
    for key, value in data.items():
        # A null _export or timezone is dropped (UTC) by Digdag; any other null key fails.
        if value is None and key not in ("_export", "timezone"):
            raise c.fail(f"Parameter '{key}' is required but null", (key,))
        if key.startswith("+"):
            problem = task_name_problem(key, top_level=True)
            if problem:
                raise c.fail(f"Validating workflow failed: {problem}", (key,))
    tz = data.get("timezone")
    if tz is not None and (not isinstance(tz, str) or not valid_timezone(tz)):
        raise c.fail(
            f"unknown timezone {tz!r} (Digdag expects a zone id such as Asia/Tokyo or +09:00)",
            ("timezone",),
        )
    export = data.get("_export")
    if export is not None and not isinstance(export, dict):
        raise c.fail("Parameter '_export' must be an object", ("_export",))
    if "schedule" in data:
        _check_schedule(c, data["schedule"])
    err = data.get("_error")
    if err is not None and not isinstance(err, dict):
        raise c.fail("Parameter '_error' must be an object", ("_error",))
    if isinstance(err, dict):
        _check_task(c, err, ("_error",), f"+{name}^error")
    parallel = data.get("_parallel")
    if parallel is not None and not _valid_parallel(parallel):
        raise c.fail(_parallel_problem(parallel), ("_parallel",))
    _check_group(c, data, (), "+" + name, top_level=True)


def _check_schedule(c: _Checker, schedule: Any) -> None:
    at = ("schedule",)
    if not isinstance(schedule, dict):
        raise c.fail(
            f"schedule must be a mapping such as {{daily>: '07:00:00'}}, got {schedule!r}", at
        )
    types_ = [k for k in schedule if k.endswith(">")]
    if not types_:
        raise c.fail(f"Schedule config requires 'type>: at' parameter: {schedule}", at)
    kind = types_[0][:-1]
    if kind not in SCHEDULE_TYPES:
        raise c.fail(f"Unknown scheduler type: {kind}", (*at, types_[0]))
    unused = [k for k in schedule if k != types_[0] and k not in SCHEDULE_MODIFIERS]
    if unused:
        raise c.fail(
            f"Parameter '{unused[0]}' is not used at schedule (Digdag rejects it on push); "
            f"a schedule takes one TYPE> key plus {', '.join(SCHEDULE_MODIFIERS)}",
            (*at, unused[0]),
        )
    value = schedule[types_[0]]
    problem = schedule_format_problem(kind, value)
    if problem:
        raise c.fail(problem, (*at, types_[0]))
    dates: dict[str, datetime.date] = {}
    for key in ("start", "end"):
        raw = schedule.get(key)
        if raw is None:
            continue
        try:
            # Digdag parses uuuu-MM-dd strictly (ResolverStyle.STRICT).
            if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError(raw)
            dates[key] = datetime.date.fromisoformat(raw)
        except ValueError:
            raise c.fail(f"Invalid {key}: {raw!r} (expected yyyy-MM-dd)", (*at, key)) from None
    if "start" in dates and "end" in dates and dates["start"] >= dates["end"]:
        raise c.fail("The schedule of end is earlier than start", (*at, "end"))


def schedule_format_problem(kind: str, value: Any) -> str | None:
    """Why Digdag rejects ``<kind>>: <value>`` as a schedule, or None when it accepts it."""
    text = value if isinstance(value, str) else str(value)
    fields = {"hourly": 2, "daily": 3}

    def ints(parts: list[str]) -> bool:
        try:
            for p in parts:
                int(p.strip())
        except ValueError:
            return False
        return True

    if kind in fields:
        parts = text.split(":")
        if len(parts) != fields[kind] or not ints(parts):
            fmt = "mm:ss" if kind == "hourly" else "hh:mm:ss"
            return f"{kind}>: scheduler requires {fmt} format: {text}"
    elif kind in ("weekly", "monthly"):
        day, sep, time = text.partition(",")
        parts = time.split(":")
        if not sep or len(parts) != 3 or not ints(parts) or (kind == "monthly" and not ints([day])):
            return f"{kind}>: scheduler requires day,hh:mm:ss format: {text}"
    elif kind in ("minutes_interval", "seconds_interval") and (
        isinstance(value, bool) or not (isinstance(value, int) or ints([text]))
    ):
        return f"{kind}>: requires an integer: {text}"
    return None


def _check_group(
    c: _Checker, data: DataTree, at: tuple[str, ...], full: str, top_level: bool
) -> None:
    parallel = data.get("_parallel")
    is_parallel = parallel is True or parallel in ("true",) or isinstance(parallel, dict)
    children = [k for k in data if k.startswith("+")]
    for key in children:
        value = data[key]
        where = (*at, key)
        if not top_level:
            problem = task_name_problem(key, top_level=False)
            if problem:
                raise c.fail(f"Validating workflow failed: {problem}", where)
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            merged: DataTree = {}
            for v in value:
                merged.update(v)
            value = merged
        if not isinstance(value, dict):
            raise c.fail(f"Parameter '{key}' must be an object or array of objects", where)
        if not is_parallel and value.get("_after") is not None:
            raise c.fail(
                'Setting "_after" option is invalid if its parent task doesn\'t have '
                '"_parallel: true" option',
                (*where, "_after"),
            )
        if is_parallel and value.get("_background") in (True, "true"):
            raise c.fail(
                'Setting "_background: true" option is invalid (unnecessary) if its parent '
                'task has "_parallel: true" option',
                (*where, "_background"),
            )
        after = value.get("_after")
        if after is not None and not isinstance(after, list):
            raise c.fail(
                f"Expected array type for key '_after' but got {after!r}; "
                "write a list such as [+task_a]",
                (*where, "_after"),
            )
        if isinstance(after, list):
            earlier = children[: children.index(key)]
            for dep in after:
                if dep not in earlier:
                    raise c.fail(f"Dependency task '{dep}' does not exist", (*where, "_after"))
        _check_task(c, value, where, full + key)


def _check_task(c: _Checker, data: DataTree, at: tuple[str, ...], full: str) -> None:
    if data.get("_disable") in (True, "true", "True"):
        return
    ops = [k for k in data if k.endswith(">")]
    subtasks = [k for k in data if k.startswith("+")]
    if ops or "_type" in data:
        if len(ops) > 1:
            raise c.fail(
                f"A task can't have more than one operator: {full} has {', '.join(ops)}",
                (*at, ops[1]),
            )
        if subtasks:
            raise c.fail(
                f"A task can't have subtasks: {full} has operator {ops[0] if ops else '_type'} "
                f"and subtask {subtasks[0]}",
                (*at, subtasks[0]),
            )
        err = data.get("_error")
        if isinstance(err, dict):
            _check_task(c, err, (*at, "_error"), full + "^error")
        return
    invalid = [k for k in data if not k.startswith("+") and k not in GROUP_KEYS]
    if invalid:
        raise c.fail(
            f"{full} contains invalid keys: {', '.join(repr(k) for k in invalid)} "
            "(a group takes only directives and +tasks; put parameters in _export)",
            (*at, invalid[0]),
        )
    parallel = data.get("_parallel")
    if parallel is not None and not _valid_parallel(parallel):
        raise c.fail(_parallel_problem(parallel), (*at, "_parallel"))
    err = data.get("_error")
    if err is not None and not isinstance(err, dict):
        raise c.fail("Parameter '_error' must be an object", (*at, "_error"))
    if isinstance(err, dict):
        _check_task(c, err, (*at, "_error"), full + "^error")
    _check_group(c, data, at, full, top_level=False)


def _parallel_problem(value: Any) -> str:
    if isinstance(value, dict):
        return "Parameter 'limit' is required but not set (in _parallel)"
    return f"Invalid _parallel format: {value!r} (write true, false or {{limit: N}})"


def _valid_parallel(value: Any) -> bool:
    if isinstance(value, bool) or value in ("true", "false"):
        return True
    if isinstance(value, dict):
        return "limit" in value
    return False
