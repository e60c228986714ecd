"""Stored conversations move to per-channel ids (rasa_extensions/namespace_migration.py),
in a file written by Rasa's own SQL tracker store."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_extensions.namespace_migration import migrate

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]')


def store(path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))


def test_conversations_are_renamed_once_by_their_channel(tmp_path: Path) -> None:
    database = tmp_path / "conversations.db"
    old = store(database)
    for sender, channel in (("12345", "telegram"), ("ada", "rest"), ("abc123", "socketio")):
        events = [ActionExecuted("action_listen"), UserUttered("hi", input_channel=channel)]
        asyncio.run(old.save(DialogueStateTracker.from_events(sender, events)))
    asyncio.run(old.save(DialogueStateTracker.from_events("silent", [ActionExecuted("action_listen")])))
    old.engine.dispose()

    assert migrate(database) == 3
    assert migrate(database) == 0  # idempotent
    new = store(database)
    keys = set(asyncio.run(new.keys()))
    assert keys == {"telegram:12345", "rest:ada", "socketio:abc123", "silent"}
    tracker = asyncio.run(new.retrieve("telegram:12345"))
    assert tracker is not None and tracker.latest_message.text == "hi"


def test_the_launcher_migrates_the_configured_store_before_rasa_starts(tmp_path: Path) -> None:
    from rasa_extensions.launcher import SQLITE_STORE, prepare

    database = tmp_path / "state" / "conversations.db"
    database.parent.mkdir()
    old = store(database)
    events = [ActionExecuted("action_listen"), UserUttered("hi", input_channel="telegram")]
    asyncio.run(old.save(DialogueStateTracker.from_events("12345", events)))
    old.engine.dispose()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: {SQLITE_STORE}\n  db: {database}\n", encoding="utf-8")

    prepare(["run", "--endpoints", str(endpoints)], {})

    assert set(asyncio.run(store(database).keys())) == {"telegram:12345"}
