"""Resource bombs end in a located error, in bounded time and memory (README "Limits").

Every case runs ``digrefactor check`` (or the API) in a child process with a time and memory
budget (budget.py): before the limits, the 545-byte alias bomb ran past 300 s and 15.9 GB, the
merge-key and include bombs never finished, and a 100 KB unclosed ``[[[`` took a minute.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from budget import run_cli
from support.digdag import DigdagOracle

from digrefactor._limits import (
    MAX_ALIAS_VALUES,
    MAX_COLLECTION_ALIASES,
    MAX_INCLUDE_DEPTH,
    MAX_INCLUDES,
    MAX_NESTING_DEPTH,
)

#: Generous for a file that fails at once: the child imports digrefactor on a busy machine.
SECONDS = 30
MEMORY_MB = 1024


def _located(output: str, path: Path) -> re.Match[str]:
    m = re.search(rf"^{re.escape(str(path))}:(\d+):(\d+): (.+)$", output, re.MULTILINE)
    assert m, f"no path:line:col error for {path} in:\n{output}"
    return m


def _check(path: Path, cwd: Path) -> tuple[int, int, str]:
    """Run check on *path*; it must fail (exit 1) with one located error, within budget."""
    out = run_cli(["check", str(path)], seconds=SECONDS, memory_mb=MEMORY_MB, cwd=cwd)
    assert out.returncode == 1, out.output
    assert "Traceback" not in out.output and "internal error" not in out.output, out.output
    m = _located(out.stdout, path)
    return int(m.group(1)), int(m.group(2)), m.group(3)


def test_billion_laughs(tmp_path: Path) -> None:
    """The classic: ten levels of nine aliases each (10^9 values once expanded), 545 bytes."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "laughs.dig"
    path.write_text("\n".join(lines) + "\n+t:\n  echo>: *a9\n")
    assert len(path.read_bytes()) < 600
    line, _, message = _check(path, tmp_path)
    assert f"more than {MAX_ALIAS_VALUES:,} values" in message
    assert line <= 10


def test_doubling_aliases_within_snakeyamls_alias_count(tmp_path: Path) -> None:
    """25 levels of [*a, *a]: 50 aliases (SnakeYAML's limit) still make 2^25 values."""
    lines = ["_export:", "  a0: &a0 [x, x]"]
    lines += [f"  a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 26)]
    path = tmp_path / "double.dig"
    path.write_text("\n".join(lines) + "\n+t:\n  echo>: hi\n")
    _, _, message = _check(path, tmp_path)
    assert "alias bomb" in message


def test_more_aliases_to_collections_than_snakeyaml_allows(tmp_path: Path) -> None:
    n = MAX_COLLECTION_ALIASES + 1
    body = "".join(f"  k{i}: *m\n" for i in range(n))
    path = tmp_path / "many.dig"
    path.write_text(f"_export:\n  m: &m {{a: 1}}\n{body}+t:\n  echo>: hi\n")
    line, _, message = _check(path, tmp_path)
    assert f"specified max={MAX_COLLECTION_ALIASES}" in message
    assert line == 2 + n  # the first alias past the limit


def test_fifty_aliases_are_fine(tmp_path: Path) -> None:
    body = "".join(f"  k{i}: *m\n" for i in range(MAX_COLLECTION_ALIASES))
    path = tmp_path / "fifty.dig"
    path.write_text(f"_export:\n  m: &m {{a: 1}}\n{body}+t:\n  echo>: hi\n")
    out = run_cli(["check", str(path)], seconds=SECONDS, memory_mb=MEMORY_MB)
    assert out.returncode == 0, out.output


@pytest.mark.digdag
@pytest.mark.parametrize("aliases", [MAX_COLLECTION_ALIASES, MAX_COLLECTION_ALIASES + 1])
def test_the_alias_limit_is_digdags(
    tmp_path: Path, digdag_oracle: DigdagOracle, aliases: int
) -> None:
    """Digdag 0.10.5.1 (SnakeYAML 1.28) accepts 50 aliases to collections and refuses 51."""
    body = "".join(f"  k{i}: *m\n" for i in range(aliases))
    path = tmp_path / "aliases.dig"
    path.write_text(f"_export:\n  m: &m {{a: 1}}\n{body}+t:\n  echo>: hi\n")
    verdict = digdag_oracle.judge_one(path)
    ours = run_cli(["check", str(path)], seconds=SECONDS)
    assert verdict.ok == (ours.returncode == 0), (verdict, ours.output)
    if not verdict.ok:
        assert verdict.error is not None and verdict.error in ours.stdout


def test_recursive_alias(tmp_path: Path) -> None:
    path = tmp_path / "rec.dig"
    path.write_text("_export:\n  a: &a [1, *a]\n+t:\n  echo>: hi\n")
    line, col, message = _check(path, tmp_path)
    assert (line, col) == (2, 13) and "recursive" in message


@pytest.mark.parametrize("distinct", [True, False], ids=["distinct-keys", "same-keys"])
def test_merge_key_bomb(tmp_path: Path, distinct: bool) -> None:
    """Each level merges the previous one twice. With the same keys the result stays small,
    but resolving each merge source again took exponential time."""
    lines = ["_export:", "  a0: &a0 {x0: 1}"]
    for i in range(1, 40):
        own = f", k{i}: 1" if distinct else ""
        lines.append(f"  a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]{own}}}")
    path = tmp_path / "merge.dig"
    path.write_text("\n".join(lines) + "\n+t:\n  echo>: hi\n")
    _, _, message = _check(path, tmp_path)
    assert "aliases" in message


def test_merge_keys_in_moderation_still_work(tmp_path: Path) -> None:
    path = tmp_path / "merge_ok.dig"
    path.write_text(
        "_export:\n  base: &b {x: 1, y: 2}\n  more: &m {<<: *b, z: 3}\n"
        "+t:\n  echo>: hi\n  _export: {<<: [*m, *b], y: 5}\n"
    )
    out = run_cli(["scan", "--format", "json", str(path)], seconds=SECONDS)
    assert out.returncode == 0, out.output


def test_include_fan_out_bomb(tmp_path: Path) -> None:
    """f_k includes f_(k-1) twice: 2^30 include directives for Digdag to process."""
    (tmp_path / "f0.dig").write_text("+a:\n  echo>: hi\n")
    for k in range(1, 31):
        (tmp_path / f"f{k}.dig").write_text(f"!include : f{k - 1}.dig\n" * 2)
    top = tmp_path / "f30.dig"
    out = run_cli(["check", str(top)], seconds=SECONDS, memory_mb=MEMORY_MB)
    assert out.returncode == 1, out.output
    m = re.search(r"^(\S+\.dig):(\d+):(\d+): (.+)$", out.stdout, re.MULTILINE)
    assert m, out.output
    assert f"more than {MAX_INCLUDES} `!include` directives" in m.group(4)
    assert "f30.dig" in m.group(4)  # names the workflow whose loading it is


def test_include_chain_deeper_than_the_limit(tmp_path: Path) -> None:
    (tmp_path / "c0.dig").write_text("+a:\n  echo>: hi\n")
    for k in range(1, MAX_INCLUDE_DEPTH + 5):
        (tmp_path / f"c{k}.dig").write_text(f"!include : c{k - 1}.dig\n")
    out = run_cli(["check", str(tmp_path / f"c{MAX_INCLUDE_DEPTH + 4}.dig")], seconds=SECONDS)
    assert out.returncode == 1 and f"more than {MAX_INCLUDE_DEPTH} files deep" in out.stdout
    # A chain within the limit loads.
    out = run_cli(["check", str(tmp_path / f"c{MAX_INCLUDE_DEPTH}.dig")], seconds=SECONDS)
    assert out.returncode == 0, out.output


def test_unclosed_flow_sequence(tmp_path: Path) -> None:
    """100 KB of ``[`` took about a minute (libyaml rescans its open flow levels each token)."""
    path = tmp_path / "unclosed.dig"
    path.write_text("+t:\n  echo>: " + "[" * 100_000 + "\n")
    line, col, message = _check(path, tmp_path)
    assert line == 2 and f"more than {MAX_NESTING_DEPTH} levels" in message
    assert col == 10 + MAX_NESTING_DEPTH - 2  # the first `[` past the limit


def _nested_tasks(n: int) -> str:
    lines = [" " * i + f"+t{i}:" for i in range(n)]
    return "\n".join([*lines, " " * n + "echo>: hi"]) + "\n"


def test_nesting_past_the_limit_is_located(tmp_path: Path) -> None:
    path = tmp_path / "deep.dig"
    path.write_text(_nested_tasks(MAX_NESTING_DEPTH + 1))
    line, col, message = _check(path, tmp_path)
    # The root mapping is level 1: the mapping under +t999 (line 1001) is level 1001.
    assert (line, col) == (MAX_NESTING_DEPTH + 1, MAX_NESTING_DEPTH + 1)
    assert "nest more than" in message


def test_nesting_through_includes_counts_too(tmp_path: Path) -> None:
    """Two files of 600 levels each, one included at the bottom of the other."""
    inner = tmp_path / "inner.dig"
    inner.write_text(_nested_tasks(600))
    outer = "".join(" " * i + f"+o{i}:\n" for i in range(600))
    (tmp_path / "outer.dig").write_text(outer + " " * 600 + "!include : inner.dig\n")
    line, _, message = _check(tmp_path / "outer.dig", tmp_path)
    assert line == 601 and "!include : inner.dig" in message
