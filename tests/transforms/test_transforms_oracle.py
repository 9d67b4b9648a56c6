"""Digdag itself reads every before/after case output as digrefactor intends it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import read_case
from support.digdag import DigdagOracle, definition_difference

from digrefactor.parse import digdag_definition, load_workflow

pytestmark = pytest.mark.digdag

DATA = Path(__file__).parent / "data"


def test_case_outputs_are_what_digdag_reads(digdag_oracle: DigdagOracle, tmp_path: Path) -> None:
    expected: dict[Path, dict[str, Any]] = {}
    for n, case_path in enumerate(sorted(DATA.glob("*/*.dig"))):
        case = read_case(case_path)
        text = case.after if case.after is not None else case.before
        project = tmp_path / str(n)
        project.mkdir()
        target = (project / f"{case.name}.dig").absolute()
        target.write_text(text, encoding="utf-8")
        expected[target] = digdag_definition(load_workflow(target))
    verdicts = digdag_oracle.judge(expected)
    problems = []
    for target, definition in expected.items():
        verdict = verdicts[target]
        if not verdict.ok:
            problems.append(f"{target.name}: Digdag rejects it ({verdict.stage}): {verdict.error}")
            continue
        diff = definition_difference(verdict.definition, definition)
        if diff is not None:
            problems.append(f"{target.name}: {diff}")
    assert not problems, "\n".join(problems)
    assert len(expected) > 50
