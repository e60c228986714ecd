"""End-to-end: the retention purge on a real PostgreSQL tracker store (scaled mode's store).

Starts a throwaway PostgreSQL cluster (Debian's package) on a free loopback port,
stores dated conversations with Rasa's own SQLTrackerStore, and purges them through
the same endpoints file and code `make purge` and the launcher use.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_extensions import retention
from tests.e2e.servers import ROOT, free_port

DAY = 86_400.0
USER = "runner"


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="module")
def postgres_port() -> Iterator[int]:
    pg_bin = postgres_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL is not installed (make system-deps as root)")
    with tempfile.TemporaryDirectory(prefix="retention-pg-") as tmp:
        data, sockets = Path(tmp, "data"), Path(tmp, "sockets")
        data.mkdir()
        sockets.mkdir()
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            for path in (Path(tmp), data, sockets):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        subprocess.run(as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
                                    "-E", "UTF8", "--no-instructions"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        port = free_port()
        server = subprocess.Popen(as_postgres([str(pg_bin / "postgres"), "-D", str(data), "-p", str(port),
                                               "-c", "listen_addresses=127.0.0.1",
                                               "-c", f"unix_socket_directories={sockets}"]),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/",
                                  start_new_session=True)
        try:
            isready = [str(pg_bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
            deadline = time.monotonic() + 60
            while subprocess.run(isready, check=False).returncode != 0:
                assert server.poll() is None and time.monotonic() < deadline, "PostgreSQL did not start"
                time.sleep(0.3)
            psql = shutil.which("psql") or str(pg_bin / "psql")
            subprocess.run([psql, "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "postgres",
                            "-qc", "CREATE DATABASE rasa"], check=True)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def save_dated(store: SQLTrackerStore, domain: Domain, sender: str, when: float) -> None:
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker.from_events(sender, [], domain.slots)
    for event in (UserUttered("tight calves", {"name": "report_pain", "confidence": 0.9}, timestamp=when),
                  SlotSet("body_part", "calf", timestamp=when + 1),
                  ActionExecuted("action_listen", timestamp=when + 2)):
        tracker.update(event)
    asyncio.run(store.save(tracker))


def test_purge_on_postgresql(postgres_port: int, tmp_path: Path) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = SQLTrackerStore(domain, dialect="postgresql", host="127.0.0.1", port=postgres_port, db="rasa",
                            username=USER)
    now = time.time()
    save_dated(store, domain, "old", now - 120 * DAY)
    save_dated(store, domain, "recent", now - 5 * DAY)
    save_dated(store, domain, "long", now - 300 * DAY)
    save_dated(store, domain, "long", now - 2 * DAY)
    store.engine.dispose()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n"
                         f"  port: {postgres_port}\n  db: rasa\n  username: {USER}\n")
    result = retention.purge(endpoints, 90, now)
    assert result is not None and (result.conversations, result.events) == (1, 3)
    engine = sa.create_engine(f"postgresql://{USER}@127.0.0.1:{postgres_port}/rasa")
    with engine.connect() as connection:
        counts = dict(connection.execute(sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).all())
    engine.dispose()
    assert counts == {"recent": 3, "long": 6}
    assert retention.purge(endpoints, 90, now) == retention.PurgeResult(0, 0, result.where)
