"""``schedule:`` and ``sla:`` (spec §4)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from digrefactor.models._base import DigModel

__all__ = [
    "SCHEDULE_CLASSES",
    "SCHEDULE_KINDS",
    "SLA",
    "CRONSchedule",
    "Schedule",
    "ScheduleCron",
    "ScheduleDaily",
    "ScheduleHourly",
    "ScheduleMinutesInterval",
    "ScheduleMonthly",
    "ScheduleWeekly",
    "WorkflowSchedule",
]

#: Scheduler types Digdag 0.10.5.1 registers (``seconds_interval`` is undocumented).
SCHEDULE_KINDS = (
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "minutes_interval",
    "cron",
    "seconds_interval",
)


class CRONSchedule(BaseModel):
    """A cron expression by fields (the seed's API); written as ``cron>: 'm h dom mon dow'``."""

    minutes: str = "*"
    hours: str = "*"
    day_of_month: str = "*"
    month: str = "*"
    day_of_week: str = "*"

    def to_string(self) -> str:
        return " ".join([self.minutes, self.hours, self.day_of_month, self.month, self.day_of_week])

    def to_raw(self) -> str:
        return self.to_string()


class Schedule(DigModel):
    """A workflow schedule: exactly one ``TYPE>: value`` plus the four modifiers.

    ``Schedule(daily="07:00:00", skip_delayed_by="1h")`` or the typed shortcuts such as
    ``ScheduleDaily("07:00:00")``.
    """

    hourly: str | None = Field(default=None, alias="hourly>")
    """`hourly>: MM:SS`: every hour at that minute and second."""
    daily: str | None = Field(default=None, alias="daily>")
    """`daily>: HH:MM:SS`: every day at that time."""
    weekly: str | None = Field(default=None, alias="weekly>")
    """`weekly>: DDD,HH:MM:SS`: every week on that day (`Sun`..`Sat`) at that time."""
    monthly: str | None = Field(default=None, alias="monthly>")
    """`monthly>: D,HH:MM:SS`: every month on day D at that time."""
    minutes_interval: int | str | None = Field(default=None, alias="minutes_interval>")
    """`minutes_interval>: M`: every M minutes."""
    cron: str | CRONSchedule | None = Field(default=None, alias="cron>")
    """`cron>: 'm h dom mon dow'`: a cron expression (quote it when it starts with `*`)."""
    seconds_interval: int | str | None = Field(default=None, alias="seconds_interval>")
    """`seconds_interval>: N`: every N seconds (undocumented)."""
    skip_on_overtime: bool | str | None = None
    """Skip a session while an attempt of this workflow still runs (default false)."""
    skip_delayed_by: str | int | None = None
    """Skip a session that would start this much later than scheduled (`1h`)."""
    start: str | None = None
    """First day of the schedule, `yyyy-MM-dd` (inclusive)."""
    end: str | None = None
    """Last day of the schedule, `yyyy-MM-dd` (inclusive)."""

    @property
    def kind(self) -> str | None:
        """The scheduler type (``"daily"``, ``"cron"``, ...), the first one set."""
        for kind in SCHEDULE_KINDS:
            if getattr(self, kind) is not None:
                return kind
        for key in self.params:
            if key.endswith(">"):
                return key[:-1]
        return None

    @property
    def value(self) -> Any:
        kind = self.kind
        if kind is None:
            return None
        if kind in SCHEDULE_KINDS:
            v = getattr(self, kind)
            return v.to_string() if isinstance(v, CRONSchedule) else v
        return self.params.get(kind + ">")

    def set_kind(self, kind: str, value: Any) -> None:
        """Replace the scheduler type and value, keeping the modifiers and the key's place."""
        old = self.kind
        if old is not None:
            self.remove_param(old + ">")
            self._order = [kind + ">" if k == old + ">" else k for k in self._order]
        self.set_param(kind + ">", value)


WorkflowSchedule = Schedule


class ScheduleHourly(Schedule):
    """``hourly>: MM:SS``."""

    def __init__(self, at: str | None = None, /, **data: Any) -> None:
        if at is not None:
            data["hourly"] = at
        super().__init__(**data)


class ScheduleDaily(Schedule):
    """``daily>: HH:MM:SS``."""

    def __init__(self, at: str | None = None, /, **data: Any) -> None:
        if at is not None:
            data["daily"] = at
        super().__init__(**data)


class ScheduleWeekly(Schedule):
    """``weekly>: DDD,HH:MM:SS``."""

    def __init__(self, at: str | None = None, /, **data: Any) -> None:
        if at is not None:
            data["weekly"] = at
        super().__init__(**data)


class ScheduleMonthly(Schedule):
    """``monthly>: D,HH:MM:SS``."""

    def __init__(self, at: str | None = None, /, **data: Any) -> None:
        if at is not None:
            data["monthly"] = at
        super().__init__(**data)


class ScheduleMinutesInterval(Schedule):
    """``minutes_interval>: M``."""

    def __init__(self, minutes: int | str | None = None, /, **data: Any) -> None:
        if minutes is not None:
            data["minutes_interval"] = minutes
        super().__init__(**data)


class ScheduleCron(Schedule):
    """``cron>: 'm h dom mon dow'``."""

    def __init__(self, expression: str | CRONSchedule | None = None, /, **data: Any) -> None:
        if expression is not None:
            data["cron"] = expression
        super().__init__(**data)


#: Which typed shortcut class a loaded schedule becomes.
SCHEDULE_CLASSES: dict[str, type[Schedule]] = {
    "hourly": ScheduleHourly,
    "daily": ScheduleDaily,
    "weekly": ScheduleWeekly,
    "monthly": ScheduleMonthly,
    "minutes_interval": ScheduleMinutesInterval,
    "cron": ScheduleCron,
}


class SLA(DigModel):
    """``sla:``: a deadline (``time`` or ``duration``) and what to do when it passes.

    ``alert`` defaults to true in Digdag, ``fail`` to false. Every other key (an operator such
    as ``notify>:``, or ``+tasks``) is kept in ``params`` as the SLA's task config.
    """

    time: str | None = None
    """Deadline as a time of day, `HH:MM[:SS]` in the workflow's time zone."""
    duration: str | None = None
    """Deadline as time since the attempt started, `HH:MM[:SS]`."""
    alert: bool | str | None = None
    """Send a notification (`notify>`) when the deadline passes (default true)."""
    fail: bool | str | None = None
    """Fail the attempt when the deadline passes (default false)."""
