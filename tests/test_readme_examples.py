"""Every Python example in the README runs (Hera style: an example is also a test)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from digrefactor import Workflow, load_workflow

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = BLOCKS[index]
    if "DigdagClient(" in code:
        pytest.skip("needs a live Digdag server (covered by tests/client against the fixture)")
    # The examples work on a project checked out as etl/: use a copy of our corpus.
    shutil.copytree(ROOT / "corpus", tmp_path / "etl")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for earlier in BLOCKS[:index]:
        if "DigdagClient(" not in earlier:
            exec(compile(earlier, "README.md", "exec"), namespace)
    capsys.readouterr()
    exec(compile(code, "README.md", "exec"), namespace)
    if index == 0:
        # The authoring example prints a workflow that loads back to the same data.
        printed = capsys.readouterr().out
        wf = namespace["workflow"]
        assert isinstance(wf, Workflow)
        assert load_workflow(printed, name=wf.name).to_raw() == wf.to_raw()
    if "save_workflow(wf)" in code:
        # The edit example renamed td> to td_run> in the file on disk, and only that.
        before = (ROOT / "corpus" / "daily_sales.dig").read_text().splitlines()
        after = (tmp_path / "etl" / "daily_sales.dig").read_text().splitlines()
        changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
        assert changed and all(a.replace("td>", "td_run>") == b for a, b in changed)
