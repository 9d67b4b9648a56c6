"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from support.digdag import (
    SUMMARY_LINES,
    DigdagOracle,
    DigdagServer,
    DigdagUnavailable,
    fetch_digdag,
)

# CI runs the same hypothesis examples every time (a red build always means a real regression);
# local runs draw new examples and so keep looking for new bugs.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


# --- Real Digdag (tests/support/digdag.py) ---------------------------------------------------


def _require_digdag() -> None:
    """Skip only when Digdag cannot be had here (no ../shared, no DIGDAG_CLASSPATH)."""
    try:
        fetch_digdag()
    except DigdagUnavailable as exc:
        pytest.skip(f"Digdag unavailable: {exc}")


@pytest.fixture(scope="session")
def digdag_oracle() -> Iterator[DigdagOracle]:
    """Digdag's own loader+compiler in one JVM: normalised definitions or error messages."""
    _require_digdag()
    with DigdagOracle() as oracle:
        yield oracle


@pytest.fixture(scope="session")
def digdag_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DigdagServer]:
    """An in-memory Digdag 0.10.5.1 server on 127.0.0.1 (``.endpoint``), on a free port, with
    its own task-log directory and secret encryption key; killed (process group) at the end."""
    _require_digdag()
    server = DigdagServer(workdir=Path(tmp_path_factory.mktemp("digdag-server")))
    server.start()
    SUMMARY_LINES.append(f"Digdag server started in {server.start_seconds:.1f}s")
    try:
        yield server
    finally:
        server.stop()


BASIC_AUTH = ("digrefactor-admin", "s3cret-Pa55")


@pytest.fixture(scope="session")
def digdag_auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DigdagServer]:
    """A second server with basic authentication; the user ``BASIC_AUTH`` is an admin."""
    _require_digdag()
    user, password = BASIC_AUTH
    server = DigdagServer(
        workdir=Path(tmp_path_factory.mktemp("digdag-auth-server")),
        config={
            "server.authenticator.type": "basic",
            "server.authenticator.basic.username": user,
            "server.authenticator.basic.password": password,
            "server.authenticator.basic.admin": "true",
        },
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- Failures show the server's log; in CI a skipped `digdag` test fails the run -------------

_SKIPPED_DIGDAG_TESTS: list[str] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    for fixture in ("digdag_server", "digdag_auth_server"):
        server = getattr(item, "funcargs", {}).get(fixture)
        if report.failed and isinstance(server, DigdagServer):
            report.sections.append((f"{fixture} log (last 4000 characters)", server.log_tail()))
    if report.skipped and item.get_closest_marker("digdag") is not None:
        _SKIPPED_DIGDAG_TESTS.append(item.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # CI has ../shared, so Digdag must run there: a skip would hide a broken build or fixture.
    if os.environ.get("CI") and _SKIPPED_DIGDAG_TESTS and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY_LINES:
        terminalreporter.section("Digdag")
        for line in SUMMARY_LINES:
            terminalreporter.write_line(line)
    if os.environ.get("CI") and _SKIPPED_DIGDAG_TESTS:
        terminalreporter.section("digdag tests skipped in CI (a failure)")
        for nodeid in _SKIPPED_DIGDAG_TESTS:
            terminalreporter.write_line(nodeid)
