"""Proof over the shared corpus: every loadable workflow converts to Python that rebuilds it.

For each workflow file of ``../shared/corpus`` that loads: convert → execute the module →
``to_data(built)`` equals ``to_data(original)`` the way Digdag means it (JSON types exact,
``+task`` order exact). All generated modules are then checked once by ``ruff check``,
``ruff format --check`` and ``mypy`` (strict, the project's settings), and Digdag's own compile
oracle confirms for a sample that the re-exported ``.dig`` files mean what the originals mean.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from convert_support import MANIFEST, corpus_workflows, digdag_equal, identical, run_module
from support.digdag import CORPUS_DIR, SUMMARY_LINES, DigdagOracle, export_differences

from digrefactor import DigError, Workflow, load_workflow, to_data
from digrefactor.convert import ConversionReport, convert, write_dig_files

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Converted:
    path: Path
    workflow: Workflow
    report: ConversionReport
    module: Path


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Converted]]:
    if not MANIFEST.is_file():
        pytest.skip(f"shared corpus not found at {CORPUS_DIR}")
    out = tmp_path_factory.mktemp("converted")
    results: list[Converted] = []
    for i, path in enumerate(corpus_workflows()):
        try:
            wf = load_workflow(path)
        except DigError:
            continue  # Digdag rejects it too (tests/test_oracle_corpus.py): nothing to convert
        report = convert(wf)
        module = out / f"wf{i:04d}.py"  # file names of the corpus are not module names
        module.write_text(report.source, encoding="utf-8")
        results.append(Converted(path, wf, report, module))
    yield results


def test_every_loadable_workflow_is_rebuilt(converted: list[Converted]) -> None:
    different: list[str] = []
    exact = 0
    for item in converted:
        built = run_module(item.report.source, str(item.module))["workflow"]
        before, after = to_data(item.workflow), to_data(built)
        if not digdag_equal(after, before):
            different.append(str(item.path.relative_to(CORPUS_DIR)))
        exact += identical(after, before)
    total = len(converted)
    SUMMARY_LINES.append(
        f"convert: {total} corpus workflows, {total - len(different)} rebuilt Digdag-equal, "
        f"{exact} with every key order identical; "
        f"{sum(c.report.folds for c in converted)} loops; "
        f"{sum(c.report.comments - c.report.comments_unplaced for c in converted)}/"
        f"{sum(c.report.comments for c in converted)} comments placed next to their code"
    )
    assert total > 1000, "the corpus should give over a thousand loadable workflows"
    assert not different, f"{len(different)} rebuilt differently, e.g. {different[:5]}"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def test_generated_code_passes_ruff(converted: list[Converted]) -> None:
    out = converted[0].module.parent
    config = str(REPO / "pyproject.toml")
    check = subprocess.run(
        [_tool("ruff"), "check", "--config", config, "--no-cache", "--output-format", "concise",
         str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-1000:]
    fmt = subprocess.run(
        [_tool("ruff"), "format", "--config", config, "--no-cache", "--check", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fmt.returncode == 0, fmt.stdout[-3000:] + fmt.stderr[-1000:]


def test_generated_code_passes_mypy(converted: list[Converted]) -> None:
    out = converted[0].module.parent
    proc = subprocess.run(
        [_tool("mypy"), "--config-file", str(REPO / "pyproject.toml"), "--no-incremental",
         str(out)],
        capture_output=True, text=True, check=False, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


# Every n-th converted workflow goes through Digdag (1: all of them, about ten seconds).
ORACLE_STRIDE = 1


@pytest.mark.digdag
def test_digdag_sees_the_same_workflows(
    converted: list[Converted], digdag_oracle: DigdagOracle, tmp_path: Path
) -> None:
    sample = converted[::ORACLE_STRIDE]
    exported: dict[Path, Path] = {}
    for i, item in enumerate(sample):
        built = run_module(item.report.source, str(item.module))["workflow"]
        written = write_dig_files(built, tmp_path / f"p{i:03d}")
        exported[item.path] = written[0]
    compared, differences = export_differences(digdag_oracle, exported.items())
    SUMMARY_LINES.append(
        f"convert: Digdag compiled {compared} re-exported corpus workflows, "
        f"{compared - len(differences)} with the original's config"
    )
    assert compared > len(sample) // 2
    assert not differences, "\n".join(differences[:5])
