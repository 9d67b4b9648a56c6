"""Test helpers for codemod passes: exact before/after text, idempotence, intended data.

``assert_codemod(pass_, before, after, **options)`` loads *before*, runs the pass through the
same code path as the runner (load → pass → write → verify), and asserts:

* the new text is exactly *after* (the lossless writer's minimal edit);
* the result is ``Changed`` when the text changed, else ``Unchanged``;
* *after* re-parses to the data tree of the edited model;
* running the pass again on *after* changes nothing (for passes marked ``idempotent``).
"""

from __future__ import annotations

import copy
import difflib
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digrefactor._datatree import raw_equal
from digrefactor.cli._codemod import parse_pass_args
from digrefactor.parse import load_workflow, to_data
from digrefactor.transforms import (
    PASSES,
    Changed,
    CodemodPass,
    Failed,
    FileResult,
    Pass,
    PassContext,
    Skipped,
    Unchanged,
    apply_pass,
)

__all__ = ["Case", "assert_codemod", "build_pass", "prepare_case", "read_case", "run_text"]

#: Where a fixture's workflow pretends to live (never written: apply_pass writes nothing).
FAKE_ROOT = Path("/nonexistent/project")


def run_text(
    pass_: Pass, text: str, name: str = "workflow", **options: Any
) -> tuple[FileResult, str]:
    return apply_pass(pass_, text, path=FAKE_ROOT / f"{name}.dig", root=FAKE_ROOT, **options)


def _show_diff(expected: str, got: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            got.splitlines(keepends=True),
            fromfile="expected",
            tofile="got",
        )
    )


def assert_codemod(
    pass_: Pass, before: str, after: str, *, name: str = "workflow", **options: Any
) -> FileResult:
    result, text = run_text(pass_, before, name, **options)
    assert not isinstance(result, Failed), f"pass failed: {result.message}\n{result.detail or ''}"
    assert not isinstance(result, Skipped), f"pass skipped the file: {result.reason}"
    assert text == after, "output differs from the expected text:\n" + _show_diff(after, text)
    if after == before:
        assert isinstance(result, Unchanged), result
    else:
        assert isinstance(result, Changed), result
        assert result.diff.startswith("--- "), result.diff

    # The output means exactly what the edited model means.
    path = FAKE_ROOT / f"{name}.dig"
    wf = load_workflow(before, path=path)
    ctx = PassContext(path=path, root=FAKE_ROOT, options=copy.deepcopy(options))
    pass_(wf, ctx)
    assert raw_equal(to_data(load_workflow(after, path=path)), to_data(wf))

    # A second run changes nothing (black's stability check).
    if getattr(pass_, "idempotent", True):
        again, text2 = run_text(pass_, after, name, **options)
        assert isinstance(again, Unchanged), f"second run was not a no-op: {again}"
        assert text2 == after
    return result


# ------------------------------------------------------------------------ one-file fixtures


@dataclass
class Case:
    """``tests/transforms/data/<pass>/<case>.dig``: header, input, ``# output``, output.

    Header lines (before the input): ``# options: <command-line options>``,
    ``# expect: skipped: <reason substring>``, ``# warning: <substring>``,
    ``# project: <paths>`` (other files the run covers, relative to the project root: the pass's
    ``prepare`` sees them beside this one).
    Without an ``# output`` line the file must come out unchanged.
    """

    pass_name: str
    name: str
    options: list[str]
    before: str
    after: str | None
    skipped: str | None
    warnings: list[str]
    project: list[str]


def read_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    options: list[str] = []
    skipped = None
    warnings: list[str] = []
    project: list[str] = []
    i = 0
    headers = ("# options:", "# expect:", "# warning:", "# project:")
    while i < len(lines) and lines[i].startswith(headers):
        line = lines[i].rstrip("\n")
        if line.startswith("# options:"):
            options += shlex.split(line[len("# options:") :])
        elif line.startswith("# project:"):
            project += shlex.split(line[len("# project:") :])
        elif line.startswith("# expect:"):
            what = line[len("# expect:") :].strip()
            assert what.startswith("skipped:"), f"{path}: unknown expectation {what!r}"
            skipped = what[len("skipped:") :].strip()
        else:
            warnings.append(line[len("# warning:") :].strip())
        i += 1
    body = "".join(lines[i:])
    before, sep, after = body.partition("# output\n")
    return Case(
        path.parent.name,
        path.stem,
        options,
        before,
        after if sep else None,
        skipped,
        warnings,
        project,
    )


def build_pass(pass_name: str, options: list[str]) -> CodemodPass:
    """The pass as the command line builds it (same parser, same validation)."""
    cls = PASSES[pass_name]
    args = parse_pass_args(pass_name, cls, [*options, "PATH"])
    return cls.from_args(args)


def prepare_case(pass_: CodemodPass, case: Case) -> None:
    """Run ``prepare`` as a run over this file and the case's ``# project:`` files would."""
    files = [FAKE_ROOT / f"{case.name}.dig", *(FAKE_ROOT / p for p in case.project)]
    pass_.prepare([(f, FAKE_ROOT) for f in files])
