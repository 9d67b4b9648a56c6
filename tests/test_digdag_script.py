"""``scripts/digdag``: when Digdag is unavailable, and a user's own ``DIGDAG_CLASSPATH``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support.digdag import DIGDAG_SCRIPT, UNAVAILABLE_STATUS, DigdagUnavailable, fetch_digdag


def _script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DIGDAG_SCRIPT), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_no_source_and_no_classpath_is_the_unavailable_status(tmp_path: Path) -> None:
    env = {"DIGDAG_SOURCE": str(tmp_path / "absent"), "DIGDAG_CACHE": str(tmp_path / "cache")}
    env_without_classpath = {**env, "DIGDAG_CLASSPATH": ""}
    for flag in ("--has-cli", "--fetch-only", "--oracle"):
        proc = _script(flag, env=env_without_classpath)
        assert proc.returncode == UNAVAILABLE_STATUS, (flag, proc.stderr)
    assert "DIGDAG_CLASSPATH" in _script("--fetch-only", env=env_without_classpath).stderr


@pytest.mark.digdag
def test_a_users_own_classpath_is_used_without_building(tmp_path: Path) -> None:
    try:
        fetch_digdag()
    except DigdagUnavailable as exc:
        pytest.skip(f"Digdag unavailable: {exc}")
    classpath = _script("--classpath", env={}).stdout.strip()
    env = {
        "DIGDAG_SOURCE": str(tmp_path / "absent"),
        "DIGDAG_CACHE": str(tmp_path / "cache"),
        "DIGDAG_CLASSPATH": classpath,
    }
    assert _script("--classpath", env=env).stdout.strip() == classpath
    version = _script("--version", env=env)
    assert version.returncode == 0 and version.stdout.strip().endswith("0.10.5.1")
    # The oracle is compiled against that classpath, in the cache, not built from source.
    oracle = subprocess.run(
        [str(DIGDAG_SCRIPT), "--oracle"],
        input="/nonexistent/wf.dig\n",
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert '"ok":false' in oracle.stdout and '"stage":"load"' in oracle.stdout
    assert not list((tmp_path / "cache").glob("0.10.5.1-*"))
