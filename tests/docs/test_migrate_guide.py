"""docs/migrate.md is a test: its files are written, its commands run in order in a scratch
repository, each with the exit code and the output lines the guide shows.

In a ``console`` block, ``$ command`` lines run with bash (``# exit N`` after a command is the
exit code it must end with, else 0); the lines after a command are output that must appear
(stdout and stderr together; ``...`` matches anything, a line of only ``...`` stands for lines
left out). Blocks fenced as ```` ```lang file=PATH [mode=755] ```` are written to PATH before
anything runs. ``python`` blocks run where they stand. Commands that talk to Digdag (``push``,
``start``) run against the live server fixture.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "migrate.md"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
NEEDS_SERVER = re.compile(r"^digrefactor (push|start|pull|status|logs)\b")


@dataclass
class Command:
    line: str
    exit_code: int
    output: list[str] = field(default_factory=list)


@dataclass
class Step:
    kind: str  # "console" or "python"
    commands: list[Command] = field(default_factory=list)
    code: str = ""


def _parse() -> tuple[dict[str, tuple[str, int | None]], list[Step]]:
    files: dict[str, tuple[str, int | None]] = {}
    steps: list[Step] = []
    for match in FENCE.finditer(GUIDE.read_text(encoding="utf-8")):
        info, body = match.group(1).split(), match.group(2)
        options = dict(part.split("=", 1) for part in info[1:] if "=" in part)
        if "file" in options:
            mode = int(options["mode"], 8) if "mode" in options else None
            files[options["file"]] = (body, mode)
        elif info[:1] == ["console"]:
            step = Step("console")
            for text in body.splitlines():
                if text.startswith("$ "):
                    command = text[2:]
                    code = re.search(r"#\s*exit (\d+)\s*$", command)
                    step.commands.append(Command(command, int(code.group(1)) if code else 0))
                else:
                    step.commands[-1].output.append(text)
            steps.append(step)
        elif info[:1] == ["python"] and "import" in body and "client" in body:
            steps.append(Step("python", code=body))
    return files, steps


def _pattern(line: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in line.split("...")) + "$")


def _check_output(command: Command, output: str) -> None:
    lines = output.splitlines()
    for expected in command.output:
        if expected.strip() == "...":
            continue
        pattern = _pattern(expected)
        assert any(pattern.match(line) for line in lines), (
            f"`{command.line}`: no line like {expected!r} in:\n{output}"
        )


def test_the_guide_has_steps() -> None:
    files, steps = _parse()
    assert set(files) == {"analytics/ops/monitor.dig", "analytics/ops/scripts/check_disk.sh"}
    assert sum(len(s.commands) for s in steps) >= 15
    assert any(s.kind == "python" for s in steps)


def test_the_guide_runs(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    files, steps = _parse()
    shutil.copytree(ROOT / "corpus", tmp_path / "analytics" / "sales")
    for rel, (text, mode) in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if mode is not None:
            target.chmod(mode)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("DIGDAG_ENDPOINT", None)
    ran = 0
    for step in steps:
        needs_server = step.kind == "python" or any(
            NEEDS_SERVER.match(c.line) for c in step.commands
        )
        if needs_server and "DIGDAG_ENDPOINT" not in env:
            # Everything before needs no server; the rest skips if none can be had.
            env["DIGDAG_ENDPOINT"] = request.getfixturevalue("digdag_server").endpoint
        if step.kind == "python":
            proc = subprocess.run(
                [sys.executable, "-c", step.code],
                cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            assert "daily_sales" in proc.stdout
            continue
        for command in step.commands:
            proc = subprocess.run(
                ["bash", "-c", command.line],
                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, check=False, timeout=300,
            )  # fmt: skip
            assert proc.returncode == command.exit_code, f"`{command.line}`:\n{proc.stdout}"
            _check_output(command, proc.stdout)
            ran += 1
    assert ran >= 15
