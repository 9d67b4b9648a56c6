"""Codemods: passes that edit workflows in place, run safely over hundreds of `.dig` files.

A pass is a callable ``(workflow, ctx) -> None``; :func:`run_files` runs one over many files
(in parallel, verifying and writing atomically) and yields one typed result per file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digrefactor.files import (
        FileFilter,
        discover_files,
    )
    from digrefactor.transforms._api import (
        Changed,
        CodemodPass,
        Failed,
        FileResult,
        Pass,
        PassContext,
        PassUsageError,
        SkipFile,
        Skipped,
        Unchanged,
    )
    from digrefactor.transforms._params import (
        get_dotted,
        remove_dotted,
        rename_dotted,
        set_dotted,
    )
    from digrefactor.transforms._passes import (
        PASSES,
        ConvertSchedule,
        RemoveExport,
        RemoveParam,
        RenameOperator,
        RenameParam,
        RenameTask,
        RenameWorkflow,
        ReplaceInCommand,
        SetErrorHandler,
        SetExport,
        SetParallel,
        SetParam,
        SetRetry,
        SetSchedule,
        SetScheduleOption,
        SetTimezone,
        ShiftSchedule,
        parse_value,
    )
    from digrefactor.transforms._runner import (
        DEFAULT_TIMEOUT,
        PassRef,
        apply_pass,
        load_pass,
        run_file,
        run_files,
        unified_diff,
    )
    from digrefactor.transforms._schedule import (
        ScheduleError,
        parse_duration,
        shift_value,
        to_cron,
    )
    from digrefactor.transforms._select import (
        TaskRef,
        TaskSelector,
        iter_task_refs,
        name_matches,
        select_tasks,
        short_name,
    )

#: Module each name is loaded from on first use (PEP 562): the command line's start-up and
#: `codemod --help` load no models; a pass loads them when it runs.
_LAZY: dict[str, str] = {
    "FileFilter": "digrefactor.files",
    "discover_files": "digrefactor.files",
    "Changed": "digrefactor.transforms._api",
    "CodemodPass": "digrefactor.transforms._api",
    "Failed": "digrefactor.transforms._api",
    "FileResult": "digrefactor.transforms._api",
    "Pass": "digrefactor.transforms._api",
    "PassContext": "digrefactor.transforms._api",
    "PassUsageError": "digrefactor.transforms._api",
    "SkipFile": "digrefactor.transforms._api",
    "Skipped": "digrefactor.transforms._api",
    "Unchanged": "digrefactor.transforms._api",
    "get_dotted": "digrefactor.transforms._params",
    "remove_dotted": "digrefactor.transforms._params",
    "rename_dotted": "digrefactor.transforms._params",
    "set_dotted": "digrefactor.transforms._params",
    "PASSES": "digrefactor.transforms._passes",
    "ConvertSchedule": "digrefactor.transforms._passes",
    "RemoveExport": "digrefactor.transforms._passes",
    "RemoveParam": "digrefactor.transforms._passes",
    "RenameOperator": "digrefactor.transforms._passes",
    "RenameParam": "digrefactor.transforms._passes",
    "RenameTask": "digrefactor.transforms._passes",
    "RenameWorkflow": "digrefactor.transforms._passes",
    "ReplaceInCommand": "digrefactor.transforms._passes",
    "SetErrorHandler": "digrefactor.transforms._passes",
    "SetExport": "digrefactor.transforms._passes",
    "SetParallel": "digrefactor.transforms._passes",
    "SetParam": "digrefactor.transforms._passes",
    "SetRetry": "digrefactor.transforms._passes",
    "SetSchedule": "digrefactor.transforms._passes",
    "SetScheduleOption": "digrefactor.transforms._passes",
    "SetTimezone": "digrefactor.transforms._passes",
    "ShiftSchedule": "digrefactor.transforms._passes",
    "parse_value": "digrefactor.transforms._passes",
    "DEFAULT_TIMEOUT": "digrefactor.transforms._runner",
    "PassRef": "digrefactor.transforms._runner",
    "apply_pass": "digrefactor.transforms._runner",
    "load_pass": "digrefactor.transforms._runner",
    "run_file": "digrefactor.transforms._runner",
    "run_files": "digrefactor.transforms._runner",
    "unified_diff": "digrefactor.transforms._runner",
    "ScheduleError": "digrefactor.transforms._schedule",
    "parse_duration": "digrefactor.transforms._schedule",
    "shift_value": "digrefactor.transforms._schedule",
    "to_cron": "digrefactor.transforms._schedule",
    "TaskRef": "digrefactor.transforms._select",
    "TaskSelector": "digrefactor.transforms._select",
    "iter_task_refs": "digrefactor.transforms._select",
    "name_matches": "digrefactor.transforms._select",
    "select_tasks": "digrefactor.transforms._select",
    "short_name": "digrefactor.transforms._select",
}


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


__all__ = [
    "DEFAULT_TIMEOUT",
    "PASSES",
    "Changed",
    "CodemodPass",
    "ConvertSchedule",
    "Failed",
    "FileFilter",
    "FileResult",
    "Pass",
    "PassContext",
    "PassRef",
    "PassUsageError",
    "RemoveExport",
    "RemoveParam",
    "RenameOperator",
    "RenameParam",
    "RenameTask",
    "RenameWorkflow",
    "ReplaceInCommand",
    "ScheduleError",
    "SetErrorHandler",
    "SetExport",
    "SetParallel",
    "SetParam",
    "SetRetry",
    "SetSchedule",
    "SetScheduleOption",
    "SetTimezone",
    "ShiftSchedule",
    "SkipFile",
    "Skipped",
    "TaskRef",
    "TaskSelector",
    "Unchanged",
    "apply_pass",
    "discover_files",
    "get_dotted",
    "iter_task_refs",
    "load_pass",
    "name_matches",
    "parse_duration",
    "parse_value",
    "remove_dotted",
    "rename_dotted",
    "run_file",
    "run_files",
    "select_tasks",
    "set_dotted",
    "shift_value",
    "short_name",
    "to_cron",
    "unified_diff",
]
