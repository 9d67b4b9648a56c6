"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from support.digdag import SUMMARY_LINES, DigdagOracle, DigdagServer, digdag_cli_available

# CI runs the same hypothesis examples every time (a red build always means a real regression);
# local runs draw new examples and so keep looking for new bugs.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


# --- Real Digdag (tests/support/digdag.py) ---------------------------------------------------


@pytest.fixture(scope="session")
def digdag_oracle() -> Iterator[DigdagOracle]:
    """Digdag's own loader+compiler in one JVM: normalised definitions or error messages."""
    with DigdagOracle() as oracle:
        yield oracle


@pytest.fixture(scope="session")
def digdag_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DigdagServer]:
    """An in-memory Digdag server on 127.0.0.1 (``.endpoint``), local agent and scheduler on."""
    if not digdag_cli_available():
        pytest.skip(
            "Digdag server jars unavailable: the package registry serves no io.digdag:digdag-cli "
            "0.10.x / digdag-server; set DIGDAG_CLASSPATH to a Digdag 0.10.x jar"
        )
    server = DigdagServer(workdir=Path(tmp_path_factory.mktemp("digdag-server")))
    server.start()
    SUMMARY_LINES.append(f"Digdag server started in {server.start_seconds:.1f}s")
    try:
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY_LINES:
        terminalreporter.section("Digdag")
        for line in SUMMARY_LINES:
            terminalreporter.write_line(line)
