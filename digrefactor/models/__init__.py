"""Typed models of every Digdag construct (re-exported from :mod:`digrefactor`)."""

from digrefactor._datatree import Include
from digrefactor.models._base import DigModel
from digrefactor.models._build import OPERATORS, build_task, operator_class, register_operator
from digrefactor.models._directives import (
    IntervalRetryCondition,
    ParallelLimit,
    RetryCondition,
    RetryIntervalType,
    SimpleRetryCondition,
)
from digrefactor.models._operators import *  # noqa: F403
from digrefactor.models._operators import __all__ as _operators_all
from digrefactor.models._schedule import (
    SCHEDULE_KINDS,
    SLA,
    CRONSchedule,
    Schedule,
    ScheduleCron,
    ScheduleDaily,
    ScheduleHourly,
    ScheduleMinutesInterval,
    ScheduleMonthly,
    ScheduleWeekly,
    WorkflowSchedule,
)
from digrefactor.models._tasks import (
    GroupTask,
    NamedTask,
    OperatorTask,
    ParallelTask,
    RawTask,
    Task,
)
from digrefactor.models._workflow import Workflow, WorkflowProject, walk_tasks

__all__ = [
    "OPERATORS",
    "SCHEDULE_KINDS",
    "SLA",
    "CRONSchedule",
    "DigModel",
    "GroupTask",
    "Include",
    "IntervalRetryCondition",
    "NamedTask",
    "OperatorTask",
    "ParallelLimit",
    "ParallelTask",
    "RawTask",
    "RetryCondition",
    "RetryIntervalType",
    "Schedule",
    "ScheduleCron",
    "ScheduleDaily",
    "ScheduleHourly",
    "ScheduleMinutesInterval",
    "ScheduleMonthly",
    "ScheduleWeekly",
    "SimpleRetryCondition",
    "Task",
    "Workflow",
    "WorkflowProject",
    "WorkflowSchedule",
    "build_task",
    "operator_class",
    "register_operator",
    "walk_tasks",
    *_operators_all,
]
