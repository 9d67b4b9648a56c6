"""Wrong results and messages: each agrees with Digdag or says clearly, with a location."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.digdag import DigdagOracle

from digrefactor import DigValidationError, digdag_definition, load_workflow
from digrefactor.cli import main
from digrefactor.transforms import Changed, Failed, Unchanged, run_file

BOM = b"\xef\xbb\xbf"


@pytest.mark.digdag
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (BOM + BOM + b"+t:\n  echo>: hi\n", "byte-order mark"),
        (BOM + b"+t:\n  echo>: hi\n" + BOM + b"+u:\n  echo>: x\n", "byte-order mark"),
        (BOM + b"timezone: UTC\n" + BOM + b"# a comment\n+t:\n  echo>: hi\n", "expected ':'"),
        (BOM + b"+t:\n  echo>: hi\n", None),  # one BOM, at the start: fine for everyone
        (b"+t: {echo>: hi,\n" + BOM + b"k: v}\n", None),  # in a flow mapping: a key of its own
    ],
    ids=["double", "second-line", "before-a-comment", "single", "in-flow"],
)
def test_byte_order_marks_read_as_digdag_reads_them(
    tmp_path: Path,
    digdag_oracle: DigdagOracle,
    data: bytes,
    problem: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Digdag skips one BOM at the very start (SnakeYAML); libyaml skipped one at the start of
    any line, so `check` passed a double-BOM file that every codemod then failed."""
    path = tmp_path / "wf.dig"
    path.write_bytes(data)
    verdict = digdag_oracle.judge_one(path)
    assert verdict.ok == (problem is None), verdict
    checked = main(["check", str(path)])
    check_out = capsys.readouterr().out
    edited = main(["codemod", "set-timezone", "Asia/Tokyo", str(path)])
    codemod_err = capsys.readouterr().err
    if problem is None:
        assert checked == 0, check_out
        assert edited == 0, codemod_err
        assert digdag_definition(load_workflow(path))["config"] == verdict.config
        after = digdag_oracle.judge_one(path)  # the edited file reads as intended in Digdag
        assert after.ok and after.timezone == "Asia/Tokyo", after
        written = path.read_bytes()
        assert written.startswith(BOM) == data.startswith(BOM)
        assert written.count(BOM) == data.count(BOM)
    else:
        assert checked == 1 and edited == 1
        assert problem in check_out and problem in codemod_err, (check_out, codemod_err)
        assert path.read_bytes() == data


def test_complex_keys_are_located() -> None:
    with pytest.raises(DigValidationError) as info:
        load_workflow("timezone: UTC\n? [a, b]\n: c\n+t:\n  sh>: x\n")
    assert info.value.location == "<string>:2:3"
    assert "unknown keys: [[a, b]]" in info.value.message


@pytest.mark.parametrize(
    "argv",
    [
        ["--diff", "rename-operator", "--from", "sh", "--to", "echo"],
        ["-j", "1", "--diff", "rename-operator", "--from", "sh", "--to", "echo"],
        ["rename-operator", "--diff", "--from", "sh", "--to", "echo"],
    ],
)
def test_options_may_come_before_the_codemod_name(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wf.dig"
    path.write_text("+t:\n  sh>: x\n")
    assert main(["codemod", *argv, str(path)]) == 0
    out = capsys.readouterr()
    assert "+  echo>: x" in out.out, out
    assert path.read_text() == "+t:\n  sh>: x\n"  # --diff writes nothing


def test_rename_workflow_leaves_references_that_do_not_resolve(tmp_path: Path) -> None:
    """Only call>/require> that resolve to the renamed file change: `call>: sub/old.dig` (no
    such file) stays as it is."""
    (tmp_path / "old.dig").write_text("+a:\n  sh>: x\n")
    main_text = "+top:\n  call>: old\n+missing:\n  call>: sub/old.dig\n+req:\n  require>: old\n"
    (tmp_path / "main.dig").write_text(main_text)
    assert main(["codemod", "rename-workflow", "old", "new", str(tmp_path)]) == 0
    assert (tmp_path / "main.dig").read_text() == (
        "+top:\n  call>: new\n+missing:\n  call>: sub/old.dig\n+req:\n  require>: new\n"
    )
    assert (tmp_path / "new.dig").exists() and not (tmp_path / "old.dig").exists()


def test_rename_workflow_does_not_touch_a_dangling_call(tmp_path: Path) -> None:
    (tmp_path / "main.dig").write_text("+c:\n  call>: old\n")  # no old.dig anywhere
    result = run_file(tmp_path / "main.dig", _rename_pass())
    assert isinstance(result, Unchanged), result


def _rename_pass() -> object:
    from digrefactor.transforms import RenameWorkflow

    return RenameWorkflow("old", "new")


def test_a_pass_that_duplicates_a_task_name_fails(tmp_path: Path) -> None:
    """The second task silently replaced the first and the file was reported unchanged."""
    from digrefactor import ShTask

    path = tmp_path / "wf.dig"
    path.write_text("+a:\n  sh>: x\n")

    def add_twin(wf: object, ctx: object) -> None:
        wf.tasks.append(ShTask(name="a", command="x"))  # type: ignore[attr-defined]

    result = run_file(path, add_twin)  # type: ignore[arg-type]
    assert isinstance(result, Failed), result
    assert "two tasks in one group are named +a" in result.message
    assert path.read_text() == "+a:\n  sh>: x\n"
    assert not isinstance(run_file(path, lambda wf, ctx: None), Changed)
