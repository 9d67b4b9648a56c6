"""Schedule arithmetic: durations, shifting with wrap-around, exactness of cron shifts."""

from __future__ import annotations

import itertools

import pytest

from digrefactor.transforms import ScheduleError, parse_duration, shift_value, to_cron
from digrefactor.transforms._schedule import format_duration

H = 3600


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("+1h", H), ("-30m", -1800), ("1d", 86400), ("+1h30m", 5400), ("-90s", -90), ("+0m", 0)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "+h", "1x", "++1h", "1h-30m", "one hour"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for seconds in (H, -1800, 86400 + 90, -5400):
        assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("kind", "value", "delta", "expected"),
    [
        ("daily", "23:30:00", H, "00:30:00"),
        ("daily", "00:10:00", -30 * 60, "23:40:00"),
        ("daily", "07:00:00", 86400, "07:00:00"),
        ("daily", "7:05:09", H, "8:05:09"),  # field widths as written
        ("hourly", "50:00", 15 * 60, "05:00"),
        ("hourly", "30:00", H, "30:00"),
        ("weekly", "Sun,23:30:00", H, "Mon,00:30:00"),
        ("weekly", "Sat,23:30:00", H, "Sun,00:30:00"),
        ("weekly", "sun, 00:30:00", -H, "sat, 23:30:00"),
        ("weekly", "0,12:00:00", -13 * H, "6,23:00:00"),
        ("monthly", "1,23:00:00", 2 * H, "2,01:00:00"),
        ("monthly", "05,00:30:00", -H, "04,23:30:00"),
        ("cron", "0 4 * * *", H, "0 5 * * *"),
        ("cron", "30 23 * * *", H, "30 0 * * *"),
        ("cron", "30 23 * * Sun", H, "30 0 * * Mon"),
        ("cron", "30 23 * * 1-5", H, "30 0 * * 2-6"),
        ("cron", "0 23 15 * *", 2 * H, "0 1 16 * *"),
        ("cron", "*/5 * * * *", H, "*/5 * * * *"),
        ("cron", "*/5 * * * *", 10 * 60, "*/5 * * * *"),
        ("cron", "50 * * * *", 15 * 60, "5 * * * *"),
        ("cron", "30 6,18 * * *", H, "30 7,19 * * *"),
        ("cron", "0 9-17 * * *", -H, "0 8-16 * * *"),
    ],
)
def test_shift(kind: str, value: str, delta: int, expected: str) -> None:
    assert shift_value(kind, value, delta) == expected


@pytest.mark.parametrize(
    ("kind", "value", "delta", "reason"),
    [
        ("minutes_interval", 5, H, "aligned to the clock"),
        ("seconds_interval", 10, H, "aligned to the clock"),
        ("daily", "25:00:00", H, "out of range"),
        ("daily", "07:00", H, "hh:mm:ss"),
        ("monthly", "31,23:30:00", H, "another month"),
        ("monthly", "1,00:30:00", -H, "another month"),
        ("weekly", "Mon-Fri,23:00:00", 2 * H, "not a single day"),
        ("cron", "30 23 * * 2-6", H, "wrap around the week"),
        ("cron", "0 4-6 * * *", -5 * H, "wrap around"),
        ("cron", "50 * * * 1", 15 * 60, "day fields are set"),
        ("cron", "0 23 28 * *", 2 * H, "month end"),
        ("cron", "0 23 * 1 *", 2 * H, "month field"),
        ("cron", "0 23 1 * 1", 2 * H, "both day fields"),
        ("cron", "0 0 * * *", 30, "whole minutes"),
        ("cron", "0 0 * *", H, "not 5 fields"),
        ("cron", "0 */7 * * *", H, "cannot move"),
        ("cron", "0 L * * *", H, "non-numeric"),
    ],
)
def test_shift_refuses_inexact(kind: str, value: object, delta: int, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        shift_value(kind, value, delta)


def _cron_times(expr: str) -> set[tuple[int, int, int]]:
    """(weekday, hour, minute) run times of a cron with '*' day-of-month and month."""
    minute, hour, dom, month, dow = expr.split()
    assert dom == "*" and month == "*"

    def values(field: str, lo: int, hi: int, names: tuple[str, ...] = ()) -> set[int]:
        if field == "*":
            return set(range(lo, hi + 1))
        if field.startswith("*/"):
            return set(range(lo, hi + 1, int(field[2:])))
        out: set[int] = set()
        for part in field.split(","):
            a, _, b = part.partition("-")
            ia = names.index(a.lower()) if a.lower() in names else int(a)
            ib = (names.index(b.lower()) if b.lower() in names else int(b)) if b else ia
            out.update(range(ia, ib + 1))
        return out

    days = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    return {
        (d, h, m)
        for d in values(dow, 0, 6, days)
        for h in values(hour, 0, 23)
        for m in values(minute, 0, 59)
    }


def _moved(times: set[tuple[int, int, int]], delta_min: int) -> set[tuple[int, int, int]]:
    week = 7 * 24 * 60
    out = set()
    for d, h, m in times:
        t = (d * 1440 + h * 60 + m + delta_min) % week
        out.add((t // 1440, t // 60 % 24, t % 60))
    return out


@pytest.mark.parametrize(
    "expr",
    ["30 23 * * 1-5", "0 4 * * *", "15,45 9-17 * * *", "*/20 * * * *", "50 * * * *", "0 0 * * 0"],
)
def test_cron_shift_is_exact_or_refused(expr: str) -> None:
    """Brute force over a week: a shifted cron runs exactly at the old times + delta."""
    shifted = 0
    for delta_min in itertools.chain(range(-180, 181, 15), (-1440, 1440, 25 * 60)):
        try:
            new = shift_value("cron", expr, delta_min * 60)
        except ScheduleError:
            continue
        shifted += 1
        assert isinstance(new, str)
        assert _cron_times(new) == _moved(_cron_times(expr), delta_min), (expr, delta_min, new)
    assert shifted >= 5, f"{expr}: almost every shift was refused"


@pytest.mark.parametrize(
    ("kind", "value", "cron"),
    [
        ("daily", "07:30:00", "30 7 * * *"),
        ("hourly", "15:00", "15 * * * *"),
        ("weekly", "Sun, 10:00:00", "0 10 * * Sun"),
        ("monthly", "5,06:30:00", "30 6 5 * *"),
        ("minutes_interval", 5, "*/5 * * * *"),
        ("minutes_interval", "10", "*/10 * * * *"),
        ("cron", "1 2 3 4 5", "1 2 3 4 5"),
    ],
)
def test_to_cron(kind: str, value: object, cron: str) -> None:
    assert to_cron(kind, value) == cron


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("daily", "07:00:30", "cannot express seconds"),
        ("hourly", "15:01", "cannot express seconds"),
        ("seconds_interval", 10, "no seconds field"),
        ("minutes_interval", 0, "not positive"),
        ("minutes_interval", True, "not an integer"),
        ("monthly", "32,07:00:00", "not a day of month"),
        ("daily", "24:00:00", "out of range"),
    ],
)
def test_to_cron_refuses(kind: str, value: object, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        to_cron(kind, value)
