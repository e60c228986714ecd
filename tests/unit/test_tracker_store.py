"""The SQLite tracker store: Rasa's tables and behaviour, a reused connection, a write-ahead log."""

from __future__ import annotations

import asyncio
import sqlite3
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

from runner_rasa.launcher import SQLITE_STORE
from runner_rasa.tracker_store import SQLiteTrackerStore, deserialise

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
