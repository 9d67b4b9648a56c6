"""Every Python example in the README runs (Hera style: an example is also a test)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from digrefactor import Workflow, load_workflow

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3 and SERVER_EXAMPLES


SERVER_EXAMPLES = [i for i, code in enumerate(BLOCKS) if "DigdagClient(" in code]


@pytest.mark.parametrize("index", [i for i in range(len(BLOCKS)) if i not in SERVER_EXAMPLES])
def test_readme_example_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = BLOCKS[index]
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


@pytest.mark.digdag
@pytest.mark.parametrize("index", SERVER_EXAMPLES)
def test_readme_server_example_runs(
    index: int, digdag_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server examples, pointed at the test server (the README shows Digdag's default)."""
    code = BLOCKS[index]
    assert "http://127.0.0.1:65432" in code
    code = code.replace("http://127.0.0.1:65432", digdag_server.endpoint)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.startswith("success\n")
    assert "hello from Python" in printed
