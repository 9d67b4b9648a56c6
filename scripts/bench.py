"""digrefactor benchmarks, each next to the alternative a user would pick, measured like for like.

Method (printed with the results):

* Interleaved rounds: each round runs every contender once, in an order that rotates from
  round to round; a table gives the median over the rounds with the min and max, and a ratio
  is the median of the per-round ratios (both sides measured seconds apart, so load from other
  processes on a shared machine hits both alike). Wall-clock time throughout.
* Same input for both sides: the loadable workflows of the shared corpus, read into memory
  once; the codemod trees are fresh copies of one pristine tree for every run.
* In-process throughput: digrefactor load, load + no-op write, load + edit + write, next to
  ruamel.yaml's round trip (``YAML(typ="rt")``, load + dump) and round trip with the same edit.
  The edit is ``rename-operator td -> td_run`` (the RenameOperator pass on the model; for
  ruamel.yaml, every ``td>`` key renamed in place). digrefactor resolves ``!include`` and
  checks Digdag's rules while loading, and verifies every edited text by reading it back;
  ruamel.yaml does none of that. The include cache is cleared before every digrefactor pass,
  so each pass is one cold "run".
* Memory held: every corpus workflow loaded from its file and kept; tracemalloc's current
  size divided by the YAML bytes (text included), next to ruamel.yaml's round-trip documents.
* Start-up: fresh processes, ``python -c pass`` as the floor.
* Codemods: ``digrefactor codemod rename-operator --from td --to td_run -j 2`` on trees of
  copies of the corpus, next to a 2-process ruamel.yaml script making the same edit and writing
  only the files it changed (temp file + rename, like ours; ours also fsyncs and verifies).
  Peak memory is that of the whole process tree (the command and every worker), sampled from
  /proc every 20 ms: the sum of RSS, and of PSS (shared pages split between processes).

Usage: scripts/bench [--quick] [--rounds N] [--sizes 1200,4800,12000] [--only SECTION...]
       scripts/bench --make-tree DIR [--files N]      # a tree of N .dig files to try things on
       scripts/bench --source DIR ...                 # measure another checkout's package

On the project's 2-core machines the full run (7 rounds in-process, 5 rounds of codemods at
1.2k/4.8k/12k files, conversion) takes about 13 minutes, --quick (3 rounds, 1.2k/4.8k files, no
conversion) about 3.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import functools
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PYTHON = str(ROOT / ".venv" / "bin" / "python")

SECTIONS = ("startup", "throughput", "memory", "collateral", "codemods", "convert")


# ----------------------------------------------------------------------------------- output


def table(title: str, header: list[str], rows: list[list[Any]], note: str = "") -> None:
    cells = [header, *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n### {title}\n")
    if note:
        print(note + "\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    sys.stdout.flush()


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """``median (min–max)``."""
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}–{fmt.format(max(values))})"
    )


RESULTS: dict[str, Any] = {}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "commit": commit or "unknown",
        "load_average": os.getloadavg(),
    }


# ------------------------------------------------------------------------------ rounds


def interleaved(
    contenders: dict[str, Callable[[], Any]], rounds: int, warmup: bool = True
) -> dict[str, list[float]]:
    """Wall seconds of every contender in every round; the order rotates each round."""
    names = list(contenders)
    if warmup:
        for name in names:
            contenders[name]()
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            t0 = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def ratios(slow: list[float], fast: list[float]) -> list[float]:
    return [s / f for s, f in zip(slow, fast, strict=True)]


# ------------------------------------------------------------------------------ the corpus


def manifest(kinds: tuple[str, ...]) -> list[Path]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [
        CORPUS / r["repo"].replace("/", "+") / r["path"]
        for r in rows
        if r["kind"] in kinds and r["status"] != "duplicate"
    ]


def loadable(paths: list[Path]) -> list[tuple[Path, str]]:
    from digrefactor import DigError, load_workflow

    out = []
    for p in paths:
        try:
            load_workflow(p)
        except DigError:
            continue
        out.append((p, p.read_text(encoding="utf-8")))
    return out


def ruamel() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    return y


def clear_include_cache() -> None:
    from digrefactor import dialect

    clear = getattr(dialect, "clear_include_cache", None)  # absent before the cache existed
    if clear is not None:
        clear()


@functools.cache
def _script_rename() -> Callable[[Any], bool]:
    namespace: dict[str, Any] = {"__name__": "ruamel_script"}
    exec(RUAMEL_SCRIPT, namespace)  # the script's definitions, not its main block
    rename: Callable[[Any], bool] = namespace["rename"]
    return rename


def ruamel_rename(node: Any) -> bool:
    """Rename every ``td>`` key to ``td_run>`` in place: the ruamel.yaml script's own edit."""
    return _script_rename()(node)


# ---------------------------------------------------------------------------- 1. start-up


def bench_startup(rounds: int) -> None:
    exe = str(ROOT / ".venv" / "bin" / "digrefactor")
    env = _env()
    commands = {
        "python -c pass (interpreter floor)": [PYTHON, "-c", "pass"],
        "digrefactor --version": [exe, "--version"],
        "digrefactor codemod --help": [exe, "codemod", "--help"],
        "python -c 'import digrefactor; digrefactor.Workflow' (models loaded)": [
            PYTHON,
            "-c",
            "import digrefactor; digrefactor.Workflow",
        ],
    }

    def run(cmd: list[str]) -> Callable[[], None]:
        def once() -> None:
            subprocess.run(cmd, env=env, capture_output=True, check=True)

        return once

    times = interleaved({k: run(v) for k, v in commands.items()}, rounds)
    rows = [[name, spread(t, "{:.3f}")] for name, t in times.items()]
    table("Start-up (seconds, fresh process)", ["command", "median (min–max)"], rows)
    RESULTS["startup"] = {k: statistics.median(v) for k, v in times.items()}


# ------------------------------------------------------------------------- 2. throughput

LOAD = "digrefactor load_workflow"
NOOP = "digrefactor load + no-op write_workflow"
EDIT = "digrefactor load + rename td→td_run + write_workflow (verified)"
RT = "ruamel.yaml round trip (load + dump)"
RT_EDIT = "ruamel.yaml load + rename td→td_run + dump"


def bench_throughput(files: list[tuple[Path, str]], rounds: int) -> None:
    from digrefactor import load_workflow, write_workflow
    from digrefactor.transforms import PassContext, RenameOperator

    mb = sum(len(t.encode()) for _, t in files) / 1e6
    rename = RenameOperator("td", "td_run")
    y = ruamel()

    def ours_load() -> None:
        clear_include_cache()
        for path, text in files:
            load_workflow(text, path=path)

    def ours_load_write() -> None:
        clear_include_cache()
        for path, text in files:
            write_workflow(load_workflow(text, path=path))

    def ours_load_edit_write() -> None:
        clear_include_cache()
        for path, text in files:
            wf = load_workflow(text, path=path)
            rename(wf, PassContext(path=path, root=path.parent))
            write_workflow(wf)

    def ruamel_load_dump() -> None:
        for _, text in files:
            buf = io.StringIO()
            y.dump(y.load(text), buf)

    def ruamel_load_edit_dump() -> None:
        for _, text in files:
            data = y.load(text)
            ruamel_rename(data)
            buf = io.StringIO()
            y.dump(data, buf)

    def libyaml_events() -> None:
        import _ruamel_yaml

        for _, text in files:
            parser = _ruamel_yaml.CParser(text)
            while parser.get_event() is not None:
                pass

    load, noop, edit = LOAD, NOOP, EDIT
    contenders = {
        load: ours_load,
        noop: ours_load_write,
        edit: ours_load_edit_write,
        RT: ruamel_load_dump,
        RT_EDIT: ruamel_load_edit_dump,
        "libyaml event parse only (the floor under both)": libyaml_events,
    }
    times = interleaved(contenders, rounds)
    rt = times[RT]
    rt_edit = times[RT_EDIT]
    rows = []
    for name, t in times.items():
        mbs = [mb / s for s in t]
        vs = (
            ""
            if name.startswith("ruamel") or name.startswith("libyaml")
            else spread(ratios(rt, t), "{:.1f}×")
        )
        vs_edit = (
            spread(ratios(rt_edit, t), "{:.1f}×")
            if "rename" in name and name.startswith("digrefactor")
            else ""
        )
        rows.append([name, spread(mbs), vs, vs_edit])
    table(
        f"Throughput: {len(files)} loadable corpus workflows ({mb:.2f} MB), {rounds} rounds",
        ["what", "MB/s median (min–max)", "vs ruamel.yaml round trip", "vs ruamel.yaml + edit"],
        rows,
    )
    RESULTS["throughput"] = {
        "mb": mb,
        "mb_per_s": {k: statistics.median([mb / s for s in v]) for k, v in times.items()},
        "ratio_load_noop_vs_rt": statistics.median(ratios(rt, times[noop])),
        "ratio_load_edit_vs_rt": statistics.median(ratios(rt, times[edit])),
        "ratio_load_edit_vs_rt_edit": statistics.median(ratios(rt_edit, times[edit])),
    }
    # Byte-identical no-op writes: ours and ruamel.yaml's round trip, file by file.
    ours_same = sum(1 for p, t in files if write_workflow(load_workflow(t, path=p)) == t)
    theirs_same = 0
    for _, text in files:
        buf = io.StringIO()
        y.dump(y.load(text), buf)
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


# ----------------------------------------------------------------------------- 3. memory


def bench_memory(files: list[tuple[Path, str]]) -> None:
    import gc

    from digrefactor import load_workflow

    size = sum(p.stat().st_size for p, _ in files)
    y = ruamel()
    rows = []
    for name, load in (
        ("digrefactor models (load_workflow(path), text included)", lambda p: load_workflow(p)),
        (
            "ruamel.yaml round-trip documents (text read, then loaded)",
            lambda p: y.load(p.read_text()),
        ),
    ):
        clear_include_cache()
        gc.collect()
        tracemalloc.start()
        held = [load(p) for p, _ in files]
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append([name, f"{current / size:.1f}", f"{current / 1e6:.1f}", f"{peak / 1e6:.1f}"])
        del held
    table(
        f"Memory held per byte of YAML: {len(files)} workflows kept at once ({size / 1e6:.2f} MB)",
        ["what", "bytes per YAML byte", "MB held", "peak MB while loading"],
        rows,
    )
    RESULTS["memory_bytes_per_byte"] = float(rows[0][1])


# ------------------------------------------------------------------------- 4. collateral

EDITED = re.compile(r"td_run>|changed_db|_retry: 3")


def _our_edits(text: str, path: Path) -> str | None:
    from digrefactor import OperatorTask, load_workflow, write_workflow

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


def _ruamel_edits(y: Any, text: str) -> str | None:
    from ruamel.yaml.comments import CommentedMap

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
        "Collateral lines: changed lines holding no edited node",
        ["tool", "files edited", "collateral lines", "failed"],
        rows,
        note=(
            "Edits: td>→td_run>, database: changed_db, _retry: 3 on the first operator; blank "
            "separator lines of an inserted entry count as part of it."
        ),
    )


# ------------------------------------------------------------------------------ 5. codemods


def make_tree(dest: Path, n_files: int) -> int:
    """Copies of the corpus' workflows and the files they include, until >= n_files `.dig`
    files; returns the number of `.dig` files in the tree (what a codemod walks)."""
    digs = manifest(("dig", "dig+included"))
    others = manifest(("include",))
    copies = 0
    count = 0
    while count < n_files:
        base = dest / f"copy{copies:03d}"
        for p in digs + others:
            if not p.exists():
                continue
            target = base / p.relative_to(CORPUS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
        copies += 1
        count = sum(1 for p in dest.rglob("*.dig") if p.is_file())
    return count


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = SOURCE
    return env


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    @staticmethod
    def _kb(path: str, field: str) -> int:
        try:
            with open(path) as fh:
                for line in fh:
                    if line.startswith(field):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = self._tree()
            rss = sum(self._kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
            pss = sum(self._kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        return self.peak_rss / 1024, self.peak_pss / 1024


def timed(cmd: list[str]) -> tuple[float, float, float, str]:
    """(wall seconds, peak RSS MB and peak PSS MB of the process tree, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    mem = TreeMemory(proc.pid)
    out, err = proc.communicate()
    dt = time.perf_counter() - t0
    rss, pss = mem.stop()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[:4]}... failed ({proc.returncode}): {err[-2000:]}")
    return dt, rss, pss, out


RUAMEL_SCRIPT = r'''
"""rename td> -> td_run> in every .dig file under a directory, with ruamel.yaml, N processes."""
import io, os, sys, tempfile
from pathlib import Path
from multiprocessing import Pool
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

def rename(node):
    changed = False
    if isinstance(node, CommentedMap):
        for i, k in enumerate(list(node.keys())):
            if k == "td>":
                node.insert(i, "td_run>", node.pop("td>"))
                changed = True
        for v in list(node.values()):
            changed = rename(v) or changed
    elif isinstance(node, list):
        for v in node:
            changed = rename(v) or changed
    return changed

Y = None

def one(path):
    global Y
    if Y is None:
        Y = YAML(typ="rt"); Y.preserve_quotes = True; Y.width = 4096
    try:
        data = Y.load(Path(path).read_text(encoding="utf-8"))
        if not rename(data):
            return 0
        buf = io.StringIO(); Y.dump(data, buf)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(buf.getvalue())
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
        return 1
    except Exception:
        return 0

if __name__ == "__main__":
    paths = sorted(str(p) for p in Path(sys.argv[1]).rglob("*.dig") if p.is_file())
    jobs = int(sys.argv[2])
    chunk = max(1, min(16, len(paths) // (jobs * 4)))
    with Pool(jobs) as pool:
        changed = sum(pool.imap_unordered(one, paths, chunksize=chunk))
    print(changed)
'''


def changed_files(pristine: Path, tree: Path) -> int:
    n = 0
    for p in pristine.rglob("*.dig"):
        if not p.is_file():
            continue
        q = tree / p.relative_to(pristine)
        if not q.exists() or q.read_bytes() != p.read_bytes():
            n += 1
    return n


def bench_codemods(sizes: list[int], rounds: int, jobs: int, with_yq: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="digrefactor-bench-"))
    script = work / "ruamel_rename.py"
    script.write_text(RUAMEL_SCRIPT)
    exe = [PYTHON, "-m", "digrefactor", "codemod", "rename-operator", "--from", "td", "--to"]
    yq = ensure_yq() if with_yq else None
    tools: dict[str, Callable[[Path], list[str]]] = {
        f"digrefactor codemod -j {jobs}": lambda t: [*exe, "td_run", "-j", str(jobs), "-q", str(t)],
        f"ruamel.yaml script ({jobs} processes)": lambda t: [
            PYTHON,
            str(script),
            str(t),
            str(jobs),
        ],
    }
    if yq is not None:
        tools["yq v4 per file (xargs -P 2)"] = lambda t: [
            "sh",
            "-c",
            f"find '{t}' -type f -name '*.dig' -print0 | xargs -0 -P {jobs} -n 1 '{yq}' -i "
            '\'(.. | select(tag == "!!map" and has("td>"))) |= '
            'with_entries(.key |= sub("^td>$"; "td_run>"))\'',
        ]
    rows = []
    lin: list[tuple[int, float, float, float]] = []
    results: dict[str, Any] = {}
    try:
        for size in sizes:
            pristine = work / f"pristine{size}"
            count = make_tree(pristine, size)
            runs: dict[str, list[tuple[float, float, float, int]]] = {n: [] for n in tools}
            names = list(tools)
            for r in range(rounds):
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    tree = work / "run"
                    shutil.rmtree(tree, ignore_errors=True)
                    shutil.copytree(pristine, tree, symlinks=True)
                    dt, rss, pss, _ = timed(tools[name](tree))
                    runs[name].append((dt, rss, pss, changed_files(pristine, tree)))
            ours_name, theirs_name = names[0], names[1]
            ours_t = [x[0] for x in runs[ours_name]]
            for name in names:
                t = [x[0] for x in runs[name]]
                rows.append(
                    [
                        f"{count:,}",
                        name,
                        spread(t),
                        spread([s / count * 1000 for s in t]),
                        f"{max(x[1] for x in runs[name]):.0f} / "
                        f"{max(x[2] for x in runs[name]):.0f}",
                        runs[name][0][3],
                        "" if name == ours_name else spread(ratios(t, ours_t), "{:.1f}×"),
                    ]
                )
            ms = [s / count * 1000 for s in ours_t]
            lin.append(
                (
                    count,
                    statistics.median(ms),
                    max(x[2] for x in runs[ours_name]),
                    max(x[1] for x in runs[ours_name]),
                )
            )
            results[str(count)] = {
                "ours_ms_per_file": statistics.median(ms),
                "ratio_vs_ruamel": statistics.median(
                    ratios([x[0] for x in runs[theirs_name]], ours_t)
                ),
                "ours_peak_pss_mb": max(x[2] for x in runs[ours_name]),
                "ours_peak_rss_mb": max(x[1] for x in runs[ours_name]),
            }
            shutil.rmtree(pristine)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table(
        f"Codemods: rename-operator td→td_run over trees of corpus copies, {rounds} rounds",
        [
            "files",
            "tool",
            "seconds",
            "ms per file",
            "peak tree RSS / PSS MB",
            "files changed",
            "time vs digrefactor",
        ],
        rows,
    )
    if len(lin) > 1:
        rows = []
        for i, (count, ms, pss, rss) in enumerate(lin):
            if i == 0:
                marginal = ""
            else:
                prev_count, prev_ms = lin[i - 1][0], lin[i - 1][1]
                extra = (ms * count - prev_ms * prev_count) / (count - prev_count)
                marginal = f"{extra:.2f}"
            rows.append([f"{count:,}", f"{ms:.2f}", marginal, f"{rss:.0f}", f"{pss:.0f}"])
        table(
            "Linearity of digrefactor codemod",
            [
                "files",
                "ms per file (median)",
                "ms per added file",
                "peak tree RSS MB",
                "peak tree PSS MB",
            ],
            rows,
            note=(
                "ms per added file: the extra time over the previous size divided by the extra "
                "files (flat when time is linear in file count; start-up is the difference "
                "between the two columns)."
            ),
        )
    RESULTS["codemods"] = results


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


# ------------------------------------------------------------------------------- 6. convert


def bench_convert(files: list[tuple[Path, str]]) -> None:
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from bench_convert import bench_convert as run  # type: ignore[import-not-found]
    except ImportError:
        print("\n(converter benchmark not available)")
        return
    result = run([p for p, _ in files])
    table("Conversion to Python", list(result), [list(result.values())])


# ------------------------------------------------------------------------------- targets


def targets() -> None:
    """Issue 12's targets next to the figures above (only those this run measured)."""
    rows: list[list[str]] = []

    def row(what: str, target: str, value: str, met: bool) -> None:
        rows.append([what, target, value, "yes" if met else "**no**"])

    tp = RESULTS.get("throughput")
    if tp:
        load = tp["mb_per_s"][LOAD]
        row("load_workflow", ">= 2 MB/s", f"{load:.2f} MB/s", load >= 2)
        noop = tp["ratio_load_noop_vs_rt"]
        row("load + no-op write vs ruamel.yaml round trip", ">= 12×", f"{noop:.1f}×", noop >= 12)
        edit = tp["ratio_load_edit_vs_rt"]
        row("load + edit + write vs ruamel.yaml round trip", ">= 8×", f"{edit:.1f}×", edit >= 8)
    cm = RESULTS.get("codemods")
    if cm:
        sizes = sorted(cm, key=int)
        big = cm[sizes[-1]]
        ms = big["ours_ms_per_file"]
        row(f"codemod -j 2 at {int(sizes[-1]):,} files", "<= 2 ms/file", f"{ms:.2f}", ms <= 2)
        ratio = big["ratio_vs_ruamel"]
        at = f"{int(sizes[-1]):,}"
        row(f"... vs ruamel.yaml script at {at}", ">= 4×", f"{ratio:.1f}×", ratio >= 4)
        if len(sizes) > 1:
            small = cm[sizes[0]]
            growth = big["ours_peak_pss_mb"] / small["ours_peak_pss_mb"]
            row(
                f"peak tree PSS, {int(sizes[-1]):,} vs {int(sizes[0]):,} files",
                "flat",
                f"{small['ours_peak_pss_mb']:.0f} → {big['ours_peak_pss_mb']:.0f} MB "
                f"({growth:.2f}×)",
                growth <= 1.1,
            )
    st = RESULTS.get("startup")
    if st:
        for name, seconds in st.items():
            if name.startswith("digrefactor"):
                row(name, "<= 0.25 s", f"{seconds:.3f} s", seconds <= 0.25)
    mem = RESULTS.get("memory_bytes_per_byte")
    if mem is not None:
        row("memory held per byte of YAML", "<= 10", f"{mem:.1f}", mem <= 10)
    if rows:
        table("Targets (issue 12)", ["what", "target", "measured (median)", "met"], rows)


# ------------------------------------------------------------------------------------ main

SOURCE = str(ROOT)


def main() -> None:
    global SOURCE
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="fewer rounds and smaller trees")
    ap.add_argument("--rounds", type=int, help="rounds per comparison (default 7, quick 3)")
    ap.add_argument("--sizes", help="codemod tree sizes (default 1200,4800,12000; quick 1200,4800)")
    ap.add_argument("--jobs", type=int, default=2, help="processes for both codemod tools")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    ap.add_argument("--yq", action="store_true", help="also time yq v4 per file (needs go)")
    ap.add_argument("--source", help="measure the digrefactor package in this checkout")
    ap.add_argument("--json", help="also write the key figures to this file")
    ap.add_argument("--make-tree", metavar="DIR", help="only build a tree of corpus copies")
    ap.add_argument("--files", type=int, default=1200, help="files for --make-tree")
    args = ap.parse_args()
    if not (CORPUS / "MANIFEST.tsv").exists():
        sys.exit(f"the shared corpus is needed at {CORPUS}")
    if args.make_tree:
        count = make_tree(Path(args.make_tree), args.files)
        print(f"{args.make_tree}: {count} .dig files")
        return
    if args.source:
        SOURCE = str(Path(args.source).resolve())
    sys.path.insert(0, SOURCE)
    rounds = args.rounds or (3 if args.quick else 7)
    sizes = [
        int(s)
        for s in (args.sizes or ("1200,4800" if args.quick else "1200,4800,12000")).split(",")
    ]
    sections = args.only or [s for s in SECTIONS if not (args.quick and s == "convert")]
    started = time.perf_counter()
    info = machine()
    RESULTS["machine"] = info
    print(
        f"# digrefactor benchmarks ({'quick' if args.quick else 'full'} mode)\n\n"
        f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        f"{info['platform']}; digrefactor at {info['commit']}"
        + (f" (package from {SOURCE})" if args.source else "")
        + f"; load average at start {info['load_average'][0]:.2f}.\n"
        f"Method: {rounds} interleaved rounds per comparison (order rotating), "
        "median (min–max) of wall-clock time; ratios are medians of per-round ratios. "
        "See `scripts/bench --help`."
    )
    files = loadable(manifest(("dig", "dig+included")))
    if "startup" in sections:
        bench_startup(max(rounds, 5) * 2)
    if "throughput" in sections:
        bench_throughput(files, rounds)
    if "memory" in sections:
        bench_memory(files)
    if "collateral" in sections:
        bench_collateral(files)
    if "codemods" in sections:
        bench_codemods(sizes, args.rounds or (3 if args.quick else 5), args.jobs, args.yq)
    if "convert" in sections:
        bench_convert(files)
    targets()
    elapsed = time.perf_counter() - started
    print(
        f"\n(benchmarks took {elapsed / 60:.1f} min; load average at the end "
        f"{os.getloadavg()[0]:.2f})"
    )
    RESULTS["seconds"] = elapsed
    if args.json:
        Path(args.json).write_text(json.dumps(RESULTS, indent=2, default=str))


if __name__ == "__main__":
    main()
