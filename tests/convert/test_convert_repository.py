"""Whole repositories: ``convert REPO`` writes a package per project (with its other files),
``export --check/--diff/--prune`` guards against drift, ``load_python`` runs packages."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.tree import write_tree

from digrefactor import WorkflowProject, load_project, to_data
from digrefactor.cli import main
from digrefactor.convert import check_dig_files, load_python, write_dig_files
from digrefactor.files import project_file_paths, read_files

WF = "+a:\n  sh>: echo a\n"


def _repo(tmp_path: Path) -> Path:
    repo = write_tree(
        tmp_path / "repo",
        {
            "README.md": "# not a project\n",
            "team/etl/load.dig": (
                "_export:\n  !include : config/env.yml\n"
                "+load:\n  td>: queries/load.sql\n+run:\n  sh>: scripts/run.sh\n"
            ),
            "team/etl/config/env.yml": "td:\n  database: sales\n",
            "team/etl/queries/load.sql": "select 1\n",
            "team/etl/scripts/run.sh": "#!/bin/sh\necho run\n",
            "team/etl/.digdagignore": "*.tmp\n",
            "team/etl/scratch.tmp": "ignored\n",
            "team/reports/daily.dig": "timezone: Asia/Tokyo\n+r:\n  echo>: report\n",
            "team/reports/weekly.dig": WF,
            "team/reports/sub-team/x.dig": WF,
            "node_modules/lib/y.dig": WF,
        },
    )
    (repo / "team/etl/scripts/run.sh").chmod(0o755)
    return repo


def test_convert_writes_one_package_per_project_mirroring_the_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "py"
    assert main(["convert", str(repo), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "3 project(s) found: 3 converted (4 workflows, 2 other files kept), 0 not converted" in (
        captured.err
    )
    assert f"{out / 'repo/team/etl/__init__.py'}: project etl from {repo / 'team/etl'}" in (
        captured.out
    )
    inits = sorted(p.relative_to(out).as_posix() for p in out.rglob("__init__.py"))
    assert inits == [
        "repo/__init__.py",
        "repo/team/__init__.py",
        "repo/team/etl/__init__.py",
        "repo/team/reports/__init__.py",
        "repo/team/reports/sub_team/__init__.py",  # a directory name made an identifier
    ]
    etl = out / "repo/team/etl"
    # The include is defined in the module (not kept twice); SQL and the script are kept,
    # the script still executable; the ignored file is not part of the project.
    assert sorted(project_file_paths(etl / "files")) == ["queries/load.sql", "scripts/run.sh"]
    assert stat.S_IMODE((etl / "files/scripts/run.sh").stat().st_mode) == 0o755
    source = (etl / "__init__.py").read_text()
    assert 'FILES_DIR = Path(__file__).parent / "files"' in source
    assert "files_dir=FILES_DIR" in source
    assert "files_dir" not in (out / "repo/team/reports/__init__.py").read_text()

    # Every package is importable as a package.
    proc = subprocess.run(
        [sys.executable, "-c", "import repo.team.etl as m; print(m.project.name)"],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "etl\n"), proc.stderr


def test_export_of_a_converted_package_reproduces_the_whole_project(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "py"
    assert main(["convert", str(repo), "-o", str(out), "-q"]) == 0
    project = load_python(out / "repo/team/etl")
    assert isinstance(project, WorkflowProject)
    exported = tmp_path / "exported"
    write_dig_files(project, exported)
    original = repo / "team/etl"
    assert project_file_paths(exported) == project_file_paths(original)
    for rel in ("queries/load.sql", "scripts/run.sh"):
        assert (exported / rel).read_bytes() == (original / rel).read_bytes()
    assert stat.S_IMODE((exported / "scripts/run.sh").stat().st_mode) == 0o755
    before, after = load_project(original), load_project(exported)
    assert [to_data(w) for w in after.workflows] == [to_data(w) for w in before.workflows]
    assert check_dig_files(project, exported).clean


def test_a_path_without_projects_is_an_error_naming_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = write_tree(tmp_path / "docs", {"index.md": "hi\n"})
    assert main(["convert", str(docs), "-o", str(tmp_path / "py")]) == 2
    assert capsys.readouterr().err == (
        f"error: {docs}: no Digdag project (a directory with top-level .dig files) at or below it\n"
    )
    assert not (tmp_path / "py").exists()


def test_a_project_that_does_not_load_is_reported_and_the_others_converted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = write_tree(tmp_path / "repo", {"good/a.dig": WF, "bad/b.dig": "+a: [\n"})
    assert main(["convert", str(repo), "-o", str(tmp_path / "py")]) == 1
    err = capsys.readouterr().err
    assert f"{repo / 'bad/b.dig'}:2:1: " in err
    assert (
        "2 project(s) found: 1 converted (1 workflows, 0 other files kept), 1 not converted" in err
    )
    assert (tmp_path / "py/repo/good/__init__.py").is_file()
    assert not (tmp_path / "py/repo/bad").exists()


def test_per_workflow_puts_the_modules_in_the_package(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "proj", {"a.dig": WF, "b.dig": WF})
    assert main(["convert", str(repo), "-o", str(tmp_path / "py"), "--per-workflow", "-q"]) == 0
    package = tmp_path / "py/proj"
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "a.py", "b.py"]
    assert load_python(package / "a.py").name == "a"


# ------------------------------------------------------------------------------- drift guard


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path]:
    """A converted project (package) and its export in ``deploy/``."""
    repo = _repo(tmp_path)
    assert main(["convert", str(repo / "team/etl"), "-o", str(tmp_path / "py"), "-q"]) == 0
    package, deploy = tmp_path / "py/etl", tmp_path / "deploy"
    assert main(["export", str(package), "-o", str(deploy), "-q"]) == 0
    return package, deploy


def _export(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_is_clean_right_after_export(
    exported: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package, deploy = exported
    capsys.readouterr()
    code, out, err = _export(str(package), "-o", str(deploy), "--check", "--diff", capsys=capsys)
    assert (code, out) == (0, "")
    assert err == (
        f"4 files defined by {package}: 4 up to date, 0 differ (0 in meaning), 0 missing; "
        "0 not defined by the module\n"
    )


def test_a_change_of_form_is_drift_but_not_of_meaning(
    exported: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package, deploy = exported
    dig = deploy / "load.dig"
    dig.write_text(dig.read_text().replace("    td>:", "    'td>':"))  # same workflow
    code, out, err = _export(str(package), "-o", str(deploy), "--check", capsys=capsys)
    assert code == 1 and out == ""
    assert f"{dig}: differs in text only (Digdag reads the same workflow)" in err
    assert "1 differ (0 in meaning)" in err


def test_a_change_of_meaning_shows_a_unified_diff(
    exported: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package, deploy = exported
    dig = deploy / "load.dig"
    dig.write_text(dig.read_text().replace("queries/load.sql", "queries/other.sql"))
    code, out, err = _export(str(package), "-o", str(deploy), "--check", "--diff", capsys=capsys)
    assert code == 1
    assert f"{dig}: differs in meaning: Digdag would read another workflow" in err
    assert out.splitlines()[:2] == [f"--- {dig}", f"+++ {dig} ({package})"]
    assert "-    td>: queries/other.sql" in out and "+    td>: queries/load.sql" in out
    # --diff alone shows the same and writes nothing, exit 0 (like codemod --diff).
    code, again, _ = _export(str(package), "-o", str(deploy), "--diff", capsys=capsys)
    assert (code, again) == (0, out)
    assert "queries/other.sql" in dig.read_text()


def test_included_and_kept_files_are_guarded_too(
    exported: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package, deploy = exported
    (deploy / "config/env.yml").write_text("td:\n  database: staging\n")
    (deploy / "queries/load.sql").unlink()
    (deploy / "scripts/run.sh").chmod(0o644)
    code, _, err = _export(str(package), "-o", str(deploy), "--check", capsys=capsys)
    assert code == 1
    # The include changes what load.dig means, so the workflow is compared too.
    assert f"{deploy / 'config/env.yml'}: differs in meaning: Digdag would read other data" in err
    assert f"{deploy / 'queries/load.sql'}: missing (the module defines it)" in err
    assert f"{deploy / 'scripts/run.sh'}: mode 0644 on disk, 0755 defined" in err
    assert main(["export", str(package), "-o", str(deploy), "-q"]) == 0
    assert _export(str(package), "-o", str(deploy), "--check", capsys=capsys)[0] == 0
    assert stat.S_IMODE((deploy / "scripts/run.sh").stat().st_mode) == 0o755


def test_files_no_longer_defined_are_reported_and_pruned(
    exported: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package, deploy = exported
    write_tree(
        deploy,
        {
            "old.dig": WF,
            "queries/old/stale.sql": "x",
            ".hidden": "dot files are not part of a project",
            "other_project/wf.dig": WF,  # another project exported next to this one
        },
    )
    code, _, err = _export(str(package), "-o", str(deploy), "--check", capsys=capsys)
    assert code == 1
    assert f"{deploy / 'old.dig'}: not defined by the module (remove it with --prune)" in err
    assert f"{deploy / 'queries/old/stale.sql'}: not defined" in err
    assert "other_project" not in err and ".hidden" not in err
    # Without --prune: written, and the leftovers are warned about.
    code, _, err = _export(str(package), "-o", str(deploy), capsys=capsys)
    assert code == 0 and f"warning: {deploy / 'old.dig'}: not defined by the module" in err
    assert (deploy / "old.dig").exists()
    code, _, err = _export(str(package), "-o", str(deploy), "--prune", capsys=capsys)
    assert code == 0 and f"removed {deploy / 'old.dig'}" in err
    assert not (deploy / "old.dig").exists() and not (deploy / "queries/old").exists()
    assert (deploy / ".hidden").exists() and (deploy / "other_project/wf.dig").exists()
    assert _export(str(package), "-o", str(deploy), "--check", capsys=capsys)[0] == 0


def test_a_drift_check_against_a_missing_directory(
    exported: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package, _ = exported
    code, _, err = _export(str(package), "-o", str(package.parent / "nowhere"), "--check",
                           capsys=capsys)  # fmt: skip
    assert code == 1 and "0 up to date, 0 differ (0 in meaning), 4 missing" in err


# ---------------------------------------------------------------------- running the Python


def test_load_python_imports_a_package_with_relative_imports(tmp_path: Path) -> None:
    pkg = write_tree(
        tmp_path / "flows",
        {
            "__init__.py": "",
            "common.py": "OWNER = 'data-team'\n",
            "etl/__init__.py": (
                "from digrefactor import EchoTask, Workflow, WorkflowProject\n"
                "from ..common import OWNER\n"
                "project = WorkflowProject(name='etl', workflows=[\n"
                "    Workflow(name='hello', tasks=[EchoTask(name='hi', command=OWNER)])])\n"
            ),
        },
    )
    for _ in range(2):  # imported afresh every time, nothing left in sys.modules
        project = load_python(pkg / "etl")
        assert isinstance(project, WorkflowProject)
        assert to_data(project.workflows[0])["+hi"] == {"echo>": "data-team"}
    assert not [m for m in sys.modules if m.startswith("_digrefactor_module_")]


def test_load_python_errors_are_located(tmp_path: Path) -> None:
    from digrefactor import DigError

    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\n\nraise ValueError('no')\n")
    with pytest.raises(DigError) as info:
        load_python(bad)
    assert str(info.value) == f"{bad}:3: ValueError: no"
    syntax = tmp_path / "syntax.py"
    syntax.write_text("def (\n")
    with pytest.raises(DigError, match=r"syntax\.py:1:"):
        load_python(syntax)
    with pytest.raises(DigError, match="not a Python module"):
        load_python(tmp_path)


def test_generated_package_runs_as_a_script(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert main(["convert", str(repo / "team/etl"), "-o", str(tmp_path / "py"), "-q"]) == 0
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(tmp_path / "py/etl/__init__.py"), str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(read_files(out)) == [
        "config/env.yml",
        "load.dig",
        "queries/load.sql",
        "scripts/run.sh",
    ]


def test_converting_again_never_overwrites_edited_python_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "py"
    assert main(["convert", str(repo), "-o", str(out), "-q"]) == 0
    assert main(["convert", str(repo), "-o", str(out), "-q"]) == 0  # same content: fine
    module = out / "repo/team/etl/__init__.py"
    edited = module.read_text() + "\n# edited by hand\n"
    module.write_text(edited)
    capsys.readouterr()
    assert main(["convert", str(repo), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"{module}: exists with other content (--force overwrites it)" in err
    assert "3 project(s) found: 2 converted" in err
    assert module.read_text() == edited
    assert main(["convert", str(repo), "-o", str(out), "-q", "--force"]) == 0
    assert "edited by hand" not in module.read_text()
    single = repo / "team/reports/daily.dig"
    target = tmp_path / "daily.py"
    target.write_text("# mine\n")
    assert main(["convert", str(single), "-o", str(target)]) == 1
    assert target.read_text() == "# mine\n"


def test_package_names_are_identifiers_and_never_collide(tmp_path: Path) -> None:
    from digrefactor.convert import plan_packages
    from digrefactor.parse import discover_projects

    repo = write_tree(
        tmp_path / "my-repo",
        {
            "a-b/x.dig": WF,
            "a_b/y.dig": WF,
            "class/z.dig": WF,
            "top.dig": WF,
            "files/w.dig": WF,  # a project of its own where the top project's files would go
            "q.sql": "select 1\n",
        },
    )
    plans = plan_packages(discover_projects(repo), repo, tmp_path / "py")
    got = {p.project.root.relative_to(repo).as_posix(): p for p in plans}
    assert {rel: p.package.relative_to(tmp_path / "py").as_posix() for rel, p in got.items()} == {
        ".": "my_repo",
        "a-b": "my_repo/a_b",
        "a_b": "my_repo/a_b_2",
        "class": "my_repo/class_",
        "files": "my_repo/files",
    }
    assert got["."].files_dir == "files_"
    assert main(["convert", str(repo), "-o", str(tmp_path / "py"), "-q"]) == 0
    assert (tmp_path / "py/my_repo/files_/q.sql").is_file()
    top = load_python(tmp_path / "py/my_repo")
    assert isinstance(top, WorkflowProject)
    assert sorted(project_file_paths(top.files_dir or tmp_path)) == ["q.sql"]


def test_export_lists_only_the_files_it_writes(
    exported: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package, deploy = exported
    dig = deploy / "load.dig"
    dig.write_text(dig.read_text().replace("queries/load.sql", "queries/other.sql"))
    untouched = (deploy / "queries/load.sql").stat().st_mtime_ns
    code, out, err = _export(str(package), "-o", str(deploy), capsys=capsys)
    assert (code, out) == (0, f"{dig}\n")
    assert err == "4 files defined: 1 written, 3 up to date\n"
    assert (deploy / "queries/load.sql").stat().st_mtime_ns == untouched
    assert _export(str(package), "-o", str(deploy), capsys=capsys)[:2] == (0, "")
