"""Reading the tracker store: the URL from endpoints.yml, Rasa's own rows, read-only, never blocked by the server."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from rasa_extensions.tracker_store import SQLiteTrackerStore
from review.store import StoreError, read_conversations, read_only_engine, store_url

ROOT = Path(__file__).resolve().parents[2]


def test_the_projects_endpoints_point_at_its_sqlite_file() -> None:
    url = store_url(ROOT / "endpoints.yml", ROOT)
    assert url.get_backend_name() == "sqlite" and url.database == str(ROOT / "state" / "conversations.db")


def test_scaled_mode_endpoints_give_a_postgresql_url_with_environment_variables(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_TEST_PASSWORD", "s3cret")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 5433\n"
                         "  db: rasa\n  username: runner\n  password: ${REVIEW_TEST_PASSWORD}\n")
    url = store_url(endpoints, tmp_path)
    assert (url.drivername, url.host, url.port, url.database, url.username, url.password) == (
        "postgresql", "127.0.0.1", 5433, "rasa", "runner", "s3cret")


@pytest.mark.parametrize(("content", "message"), [
    ("action_endpoint:\n  url: http://x\n", "no tracker_store section"),
    ("tracker_store:\n  type: redis\n  url: localhost\n", "cannot be read here"),
])
def test_stores_it_cannot_read_are_explained(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "endpoints.yml").write_text(content)
    with pytest.raises(StoreError, match=message):
        store_url(tmp_path / "endpoints.yml", tmp_path)


def test_a_missing_database_says_there_are_no_conversations_yet(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no conversations yet"):
        list(read_conversations(sa.engine.URL.create("sqlite", database=str(tmp_path / "none.db"))))


def rasa_store(path: Path) -> None:
    """Two turns saved by the assistant's own tracker store, as the server saves them."""

    async def save() -> None:
        store = SQLiteTrackerStore(Domain.load(str(ROOT / "domain.yml")), db=str(path))
        tracker = await store.get_or_create_tracker("telegram-42")
        tracker.update(UserUttered("my calves are tight", {"name": "report_pain", "confidence": 0.42},
                                   parse_data={"intent_ranking": [{"name": "report_pain", "confidence": 0.42}],
                                               "intent_sources": {"diet": {"name": "report_pain"},
                                                                  "ngram": {"name": "ask_sleep"}}}))
        tracker.update(ActionExecuted("recommendation_form"))
        tracker.update(BotUttered("Where exactly?", metadata={"utter_action": "utter_ask_body_part"}))
        await store.save(tracker)

    asyncio.run(save())


def test_it_reads_what_rasas_store_wrote(tmp_path: Path) -> None:
    rasa_store(tmp_path / "c.db")
    (conversation,) = read_conversations(sa.engine.URL.create("sqlite", database=str(tmp_path / "c.db")))
    assert conversation.sender_id == "telegram-42"
    user = next(e for e in conversation.events if e["event"] == "user")
    assert user["parse_data"]["intent_sources"]["ngram"]["name"] == "ask_sleep"
    assert [e["event"] for e in conversation.events][-1] == "bot"


def test_the_connection_cannot_write(tmp_path: Path) -> None:
    rasa_store(tmp_path / "c.db")
    engine = read_only_engine(sa.engine.URL.create("sqlite", database=str(tmp_path / "c.db")))
    with engine.connect() as connection, pytest.raises(sa.exc.OperationalError, match=r"readonly|read-only"):
        connection.execute(sa.text("DELETE FROM events"))


def test_a_server_mid_write_does_not_block_reading(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    rasa_store(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")  # the server holds the write lock...
    writer.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('x', 'user', 1, '{}')")
    try:
        started = time.monotonic()
        conversations = list(read_conversations(sa.engine.URL.create("sqlite", database=str(path))))
        assert time.monotonic() - started < 3  # ...and the reader neither waits nor sees the uncommitted row
        assert [c.sender_id for c in conversations] == ["telegram-42"]
    finally:
        writer.execute("ROLLBACK")
        writer.close()
