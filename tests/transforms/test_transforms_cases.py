"""Before/after cases of every built-in pass, one file each (black style).

Each ``data/<pass>/<case>.dig`` holds a header (``# options: ...``), the input, a line
``# output`` and the exact expected output; see ``helpers.read_case``.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from helpers import assert_codemod, build_pass, prepare_case, read_case, run_text

from digrefactor.transforms import PASSES, Changed, ShiftSchedule, Skipped

DATA = Path(__file__).parent / "data"
CASES = sorted(DATA.glob("*/*.dig"))


def test_every_pass_has_cases() -> None:
    folders = {p.parent.name for p in CASES}
    missing = sorted(set(PASSES) - folders)
    assert not missing, f"passes without before/after cases: {missing}"
    unknown = sorted(folders - set(PASSES))
    assert not unknown, f"case folders that name no pass: {unknown}"


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_case(path: Path) -> None:
    case = read_case(path)
    # Workers receive passes by pickle: run the case with a clone that went through it.
    pass_ = build_pass(case.pass_name, case.options)
    if case.project:
        prepare_case(pass_, case)
    pass_ = pickle.loads(pickle.dumps(pass_))
    if case.skipped is not None:
        result, text = run_text(pass_, case.before, case.name)
        assert isinstance(result, Skipped), result
        assert case.skipped in result.reason
        assert text == case.before
        return
    after = case.after if case.after is not None else case.before
    result = assert_codemod(pass_, case.before, after, name=case.name)
    for expected in case.warnings:
        assert any(expected in w for w in result.warnings), (expected, result.warnings)
    if not case.warnings:
        assert not result.warnings, result.warnings
    if isinstance(pass_, ShiftSchedule) and isinstance(result, Changed):
        # Not idempotent by nature; instead the opposite shift restores the input exactly.
        undo, text = run_text(ShiftSchedule(-pass_.by), after, case.name)
        assert isinstance(undo, Changed)
        assert text == case.before
