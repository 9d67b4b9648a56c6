"""Start-up: ``digrefactor --version`` and ``codemod --help`` load neither Pydantic nor the models.

Start-up time is measured by ``scripts/bench``; these tests pin what makes it short (which
modules those commands import), and keep the help lines the CLI repeats for that purpose equal
to the commands' own.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys

import pytest

from digrefactor.cli import LAZY_COMMANDS
from digrefactor.cli._codemod import PASS_HELP
from digrefactor.transforms import PASSES

#: Modules whose import is the slow part of a start (Pydantic and ~90 model classes, the YAML
#: parser, the REST client, the converter).
HEAVY = ("pydantic", "digrefactor.models", "ruamel", "_ruamel_yaml", "requests", "libcst")

_PROBE = """
import contextlib, io, json, sys
from digrefactor.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _run(*argv: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("argv", [("--version",), ("--help",), ("codemod", "--help")], ids=" ".join)
def test_quick_commands_import_no_heavy_module(argv: tuple[str, ...]) -> None:
    result = _run(*argv)
    assert result["code"] == 0
    loaded = [
        m
        for m in result["modules"]  # type: ignore[attr-defined]
        if any(m == h or m.startswith(h + ".") for h in HEAVY)
    ]
    assert loaded == []


def test_codemod_help_lists_every_pass() -> None:
    out = str(_run("codemod", "--help")["out"])
    for name, cls in PASSES.items():
        assert f"  {name}" in out and cls.help in out


def test_pass_help_table_matches_the_passes() -> None:
    assert {name: cls.help for name, cls in PASSES.items()} == PASS_HELP


def test_lazy_command_help_lines_match_the_commands() -> None:
    for module, commands in LAZY_COMMANDS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(module).register(sub)
        registered = {a.dest: a.help for a in sub._choices_actions}
        assert registered == commands, module


def test_a_pass_help_still_works_after_a_lazy_start() -> None:
    # `codemod NAME --help` loads the pass (and the models) on demand.
    result = _run("codemod", "rename-operator", "--help")
    assert result["code"] == 0
    assert "--from" in str(result["out"])
