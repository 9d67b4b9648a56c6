"""Digdag judges the writer: after edits, Digdag's config of the written file is the intended one.

Every loadable corpus file gets the same edits (rename every ``td>`` to ``td_run>``, change the
first operator's command, insert a task, delete the last top-level task); the written text and
the files it includes are put in a fresh project directory and Digdag's compile oracle reads it.
No-op writes are byte-identical (test_corpus_writes), so Digdag's config is unchanged by them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from support.corpus import CORPUS_DIR, require_corpus
from support.digdag import SUMMARY_LINES, DigdagOracle, definition_difference

from digrefactor import (
    DigError,
    EchoTask,
    Include,
    OperatorTask,
    Task,
    Workflow,
    digdag_definition,
    load_workflow,
    write_workflow,
)

pytestmark = [pytest.mark.digdag, pytest.mark.slow]


def _includes(value: Any, out: list[str]) -> None:
    if isinstance(value, Include) and value.resolved_path:
        out.append(value.resolved_path)
        _includes(value.data, out)
    elif isinstance(value, dict):
        for v in value.values():
            _includes(v, out)
    elif isinstance(value, list):
        for v in value:
            _includes(v, out)


def _edit(wf: Workflow) -> bool:
    changed = False
    ops = [t for _, t in wf.walk() if isinstance(t, OperatorTask)]
    for t in ops:
        if t.operator == "td":
            t.operator = "td_run"
            changed = True
    if ops and isinstance(ops[0].command, str) and "\n" not in ops[0].command:
        ops[0].command = ops[0].command + " # edited"
        changed = True
    top = [i for i, t in enumerate(wf.tasks) if isinstance(t, Task)]
    if len(top) > 1:
        del wf.tasks[top[-1]]
        changed = True
    wf.tasks.insert(min(1, len(wf.tasks)), EchoTask(name="inserted_by_test", command="0.5"))
    return changed or True


def test_digdag_reads_edited_files_as_intended(digdag_oracle: DigdagOracle, tmp_path: Path) -> None:
    files = require_corpus()
    expected: dict[Path, dict[str, Any]] = {}
    refused = 0
    for n, path in enumerate(files):
        try:
            wf = load_workflow(path)
        except DigError:
            continue
        _edit(wf)
        try:
            text = write_workflow(wf)
        except DigError:
            refused += 1  # refusals leave files untouched; counted below
            continue
        project = tmp_path / str(n)
        project.mkdir()
        target = project / path.name
        target.write_text(text, encoding="utf-8", newline="")
        included: list[str] = []
        _includes(wf.to_raw(), included)
        for inc in included:
            rel = os.path.relpath(inc, path.parent)
            dest = project / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(inc, dest)
        expected[target.absolute()] = digdag_definition(wf)
    verdicts = digdag_oracle.judge(expected)
    problems = []
    for target, definition in expected.items():
        verdict = verdicts[target]
        if not verdict.ok:
            problems.append(f"{target}: Digdag rejects the written file: {verdict.error}")
            continue
        diff = definition_difference(verdict.definition, definition)
        if diff is not None:
            problems.append(f"{target.name}: {diff}")
    SUMMARY_LINES.append(
        f"writer vs Digdag: {len(expected) - len(problems)}/{len(expected)} edited corpus files "
        f"read by Digdag exactly as intended; {refused} edits refused (file left untouched)"
    )
    assert not problems, "\n".join(problems[:20])
    assert refused <= 2
    assert len(expected) > 1000, f"only {len(expected)} corpus files were edited"
    assert CORPUS_DIR.is_dir()
