"""What Digdag itself does with small .dig texts, asserted through the compile oracle.

These document Digdag's behaviour (spec §1-§2) and check the oracle plumbing; they do not
exercise digrefactor.
"""

from __future__ import annotations

import pytest
from support.digdag import (
    DigdagOracle,
    assert_same_digdag_config,
    canonical,
    definition_difference,
    digdag_config_of,
)

pytestmark = pytest.mark.digdag


def test_scalar_typing(digdag_oracle: DigdagOracle) -> None:
    config = digdag_config_of(
        digdag_oracle,
        "_export:\n"
        "  octal: 0755\n"
        "  zero_float: 0.5\n"
        "  dot_float: .5\n"
        "  exp: 1e3\n"
        "  yes_: yes\n"
        "  true_: True\n"
        "  time: 07:00:00\n"
        "  date: 2016-01-01\n"
        "  nothing: ~\n"
        "+t:\n"
        "  echo>: hi\n",
    )
    assert config["_export"] == {
        "octal": 493,
        "zero_float": "0.5",
        "dot_float": 0.5,
        "exp": 1000.0,
        "yes_": "yes",
        "true_": True,
        "time": "07:00:00",
        "date": "2016-01-01",
        "nothing": None,
    }
    assert isinstance(config["_export"]["exp"], float)


def test_normalised_top_level_order_and_timezone(digdag_oracle: DigdagOracle) -> None:
    verdict = digdag_oracle.judge_text(
        "+first:\n  echo>: a\n_parallel: true\ntimezone: Asia/Tokyo\n"
        "schedule:\n  daily>: 07:00:00\n_export:\n  x: 1\n+second:\n  echo>: b\n",
        name="ordered",
    )
    assert verdict.definition["name"] == "ordered"
    assert verdict.timezone == "Asia/Tokyo"
    assert verdict.config is not None
    assert list(verdict.config) == ["_export", "schedule", "_parallel", "+first", "+second"]


def test_default_timezone_is_utc(digdag_oracle: DigdagOracle) -> None:
    assert digdag_oracle.judge_text("+t:\n  echo>: a\n").timezone == "UTC"


def test_duplicate_key_is_rejected(digdag_oracle: DigdagOracle) -> None:
    verdict = digdag_oracle.judge_text("+t:\n  sh>: a\n  sh>: b\n")
    assert not verdict.ok
    assert verdict.stage == "load"
    assert verdict.error == "Duplicated keys: [sh>]"


def test_include_is_expanded_in_place(digdag_oracle: DigdagOracle) -> None:
    config = digdag_config_of(
        digdag_oracle,
        "+a:\n  echo>: a\n+b:\n  !include : 'sub/b.dig'\n  _retry: 2\n",
        files={"sub/b.dig": "echo>: from include\n_export:\n  n: 1\n"},
    )
    assert config == {
        "+a": {"echo>": "a"},
        "+b": {"echo>": "from include", "_export": {"n": 1}, "_retry": 2},
    }


def test_include_outside_project_dir_is_rejected(digdag_oracle: DigdagOracle) -> None:
    verdict = digdag_oracle.judge_text("+a:\n  !include : '../x.dig'\n")
    assert not verdict.ok
    assert verdict.error == "File name must not include ..: ../x.dig"


def test_value_form_include_never_works(digdag_oracle: DigdagOracle) -> None:
    verdict = digdag_oracle.judge_text("+a: !include 'b.dig'\n", files={"b.dig": "echo>: b\n"})
    assert not verdict.ok
    assert verdict.exception == "java.nio.file.NoSuchFileException"


def test_unknown_top_level_key(digdag_oracle: DigdagOracle) -> None:
    verdict = digdag_oracle.judge_text("foo: 1\n+t:\n  echo>: a\n")
    assert (verdict.ok, verdict.stage) == (False, "load")
    assert verdict.error == "Workflow 'wf' includes unknown keys: [foo]"


def test_compile_errors(digdag_oracle: DigdagOracle) -> None:
    two_ops = digdag_oracle.judge_text("+t:\n  sh>: a\n  py>: b\n")
    assert (two_ops.ok, two_ops.stage) == (False, "compile")
    assert two_ops.error == 'A task can\'t have more than one operator: {"sh>":"a","py>":"b"}'
    bad_group_key = digdag_oracle.judge_text("+g:\n  parallel: true\n  +t:\n    sh>: a\n")
    assert bad_group_key.stage == "compile"
    assert "+wf+g contains invalid keys: 'parallel' (did you mean [_parallel]?)" in str(
        bad_group_key.error
    )


def test_parallel_limit_is_accepted_like_digdag_0_10(digdag_oracle: DigdagOracle) -> None:
    ok = digdag_oracle.judge_text("+g:\n  _parallel:\n    limit: 2\n  +a:\n    sh>: a\n")
    assert ok.ok, ok.error
    bad = digdag_oracle.judge_text("+g:\n  _parallel: 3\n  +a:\n    sh>: a\n")
    assert (bad.ok, bad.stage, bad.error) == (False, "compile", "Invalid _parallel format: 3")


def test_schedule_type_is_checked(digdag_oracle: DigdagOracle) -> None:
    ok = digdag_oracle.judge_text("schedule:\n  daily>: 07:00:00\n+t:\n  echo>: a\n")
    assert ok.ok and ok.config is not None
    assert ok.config["schedule"] == {"daily>": "07:00:00"}
    typo = digdag_oracle.judge_text("schedule:\n  dayly>: 07:00:00\n+t:\n  echo>: a\n")
    assert (typo.ok, typo.stage, typo.error) == (False, "schedule", "Unknown scheduler type: dayly")
    no_type = digdag_oracle.judge_text("schedule:\n  at: 07:00:00\n+t:\n  echo>: a\n")
    assert no_type.stage == "schedule"
    assert str(no_type.error).startswith("Schedule config requires 'type>: at' parameter")


def test_schedule_values_and_keys_are_judged_by_the_standard_schedulers(
    digdag_oracle: DigdagOracle,
) -> None:
    """The oracle runs digdag-standards' schedulers as a push does (0.10.5.1)."""
    bad_time = digdag_oracle.judge_text("schedule:\n  daily>: '7:00'\n+t:\n  echo>: a\n")
    assert (bad_time.ok, bad_time.stage) == (False, "schedule")
    assert bad_time.error == "daily> scheduler requires hh:mm:ss format: 7:00"
    unused = digdag_oracle.judge_text(
        "schedule:\n  daily>: 07:00:00\n  skip_delay: 1h\n+t:\n  echo>: a\n"
    )
    assert (unused.ok, unused.stage) == (False, "schedule")
    assert "Parameter 'skip_delay' is not used at schedule." in str(unused.error)
    cron = digdag_oracle.judge_text("schedule:\n  cron>: '0 7 * * *'\n+t:\n  echo>: a\n")
    assert cron.ok, cron.error


def test_same_meaning_different_spelling(digdag_oracle: DigdagOracle) -> None:
    assert_same_digdag_config(
        digdag_oracle,
        "# comment\n+t:\n  sh>: echo hi\n  _export: {a: 1, b: '2'}\n",
        '+t: {"sh>": "echo hi", _export: {b: "2", a: 0x1}}\n',
    )
    with pytest.raises(AssertionError, match="different workflows"):
        assert_same_digdag_config(
            digdag_oracle, "+t:\n  echo>: a\n  x: 1\n", "+t:\n  echo>: a\n  x: 1.0\n"
        )


def test_task_order_matters_other_keys_do_not() -> None:
    assert definition_difference({"+a": 1, "+b": 2}, {"+b": 2, "+a": 1}) is not None
    assert definition_difference({"x": 1, "y": 2}, {"y": 2, "x": 1}) is None
    assert canonical(True) != canonical(1)
    assert canonical(1) != canonical(1.0)


def test_many_texts_through_one_jvm(digdag_oracle: DigdagOracle) -> None:
    texts = [f"+t{i}:\n  echo>: {i}\n" for i in range(100)]
    verdicts = [digdag_oracle.judge_text(t, name=f"w{i}") for i, t in enumerate(texts)]
    assert all(v.ok for v in verdicts)
    assert verdicts[42].config == {"+t42": {"echo>": 42}}
