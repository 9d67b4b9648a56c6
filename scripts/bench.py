"""digrefactor benchmarks, each next to the alternative a user would pick, in one run.

1. Parse and no-op write throughput over the shared corpus replicated to >= 5 MB, next to
   ruamel.yaml's round-trip load+dump of the same texts.
2. Collateral lines: a fixed set of edits applied to every corpus file, by digrefactor and by
   ruamel.yaml (load, edit, dump); lines changed that hold no edited node.
3. Codemods at scale: rename-operator + shift-schedule over N >= 10,000 files on disk with the
   CLI (-j 2), next to a ruamel.yaml load->edit->dump script and mikefarah's yq v4 per file;
   wall time, files/s at several sizes (linearity), peak memory, and diff size.
4. Conversion to Python (files/s), when the converter is present.

Usage: scripts/bench [--quick] [--skip-yq] [--files N]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402
from ruamel.yaml.comments import CommentedMap  # noqa: E402

from digrefactor import (  # noqa: E402
    DigError,
    OperatorTask,
    load_workflow,
    write_workflow,
)


def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    cells = [header, *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    sys.stdout.flush()


def manifest(kinds: tuple[str, ...]) -> list[Path]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [
        CORPUS / r["repo"].replace("/", "+") / r["path"]
        for r in rows
        if r["kind"] in kinds and r["status"] != "duplicate"
    ]


def loadable(paths: list[Path]) -> list[tuple[Path, str]]:
    out = []
    for p in paths:
        try:
            load_workflow(p)
        except DigError:
            continue
        out.append((p, p.read_text(encoding="utf-8")))
    return out


def ruamel() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


# --------------------------------------------------------------------------------- 1. speed


def bench_throughput(files: list[tuple[Path, str]], target_mb: float) -> None:
    size = sum(len(t.encode()) for _, t in files)
    reps = max(1, int(target_mb * 1e6 // size) + 1)
    work = files * reps
    mb = size * reps / 1e6

    def ours_parse() -> None:
        for path, text in work:
            load_workflow(text, path=path)

    models = [load_workflow(text, path=path) for path, text in files]

    def ours_write() -> None:
        for _ in range(reps):
            for wf in models:
                write_workflow(wf)

    y = ruamel()

    def ruamel_rt() -> None:
        for _, text in work:
            try:
                data = y.load(text)
            except Exception:
                continue
            buf = io.StringIO()
            y.dump(data, buf)

    results = []
    for name, fn in [
        ("digrefactor load_workflow (parse to models)", ours_parse),
        ("digrefactor write_workflow (no-op write)", ours_write),
        ("ruamel.yaml round-trip load+dump", ruamel_rt),
    ]:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        results.append((name, dt))
    base = results[-1][1]
    rows = [
        [
            name,
            f"{mb:.1f}",
            f"{dt:.2f}",
            f"{mb / dt:.2f}",
            f"{len(work) / dt:.0f}",
            f"{base / dt:.1f}x",
        ]
        for name, dt in results
    ]
    table(
        f"Throughput: {len(files)} loadable corpus files x {reps} = {len(work)} files",
        ["what", "MB", "seconds", "MB/s", "files/s", "vs ruamel"],
        rows,
    )
    # Byte-identical no-op writes: ours and ruamel.yaml's round trip, file by file.
    ours_same = sum(
        1 for wf, (_, text) in zip(models, files, strict=True) if write_workflow(wf) == text
    )
    theirs_same = 0
    for _, text in files:
        try:
            buf = io.StringIO()
            y.dump(y.load(text), buf)
        except Exception:
            continue
        theirs_same += buf.getvalue() == text
    table(
        "No-op round trip: files written back byte-identical",
        ["tool", "identical", "of", "share"],
        [
            ["digrefactor", ours_same, len(files), f"{ours_same / len(files):.1%}"],
            [
                "ruamel.yaml (preserve_quotes)",
                theirs_same,
                len(files),
                f"{theirs_same / len(files):.1%}",
            ],
        ],
    )
    # Memory while walking: models are dropped file by file.
    tracemalloc.start()
    for path, text in files:
        load_workflow(text, path=path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    largest = max(len(t.encode()) for _, t in files)
    print(
        f"\npeak traced memory while loading every file in turn: {peak / 1e6:.1f} MB "
        f"(largest file {largest / 1e3:.0f} KB)"
    )


# ------------------------------------------------------------------------------- 2. collateral

EDITED = re.compile(r"td_run>|changed_db|_retry: 3")


def _our_edits(text: str, path: Path) -> str | None:
    wf = load_workflow(text, path=path)
    ops = [t for _, t in wf.walk() if isinstance(t, OperatorTask)]
    if not ops:
        return None
    for t in ops:
        if t.operator == "td":
            t.operator = "td_run"
        if isinstance(t.params.get("database"), str) or isinstance(
            getattr(t, "database", None), str
        ):
            t.set_param("database", "changed_db")
    ops[0].retry = 3 if ops[0].retry is None else ops[0].retry
    return write_workflow(wf)


def _ruamel_edits(y: YAML, text: str) -> str | None:
    data = y.load(text)

    def visit(node: Any, first: list[bool]) -> None:
        if isinstance(node, CommentedMap):
            keys = list(node.keys())
            is_op = any(isinstance(k, str) and k.endswith(">") for k in keys)
            for i, k in enumerate(keys):
                if k == "td>":
                    value = node.pop("td>")
                    node.insert(i, "td_run>", value)
            if is_op:
                if isinstance(node.get("database"), str):
                    node["database"] = "changed_db"
                if first[0] and "_retry" not in node:
                    node["_retry"] = 3
                first[0] = False
            for v in list(node.values()):
                visit(v, first)
        elif isinstance(node, list):
            for v in node:
                visit(v, first)

    visit(data, [True])
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def collateral(before: str, after: str) -> int:
    """Lines changed (removed or added) that hold no edited node."""
    count = 0
    sm = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        new_lines = after.splitlines()[j1:j2]
        old_lines = before.splitlines()[i1:i2]
        edited_new = [ln for ln in new_lines if EDITED.search(ln)]
        if edited_new:
            # Blank lines that separate an inserted entry in the file's own style belong to it.
            new_lines = [ln for ln in new_lines if ln.strip()]
            old_lines = [ln for ln in old_lines if ln.strip()]
        count += len(new_lines) - len(edited_new)
        # Removed lines are collateral unless an edited line replaced them one for one.
        count += max(0, len(old_lines) - len(edited_new))
    return count


def bench_collateral(files: list[tuple[Path, str]]) -> None:
    y = ruamel()
    totals = {"digrefactor": [0, 0, 0], "ruamel.yaml": [0, 0, 0]}  # files, collateral, failures
    for path, text in files:
        for name, fn in (
            ("digrefactor", lambda text=text, path=path: _our_edits(text, path)),
            ("ruamel.yaml", lambda text=text, path=path: _ruamel_edits(y, text)),
        ):
            try:
                out = fn()
            except Exception:
                totals[name][2] += 1
                continue
            if out is None:
                continue
            totals[name][0] += 1
            totals[name][1] += collateral(text, out)
    rows = [[n, v[0], v[1], v[2]] for n, v in totals.items()]
    table(
        "Collateral lines: changed lines holding no edited node (edits: td>→td_run>, "
        "database: changed_db, _retry: 3 on the first operator; blank separator lines of an "
        "inserted entry count as part of it)",
        ["tool", "files edited", "collateral lines", "failed"],
        rows,
    )


# ------------------------------------------------------------------------------- 3. codemods


def replicate(dest: Path, n_files: int) -> int:
    """Copy the corpus' workflows and included files into dest until it has >= n_files .dig."""
    digs = manifest(("dig", "dig+included"))
    others = manifest(("include",))
    copies = 0
    count = 0
    while count < n_files:
        base = dest / f"copy{copies:02d}"
        for p in digs + others:
            target = base / p.relative_to(CORPUS)
            target.parent.mkdir(parents=True, exist_ok=True)
            if p.exists():
                shutil.copyfile(p, target)
        count += len(digs)
        copies += 1
    return count


def snapshot(root: Path) -> dict[Path, str]:
    return {
        p: p.read_text(encoding="utf-8", errors="replace")
        for p in root.rglob("*.dig")
        if p.is_file()
    }


SHIFT_EDITED = re.compile(r"td_run>|(daily|hourly|weekly|monthly|cron)>")


def diff_size(before: dict[Path, str], root: Path, base: Path) -> tuple[int, int, int]:
    """(files changed, changed lines, lines changed beyond the edited ones)."""
    files = lines = extra = 0
    for p, old in before.items():
        q = root / p.relative_to(base)
        new = q.read_text(encoding="utf-8", errors="replace") if q.exists() else ""
        if new == old:
            continue
        files += 1
        sm = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                continue
            new_lines = new.splitlines()[j1:j2]
            lines += max(i2 - i1, j2 - j1)
            edited = sum(1 for ln in new_lines if SHIFT_EDITED.search(ln))
            extra += max(i2 - i1, j2 - j1) - edited
    return files, lines, extra


RUAMEL_SCRIPT = r"""
import sys, io, re
from pathlib import Path
from multiprocessing import Pool
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

def shift(v):
    m = re.fullmatch(r"(\d+):(\d\d):(\d\d)", str(v))
    if not m:
        return v
    h = (int(m.group(1)) + 1) % 24
    return f"{h:02d}:{m.group(2)}:{m.group(3)}"

def edit(node):
    if isinstance(node, CommentedMap):
        for i, k in enumerate(list(node.keys())):
            if k == "td>":
                node.insert(i, "td_run>", node.pop("td>"))
        for v in list(node.values()):
            edit(v)
    elif isinstance(node, list):
        for v in node:
            edit(v)

def one(path):
    y = YAML(typ="rt"); y.preserve_quotes = True; y.width = 4096
    try:
        text = Path(path).read_text()
        data = y.load(text)
        if not isinstance(data, CommentedMap):
            return
        edit(data)
        sched = data.get("schedule")
        if isinstance(sched, CommentedMap) and "daily>" in sched:
            sched["daily>"] = shift(sched["daily>"])
        buf = io.StringIO(); y.dump(data, buf)
        Path(path).write_text(buf.getvalue())
    except Exception:
        pass

if __name__ == "__main__":
    paths = [str(p) for p in Path(sys.argv[1]).rglob("*.dig") if p.is_file()]
    with Pool(int(sys.argv[2])) as pool:
        pool.map(one, paths, chunksize=64)
"""

YQ_EXPR = (
    '(.. | select(tag == "!!map" and has("td>"))) |= with_entries(.key |= sub("^td>$"; "td_run>"))'
    ' | (select(.schedule."daily>" != null) | .schedule."daily>") |= '
    'with_dtf("15:04:05"; (. + "1h"))'
)


def ensure_yq() -> Path | None:
    cache = ROOT / ".cache" / "go"
    exe = cache / "bin" / "yq"
    if exe.exists():
        return exe
    if shutil.which("go") is None:
        return None
    env = {**os.environ, "GOBIN": str(cache / "bin"), "GOPATH": str(cache / "gopath")}
    proc = subprocess.run(
        ["go", "install", "github.com/mikefarah/yq/v4@v4.54.3"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return exe if proc.returncode == 0 and exe.exists() else None


#: Runs a command and prints the peak RSS (KB) of its process tree: a fresh process, so the
#: figure belongs to that command alone.
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "shell = sys.argv[1] == 'shell'\n"
    "cmd = sys.argv[2] if shell else sys.argv[2:]\n"
    "subprocess.run(cmd, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def timed(cmd: list[str] | str, shell: bool = False) -> tuple[float, float]:
    """(wall seconds, peak RSS MB of the command's own process tree)."""
    args = ["shell", cmd] if isinstance(cmd, str) else ["exec", *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, *args], capture_output=True, text=True, check=False
    )
    dt = time.perf_counter() - t0
    rss_kb = int(proc.stdout.strip() or 0)
    return dt, rss_kb / 1024


def ours_cmd(*args: str, tree: Path) -> list[str]:
    """The digrefactor CLI as the benchmark runs it: 2 worker processes, quiet."""
    python = str(ROOT / ".venv" / "bin" / "python")
    return [python, "-m", "digrefactor", "codemod", *args, "-j", "2", "-q", str(tree)]


def bench_codemods(n_files: int, skip_yq: bool) -> None:
    python = str(ROOT / ".venv" / "bin" / "python")
    work = Path(tempfile.mkdtemp(prefix="digrefactor-bench-"))
    try:
        pristine = work / "pristine"
        total = replicate(pristine, n_files)
        before = snapshot(pristine)
        rows = []

        def run_tool(name: str, run: Callable[[Path], tuple[float, float]]) -> None:
            tree = work / re.sub(r"[^A-Za-z0-9]+", "_", name)
            shutil.copytree(pristine, tree)
            dt, rss = run(tree)
            files, lines, extra = diff_size(before, tree, pristine)
            rows.append(
                [name, total, f"{dt:.1f}", f"{total / dt:.0f}", f"{rss:.0f}", files, lines, extra]
            )
            shutil.rmtree(tree)

        def ours(tree: Path) -> tuple[float, float]:
            t1, m1 = timed(ours_cmd("rename-operator", "--from", "td", "--to", "td_run", tree=tree))
            t2, m2 = timed(ours_cmd("shift-schedule", "--by", "+1h", tree=tree))
            return t1 + t2, max(m1, m2)

        run_tool("digrefactor codemod -j 2", ours)
        script = work / "ruamel_edit.py"
        script.write_text(RUAMEL_SCRIPT)
        run_tool(
            "ruamel.yaml script (2 processes)",
            lambda tree: timed([python, str(script), str(tree), "2"]),
        )
        yq = None if skip_yq else ensure_yq()
        if yq is not None:
            run_tool(
                "yq v4 per file (xargs -P 2)",
                lambda tree: timed(
                    f"find {shlex.quote(str(tree))} -type f -name '*.dig' -print0 | "
                    f"xargs -0 -P 2 -n 1 {shlex.quote(str(yq))} -i {shlex.quote(YQ_EXPR)}",
                    shell=True,
                ),
            )
        else:
            print(
                "\n(yq v4 not available: `go install github.com/mikefarah/yq/v4` failed or skipped)"
            )
        table(
            "Codemods: rename-operator td→td_run + shift-schedule +1h (yq/ruamel: daily only)",
            [
                "tool",
                "files",
                "seconds",
                "files/s",
                "peak RSS MB",
                "files changed",
                "changed lines",
                "beyond edited",
            ],
            rows,
        )
        # Linearity: our wall time at growing sizes.
        lin = []
        for n in (n_files // 4, n_files // 2, n_files):
            sub = work / f"lin{n}"
            count = replicate(sub, n)
            dt, rss = timed(ours_cmd("rename-operator", "--from", "td", "--to", "td_run", tree=sub))
            lin.append([count, f"{dt:.1f}", f"{dt / count * 1000:.2f}", f"{rss:.0f}"])
            shutil.rmtree(sub)
        table(
            "Linearity of digrefactor codemod (rename-operator, -j 2)",
            ["files", "seconds", "ms per file", "peak RSS MB"],
            lin,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------------------- 4. convert


def bench_convert(files: list[tuple[Path, str]]) -> None:
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from bench_convert import bench_convert as run  # type: ignore[import-not-found]
    except ImportError:
        print("\n(converter benchmark not available)")
        return
    result = run([p for p, _ in files])
    table("Conversion to Python", list(result), [list(result.values())])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    ap.add_argument("--skip-yq", action="store_true", help="do not install/run yq")
    ap.add_argument("--files", type=int, default=10_000, help="files for the codemod benchmark")
    ap.add_argument("--only", choices=["throughput", "collateral", "codemods", "convert"])
    args = ap.parse_args()
    if not (CORPUS / "MANIFEST.tsv").exists():
        sys.exit(f"the shared corpus is needed at {CORPUS}")
    files = loadable(manifest(("dig", "dig+included")))
    print(
        f"# digrefactor benchmarks ({len(files)} loadable corpus workflows, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores)"
    )
    if args.only in (None, "throughput"):
        bench_throughput(files, 1.0 if args.quick else 5.0)
    if args.only in (None, "collateral"):
        bench_collateral(files)
    if args.only in (None, "codemods"):
        bench_codemods(1000 if args.quick else args.files, args.skip_yq)
    if args.only in (None, "convert"):
        bench_convert(files)


if __name__ == "__main__":
    main()
