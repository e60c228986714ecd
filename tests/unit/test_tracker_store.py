"""The SQLite tracker store: Rasa's tables and behaviour, a reused connection, a write-ahead log."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig

from runner_rasa.launcher import SQLITE_STORE
from runner_rasa.tracker_store import SQLiteTrackerStore

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
