"""Generate the JSON Schema (draft 2020-12) of a `.dig` file from the models and Digdag's rules.

Types and descriptions come from the models (every operator class, its typed fields and their
docstrings; the directives of ``Task``; ``Workflow``, ``Schedule``, ``SLA``, ``RetryCondition``);
which keys are allowed where comes from the dialect's checks (``TOP_LEVEL_KEYS``, ``GROUP_KEYS``,
schedule types and modifiers, task-name characters). Nothing here lists an operator or a
parameter by hand: a new operator class or field shows up in the schema when it is generated.

The schema describes Digdag's data tree (what :func:`digrefactor.to_data` returns). It accepts
every workflow Digdag accepts and rejects the structures Digdag rejects where JSON Schema can say
so; what it cannot say (an ``_after`` naming a later sibling, two operators of plugins, time
zone names, file names) is left to ``digrefactor check``. Operator tasks stay open: plugin
operators and unknown parameters are allowed (``digrefactor check`` warns about the latter).
"""

from __future__ import annotations

import json
import re
import types
import typing
from typing import Any

from digrefactor.dialect import (
    GROUP_KEYS,
    SCHEDULE_MODIFIERS,
    TASK_NAME_CHARACTERS,
    TOP_LEVEL_KEYS,
)
from digrefactor.models import (
    OPERATORS,
    SLA,
    CRONSchedule,
    DigModel,
    GroupTask,
    OperatorTask,
    ParallelLimit,
    RetryCondition,
    Schedule,
    Task,
    Workflow,
    describe_fields,
    describe_model,
)

__all__ = ["SCHEMA_DIALECT", "build_schema", "schema_text"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

JSONSchema = dict[str, Any]

#: `${...}`: a value Digdag evaluates at run time, so any type may come out of it.
_TEMPLATE = {"type": "string", "pattern": r"\$\{"}
_TASK_KEY = "^\\+"
#: A key that is not an operator's (does not end with `>`). Patterns say "not" here: editors'
#: validators (yaml-language-server) mishandle `not` under `propertyNames` next to `!include`.
_NO_OPERATOR = "(?:[\\s\\S]*[^>])?"
#: What an editor sees for `!include : file` (a key that is an empty, tagged scalar).
_INCLUDE_KEY_HELP = (
    "`!include : file.dig` merges that file's mapping here (an editor shows the key as empty)."
)


def _ref(name: str) -> JSONSchema:
    return {"$ref": f"#/$defs/{name}"}


def _described(schema: JSONSchema, text: str) -> JSONSchema:
    """*schema* with a description (and the Markdown one editors show, when it differs)."""
    if not text:
        return schema
    markdown = text.replace("``", "`")
    plain = markdown.replace("`", "")
    out = {**schema, "description": plain}
    if markdown != plain:
        out["markdownDescription"] = markdown
    return out


def _nullable(schema: JSONSchema) -> JSONSchema:
    """*schema* or null (keeping its description on the outside)."""
    docs = {k: v for k, v in schema.items() if k in ("description", "markdownDescription")}
    inner = {k: v for k, v in schema.items() if k not in docs}
    kind = inner.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return schema
    if not inner:
        return schema  # already anything
    if set(inner) == {"type"}:
        kinds = kind if isinstance(kind, list) else [kind]
        return {"type": [*kinds, "null"], **docs}
    if set(inner) == {"anyOf"}:
        return {"anyOf": [*inner["anyOf"], {"type": "null"}], **docs}
    return {"anyOf": [inner, {"type": "null"}], **docs}


def _type_schema(annotation: Any) -> JSONSchema:
    """JSON Schema of a model field's annotation (values as Digdag's data tree has them)."""
    if annotation is Any:
        return {}
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        scalars = {a for a in args if a in (str, int, bool, float)}
        others = [a for a in args if a not in scalars]
        options: list[JSONSchema] = []
        if scalars:
            # `int | str` and `bool | str`: the string is a `${...}` template or a number/boolean
            # as text (Jackson reads "3" as 3); a plain `str` is text.
            names = [
                name for t, name in ((bool, "boolean"), (int, "integer"), (str, "string"))
                if t in scalars
            ]  # fmt: skip
            options.append({"type": names[0] if len(names) == 1 else names})
        options.extend(_type_schema(a) for a in others)
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        return {"const": values[0]} if len(values) == 1 else {"enum": list(values)}
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        items = _type_schema(item)
        array: JSONSchema = {"type": "array", **({"items": items} if items else {})}
        # Operators that take a list also take a JSON text, which is what `${...}` gives.
        return {"anyOf": [array, _TEMPLATE]}
    if origin is dict:
        return {"anyOf": [{"type": "object"}, _TEMPLATE]}
    if annotation is str:
        return {"type": "string"}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    if annotation is float:
        return {"type": "number"}
    if isinstance(annotation, type) and issubclass(annotation, Task):
        return _ref("task")
    if annotation is RetryCondition:
        return _ref("retryOptions")
    if annotation is ParallelLimit:
        return _ref("parallelLimit")
    if annotation is Schedule:
        return _ref("schedule")
    if annotation is SLA:
        return _ref("sla")
    if annotation is CRONSchedule:  # written as its expression
        return {"type": "string"}
    if isinstance(annotation, type) and issubclass(annotation, str):  # StrEnum
        return {"type": "string"}
    raise TypeError(f"no JSON Schema for the field type {annotation!r}")


def _field_schemas(cls: type[DigModel], keys: typing.Iterable[str]) -> dict[str, JSONSchema]:
    """Data key → schema (type + description) of *cls*'s typed fields among *keys*."""
    docs = describe_fields(cls)
    out: dict[str, JSONSchema] = {}
    by_key = {spec.data_key: name for name, spec in cls.__fields_spec__.items()}
    for key in keys:
        name = by_key.get(key)
        if name is None:
            continue
        annotation = cls.model_fields[name].annotation
        out[key] = _described(_type_schema(annotation), docs.get(key, ""))
    return out


def _task_name_pattern(top_level: bool) -> str:
    chars = TASK_NAME_CHARACTERS.replace("^", "") if top_level else TASK_NAME_CHARACTERS
    # At most 255 characters with the `+` (ModelValidator).
    return f"^\\+{chars}{{1,254}}$"


def _task_names(top_level: bool) -> JSONSchema:
    return {"if": {"pattern": _TASK_KEY}, "then": {"pattern": _task_name_pattern(top_level)}}


def _parallel_children_rule() -> JSONSchema:
    """`_after` only under `_parallel: true`; `_background: true` only without it."""
    parallel = {"anyOf": [{"const": True}, {"const": "true"}, {"type": "object"}]}
    return {
        "if": {"properties": {"_parallel": parallel}, "required": ["_parallel"]},
        "then": {
            "patternProperties": {
                _TASK_KEY: {"properties": {"_background": {"not": {"enum": [True, "true"]}}}}
            }
        },
        "else": {"patternProperties": {_TASK_KEY: {"properties": {"_after": {"type": "null"}}}}},
    }


def _lenient_body() -> JSONSchema:
    """A body Digdag compiles only when it runs: completion offers a task, any mapping passes."""
    return {"anyOf": [_ref("task"), {"type": "object"}, {"type": "null"}]}


def _directive_defs() -> dict[str, JSONSchema]:
    """``directive:KEY`` for every directive a task may carry (types and words from ``Task``)."""
    keys = [spec.data_key for spec in Task.__fields_spec__.values()]
    docs = describe_fields(Task)
    out = {key: _nullable(schema) for key, schema in _field_schemas(Task, keys).items()}
    # WorkflowCompiler: `_after` lists earlier siblings by name, `_error` is a task.
    after = {"type": "array", "items": {"type": "string", "pattern": _TASK_KEY}}
    out["_after"] = _described(_nullable(after), docs["_after"])
    out["_parallel"] = _described(_nullable(_ref("parallel")), docs["_parallel"])
    out["_error"] = _described(_nullable(_ref("task")), docs["_error"])
    out["_check"] = _described(_lenient_body(), docs["_check"])
    return {f"directive:{key}": schema for key, schema in out.items()}


def _operator_defs() -> tuple[dict[str, JSONSchema], list[JSONSchema], dict[str, JSONSchema]]:
    """(``$defs`` per operator, the ``allOf`` rules applying them, ``op>`` keys → command refs)."""
    defs: dict[str, JSONSchema] = {}
    rules: list[JSONSchema] = []
    keys: dict[str, JSONSchema] = {}
    directive_keys = {spec.data_key for spec in Task.__fields_spec__.values()}
    for name in sorted(OPERATORS):
        cls = OPERATORS[name]
        doc = describe_model(cls)
        docs = describe_fields(cls)
        command = cls.model_fields["command"].annotation
        defs[f"command:{name}"] = _described(_nullable(_type_schema(command)), doc)
        param_keys = [
            spec.data_key
            for spec in cls.__fields_spec__.values()
            if spec.data_key not in directive_keys
        ]
        params = {k: _nullable(v) for k, v in _field_schemas(cls, param_keys).items()}
        for body in ("_do", "_else_do"):
            if body in params:
                params[body] = _described(_lenient_body(), docs[body])
        defs[f"operator:{name}"] = _described({"type": "object", "properties": params}, doc)
        key = f"{name}>"
        command_ref = _ref(f"command:{name}")
        keys[key] = command_ref
        rules.append(
            {
                "if": {"required": [key]},
                "then": {
                    "$ref": f"#/$defs/operator:{name}",
                    "properties": {key: command_ref},
                    # A second operator key next to this one (WorkflowCompiler).
                    "propertyNames": {"pattern": f"^(?:{re.escape(key)}|{_NO_OPERATOR})$"},
                },
            }
        )
        rules.append(
            {  # the long form, `_type: NAME` and `_command: ...`
                "if": {
                    "properties": {"_type": {"const": name}},
                    "required": ["_type"],
                    "propertyNames": {"pattern": f"^{_NO_OPERATOR}$"},
                },
                "then": {
                    "$ref": f"#/$defs/operator:{name}",
                    "properties": {"_command": command_ref},
                },
            }
        )
    return defs, rules, keys


def _schedule_def() -> JSONSchema:
    docs = describe_fields(Schedule)
    kinds = [
        spec.data_key for spec in Schedule.__fields_spec__.values() if spec.data_key.endswith(">")
    ]
    number = r"\s*[+-]?[0-9]+\s*"
    time3 = f"{number}:{number}:{number}"
    # Digdag's scheduler formats (the dialect's schedule_format_problem mirrors them).
    formats: dict[str, JSONSchema] = {
        "hourly>": {"type": "string", "pattern": f"^{number}:{number}$"},
        "daily>": {"type": "string", "pattern": f"^{time3}$"},
        "weekly>": {"type": "string", "pattern": f"^[^,]*,{time3}$"},
        "monthly>": {"type": "string", "pattern": f"^{number},{time3}$"},
        "cron>": {"type": "string"},
    }
    interval = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": f"^{number}$"}]}
    properties = {key: _described(formats.get(key, interval), docs.get(key, "")) for key in kinds}
    for key, schema in _field_schemas(Schedule, SCHEDULE_MODIFIERS).items():
        if key in ("start", "end"):  # uuuu-MM-dd, strictly
            schema = {**schema, "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
        properties[key] = _nullable(schema)
    return _described(
        {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
            "oneOf": [{"required": [key]} for key in kinds],
        },
        describe_fields(Workflow)["schedule"],
    )


def _sla_def(operator_keys: dict[str, JSONSchema]) -> JSONSchema:
    keys = [spec.data_key for spec in SLA.__fields_spec__.values()]
    fields = {k: _nullable(v) for k, v in _field_schemas(SLA, keys).items()}
    for key in ("time", "duration"):
        docs = {k: v for k, v in fields[key].items() if "escription" in k}
        clock = {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$"}
        fields[key] = {"anyOf": [clock, _TEMPLATE], **docs}
    # Other keys are the task run when the deadline passes (an operator or +tasks); Digdag
    # checks an SLA when an attempt starts, not on push.
    return _described(
        {
            "type": "object",
            "properties": {**fields, **operator_keys},
            "patternProperties": {_TASK_KEY: _ref("taskValue")},
        },
        describe_model(SLA),
    )


def _top_level_properties() -> dict[str, JSONSchema]:
    fields = _field_schemas(Workflow, TOP_LEVEL_KEYS)
    docs = describe_fields(Workflow)
    special: dict[str, JSONSchema] = {
        "_parallel": _described(_ref("parallel"), docs["_parallel"]),
        "_check": _described({"anyOf": [_ref("task"), {"type": "object"}]}, docs["_check"]),
        # The two top-level keys Digdag lets be null (dropped, UTC); others must have a value.
        "_export": _nullable(fields["_export"]),
        "timezone": _nullable(fields["timezone"]),
    }
    return {key: special.get(key, fields[key]) for key in TOP_LEVEL_KEYS}


def build_schema() -> JSONSchema:
    """The JSON Schema of a `.dig` workflow file, as a JSON-ready dict."""
    op_defs, op_rules, op_keys = _operator_defs()
    directive_defs = _directive_defs()
    directives = {key.partition(":")[2]: _ref(key) for key in directive_defs}
    group_directives = {k: v for k, v in directives.items() if k in GROUP_KEYS}
    # Below the top level, `timezone`, `schedule` and `sla` are allowed and ignored.
    ignored = {
        key: {"description": f"{key} is used only at the top level of a workflow."}
        for key in sorted(GROUP_KEYS - set(directives))
    }
    include_key = {"": {"type": ["string", "null"], "description": _INCLUDE_KEY_HELP}}
    # How operator tasks read some directives differently from groups.
    operator_only = {
        # Compiled only when it is a mapping (WorkflowCompiler).
        "_error": _described(
            {"if": {"type": "object"}, "then": _ref("task")}, describe_fields(Task)["_error"]
        ),
        # Loop operators pass it on to the tasks they generate, at run time.
        "_parallel": _described({}, describe_fields(Task)["_parallel"]),
        "_type": {"type": "string", "description": "Long form: the operator's name."},
        "_command": {"description": "Long form: the operator's command."},
    }
    task_doc = describe_model(Task)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "urn:digrefactor:dig-workflow",
        "title": "Digdag workflow (.dig)",
        "description": (
            "A Digdag workflow file as Digdag reads it. Generated by `digrefactor schema` from "
            "digrefactor's models; `digrefactor check` applies the rules a schema cannot express."
        ),
        "type": "object",
        "properties": {**_top_level_properties(), **include_key},
        "patternProperties": {_TASK_KEY: _ref("taskValue")},
        "additionalProperties": False,
        "propertyNames": _task_names(top_level=True),
        "allOf": [_parallel_children_rule()],
        "$defs": {
            "taskValue": _described(
                # Digdag merges a list of mappings into one task.
                {"anyOf": [_ref("task"), {"type": "array", "items": {"type": "object"}}]},
                task_doc,
            ),
            "task": _described(
                {
                    "type": "object",
                    # Offered for completion (what is allowed depends on the kind, below).
                    "properties": {**directives, **operator_only, **op_keys},
                    "if": {
                        "properties": {"_disable": {"enum": [True, "true", "True"]}},
                        "required": ["_disable"],
                    },
                    # A disabled task becomes an empty group: nothing else is checked.
                    "then": {},
                    "else": {
                        # A group: no `name>` key and no `_type`.
                        "if": {"propertyNames": {"pattern": f"^(?!_type$){_NO_OPERATOR}$"}},
                        "then": _ref("groupTask"),
                        "else": _ref("operatorTask"),
                    },
                },
                task_doc,
            ),
            "operatorTask": _described(
                {
                    "type": "object",
                    "properties": {**directives, **operator_only, **include_key},
                    # An operator task has no subtasks (WorkflowCompiler).
                    "propertyNames": {"pattern": "^(?!\\+)"},
                    "allOf": op_rules,
                },
                describe_model(OperatorTask),
            ),
            "groupTask": _described(
                {
                    "type": "object",
                    "properties": {**group_directives, **ignored, **include_key},
                    "patternProperties": {_TASK_KEY: _ref("taskValue")},
                    "additionalProperties": False,
                    "propertyNames": _task_names(top_level=False),
                    "allOf": [_parallel_children_rule()],
                },
                describe_model(GroupTask),
            ),
            "parallel": _described(
                {
                    "anyOf": [
                        {"type": "boolean"},
                        {"enum": ["true", "false"]},
                        _ref("parallelLimit"),
                    ]
                },
                describe_fields(Task)["_parallel"],
            ),
            "parallelLimit": {
                "type": "object",
                "properties": _field_schemas(ParallelLimit, ["limit"]),
                "required": ["limit"],
            },
            "retryOptions": _described(
                {
                    "type": "object",
                    "properties": {
                        key: _nullable(schema)
                        for key, schema in _field_schemas(
                            RetryCondition, ["limit", "interval", "interval_type", "max_interval"]
                        ).items()
                    },
                },
                describe_model(RetryCondition),
            ),
            "schedule": _schedule_def(),
            "sla": _sla_def(op_keys),
            **directive_defs,
            **op_defs,
        },
    }


def schema_text() -> str:
    """The schema as `digrefactor schema` writes it (same models, same bytes)."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
