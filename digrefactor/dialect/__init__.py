"""Dialect layer: what Digdag sees in a `.dig` file (typing, duplicates, merges, includes)."""

from digrefactor.dialect._expand import expand_includes
from digrefactor.dialect._resolve import (
    clear_include_cache,
    include_snapshot,
    key_text,
    load_raw_file,
    load_raw_text,
    read_problem,
    read_raw_file,
    read_raw_text,
    resolve_document,
)
from digrefactor.dialect._scalars import java_key_string, resolve_plain
from digrefactor.dialect._validate import (
    GROUP_KEYS,
    SCHEDULE_MODIFIERS,
    SCHEDULE_TYPES,
    TASK_NAME_CHARACTERS,
    TOP_LEVEL_KEYS,
    Locator,
    check_workflow_name,
    schedule_format_problem,
    task_name_problem,
    valid_timezone,
    validate_workflow,
)

__all__ = [
    "GROUP_KEYS",
    "SCHEDULE_MODIFIERS",
    "SCHEDULE_TYPES",
    "TASK_NAME_CHARACTERS",
    "TOP_LEVEL_KEYS",
    "Locator",
    "check_workflow_name",
    "clear_include_cache",
    "expand_includes",
    "include_snapshot",
    "java_key_string",
    "key_text",
    "load_raw_file",
    "load_raw_text",
    "read_problem",
    "read_raw_file",
    "read_raw_text",
    "resolve_document",
    "resolve_plain",
    "schedule_format_problem",
    "task_name_problem",
    "valid_timezone",
    "validate_workflow",
]
