"""Schedule values: parse durations, shift schedules in time, convert them to cron.

All functions are pure and raise :class:`ScheduleError` with a one-line reason when a value
cannot be handled *exactly*; passes turn that into ``ctx.skip(reason)``.

Formats (spec §4.1): ``hourly>: MM:SS``, ``daily>: HH:MM:SS``, ``weekly>: DAY,HH:MM:SS``,
``monthly>: D,HH:MM:SS``, ``minutes_interval>: M``, ``cron>: 'm h dom mon dow'`` (cron4j).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ScheduleError",
    "format_duration",
    "parse_duration",
    "shift_cron",
    "shift_value",
    "to_cron",
]

DAY = 86400
WEEK = 7 * DAY
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class ScheduleError(ValueError):
    """A schedule value that cannot be shifted or converted exactly."""


_DURATION = re.compile(r"^([+-]?)((?:\d+[dhms])+)$")
_PART = re.compile(r"(\d+)([dhms])")
_UNIT = {"d": DAY, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """``+1h``, ``-30m``, ``1d``, ``+1h30m``, ``-90s`` → signed seconds."""
    m = _DURATION.match(text.strip().replace(" ", ""))
    if not m:
        raise ValueError(f"expected a duration such as +1h, -30m, +1d or +1h30m, got {text!r}")
    seconds = sum(int(n) * _UNIT[u] for n, u in _PART.findall(m.group(2)))
    return -seconds if m.group(1) == "-" else seconds


def format_duration(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    rest = abs(seconds)
    out = []
    for unit, size in (("d", DAY), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    return sign + ("".join(out) or "0s")


# --------------------------------------------------------------------------- HH:MM:SS values


@dataclass(frozen=True)
class _Clock:
    """A ``[HH:]MM:SS`` text with the field widths it was written with."""

    fields: tuple[int, ...]
    widths: tuple[int, ...]

    @classmethod
    def parse(cls, text: str, count: int, kind: str) -> _Clock:
        parts = text.strip().split(":")
        if len(parts) != count or not all(p.isdigit() for p in parts):
            fmt = "mm:ss" if count == 2 else "hh:mm:ss"
            raise ScheduleError(f"{kind}>: {text!r} is not in {fmt} format")
        values = tuple(int(p) for p in parts)
        limits = (24, 60, 60)[-count:]
        if any(v >= lim for v, lim in zip(values, limits, strict=True)):
            raise ScheduleError(
                f"{kind}>: {text!r} has a field out of range (Digdag reads it as an extra "
                "delay); shift it by hand"
            )
        return cls(values, tuple(len(p) for p in parts))

    def seconds(self) -> int:
        total = 0
        for v in self.fields:
            total = total * 60 + v
        return total

    def render(self, seconds: int) -> str:
        values: tuple[int, ...]
        if len(self.fields) == 3:
            values = (seconds // 3600, seconds // 60 % 60, seconds % 60)
        else:
            values = (seconds // 60, seconds % 60)
        return ":".join(f"{v:0{w}d}" for v, w in zip(values, self.widths, strict=True))


def _split_day(text: str, kind: str) -> tuple[str, str, str]:
    """``Sun, 10:00:00`` → (``Sun``, ``, ``, ``10:00:00``): day, separator as written, time."""
    day, sep, rest = text.partition(",")
    if not sep:
        raise ScheduleError(f"{kind}>: {text!r} is not in day,hh:mm:ss format")
    stripped = rest.lstrip()
    return day, sep + rest[: len(rest) - len(stripped)], stripped


def _day_index(day: str) -> tuple[int, str]:
    """A cron4j day of week (name or 0-6) → (index, style) where style re-renders it."""
    d = day.strip()
    if d.isdigit():
        n = int(d)
        if n > 7:
            raise ScheduleError(f"day of week {day!r} is out of range")
        return n % 7, "digit"
    low = d.lower()
    if low[:3] in _DAY_NAMES and len(d) == 3:
        style = "upper" if d.isupper() else "lower" if d.islower() else "title"
        return _DAY_NAMES.index(low), style
    raise ScheduleError(f"day of week {day!r} is not a single day (ranges and lists stay as is)")


def _render_day(index: int, style: str) -> str:
    if style == "digit":
        return str(index)
    name = _DAY_NAMES[index]
    return name.upper() if style == "upper" else name if style == "lower" else name.title()


def shift_value(kind: str, value: object, delta: int) -> object:
    """The schedule value of *kind* moved by *delta* seconds (wrapping across days/weeks)."""
    if kind in ("minutes_interval", "seconds_interval"):
        raise ScheduleError(
            f"{kind}> schedules are aligned to the clock and have no time of day to shift"
        )
    if not isinstance(value, str):
        raise ScheduleError(f"{kind}>: {value!r} is not a string")
    if kind == "hourly":
        clock = _Clock.parse(value, 2, kind)
        return clock.render((clock.seconds() + delta) % 3600)
    if kind == "daily":
        clock = _Clock.parse(value, 3, kind)
        return clock.render((clock.seconds() + delta) % DAY)
    if kind == "weekly":
        day, sep, time = _split_day(value, kind)
        clock = _Clock.parse(time, 3, kind)
        index, style = _day_index(day)
        total = (index * DAY + clock.seconds() + delta) % WEEK
        lead = day[: len(day) - len(day.lstrip())]
        return f"{lead}{_render_day(total // DAY, style)}{sep}{clock.render(total % DAY)}"
    if kind == "monthly":
        day, sep, time = _split_day(value, kind)
        clock = _Clock.parse(time, 3, kind)
        if not day.strip().isdigit():
            raise ScheduleError(f"monthly>: day {day!r} is not a number")
        dom = int(day)
        total = clock.seconds() + delta
        days, rest = divmod(total, DAY)
        new_dom = dom + days
        if days and not (1 <= dom <= 28 and 1 <= new_dom <= 28):
            raise ScheduleError(
                f"monthly>: {value!r} shifted by {format_duration(delta)} crosses into another "
                "month on some months (only days 1-28 wrap exactly)"
            )
        width = len(day.strip())
        return f"{new_dom:0{width}d}{sep}{clock.render(rest)}"
    if kind == "cron":
        return shift_cron(value, delta)
    raise ScheduleError(f"cannot shift a {kind}> schedule")


# --------------------------------------------------------------------------------------- cron


@dataclass
class _Field:
    """One cron field: ``*``, ``*/n``, or a list of numbers and ``a-b`` ranges.

    ``step`` is set for ``*/n`` (``star`` is then false and ``items`` empty).
    """

    star: bool
    items: list[tuple[int, int]]  # inclusive ranges; a number n is (n, n)
    step: int | None = None
    names: str | None = None  # day-of-week name style, when written with names

    @property
    def every(self) -> bool:
        """Matches every value (``*``, or ``*/1``)."""
        return self.star or self.step == 1


def _parse_field(text: str, lo: int, hi: int, what: str, days: bool = False) -> _Field:
    if text == "*":
        return _Field(True, [])
    if text.startswith("*/") and text[2:].isdigit() and int(text[2:]) > 0:
        return _Field(False, [], step=int(text[2:]))
    items: list[tuple[int, int]] = []
    style: str | None = None
    for part in text.split(","):
        bounds = part.split("-")
        if len(bounds) > 2 or not all(bounds):
            raise ScheduleError(f"cron {what} field {text!r} uses steps or an unsupported form")
        nums = []
        for b in bounds:
            if b.isdigit():
                n = int(b)
                if days:
                    n %= 7
                    style = style or "digit"
            elif days:
                n, style = _day_index(b)
            else:
                raise ScheduleError(f"cron {what} field {text!r} has a non-numeric value")
            if not lo <= n <= hi:
                raise ScheduleError(f"cron {what} field {text!r} is out of range")
            nums.append(n)
        start, end = nums[0], nums[-1]
        if end < start:
            raise ScheduleError(f"cron {what} field {text!r} has a wrapping range")
        items.append((start, end))
    return _Field(False, items, names=style)


def _render_field(items: list[tuple[int, int]], names: str | None = None) -> str:
    def one(n: int) -> str:
        return _render_day(n, names) if names else str(n)

    return ",".join(one(a) if a == b else f"{one(a)}-{one(b)}" for a, b in sorted(items))


def _shift_items(
    field: _Field, delta: int, modulo: int, what: str, uniform: bool
) -> tuple[list[tuple[int, int]], int]:
    """Add *delta* to every value; returns the new items and the carry into the next field.

    With *uniform*, every value must carry by the same amount (else the next field would have
    to move differently for different values, which one cron expression cannot say).
    """
    carries = set()
    items = []
    for a, b in field.items:
        ca, na = divmod(a + delta, modulo)
        cb, nb = divmod(b + delta, modulo)
        if ca != cb:
            raise ScheduleError(f"cron {what} range {a}-{b} would wrap around")
        carries.add(ca)
        items.append((na, nb))
    if uniform and len(carries) > 1:
        raise ScheduleError(f"cron {what} values would carry into the next field differently")
    return items, (carries.pop() if len(carries) == 1 else 0)


def shift_cron(expression: str, delta: int) -> str:
    """Shift a 5-field cron4j expression by *delta* seconds exactly, or raise ScheduleError.

    Exact means: the new expression matches precisely the old run times moved by *delta*.
    """
    if delta % 60:
        raise ScheduleError("cron has no seconds field: shift cron schedules by whole minutes")
    fields = expression.split()
    if len(fields) != 5 or "|" in expression:
        raise ScheduleError(f"cron expression {expression!r} is not 5 fields")
    minute_s, hour_s, dom_s, month_s, dow_s = fields
    minutes = _parse_field(minute_s, 0, 59, "minute")
    hours = _parse_field(hour_s, 0, 23, "hour")
    dom = _parse_field(dom_s, 1, 31, "day-of-month")
    month = _parse_field(month_s, 1, 12, "month")
    dow = _parse_field(dow_s, 0, 6, "day-of-week", days=True)
    all_days = dom.every and month.every and dow.every
    delta_min = delta // 60
    if delta_min == 0:
        return expression

    # Minutes: the new minute field, and by how many hours the runs move on top of it.
    if minutes.items:
        new_items, hour_shift = _shift_items(
            minutes, delta_min, 60, "minute", uniform=not hours.every
        )
        new_minute_s = _render_field(new_items)
        if hours.every:
            carries = {divmod(a + delta_min, 60)[0] for a, _ in minutes.items}
            if carries != {0} and not all_days:
                raise ScheduleError(
                    f"cron {expression!r}: runs would move into another hour across midnight "
                    "while the day fields are set"
                )
            hour_shift = 0
    else:
        period = 1 if minutes.every else minutes.step
        assert period is not None
        if delta_min % 60 == 0:
            hour_shift = delta_min // 60
        elif 60 % period == 0 and delta_min % period == 0 and hours.every and all_days:
            hour_shift = 0
        else:
            raise ScheduleError(
                f"cron minute field {minute_s!r} cannot move by {format_duration(delta)} exactly"
            )
        new_minute_s = minute_s

    # Hours: the new hour field, and by how many days the runs move.
    day_shift = 0
    if hour_shift == 0:
        new_hour_s = hour_s
    elif hours.items:
        items_h, day_shift = _shift_items(hours, hour_shift, 24, "hour", uniform=True)
        new_hour_s = _render_field(items_h)
    else:
        period = 1 if hours.every else hours.step
        assert period is not None
        if all_days and 24 % period == 0 and hour_shift % period == 0:
            new_hour_s = hour_s
        else:
            raise ScheduleError(
                f"cron hour field {hour_s!r} cannot move by {format_duration(delta)} exactly"
            )

    new_dom_s, new_dow_s = dom_s, dow_s
    if day_shift:
        if not month.every:
            raise ScheduleError(
                f"cron {expression!r}: the shift crosses midnight and the month field is set"
            )
        if not dom.every and not dow.every:
            raise ScheduleError(
                f"cron {expression!r}: the shift crosses midnight and both day fields are set"
            )
        if not dom.every:
            if not dom.items or not all(
                a >= 1 and b <= 28 and a + day_shift >= 1 and b + day_shift <= 28
                for a, b in dom.items
            ):
                raise ScheduleError(
                    f"cron {expression!r}: the shift moves a day of month across a month end "
                    "on some months (only days 1-28 shift exactly)"
                )
            new_dom_s = _render_field([(a + day_shift, b + day_shift) for a, b in dom.items])
        if not dow.every:
            if not dow.items:
                raise ScheduleError(
                    f"cron day-of-week field {dow_s!r} cannot move across midnight exactly"
                )
            items_d = []
            for a, b in dow.items:
                na, nb = (a + day_shift) % 7, (b + day_shift) % 7
                if a != b and nb < na:
                    raise ScheduleError(
                        f"cron day-of-week range {dow_s!r} would wrap around the week"
                    )
                items_d.append((na, nb))
            new_dow_s = _render_field(items_d, dow.names)
    return " ".join([new_minute_s, new_hour_s, new_dom_s, month_s, new_dow_s])


# ------------------------------------------------------------------------------ convert to cron


def to_cron(kind: str, value: object) -> str:
    """The cron4j expression of a schedule, or raise when cron cannot express it exactly."""
    if kind == "cron":
        if not isinstance(value, str):
            raise ScheduleError(f"cron>: {value!r} is not a string")
        return value
    if kind == "minutes_interval":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ScheduleError(f"minutes_interval>: {value!r} is not an integer")
        try:
            minutes = int(value)
        except ValueError:
            raise ScheduleError(f"minutes_interval>: {value!r} is not an integer") from None
        if minutes <= 0:
            raise ScheduleError(f"minutes_interval>: {minutes} is not positive")
        return f"*/{minutes} * * * *"
    if kind == "seconds_interval":
        raise ScheduleError("seconds_interval> cannot be written as cron (no seconds field)")
    if not isinstance(value, str):
        raise ScheduleError(f"{kind}>: {value!r} is not a string")
    if kind == "hourly":
        mm, ss = _Clock.parse(value, 2, kind).fields
        _no_seconds(kind, value, ss)
        return f"{mm} * * * *"
    if kind == "daily":
        hh, mm, ss = _Clock.parse(value, 3, kind).fields
        _no_seconds(kind, value, ss)
        return f"{mm} {hh} * * *"
    if kind in ("weekly", "monthly"):
        day, _, time = _split_day(value, kind)
        hh, mm, ss = _Clock.parse(time, 3, kind).fields
        _no_seconds(kind, value, ss)
        day = day.strip()
        if kind == "monthly":
            if not day.isdigit() or not 1 <= int(day) <= 31:
                raise ScheduleError(f"monthly>: day {day!r} is not a day of month")
            return f"{mm} {hh} {int(day)} * *"
        if not day or " " in day:
            raise ScheduleError(f"weekly>: day {day!r} is not a cron day of week")
        return f"{mm} {hh} * * {day}"
    raise ScheduleError(f"cannot convert a {kind}> schedule to cron")


def _no_seconds(kind: str, value: str, seconds: int) -> None:
    if seconds:
        raise ScheduleError(
            f"{kind}>: {value!r} runs at second {seconds}; cron cannot express seconds"
        )
