"""The SQLite tracker store: Rasa's tables and behaviour, a reused connection, a write-ahead log."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import yaml
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import retention
from rasa_extensions.launcher import SQLITE_STORE, LaunchError, prepare
from rasa_extensions.tracker_store import SQLiteTrackerStore, deserialise

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def test_the_project_uses_this_store_from_its_endpoints_file() -> None:
    store = yaml.safe_load((ROOT / "endpoints.yml").read_text())["tracker_store"]
    assert store["type"] == SQLITE_STORE


def test_rasa_creates_it_from_an_endpoint_config(domain: Domain, tmp_path: Path) -> None:
    config = EndpointConfig(type=SQLITE_STORE, db=str(tmp_path / "c.db"), dialect="sqlite")
    store = TrackerStore.create(config, domain)
    assert isinstance(store, SQLiteTrackerStore)


def test_conversations_round_trip_and_are_appended_not_rewritten(domain: Domain, tmp_path: Path) -> None:
    database = tmp_path / "c.db"

    async def two_turns() -> None:
        store = SQLiteTrackerStore(domain, db=str(database))
        tracker = await store.get_or_create_tracker("u1")
        tracker.update(UserUttered("my calves are tight", {"name": "report_pain", "confidence": 0.9}))
        tracker.update(SlotSet("body_part", "calf"))
        await store.save(tracker)
        tracker = await store.retrieve("u1")
        assert tracker is not None
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(BotUttered("How long has it been going on?"))
        await store.save(tracker)

    asyncio.run(two_turns())
    # A second store on the same file (a restarted server) sees everything, once.
    again = asyncio.run(SQLiteTrackerStore(domain, db=str(database)).retrieve("u1"))
    assert again is not None and again.get_slot("body_part") == "calf"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT type_name FROM events WHERE sender_id = 'u1' ORDER BY id").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    types = [row[0] for row in rows]
    assert types.count("user") == 1 and types.count("bot") == 1 and types.count("slot") == 1
    assert mode == "wal"


def test_one_connection_is_reused(domain: Domain, tmp_path: Path) -> None:
    store = SQLiteTrackerStore(domain, db=str(tmp_path / "c.db"))
    connections: list[int] = []
    with store.session_scope() as session:
        connections.append(id(session.connection().connection.dbapi_connection))
    with store.session_scope() as session:
        connections.append(id(session.connection().connection.dbapi_connection))
    assert connections[0] == connections[1]


def a_conversation() -> list[Event]:
    parse = {"intent": {"name": "report_pain", "confidence": 0.9}, "entities": [], "text": "tight calves"}
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("tight calves", parse),
        SlotSet("body_part", "calf"),
        ActiveLoop("recommendation_form"),
        BotUttered("How long has it been going on?", metadata={"utter_action": "utter_ask_duration"}),
        ActionExecuted("action_listen"),
    ]


def rows(database: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        query = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
        return connection.execute(query).fetchall()


def test_it_writes_and_reads_exactly_what_rasas_own_store_does(domain: Domain, tmp_path: Path) -> None:
    tracker = DialogueStateTracker.from_events("u1", a_conversation(), domain.slots)
    ours, rasas = tmp_path / "ours.db", tmp_path / "rasas.db"
    asyncio.run(SQLiteTrackerStore(domain, db=str(ours)).save(tracker))
    asyncio.run(SQLTrackerStore(domain, db=str(rasas)).save(tracker))
    assert rows(ours) == rows(rasas) and len(rows(ours)) == len(a_conversation())

    # Each store reads the other's file back to the same conversation state.
    read_by_rasa = asyncio.run(SQLTrackerStore(domain, db=str(ours)).retrieve("u1"))
    read_by_us = asyncio.run(SQLiteTrackerStore(domain, db=str(rasas)).retrieve("u1"))
    assert read_by_rasa is not None and read_by_us is not None
    # (Both leave out the `action_session_start` logged just before the session started.)
    assert list(read_by_us.events) == list(read_by_rasa.events) == list(tracker.events)[1:]
    assert read_by_us.current_state() == read_by_rasa.current_state()
    assert read_by_us.active_loop_name == "recommendation_form"


def test_a_new_session_is_stored_and_read_back_as_rasas_store_does(domain: Domain, tmp_path: Path) -> None:
    def two_sessions(store: SQLTrackerStore) -> tuple[list[str], list[str]]:
        tracker = DialogueStateTracker.from_events("u1", a_conversation(), domain.slots)
        asyncio.run(store.save(tracker))
        later = tracker.events[-1].timestamp + 10
        tracker.update(ActionExecuted("action_session_start", timestamp=later))
        tracker.update(SessionStarted(timestamp=later))
        tracker.update(ActionExecuted("action_listen", timestamp=later))
        asyncio.run(store.save(tracker))
        latest, full = asyncio.run(store.retrieve("u1")), asyncio.run(store.retrieve_full_tracker("u1"))
        assert latest is not None and full is not None
        return [e.type_name for e in latest.events], [e.type_name for e in full.events]

    ours = two_sessions(SQLiteTrackerStore(domain, db=str(tmp_path / "ours.db")))
    assert ours == two_sessions(SQLTrackerStore(domain, db=str(tmp_path / "rasas.db")))
    assert ours[0][:2] == ["action", "session_started"]


def test_unknown_event_types_fall_back_to_rasas_lookup() -> None:
    with pytest.raises(ValueError, match="Unknown event name"):
        deserialise([{"event": "no_such_event"}])
    assert deserialise([{"event": "slot", "name": "x", "value": 1}]) == [SlotSet("x", 1)]


def turns(store: SQLTrackerStore, domain: Domain, sender: str = "u1") -> list[list[str]]:
    """Three turns of retrieve, update, save, with a new session before the last one."""
    seen = []
    for turn in range(3):
        tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker.from_events(sender, [], domain.slots)
        if turn == 0:
            tracker.update_with_events(a_conversation(), domain)
        else:
            later = tracker.events[-1].timestamp + 10
            if turn == 2:
                tracker.update(ActionExecuted("action_session_start", timestamp=later))
                tracker.update(SessionStarted(timestamp=later))
            tracker.update(UserUttered(f"turn {turn}", {"name": "inform", "confidence": 0.9}, timestamp=later))
            tracker.update(ActionExecuted("action_listen", timestamp=later))
        asyncio.run(store.save(tracker))
        seen.append([e.type_name for e in asyncio.run(store.retrieve(sender)).events])
    return seen


def test_remembered_conversations_match_rasas_store_turn_by_turn(domain: Domain, tmp_path: Path) -> None:
    ours, rasas = tmp_path / "ours.db", tmp_path / "rasas.db"
    ours_seen = turns(SQLiteTrackerStore(domain, db=str(ours)), domain)
    assert ours_seen == turns(SQLTrackerStore(domain, db=str(rasas)), domain)
    strip = [row[:2] + row[3:5] for row in rows(ours)]  # timestamps of new events differ between the runs
    assert strip == [row[:2] + row[3:5] for row in rows(rasas)]


def test_a_turn_neither_reads_back_nor_counts_remembered_events(domain: Domain, tmp_path: Path) -> None:
    store = SQLiteTrackerStore(domain, db=str(tmp_path / "c.db"))
    statements: list[str] = []
    sqlalchemy.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    turns(store, domain)
    statements.clear()
    tracker = asyncio.run(store.retrieve("u1"))
    assert tracker is not None
    tracker.update(UserUttered("one more", {"name": "inform", "confidence": 0.9}))
    asyncio.run(store.save(tracker))
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert reads == [], reads
    assert any(s.lstrip().upper().startswith("INSERT") for s in statements)


def test_writes_by_another_process_are_seen(domain: Domain, tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    server, other = SQLiteTrackerStore(domain, db=str(database)), SQLiteTrackerStore(domain, db=str(database))
    turns(server, domain)
    before = asyncio.run(server.retrieve("u1"))
    tracker = asyncio.run(other.retrieve("u1"))
    assert before is not None and tracker is not None
    later = tracker.events[-1].timestamp + 1  # turns() dates its last session in the future
    tracker.update(SlotSet("body_part", "hamstring", timestamp=later))
    asyncio.run(other.save(tracker))
    after = asyncio.run(server.retrieve("u1"))
    assert after is not None and len(after.events) == len(before.events) + 1
    assert after.get_slot("body_part") == "hamstring"
    # ... and the server's next save appends after the other's event instead of over it.
    after.update(ActionExecuted("action_listen", timestamp=later + 1))
    asyncio.run(server.save(after))
    final = asyncio.run(SQLiteTrackerStore(domain, db=str(database)).retrieve("u1"))
    assert final is not None and [e.type_name for e in final.events] == [e.type_name for e in after.events]


# --- bounded memory -------------------------------------------------------------------------


def serialised_bytes(store: SQLiteTrackerStore, sender: str) -> int:
    with store.session_scope() as session:
        data = [row.data for row in store._event_query(session, sender, False).all()]
    return sum(len(item.encode()) for item in data)


def test_what_is_remembered_stays_within_a_byte_budget(domain: Domain, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    probe = SQLiteTrackerStore(domain, db=str(tmp_path / "probe.db"))
    turns(probe, domain, "probe")
    one = serialised_bytes(probe, "probe")
    monkeypatch.setenv("RUNNER_TRACKER_CACHE_BYTES", str(int(one * 3.5)))
    store = SQLiteTrackerStore(domain, db=str(tmp_path / "c.db"))
    senders = [f"u{i}" for i in range(6)]
    for sender in senders:
        turns(store, domain, sender)
        assert store.remembered_bytes <= store.cache_bytes
    # Only the most recent conversations that fit are remembered, and their count is exact.
    kept = list(store._stored)
    assert 2 <= len(kept) < len(senders) and kept == senders[-len(kept):]
    assert store.remembered_bytes == sum(serialised_bytes(store, s) for s in kept)
    # A forgotten conversation is read back from the file, whole.
    first = asyncio.run(store.retrieve("u0"))
    rasas = asyncio.run(SQLTrackerStore(domain, db=str(tmp_path / "c.db")).retrieve("u0"))
    assert first is not None and rasas is not None and list(first.events) == list(rasas.events)


def test_a_conversation_larger_than_the_budget_is_not_remembered_but_still_kept(
        domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNER_TRACKER_CACHE_BYTES", "500")
    store = SQLiteTrackerStore(domain, db=str(tmp_path / "c.db"))
    tracker = DialogueStateTracker.from_events("big", a_conversation(), domain.slots)
    tracker.update(UserUttered("x" * 2000, {"name": "inform", "confidence": 0.9}))
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("big"))
    assert "big" not in store._stored and store.remembered_bytes == 0
    assert again is not None and again.latest_message is not None and again.latest_message.text == "x" * 2000


def test_the_budget_setting_is_checked(monkeypatch: pytest.MonkeyPatch, domain: Domain, tmp_path: Path) -> None:
    monkeypatch.setenv("RUNNER_TRACKER_CACHE_BYTES", "lots")
    with pytest.raises(ValueError, match="RUNNER_TRACKER_CACHE_BYTES"):
        SQLiteTrackerStore(domain, db=str(tmp_path / "c.db"))


# --- privacy: file mode and retention -------------------------------------------------------


def test_the_database_and_its_wal_files_are_owner_only(domain: Domain, tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    store = SQLiteTrackerStore(domain, db=str(database))
    turns(store, domain)  # the write-ahead log and shared-memory files exist while connected
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    assert all(f.exists() for f in files)
    assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {f.name: "0o600" for f in files}
    # A file created by an older version with a wider mode is narrowed at start-up.
    store.engine.dispose()
    os.chmod(database, 0o644)
    SQLiteTrackerStore(domain, db=str(database))
    assert database.stat().st_mode & 0o777 == 0o600


def dated_conversation(store: SQLTrackerStore, domain: Domain, sender: str, when: float) -> None:
    events = [UserUttered("tight calves", {"name": "report_pain", "confidence": 0.9}, timestamp=when),
              SlotSet("body_part", "calf", timestamp=when + 1), ActionExecuted("action_listen", timestamp=when + 2)]
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker.from_events(sender, [], domain.slots)
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))


DAY = 86_400.0


@pytest.mark.parametrize("store_class", [SQLiteTrackerStore, SQLTrackerStore])
def test_purge_deletes_whole_conversations_idle_past_the_retention(
        store_class: type[SQLTrackerStore], domain: Domain, tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    now = time.time()
    store = store_class(domain, db=str(database))
    dated_conversation(store, domain, "old", now - 100 * DAY)
    dated_conversation(store, domain, "recent", now - 10 * DAY)
    dated_conversation(store, domain, "long", now - 200 * DAY)
    dated_conversation(store, domain, "long", now - 1 * DAY)  # still talking: kept whole
    endpoints = tmp_path / "endpoints.yml"
    kind = SQLITE_STORE if store_class is SQLiteTrackerStore else "SQL\n  dialect: sqlite"
    endpoints.write_text(f"tracker_store:\n  type: {kind}\n  db: {database}\n")
    result = retention.purge(endpoints, 90, now)
    assert result is not None and (result.conversations, result.events) == (1, 3)
    senders = {row[0] for row in rows(database)}
    assert senders == {"recent", "long"}
    assert len([row for row in rows(database) if row[0] == "long"]) == 6
    # The running store does not serve the deleted conversation from memory.
    assert asyncio.run(store.retrieve("old")) is None
    assert retention.purge(endpoints, 90, now) == retention.PurgeResult(0, 0, f"sqlite:///{database}")


def test_purge_leaves_other_stores_and_missing_files_alone(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    assert retention.purge(endpoints, 90) is None
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path}/none.db\n")
    assert retention.purge(endpoints, 90) is None and not (tmp_path / "none.db").exists()
    endpoints.write_text("tracker_store:\n  type: redis\n  url: localhost\n")
    assert retention.purge(endpoints, 90) is None


@pytest.mark.parametrize(("value", "days"), [("", 90.0), ("30", 30.0), ("0.5", 0.5)])
def test_retention_days_from_the_environment(value: str, days: float) -> None:
    assert retention.retention_days({"RUNNER_RETENTION_DAYS": value}) == days


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
def test_a_bad_retention_setting_is_refused(value: str) -> None:
    with pytest.raises(retention.RetentionError, match="RUNNER_RETENTION_DAYS"):
        retention.retention_days({"RUNNER_RETENTION_DAYS": value})


def test_the_launcher_purges_at_start_up(domain: Domain, tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    store = SQLiteTrackerStore(domain, db=str(database))
    dated_conversation(store, domain, "old", time.time() - 40 * DAY)
    dated_conversation(store, domain, "new", time.time() - 1 * DAY)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: {SQLITE_STORE}\n  db: {database}\n")
    prepare(["run", "--endpoints", str(endpoints)], {"RUNNER_RETENTION_DAYS": "30"})
    assert {row[0] for row in rows(database)} == {"new"}
    with pytest.raises(LaunchError, match="RUNNER_RETENTION_DAYS"):
        prepare(["run", "--endpoints", str(endpoints)], {"RUNNER_RETENTION_DAYS": "never"})


def test_make_purge_reports_what_it_deleted(domain: Domain, tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    dated_conversation(SQLiteTrackerStore(domain, db=str(database)), domain, "old", time.time() - 100 * DAY)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: {SQLITE_STORE}\n  db: {database}\n")
    done = subprocess.run([sys.executable, "-m", "rasa_extensions.retention", "--endpoints", str(endpoints)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Deleted 1 conversations" in done.stdout and rows(database) == []


def test_an_unreachable_store_does_not_stop_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 9\n"
                         "  db: rasa\n  username: nobody\n")
    with pytest.raises(retention.RetentionError, match="could not purge"):
        retention.purge(endpoints, 90)
    prepare(["run", "--endpoints", str(endpoints)], {})
    assert "nothing purged at start-up" in capsys.readouterr().err
