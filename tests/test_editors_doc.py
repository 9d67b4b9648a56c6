"""docs/editors.md stays true: its lint table lists every rule, its settings load, and the
project's own corpus is clean for the checker, the linter and the schema."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest

from digrefactor import load_workflow, to_data
from digrefactor.cli._check import lint_options
from digrefactor.config import load_config
from digrefactor.lint import RULES, lint_workflow
from digrefactor.schema import build_schema

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")


def test_lint_table_lists_every_rule_with_its_name() -> None:
    rows = dict(re.findall(r"^\| (DIG\d+) \| ([a-z-]+) \|", DOC, re.MULTILINE))
    assert rows == {code: rule.name for code, rule in RULES.items()}


@pytest.mark.parametrize("block", re.findall(r"```toml\n(.*?)```", DOC, re.DOTALL))
def test_toml_examples_are_valid_configuration(block: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(block)
    options = lint_options(load_config([tmp_path]))
    assert options.ignore or options.variables or options.select


@pytest.mark.parametrize("path", sorted((ROOT / "corpus").glob("*.dig")), ids=lambda p: p.name)
def test_our_corpus_is_clean_for_lint_and_schema(path: Path) -> None:
    workflow = load_workflow(path)
    assert lint_workflow(workflow).warnings == []
    errors = [
        e.message
        for e in jsonschema.Draft202012Validator(build_schema()).iter_errors(to_data(workflow))
    ]
    assert errors == []
