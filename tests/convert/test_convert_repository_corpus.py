"""Proof over the shared corpus, project by project: convert, export, check, push.

Every project directory of ``../shared/corpus`` (read in place) is discovered, converted to a
package, run, and exported. The export must hold exactly the project's files (the same paths;
kept files byte-identical), ``export --check`` must find it clean, Digdag's compiler must read
every exported workflow as the original, and the live server must accept every converted
project and store the original's definitions. A project that is not converted must hold a
workflow Digdag itself rejects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.corpus import CORPUS_DIR, require_corpus
from support.digdag import (
    SUMMARY_LINES,
    DigdagOracle,
    DigdagServer,
    definition_difference,
    export_differences,
)

from digrefactor import WorkflowProject
from digrefactor.cli import main
from digrefactor.convert import (
    PackageResult,
    check_dig_files,
    convert_package,
    load_python,
    plan_packages,
    write_dig_files,
)
from digrefactor.files import project_file_paths
from digrefactor.parse import discover_projects

pytestmark = pytest.mark.slow


@dataclass
class Converted:
    result: PackageResult
    project: WorkflowProject
    exported: Path


@dataclass
class Corpus:
    results: list[PackageResult]
    converted: list[Converted]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    require_corpus()
    out = tmp_path_factory.mktemp("packages")
    exports = tmp_path_factory.mktemp("exports")
    plans = plan_packages(discover_projects(CORPUS_DIR), CORPUS_DIR, out)
    results = [convert_package(plan) for plan in plans]
    converted = []
    for i, result in enumerate(results):
        if result.ok:
            project = load_python(result.plan.package)
            assert isinstance(project, WorkflowProject)
            target = exports / f"p{i:03d}"
            write_dig_files(project, target)
            converted.append(Converted(result, project, target))
    yield Corpus(results, converted)


def test_every_project_directory_is_discovered_and_converted(corpus: Corpus) -> None:
    total, done = len(corpus.results), len(corpus.converted)
    kept = sum(c.result.kept_files for c in corpus.converted)
    SUMMARY_LINES.append(
        f"repositories: {total} corpus projects discovered, {done} converted "
        f"({sum(c.result.workflows for c in corpus.converted)} workflows, {kept} other files "
        f"kept), {total - done} hold a workflow that does not load"
    )
    assert total > 500
    for item in corpus.results:
        assert item.ok or item.errors, item.plan.project.root


def test_projects_not_converted_hold_a_workflow_digdag_rejects(
    corpus: Corpus, digdag_oracle: DigdagOracle
) -> None:
    failed = [r for r in corpus.results if not r.ok]
    verdicts = digdag_oracle.judge(
        [path for r in failed for path in r.plan.project.workflow_paths()]
    )
    accepted_by_digdag = [
        str(r.plan.project.root.relative_to(CORPUS_DIR))
        for r in failed
        if all(verdicts[p.absolute()].ok for p in r.plan.project.workflow_paths())
    ]
    assert failed and not accepted_by_digdag


def test_every_export_holds_exactly_the_projects_files(corpus: Corpus) -> None:
    different = []
    for item in corpus.converted:
        root = item.result.plan.project.root
        want = item.result.plan.project.file_paths()
        if project_file_paths(item.exported) != want:
            different.append(str(root.relative_to(CORPUS_DIR)))
            continue
        generated = {f"{wf.name}.dig" for wf in item.project.workflows}
        for rel in want:
            # Workflows and included files are written from the Python; the rest is kept.
            if rel in generated or rel in item.project.files or not _kept(item, rel):
                continue
            if (item.exported / rel).read_bytes() != (root / rel).read_bytes():
                different.append(f"{root.relative_to(CORPUS_DIR)}/{rel}")
    assert not different, different[:10]


def _kept(item: Converted, rel: str) -> bool:
    files_dir = item.project.files_dir
    return files_dir is not None and (files_dir / rel).is_file()


def test_export_check_is_clean_for_every_project(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    dirty = []
    for item in corpus.converted:
        if not check_dig_files(item.project, item.exported).clean:
            dirty.append(str(item.result.plan.project.root))
        code = main(["export", str(item.result.plan.package), "-o", str(item.exported),
                     "--check"])  # fmt: skip
        if code != 0:
            dirty.append(f"export --check exit {code}: {item.result.plan.package}")
    capsys.readouterr()
    SUMMARY_LINES.append(
        f"repositories: export --check clean for {len(corpus.converted) - len(dirty)}/"
        f"{len(corpus.converted)} converted projects"
    )
    assert not dirty, dirty[:10]


def _original_and_exported(item: Converted) -> Iterator[tuple[Path, Path]]:
    for original in item.result.plan.project.workflow_paths():
        yield original, item.exported / original.name


@pytest.mark.digdag
def test_digdag_reads_every_exported_workflow_as_the_original(
    corpus: Corpus, digdag_oracle: DigdagOracle
) -> None:
    pairs = [pair for item in corpus.converted for pair in _original_and_exported(item)]
    compared, differences = export_differences(digdag_oracle, pairs)
    SUMMARY_LINES.append(
        f"repositories: Digdag compiled {len(pairs)} exported workflows of "
        f"{len(corpus.converted)} projects, {len(pairs) - len(differences)} as the original"
    )
    assert len(pairs) > 800 and compared == len(pairs)  # Digdag accepts every original
    assert not differences, differences[:5]


@pytest.mark.digdag
def test_every_converted_project_is_pushed_and_stored_as_the_original(
    corpus: Corpus, digdag_oracle: DigdagOracle, digdag_server: DigdagServer
) -> None:
    from digrefactor.client import DigdagClient

    run = uuid.uuid4().hex[:6]
    originals = [p for item in corpus.converted for p in item.result.plan.project.workflow_paths()]
    verdicts = digdag_oracle.judge(originals)
    problems = []
    pushed = 0
    with DigdagClient(digdag_server.endpoint) as client:
        for i, item in enumerate(corpus.converted):
            project = client.push(item.project, f"corpus_{run}_{i:03d}")
            pushed += 1
            stored = {w.name: w for w in client.project_workflows(project)}
            for original in item.result.plan.project.workflow_paths():
                expected = verdicts[original.absolute()].definition
                workflow = stored.get(expected["name"])
                if workflow is None:
                    problems.append(f"{original}: not stored")
                    continue
                got = {"name": workflow.name, "timezone": workflow.timezone,
                       "config": workflow.config}  # fmt: skip
                diff = definition_difference(expected, got)
                if diff is not None:
                    problems.append(f"{original}: {diff}")
            if len(stored) != len(item.project.workflows):
                problems.append(f"{item.result.plan.project.root}: {sorted(stored)}")
    SUMMARY_LINES.append(
        f"repositories: {pushed}/{len(corpus.converted)} converted projects pushed to the live "
        f"server, every workflow stored with the original's definition: {not problems}"
    )
    assert not problems, problems[:5]
