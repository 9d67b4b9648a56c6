"""The ``push``/``pull``/``start``/``status``/``logs`` subcommands, through ``register``."""

from __future__ import annotations

import argparse
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest

from digrefactor.cli._client_commands import register


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digrefactor")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(*argv: str) -> int:
    args = _parser().parse_args(argv)
    code: int = args.func(args)
    return code


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_register_adds_the_five_commands() -> None:
    parser = _parser()
    for argv in (
        ["push", "proj"],
        ["pull", "proj", "out"],
        ["start", "proj", "wf"],
        ["status", "1"],
        ["logs", "1"],
    ):
        args = parser.parse_args(argv)
        assert callable(args.func)
        assert args.endpoint  # env DIGDAG_ENDPOINT or the default


def test_endpoint_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGDAG_ENDPOINT", "http://digdag.example:1234")
    assert _parser().parse_args(["status", "1"]).endpoint == "http://digdag.example:1234"
    monkeypatch.delenv("DIGDAG_ENDPOINT")
    assert _parser().parse_args(["status", "1"]).endpoint == "http://127.0.0.1:65432"


def test_connection_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = f"http://user:topsecret@127.0.0.1:{_free_port()}"
    assert _run("status", "5", "--endpoint", endpoint) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: GET http://127.0.0.1:")
    assert err.count("\n") == 1
    assert "topsecret" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["status", "1", "-H", "no-separator"], "-H expects"),
        (["status", "1", "--basic-auth", "nocolon"], "--basic-auth expects"),
        (["status", "1", "--endpoint", "ftp://x"], "http(s) URL"),
        (["start", "p", "w", "-p", "novalue"], "-p expects KEY=VALUE"),
        (["start", "p", "w", "--session", "yesterday-ish"], "--session"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(*argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


@pytest.mark.digdag
def test_push_start_status_logs_pull(
    digdag_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = ["--endpoint", digdag_server.endpoint]
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    (project_dir / "ok.dig").write_text('+say:\n  sh>: echo "cli says ${greeting}"\n')
    (project_dir / "bad.dig").write_text("+boom:\n  fail>: deliberately\n")
    name = f"cli_{uuid.uuid4().hex[:8]}"

    assert _run("push", name, "--project", str(project_dir), "-r", "v1", *endpoint) == 0
    out = capsys.readouterr().out
    assert f"Uploaded project {name}" in out and "revision v1" in out
    assert "  ok" in out and "  bad" in out

    assert _run("start", name, "ok", "-p", "greeting=hi", "--wait", *endpoint) == 0
    out = capsys.readouterr().out
    attempt_id = out.split("Started attempt ", 1)[1].split()[0]
    assert "finished: success" in out

    assert _run("status", attempt_id, *endpoint) == 0
    out = capsys.readouterr().out
    assert f"Attempt {attempt_id}: success" in out and "+ok+say" in out

    assert _run("logs", attempt_id, *endpoint) == 0
    assert "cli says hi" in capsys.readouterr().out
    assert _run("logs", attempt_id, "--task", "+ok+nothing", *endpoint) == 0
    got = capsys.readouterr()
    assert got.out == ""
    assert f"attempt {attempt_id} has no log files of tasks starting with +ok+nothing" in got.err
    assert "--task-log" in got.err

    assert _run("start", name, "bad", "--wait", *endpoint) == 1
    out = capsys.readouterr().out
    failed_id = out.split("Started attempt ", 1)[1].split()[0]
    assert _run("status", failed_id, *endpoint) == 1

    assert _run("pull", name, str(tmp_path / "pulled"), *endpoint) == 0
    assert (tmp_path / "pulled" / "ok.dig").read_text() == (project_dir / "ok.dig").read_text()

    assert _run("start", "no_such_project_x", "ok", *endpoint) == 1
    err = capsys.readouterr().err
    assert "no project named 'no_such_project_x'" in err and err.count("\n") == 1


def test_push_of_a_directory_without_workflows_names_the_projects_below(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "team" / "etl").mkdir(parents=True)
    (tmp_path / "team" / "etl" / "a.dig").write_text("+a:\n  echo>: a\n")
    endpoint = ["--endpoint", f"http://127.0.0.1:{_free_port()}"]  # never reached
    assert _run("push", "p", "--project", str(tmp_path), *endpoint) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: not a Digdag project (no top-level .dig files); "
        f"projects below it: {tmp_path / 'team' / 'etl'}\n"
    )
    assert _run("push", str(tmp_path / "missing.py"), *endpoint) == 2
    assert (
        capsys.readouterr().err == f"error: {tmp_path / 'missing.py'}: no such file or directory\n"
    )
    broken = tmp_path / "broken.py"
    broken.write_text("project = 1 / 0\n")
    assert _run("push", str(broken), *endpoint) == 1
    assert capsys.readouterr().err == f"{broken}:1: ZeroDivisionError: division by zero\n"


RUN_SH = '#!/bin/sh\necho "script ran with $(cat queries/q.sql)"\n'


@pytest.mark.digdag
def test_push_a_module_with_its_files(
    digdag_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``push MODULE.py --project NAME``: the project the module builds, with the files of its
    files_dir (modes kept: the script runs), reaches the server and runs there."""
    from digrefactor.cli import main

    source = tmp_path / "src" / "etl"
    (source / "scripts").mkdir(parents=True)
    (source / "queries").mkdir()
    (source / "etl.dig").write_text(
        "_export:\n  !include : config/env.yml\n+run:\n  sh>: ./scripts/run.sh ${env}\n"
    )
    (source / "config").mkdir()
    (source / "config" / "env.yml").write_text("env: prod\n")
    (source / "queries" / "q.sql").write_text("select 42")
    (source / "scripts" / "run.sh").write_text(RUN_SH)
    (source / "scripts" / "run.sh").chmod(0o755)
    assert main(["convert", str(source), "-o", str(tmp_path / "py"), "-q"]) == 0
    capsys.readouterr()

    endpoint = ["--endpoint", digdag_server.endpoint]
    name = f"module_{uuid.uuid4().hex[:8]}"
    package = tmp_path / "py" / "etl"
    assert _run("push", str(package), "--project", name, "-r", "v1", *endpoint) == 0
    out = capsys.readouterr().out
    assert f"Uploaded project {name}" in out and "  etl" in out
    assert _run("start", name, "etl", "--wait", *endpoint) == 0
    attempt_id = capsys.readouterr().out.split("Started attempt ", 1)[1].split()[0]
    assert _run("logs", attempt_id, *endpoint) == 0
    assert "script ran with select 42" in capsys.readouterr().out

    assert _run("pull", name, str(tmp_path / "pulled"), *endpoint) == 0
    pulled = sorted(
        p.relative_to(tmp_path / "pulled").as_posix()
        for p in (tmp_path / "pulled").rglob("*")
        if p.is_file()
    )
    assert pulled == ["config/env.yml", "etl.dig", "queries/q.sql", "scripts/run.sh"]

    # A module file (not a package) names its project; its name is the default.
    module = tmp_path / "by_hand.py"
    module.write_text(
        "from pathlib import Path\n"
        "from digrefactor import EchoTask, Workflow, WorkflowProject\n"
        f"project = WorkflowProject(name={name + '_2'!r}, workflows=[\n"
        "    Workflow(name='hello', tasks=[EchoTask(name='hi', command='hand-made')])])\n"
    )
    assert _run("push", str(module), *endpoint) == 0
    assert f"Uploaded project {name}_2" in capsys.readouterr().out


def test_push_module_with_a_project_dir_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "etl.py"
    module.write_text("raise SystemExit('must not run')\n")
    assert _run("push", str(module), "--project-dir", str(tmp_path)) == 2
    assert "--project-dir goes with a project NAME" in capsys.readouterr().err


def test_push_directory_given_twice_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("push", "p", "--project", str(tmp_path), "--project-dir", str(tmp_path)) == 2
    assert "give the project directory once" in capsys.readouterr().err
