"""End-to-end tests must all run where it counts; one shared stack for the public channels.

A skipped end-to-end test (Chromium, PostgreSQL, nginx or Redis missing) is listed
in build/e2e-skipped.txt, which `make test` reads so that it never reports
"All checks passed" when something was not checked; under CI=true the skip itself
is turned into a failure with its reason. Unit tests (tests/unit) may still skip.

Rasa needs over a minute to start on 2 cores, so the modules that only talk to the
public channels (REST and socket.io, no HTTP API token, no crash) share one stack,
the `stack` fixture here; modules that restart, kill or reconfigure a server start their own.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.servers import Stack

SKIPPED_FILE = Path("build") / "e2e-skipped.txt"
APPEND_ENV = "E2E_SKIPPED_APPEND"
# The web page's two channels, as `make run` configures them (no Telegram, no API token).
PUBLIC_CREDENTIALS = """\
channels.rest.RestInput:
channels.socketio.SocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""
_skipped: list[str] = []


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def skipped_file(config: pytest.Config) -> Path:
    return config.rootpath / SKIPPED_FILE


def skip_reason(report: pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def worker_port_range(worker: str | None) -> str | None:
    """Each xdist worker picks server ports from its own slice of the default range, so two
    workers never pick the same port in the seconds before its server binds."""
    if not worker or not worker.removeprefix("gw").isdigit():
        return None
    index = int(worker.removeprefix("gw")) % 4
    return f"{20000 + 3000 * index}-{20000 + 3000 * index + 2999}"


def pytest_configure(config: pytest.Config) -> None:
    ports = worker_port_range(os.environ.get("PYTEST_XDIST_WORKER"))
    if ports:
        os.environ["RUNNER_PORT_RANGE"] = ports


def pytest_sessionstart(session: pytest.Session) -> None:
    """A new list per `make e2e`: cleared by the first session's controller (not by xdist's
    workers, nor by a later session that E2E_SKIPPED_APPEND marks as the same run)."""
    _skipped.clear()
    if not hasattr(session.config, "workerinput") and not os.environ.get(APPEND_ENV):
        skipped_file(session.config).unlink(missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = skip_reason(report)
    _skipped.append(f"{item.nodeid}: {reason}")
    if under_ci():
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every end-to-end test must run: {reason}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _skipped:
        path = skipped_file(session.config)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as listing:  # xdist workers each add theirs
            listing.write("\n".join(_skipped) + "\n")


@pytest.fixture(scope="session")
def stack() -> Generator[Stack, None, None]:
    """Action server + Rasa (through the launcher) with REST and socket.io, for the whole run;
    a module that needs its own defines a `stack` fixture of its own."""
    from tests.e2e.servers import rasa_stack  # here: the CI-honesty test copies this file alone

    with rasa_stack(PUBLIC_CREDENTIALS, launcher=True) as running:
        yield running
