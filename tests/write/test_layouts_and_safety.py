"""Layouts fixtures cannot show (CRLF, BOM, no final newline) and the never-lose-data rules."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from digrefactor import (
    DigWriteError,
    ShTask,
    Workflow,
    atomic_write,
    export_workflow,
    load_project,
    load_workflow,
    save_project,
    save_workflow,
    write_workflow,
)


def test_crlf_file_keeps_crlf_in_edited_and_inserted_lines() -> None:
    src = "timezone: UTC\r\n\r\n+a:\r\n  sh>: a.sh   \r\n"
    wf = load_workflow(src)
    assert write_workflow(wf) == src
    wf.tasks[0].command = "b.sh"  # type: ignore[union-attr]
    wf.tasks.append(ShTask(name="c", command="c.sh"))
    out = write_workflow(wf)
    assert out == "timezone: UTC\r\n\r\n+a:\r\n  sh>: b.sh   \r\n\r\n+c:\r\n  sh>: c.sh\r\n"
    assert "\n" not in out.replace("\r\n", "")


def test_bom_and_missing_final_newline_survive(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    path.write_bytes("\ufeff+a:\n  sh>: a.sh".encode())
    wf = load_workflow(path)
    wf.tasks.append(ShTask(name="b", command="b.sh"))
    out = write_workflow(wf)
    assert out == "\ufeff+a:\n  sh>: a.sh\n+b:\n  sh>: b.sh"
    wf2 = load_workflow(path)
    wf2.tasks[0].command = "z.sh"  # type: ignore[union-attr]
    assert write_workflow(wf2) == "\ufeff+a:\n  sh>: z.sh"


def test_trailing_whitespace_on_untouched_lines_is_kept() -> None:
    src = "+a:   \n  sh>: a.sh\t\n  x: 1  \n"
    wf = load_workflow(src)
    wf.tasks[0].params["x"] = 2
    assert write_workflow(wf) == "+a:   \n  sh>: a.sh\t\n  x: 2  \n"


def test_refused_rewrite_leaves_file_byte_identical(tmp_path: Path) -> None:
    src = "_export:\n  base: &b {x: 1}\n  merged:\n    <<: *b\n    y: 2\n+t:\n  sh>: x\n"
    path = tmp_path / "wf.dig"
    path.write_text(src)
    wf = load_workflow(path)
    assert wf.export is not None
    wf.export["merged"]["y"] = 3
    with pytest.raises(DigWriteError) as info:
        save_workflow(wf)
    assert info.value.line == 4  # points at the merge key
    assert path.read_text() == src


def test_save_workflow_writes_only_when_changed_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    path.write_text("+t:\n  sh>: x\n")
    os.chmod(path, 0o640)
    before = path.stat().st_mtime_ns
    wf = load_workflow(path)
    assert save_workflow(wf) is False
    assert path.stat().st_mtime_ns == before
    wf.tasks[0].command = "y"  # type: ignore[union-attr]
    assert save_workflow(wf) is True
    assert path.read_text() == "+t:\n  sh>: y\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["wf.dig"]  # no temp file left behind


def test_atomic_write_failure_leaves_original(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    path.write_text("original\n")

    class Boom(str):
        def encode(self, *args: object, **kwargs: object) -> bytes:  # type: ignore[override]
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, Boom("new"))
    assert path.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["wf.dig"]


def test_save_project_rewrites_only_changed_files(tmp_path: Path) -> None:
    (tmp_path / "a.dig").write_text("+t:\n  sh>: a   # keep\n")
    (tmp_path / "b.dig").write_text("+t:\n    sh>: b\n")
    (tmp_path / "q.sql").write_text("select 1\n")
    project = load_project(tmp_path)
    project.workflow("a").tasks[0].command = "a2"  # type: ignore[union-attr]
    written = save_project(project)
    assert [p.name for p in written] == ["a.dig"]
    assert (tmp_path / "a.dig").read_text() == "+t:\n  sh>: a2   # keep\n"
    assert (tmp_path / "b.dig").read_text() == "+t:\n    sh>: b\n"


def test_model_built_in_code_is_exported_fresh() -> None:
    wf = Workflow(name="w", tasks=[ShTask(name="t", command="echo hi")])
    assert write_workflow(wf) == export_workflow(wf)


def test_text_after_a_final_block_scalar_keeps_its_value() -> None:
    # The file ends inside a `|` block without a line break, so the value has no final newline;
    # appending after it needs strip chomping to keep the value exactly.
    wf = load_workflow("+a:\n  sh>: |\n    echo a")
    wf.tasks.append(ShTask(name="b", command="b.sh"))
    out = write_workflow(wf)
    assert out == "+a:\n  sh>: |-\n    echo a\n+b:\n  sh>: b.sh"
    assert load_workflow(out).tasks[0].command == "echo a"  # type: ignore[union-attr]


def test_mixed_line_endings_keep_each_line_and_new_lines_follow_the_majority() -> None:
    src = "+a:\r\n  sh>: a\r\n+b:\n  sh>: b\r\n"
    wf = load_workflow(src)
    assert wf._source.doc.mixed_line_endings() is not None
    wf.tasks[1].command = "b2"  # type: ignore[union-attr]
    wf.tasks.append(ShTask(name="c", command="c"))
    assert write_workflow(wf) == "+a:\r\n  sh>: a\r\n+b:\n  sh>: b2\r\n+c:\r\n  sh>: c\r\n"


def test_save_refuses_a_workflow_digdag_would_reject(tmp_path: Path) -> None:
    path = tmp_path / "wf.dig"
    path.write_text("+t:\n  sh>: x\n")
    wf = load_workflow(path)
    wf.tasks.append(ShTask(name="bad name", command="y"))
    with pytest.raises(DigWriteError, match="would not load"):
        save_workflow(wf)
    assert path.read_text() == "+t:\n  sh>: x\n"


def test_save_to_another_place_checks_includes_from_there(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "p.dig").write_text("_export:\n  a: 1\n")
    (tmp_path / "src" / "main.dig").write_text("!include : p.dig\n+t:\n  sh>: x\n")
    wf = load_workflow(tmp_path / "src" / "main.dig")
    (tmp_path / "other").mkdir()
    with pytest.raises(DigWriteError, match="included file not found"):
        save_workflow(wf, tmp_path / "other" / "copy.dig")
    assert not (tmp_path / "other" / "copy.dig").exists()


def test_saving_through_a_symlink_edits_the_file_it_names(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "proj").mkdir()
    real = tmp_path / "real" / "shared.dig"
    real.write_text("+a:\n  sh>: echo a\n")
    link = tmp_path / "proj" / "link.dig"
    link.symlink_to("../real/shared.dig")
    wf = load_workflow(link)
    wf.tasks[0].command = "echo b"  # type: ignore[union-attr]
    assert save_workflow(wf) is True
    assert link.is_symlink()
    assert real.read_text() == "+a:\n  sh>: echo b\n"


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_literal_blocks_starting_with_spaces_round_trip_at_any_depth(depth: int) -> None:
    from digrefactor import GroupTask, to_data

    task: ShTask | GroupTask = ShTask(name="a", command="  indented first line\nsecond\n")
    for i in range(depth):
        task = GroupTask(name=f"g{i}", tasks=[task])
    wf = Workflow(name="w", tasks=[task])
    text = export_workflow(wf)
    assert to_data(load_workflow(text, name="w")) == to_data(wf)


def test_flow_collection_with_comments_is_not_rewritten_silently() -> None:
    src = "+a: {\n  sh>: x,   # the command\n  retry: 1\n}\n"
    wf = load_workflow(src)
    wf.tasks[0].params["added"] = 1
    with pytest.raises(DigWriteError, match="without losing the comments"):
        write_workflow(wf)


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.dig", "+t:\n  sh>: x\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.dig").stat().st_mode) == 0o644
