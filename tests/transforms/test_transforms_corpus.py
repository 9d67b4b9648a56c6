"""Codemods over the whole shared corpus (``../shared/corpus``, read in place, never written).

For ``rename-operator td→td_run`` and ``shift-schedule +1h``: every file that loads gives
``Changed``/``Unchanged`` (shift may also skip a schedule it cannot move exactly), never a crash;
only the edited lines differ; a second run is a no-op (for the shift, the opposite shift
restores the original bytes); broken files are ``Failed`` with a ``path:line:col`` message.
One end-to-end run of the command line over a copy checks in-place writes and idempotence.
"""

from __future__ import annotations

import difflib
import re
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from support.corpus import CORPUS_DIR, require_corpus

from digrefactor.cli import main
from digrefactor.parse import load_workflow
from digrefactor.transforms import (
    Changed,
    Failed,
    FileResult,
    Pass,
    RenameOperator,
    ShiftSchedule,
    Skipped,
    Unchanged,
    apply_pass,
    run_file,
)

pytestmark = pytest.mark.slow

SUMMARY: dict[str, Counter[str]] = {}


def _run(pass_: Pass, path: Path) -> tuple[FileResult, str, str | None]:
    """(result, new text, old text) without writing; old text is None when not UTF-8."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return run_file(path, pass_, write=False), "", None
    result, new = apply_pass(pass_, text, path=path)
    return result, new, text


def _loads(path: Path) -> bool:
    try:
        load_workflow(path)
    except Exception:
        return False
    return True


def _changed_line_pairs(old: str, new: str) -> list[tuple[str, str]]:
    """Pairs of (old line, new line) that differ; fails if lines were added or removed."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    assert len(a) == len(b), "an in-place edit added or removed lines"
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


_LOCATED = re.compile(r":\d+:\d+: \S")


def _check_failed(result: Failed, path: Path) -> None:
    assert result.error.path == str(path)
    assert result.error.line is not None and result.error.column is not None, result.message
    assert result.message.startswith(f"{path}:{result.error.line}:{result.error.column}: ")
    assert result.detail is None, f"internal error, not a load error:\n{result.detail}"


def test_rename_operator_over_corpus() -> None:
    files = require_corpus()
    pass_ = RenameOperator("td", "td_run")
    counts: Counter[str] = Counter()
    start = time.monotonic()
    for path in files:
        result, new, old = _run(pass_, path)
        counts[type(result).__name__] += 1
        if isinstance(result, Failed):
            assert not _loads(path), f"{path} loads but the pass failed: {result.message}"
            _check_failed(result, path)
            continue
        assert isinstance(result, Changed | Unchanged), result
        assert old is not None
        if isinstance(result, Unchanged):
            assert new == old
            assert not re.search(r"^\s*td>", old, re.M), f"{path}: a td> task was not renamed"
            continue
        # Only the operator keys changed, byte for byte everywhere else.
        pairs = _changed_line_pairs(old, new)
        assert pairs
        for a, b in pairs:
            assert b in (a.replace("td>", "td_run>", 1), a.replace("td", "td_run", 1)), (a, b)
        # Idempotent: a second run changes nothing.
        again, text2, _ = _run_text(pass_, new, path)
        assert isinstance(again, Unchanged), again
        assert text2 == new
    SUMMARY["rename-operator td→td_run"] = counts
    assert counts["Changed"] > 100 and counts["Unchanged"] > 100
    assert time.monotonic() - start < 60


def _run_text(pass_: Pass, text: str, path: Path) -> tuple[FileResult, str, str]:
    result, new = apply_pass(pass_, text, path=path)
    return result, new, text


def test_shift_schedule_over_corpus() -> None:
    files = require_corpus()
    pass_ = ShiftSchedule("+1h")
    undo = ShiftSchedule("-1h")
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for path in files:
        result, new, old = _run(pass_, path)
        counts[type(result).__name__] += 1
        if isinstance(result, Failed):
            assert not _loads(path), f"{path} loads but the pass failed: {result.message}"
            _check_failed(result, path)
            continue
        assert old is not None
        if isinstance(result, Skipped):
            assert new == old
            reasons[result.reason.split(">")[0]] += 1
            continue
        if isinstance(result, Unchanged):
            assert new == old
            continue
        assert isinstance(result, Changed)
        pairs = _changed_line_pairs(old, new)
        assert len(pairs) == 1, pairs  # exactly the schedule line
        a, b = pairs[0]
        assert re.match(r"\s*(hourly|daily|weekly|monthly|cron)>:", a), a
        assert b.partition(">:")[0] == a.partition(">:")[0]  # same key, only the value moved
        # The opposite shift restores the original bytes (the shift itself is not idempotent).
        back, text2, _ = _run_text(undo, new, path)
        assert isinstance(back, Changed)
        assert text2 == old
    SUMMARY["shift-schedule +1h"] = counts + Counter({f"skip: {k}": v for k, v in reasons.items()})
    assert counts["Changed"] > 50
    assert set(reasons) <= {"minutes_interval", "seconds_interval", "monthly", "cron"}, reasons


def test_cli_twice_over_a_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real command line, in place, in parallel: the second run changes nothing."""
    require_corpus()
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*.dig") if p.is_file()}
    args = ["codemod", "rename-operator", "--from", "td", "--to", "td_run", "-j", "2", str(copy)]
    assert main(args) == 1  # broken corpus files are reported
    first = capsys.readouterr().err.splitlines()[-1]
    m = re.match(
        r"(\d+) files scanned: (\d+) changed, (\d+) unchanged, (\d+) skipped, (\d+) failed",
        first,
    )
    assert m, first
    scanned, changed, unchanged, skipped, failed = map(int, m.groups())
    # Skipped: !include fragments of other corpus files (YAML fine, not workflows themselves).
    assert changed > 100 and failed > 0 and skipped > 0
    assert main(args) == 1
    second = capsys.readouterr().err.splitlines()[-1]
    assert second == (
        f"{scanned} files scanned: 0 changed, {changed + unchanged} unchanged, {skipped} skipped, "
        f"{failed} failed"
    )
    after = {p: p.read_bytes() for p in copy.rglob("*.dig") if p.is_file()}
    edited = [p for p in before if before[p] != after[p]]
    assert len(edited) == changed
    for p in edited:  # line-level check: nothing but the operator key moved
        diff = [
            line
            for line in difflib.ndiff(
                before[p].decode().splitlines(), after[p].decode().splitlines()
            )
            if line[:1] in "+-"
        ]
        assert all("td" in line for line in diff), (p, diff)
    SUMMARY["cli rename-operator (copy, -j 2)"] = Counter(
        {
            "scanned": scanned,
            "changed": changed,
            "unchanged": unchanged,
            "skipped": skipped,
            "failed": failed,
        }
    )


def test_zz_report_corpus_numbers() -> None:
    """Prints the numbers (pytest -s) so the report can quote them."""
    require_corpus()
    for name, counts in SUMMARY.items():
        print(f"{name}: {dict(sorted(counts.items()))}")
