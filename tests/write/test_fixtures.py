"""One-file writer cases (black style): input, edit, expected output, in ``data/*.txt``.

Each case checks the exact text, that the text means what the edit intended, and that writing
the result again is stable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digrefactor import load_workflow, to_data, write_workflow

DATA = Path(__file__).parent / "data"
CASES = sorted(DATA.glob("*.txt"))
_SECTION = re.compile(r"^=== (input|edit|output)\n", re.MULTILINE)


def read_case(path: Path) -> tuple[str, str, str]:
    text = path.read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    return sections["input"], sections["edit"], sections["output"]


def project_dir(tmp_path: Path, text: str, also_included_by: str) -> Path:
    """A directory holding the workflow and stub files for what either text includes."""
    for rel in re.findall(r"!include : (\S+)", text + also_included_by):
        stub = tmp_path / rel
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("{}\n")
    wf_path = tmp_path / "wf.dig"
    wf_path.write_text(text, encoding="utf-8", newline="")
    return wf_path


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_writer_case(case: Path, tmp_path: Path) -> None:
    before, edit, after = read_case(case)
    wf_path = project_dir(tmp_path, before, after)
    wf = load_workflow(wf_path)
    assert write_workflow(wf) == before, "an unedited workflow must write its original text"
    exec(compile(edit, str(case), "exec"), {"wf": wf})
    written = write_workflow(wf)
    assert written == after
    # The text means what the edit intended...
    wf_path.write_text(written, encoding="utf-8", newline="")
    reloaded = load_workflow(wf_path)
    assert to_data(reloaded) == to_data(wf)
    # ...and is stable: writing it again changes nothing.
    assert write_workflow(reloaded) == written
