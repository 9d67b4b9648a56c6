"""Real Digdag 0.10.5.1 in the test loop: a compile oracle and a server.

``scripts/digdag --build`` compiles Digdag from its released source in
``../shared/vendor/digdag-0.10.5.1`` (cached in ``.cache/digdag``); ``DIGDAG_CLASSPATH`` points at
a Digdag of the user's own instead.

* :class:`DigdagOracle` runs ``scripts/digdag-oracle/DigdagOracle.java`` in one JVM and returns,
  per ``.dig`` file, Digdag's normalised workflow definition (name, timezone, config) or its
  error message.
* :class:`DigdagServer` starts ``digdag server --memory`` on a free port.

Tests that need Digdag skip only when it cannot be had at all (:class:`DigdagUnavailable`: no
``../shared`` and no ``DIGDAG_CLASSPATH``); a failing build is an error, never a skip.
"""

from __future__ import annotations

import base64
import ctypes
import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DIGDAG_SCRIPT = REPO_ROOT / "scripts" / "digdag"
CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus"

# Lines printed by the conftest's pytest_terminal_summary hook (e.g. the corpus agreement).
SUMMARY_LINES: list[str] = []

JSON = Any


class DigdagUnavailable(Exception):
    """Digdag cannot be had on this machine: the only reason a ``digdag`` test may skip."""


# scripts/digdag's exit status when there is neither source nor DIGDAG_CLASSPATH.
UNAVAILABLE_STATUS = 3


@functools.cache
def fetch_digdag() -> None:
    """Build Digdag and the oracle (cached on disk by the script; the first build takes ~1 min).

    Raises :class:`DigdagUnavailable` when there is nothing to build from, RuntimeError when
    the build fails.
    """
    proc = subprocess.run(
        [str(DIGDAG_SCRIPT), "--fetch-only"], capture_output=True, text=True, check=False
    )
    if proc.returncode == UNAVAILABLE_STATUS:
        raise DigdagUnavailable(proc.stderr.strip())
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/digdag --fetch-only failed:\n{proc.stderr}{proc.stdout}")


# --------------------------------------------------------------------------------------------
# Compile oracle


@dataclass(frozen=True)
class Verdict:
    """Digdag's judgement of one ``.dig`` file."""

    path: Path
    ok: bool
    name: str | None = None
    timezone: str | None = None
    config: dict[str, JSON] | None = None
    error: str | None = None
    stage: str | None = None  # "load", "compile" or "schedule" when rejected
    exception: str | None = None  # Java class of the error

    @property
    def definition(self) -> dict[str, JSON]:
        """``{"name", "timezone", "config"}`` as Digdag stores it; only for accepted files."""
        if not self.ok:
            raise AssertionError(f"Digdag rejected {self.path} ({self.stage}): {self.error}")
        return {"name": self.name, "timezone": self.timezone, "config": self.config}

    @classmethod
    def from_json(cls, line: str) -> Verdict:
        raw = json.loads(line)
        return cls(
            path=Path(raw["path"]),
            ok=raw["ok"],
            name=raw.get("name"),
            timezone=raw.get("timezone"),
            config=raw.get("config"),
            error=raw.get("error"),
            stage=raw.get("stage"),
            exception=raw.get("exception"),
        )


@dataclass
class DigdagOracle:
    """One persistent JVM running the compile oracle; judge files in batches."""

    _proc: subprocess.Popen[str] | None = field(default=None, init=False, repr=False)
    _stderr: Any = field(default=None, init=False, repr=False)

    # Lines written before reading answers back: bounded so neither pipe buffer can fill up.
    BATCH = 32

    def _process(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            fetch_digdag()
            # Java's stderr goes to a file: a full stderr pipe would block the JVM.
            # Lives as long as the JVM; closed in close().
            self._stderr = tempfile.TemporaryFile(mode="w+", prefix="digdag-oracle-")  # noqa: SIM115
            self._proc = subprocess.Popen(
                [str(DIGDAG_SCRIPT), "--oracle"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        return self._proc

    def judge(self, paths: Iterable[Path]) -> dict[Path, Verdict]:
        """Judge each file on its own (its directory is the project directory)."""
        todo = [Path(p).absolute() for p in paths]
        for p in todo:
            if "\n" in str(p) or "\r" in str(p):
                raise ValueError(f"path with a line break cannot be judged: {p!r}")
        proc = self._process()
        assert proc.stdin is not None and proc.stdout is not None
        verdicts: dict[Path, Verdict] = {}
        for start in range(0, len(todo), self.BATCH):
            chunk = todo[start : start + self.BATCH]
            proc.stdin.write("".join(f"{p}\n" for p in chunk))
            proc.stdin.flush()
            for p in chunk:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"Digdag oracle died while judging {p}:\n{self._log()}")
                verdict = Verdict.from_json(line)
                verdicts[p] = Verdict(**{**verdict.__dict__, "path": p})
        return verdicts

    def judge_one(self, path: Path) -> Verdict:
        return self.judge([path])[Path(path).absolute()]

    def judge_text(
        self, text: str, name: str = "wf", files: Mapping[str, str | bytes] | None = None
    ) -> Verdict:
        """Judge ``text`` as ``<name>.dig`` in a fresh project dir holding ``files`` too."""
        with tempfile.TemporaryDirectory(prefix="digdag-oracle-") as tmp:
            root = Path(tmp)
            for rel, content in (files or {}).items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content, encoding="utf-8")
            dig = root / f"{name}.dig"
            dig.write_text(text, encoding="utf-8")
            return self.judge_one(dig)

    def _log(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return str(self._stderr.read())[-4000:]

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> DigdagOracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# Comparing definitions the way Digdag means them (spec §1.11): JSON types exact, `+task` key
# order significant, every other key order irrelevant.


def canonical(value: JSON) -> JSON:
    """A hashable, order-normalised, type-tagged form of a JSON value."""
    # bool before int: True == 1 in Python but not in JSON.
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value)
    if isinstance(value, str):
        return ("str", value)
    if value is None:
        return ("null",)
    if isinstance(value, list):
        return ("list", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        tasks = tuple((k, canonical(v)) for k, v in value.items() if k.startswith("+"))
        others = tuple(sorted((k, canonical(v)) for k, v in value.items() if not k.startswith("+")))
        return ("object", tasks, others)
    raise TypeError(f"not a JSON value: {value!r}")


def definition_difference(a: JSON, b: JSON, where: str = "$") -> str | None:
    """The first place where ``a`` and ``b`` differ in Digdag's sense, or None if equal."""
    if canonical(a) == canonical(b):
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        a_tasks = [k for k in a if k.startswith("+")]
        b_tasks = [k for k in b if k.startswith("+")]
        if a_tasks != b_tasks:
            return f"{where}: task keys {a_tasks} != {b_tasks}"
        if set(a) != set(b):
            only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            return f"{where}: keys only left {only_a}, only right {only_b}"
        for k in a:
            diff = definition_difference(a[k], b[k], f"{where}.{k}")
            if diff is not None:
                return diff
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = definition_difference(x, y, f"{where}[{i}]")
            if diff is not None:
                return diff
    return f"{where}: {json.dumps(a)[:300]} != {json.dumps(b)[:300]}"


def digdag_config_of(
    oracle: DigdagOracle, text: str, files: Mapping[str, str | bytes] | None = None
) -> dict[str, JSON]:
    """Digdag's normalised ``config`` of a ``.dig`` text; fails the test if Digdag rejects it."""
    verdict = oracle.judge_text(text, files=files)
    config = verdict.definition["config"]
    assert isinstance(config, dict)
    return config


def assert_same_digdag_config(
    oracle: DigdagOracle,
    a: str,
    b: str,
    files: Mapping[str, str | bytes] | None = None,
    files_b: Mapping[str, str | bytes] | None = None,
) -> None:
    """Assert that two ``.dig`` texts mean the same to Digdag (same normalised definition).

    ``files`` are the extra project files of ``a`` (and of ``b`` unless ``files_b`` is given).
    """
    left = oracle.judge_text(a, files=files).definition
    right = oracle.judge_text(b, files=files if files_b is None else files_b).definition
    diff = definition_difference(left, right)
    assert diff is None, f"Digdag sees different workflows: {diff}"


# --------------------------------------------------------------------------------------------
# Server


@dataclass
class DigdagServer:
    """``digdag server --memory`` on 127.0.0.1 with a free port, local agent and scheduler on."""

    workdir: Path
    endpoint: str = ""
    admin_endpoint: str = ""  # the admin API (--admin-port), e.g. /api/admin/attempts/1/userinfo
    start_seconds: float = 0.0
    # Base64 of 16 bytes: enables project secrets.
    encryption_key: str = field(
        default_factory=lambda: base64.b64encode(secrets.token_bytes(16)).decode()
    )
    # More system config (-X key=value), e.g. server.authenticator.basic.username.
    config: Mapping[str, str] = field(default_factory=dict)
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def task_log_dir(self) -> Path:
        return self.workdir / "task-logs"

    @property
    def server_log(self) -> Path:
        return self.workdir / "server.log"

    def start(self, timeout: float = 120.0) -> None:
        fetch_digdag()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.task_log_dir.mkdir(exist_ok=True)
        info = self.workdir / "runtime-info.json"
        info.unlink(missing_ok=True)
        began = time.monotonic()
        with self.server_log.open("wb") as log:
            self._proc = subprocess.Popen(
                [
                    str(DIGDAG_SCRIPT),
                    "server",
                    "--memory",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--admin-port",
                    "0",
                    "-c",
                    "/dev/null",
                    "-O",
                    str(self.task_log_dir),
                    "-X",
                    f"server.runtime-info.path={info}",
                    "-X",
                    f"digdag.secret-encryption-key={self.encryption_key}",
                    *(
                        arg
                        for key, value in self.config.items()
                        for arg in ("-X", f"{key}={value}")
                    ),
                ],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own process group: stop() kills the JVM and anything its tasks started.
                start_new_session=True,
                # A test run killed outright (no `finally`) must not leave the JVM behind.
                preexec_fn=_die_with_parent,
            )
        deadline = began + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"Digdag server exited early:\n{self.log_tail()}")
            if not self.endpoint and info.exists():
                try:
                    runtime = json.loads(info.read_text())
                    api = runtime["local_addresses"][0]["port"]
                    admin = runtime["local_admin_addresses"][0]["port"]
                    self.endpoint = f"http://127.0.0.1:{api}"
                    self.admin_endpoint = f"http://127.0.0.1:{admin}"
                except (ValueError, KeyError, IndexError):
                    pass  # file still being written
            if self.endpoint:
                try:
                    if requests.get(f"{self.endpoint}/api/version", timeout=2).ok:
                        self.start_seconds = time.monotonic() - began
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Digdag server not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.server_log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass

    def __enter__(self) -> DigdagServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL it when the process that started it dies (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: stop() still ends it on a normal exit


def java_version() -> str:
    """``java -version`` first line of the JVM scripts/digdag uses."""
    java = os.environ.get("DIGDAG_JAVA") or shutil.which("java") or "java"
    proc = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    return (proc.stderr or proc.stdout).splitlines()[0] if (proc.stderr or proc.stdout) else "?"


def export_differences(
    oracle: DigdagOracle, pairs: Iterable[tuple[Path, Path]]
) -> tuple[int, list[str]]:
    """Judge ``(original, exported)`` `.dig` file pairs: how many originals Digdag accepts
    (only those are compared) and every pair whose export Digdag reads differently."""
    todo = list(pairs)
    verdicts = oracle.judge([p for pair in todo for p in pair])
    differences: list[str] = []
    compared = 0
    for original, copy in todo:
        theirs, ours = verdicts[original.absolute()], verdicts[copy.absolute()]
        if not theirs.ok:
            continue  # Digdag rejects the original: nothing to compare
        compared += 1
        if not ours.ok:
            differences.append(f"{original}: Digdag rejects the export: {ours.error}")
            continue
        diff = definition_difference(theirs.definition, ours.definition)
        if diff is not None:
            differences.append(f"{original}: {diff}")
    return compared, differences
