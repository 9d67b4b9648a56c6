"""The JSON Schema of `.dig` files: generated from the models, shipped, and as strict as Digdag.

Each invalid structure below is one of the checker's rules (``dialect/_validate.py``): the
checker must reject it, and the schema must reject it too when JSON Schema can express the
rule. Rules a schema cannot express are strict xfails naming why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from digrefactor import DigValidationError, load_workflow, to_data
from digrefactor.cli import main
from digrefactor.dialect import expand_includes, load_raw_text
from digrefactor.models import OPERATORS, describe_fields
from digrefactor.schema import SCHEMA_DIALECT, SCHEMA_FILE, build_schema, schema_text

VALIDATOR = jsonschema.Draft202012Validator(build_schema())


def test_shipped_schema_is_what_the_generator_produces_now() -> None:
    # Regenerate with: digrefactor schema -o digrefactor/schema/dig.schema.json
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == SCHEMA_DIALECT
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_operator_and_parameter_is_in_the_schema_with_a_description() -> None:
    defs = build_schema()["$defs"]
    task_keys = defs["task"]["properties"]
    for name, cls in OPERATORS.items():
        assert f"{name}>" in task_keys, name
        assert defs[f"command:{name}"]["description"], name
        params = defs[f"operator:{name}"]["properties"]
        for key, text in describe_fields(cls).items():
            if key.startswith("_") and key not in ("_do", "_else_do", "_env"):
                continue  # directives: one shared definition each
            assert params[key]["description"] == text.replace("`", ""), (name, key)


def test_directives_are_typed_and_described() -> None:
    defs = build_schema()["$defs"]
    for key in ("_retry", "_error", "_check", "_parallel", "_export", "_after", "_background"):
        assert defs[f"directive:{key}"]["description"], key
    retry = defs["retryOptions"]["properties"]
    assert set(retry) == {"limit", "interval", "interval_type", "max_interval"}


def _tree(text: str) -> Any:
    try:
        _, raw = load_raw_text(text, None)
    except DigValidationError:  # the root is not a mapping: what it is, as plain YAML
        return yaml.safe_load(text)
    return expand_includes(raw)


def _valid(text: str) -> bool:
    return VALIDATOR.is_valid(_tree(text))


# ---------------------------------------------------------------------------- valid shapes

VALID = {
    "operators and directives": (
        "timezone: Asia/Tokyo\n_export: {td: {database: db}}\n"
        "schedule:\n  daily>: 07:00:00\n  skip_delayed_by: 1h\n"
        "+load:\n  td>: q.sql\n  engine: presto\n  store_last_results: true\n"
        "  _retry: {limit: 3, interval: 10, interval_type: exponential}\n"
        "  _error:\n    sh>: notify.sh\n"
    ),
    "plugin operator with any parameter": "+n:\n  slack>: msg.yml\n  webhook_url: x\n  n: 3\n",
    "unknown parameter of a built-in operator": "+t:\n  td>: q.sql\n  my_template_var: 1\n",
    "parallel group with _after": (
        "+g:\n  _parallel: true\n  +a:\n    sh>: a\n  +b:\n    _after: [+a]\n    sh>: b\n"
    ),
    "background in a sequential group": "+a:\n  sh>: a\n+b:\n  _background: true\n  sh>: b\n",
    "loop with templated _parallel": (
        "+l:\n  loop>: 3\n  _parallel: ${p}\n  _do:\n    echo>: ${i}\n"
    ),
    "long form": "+t:\n  _type: sh\n  _command: echo hi\n",
    "disabled task with anything": "+t:\n  _disable: true\n  sh>: a\n  py>: b\n",
    "list of mappings as a task": "+t:\n  - sh>: a\n  - FOO: 1\n",
    "sla with a task": "sla:\n  time: '02:00'\n  +alert:\n    sh>: alert.sh\n",
    "null _export and timezone": "_export:\ntimezone:\n+a:\n  echo>: x\n",
    "templated list parameter": "+d:\n  td_ddl>:\n  drop_tables: ${tables}\n",
    "cron and minutes interval": "schedule:\n  minutes_interval>: 15\n",
    "for_each with _do": "+f:\n  for_each>: {x: [1, 2]}\n  _do:\n    echo>: ${x}\n",
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_workflows_validate(text: str) -> None:
    load_workflow(text)  # Digdag's rules accept it...
    errors = [e.message for e in VALIDATOR.iter_errors(_tree(text))]
    assert errors == []  # ...and so does the schema


# -------------------------------------------------------------------------- invalid shapes

#: Structures the checker rejects, which the schema rejects too.
EXPRESSIBLE = {
    "unknown top-level key": "foo: 1\n+a:\n  sh>: a\n",
    "top-level parameter (belongs in _export)": "database: x\n",
    "null top-level value": "_retry:\n",
    "null top-level task": "+a:\n",
    "space in a task name": "+a b:\n  sh>: a\n",
    "^ in a top-level task name": "+a^b:\n  sh>: a\n",
    "bad character in a nested task name": "+g:\n  +a!:\n    sh>: a\n",
    "_export not a mapping": "_export: 3\n",
    "schedule not a mapping": "schedule: daily\n",
    "schedule without a type": "schedule:\n  skip_on_overtime: true\n",
    "unknown schedule type": "schedule:\n  yearly>: x\n",
    "two schedule types": "schedule:\n  daily>: 07:00:00\n  hourly>: 00:00\n",
    "unused schedule key": "schedule:\n  daily>: 07:00:00\n  skip_on_over_time: true\n",
    "hourly format": "schedule:\n  hourly>: 10:11:12\n",
    "daily format": "schedule:\n  daily>: '7'\n",
    "weekly format": "schedule:\n  weekly>: Sun 07:00:00\n",
    "monthly format": "schedule:\n  monthly>: first,07:00:00\n",
    "minutes_interval not a number": "schedule:\n  minutes_interval>: often\n",
    "start date format": "schedule:\n  daily>: 07:00:00\n  start: 2020/01/01\n",
    "top-level _error not a mapping": "_error: notify.sh\n",
    "two operators": "+a:\n  sh>: a\n  py>: b\n",
    "two operators in an _error": "+a:\n  sh>: a\n  _error:\n    echo>: a\n    sh>: b\n",
    "operator with subtasks": "+a:\n  sh>: a\n  +b:\n    sh>: b\n",
    "group with a parameter": "+g:\n  parallel: true\n  +a:\n    sh>: a\n",
    "group _parallel with a variable": "+g:\n  _parallel: ${p}\n  +a:\n    sh>: a\n",
    "_parallel limit missing": "_parallel: {}\n+a:\n  sh>: a\n",
    "task value not a mapping": "+g:\n  +a: sh a\n",
    "_after in a sequential group": "+a:\n  sh>: a\n+b:\n  _after: [+a]\n  sh>: b\n",
    "_background in a parallel group": (
        "_parallel: true\n+a:\n  sh>: a\n+b:\n  _background: true\n  sh>: b\n"
    ),
    "_after not a list": "_parallel: true\n+a:\n  sh>: a\n+b:\n  _after: +a\n  sh>: b\n",
    "group _error not a mapping": "+g:\n  _error: x\n  +a:\n    sh>: a\n",
    "root is a list": "- a\n- b\n",
}

#: Structures the checker rejects that JSON Schema cannot express.
NOT_EXPRESSIBLE = {
    "unknown time zone": (
        "timezone: Mars/Olympus\n",
        "zone names vary with the time-zone database; the schema takes any string",
    ),
    "start after end": (
        "schedule:\n  daily>: 07:00:00\n  start: 2020-02-01\n  end: 2020-01-01\n",
        "JSON Schema cannot compare two values",
    ),
    "impossible date": (
        "schedule:\n  daily>: 07:00:00\n  start: 2020-02-30\n",
        "a pattern cannot know month lengths",
    ),
    "_after naming a later sibling": (
        "_parallel: true\n+a:\n  _after: [+b]\n  sh>: a\n+b:\n  sh>: b\n",
        "JSON Schema cannot relate a value to sibling keys",
    ),
    "two plugin operators": (
        "+a:\n  slack>: a\n  teams>: b\n",
        "JSON Schema cannot count the keys matching a pattern",
    ),
}


@pytest.mark.parametrize("text", EXPRESSIBLE.values(), ids=EXPRESSIBLE.keys())
def test_schema_rejects_what_the_checker_rejects(text: str) -> None:
    with pytest.raises(DigValidationError):
        load_workflow(text)
    assert not _valid(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(text, marks=pytest.mark.xfail(strict=True, reason=why), id=name)
        for name, (text, why) in NOT_EXPRESSIBLE.items()
    ],
)
def test_rules_a_schema_cannot_express(text: str) -> None:
    with pytest.raises(DigValidationError):
        load_workflow(text)
    assert not _valid(text)


def test_data_tree_of_a_loaded_workflow_validates() -> None:
    wf = load_workflow("+a:\n  td>: q.sql\n  priority: 0755\n  preview: True\n")
    assert VALIDATOR.is_valid(to_data(wf))


# ------------------------------------------------------------------------------------ CLI


def test_cli_prints_and_writes_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()
    out = tmp_path / "dig.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert main(["schema", "--print-path"]) == 0
    assert Path(capsys.readouterr().out.strip()) == SCHEMA_FILE


def test_cli_schema_bad_output_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["schema", "-o", str(tmp_path / "missing" / "x.json")]) == 2
    assert "no such directory" in capsys.readouterr().err
