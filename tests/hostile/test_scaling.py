"""Linear work stays linear: doubling the input must not quadruple the time.

Measured as a ratio of CPU time (this process only, so other work on the machine matters
little), best of three, between an input and one twice its size: linear code gives about 2,
quadratic code about 4; the bound is 3. Before: a codemod with 8,000 edits in one file took
86 s and 16,000 took 292 s (difflib's unified diff, and a quadratic lookup in the writer);
converting a 40 KB word took 13 s (``_split_atoms`` re-rendered the whole rest per cut).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from digrefactor import load_workflow
from digrefactor.convert import to_python
from digrefactor.transforms import Changed, RenameOperator, apply_pass

RATIO = 3.0


def _cpu_seconds(work: Callable[[], object], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _ratio(make: Callable[[int], Callable[[], object]], n: int) -> float:
    small, large = make(n), make(2 * n)
    small()  # warm caches and imports before measuring
    return _cpu_seconds(large) / _cpu_seconds(small)


def test_codemod_time_is_linear_in_the_number_of_edits() -> None:
    def make(n: int) -> Callable[[], object]:
        text = "".join(f"+t{i}:\n  td>: q{i}.sql\n  database: db\n" for i in range(n))
        pass_ = RenameOperator("td", "td_run")

        def run() -> None:
            result, new = apply_pass(pass_, text, path=Path("/nonexistent/big.dig"))
            assert isinstance(result, Changed) and new.count("td_run>") == n

        return run

    ratio = _ratio(make, 2500)
    assert ratio < RATIO, f"doubling the edits multiplied the time by {ratio:.2f}"


def test_convert_time_is_linear_in_the_length_of_a_word() -> None:
    def make(n: int) -> Callable[[], object]:
        wf = load_workflow(f"+t:\n  sh>: echo {'x' * n}\n", name="long")

        def run() -> None:
            assert "xxxx" in to_python(wf)

        return run

    ratio = _ratio(make, 15_000)
    assert ratio < RATIO, f"doubling the word multiplied the time by {ratio:.2f}"
