"""Read conversations from the tracker store that endpoints.yml configures, read-only.

SQLite (the default): a read-only connection (`mode=ro`, `query_only`) on the write-ahead
log file, so the running server is never blocked and nothing can be written by mistake.
PostgreSQL (scaled mode, `type: SQL`): a session with read-only transactions. Either way
this only SELECTs from Rasa's `events` table, one pass ordered by conversation.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from review.settings import ENDPOINTS, ROOT

EVENT_TYPES = ("user", "bot", "action", "slot", "session_started")
SQLITE_TYPES = {"rasa_extensions.tracker_store.SQLiteTrackerStore"}
SQL_TYPES = {"sql", "SQL"}


class StoreError(RuntimeError):
    """The tracker store cannot be read; the message says why and what to do."""


@dataclass
class Conversation:
    """One sender's stored events (dicts as Rasa serialises them), oldest first."""

    sender_id: str
    events: list[dict[str, Any]] = field(default_factory=list)


def store_url(endpoints: Path = ENDPOINTS, root: Path = ROOT) -> sa.engine.URL:
    """The database URL of the `tracker_store` section of `endpoints` (environment variables expanded)."""
    from rasa.utils.endpoints import read_endpoint_config

    if not endpoints.exists():
        raise StoreError(f"{endpoints} not found")
    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None or not config.type:
        raise StoreError(f"{endpoints}: no tracker_store section; conversations are only kept in memory")
    kwargs = config.kwargs
    if config.type in SQLITE_TYPES or (config.type in SQL_TYPES and kwargs.get("dialect") == "sqlite"):
        db = Path(kwargs.get("db", "rasa.db"))
        return sa.engine.URL.create("sqlite", database=str(db if db.is_absolute() else root / db))
    if config.type in SQL_TYPES:
        return sa.engine.URL.create(
            kwargs.get("dialect") or "postgresql",
            username=kwargs.get("username"),
            password=kwargs.get("password"),
            host=config.url,
            port=int(kwargs["port"]) if kwargs.get("port") else None,
            database=kwargs.get("db", "rasa"),
        )
    raise StoreError(f"{endpoints}: tracker store type {config.type!r} cannot be read here (SQLite or SQL only)")


def read_only_engine(url: sa.engine.URL) -> sa.engine.Engine:
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.exists():
            raise StoreError(f"no conversations yet: {path} does not exist (start the assistant with `make run`)")

        def connect() -> sqlite3.Connection:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            connection.execute("PRAGMA query_only = 1")
            return connection

        return sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.NullPool)
    return sa.create_engine(url, poolclass=sa.pool.NullPool,
                            connect_args={"options": "-c default_transaction_read_only=on"})


def read_conversations(url: sa.engine.URL, since: float | None = None) -> Iterator[Conversation]:
    """Every conversation with events (from `since`, a Unix time, if given), in one ordered query."""
    query = ("SELECT sender_id, data FROM events WHERE type_name IN :types"
             + (" AND timestamp >= :since" if since is not None else "") + " ORDER BY sender_id, id")
    statement = sa.text(query).bindparams(sa.bindparam("types", expanding=True))
    engine = read_only_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                return
            rows = connection.execute(statement, {"types": list(EVENT_TYPES), "since": since})
            current: Conversation | None = None
            for sender_id, data in rows:
                if current is None or current.sender_id != sender_id:
                    if current is not None:
                        yield current
                    current = Conversation(sender_id)
                current.events.append(json.loads(data))
            if current is not None:
                yield current
    except sa.exc.OperationalError as error:
        raise StoreError(f"cannot read the tracker store: {error.orig}") from error
    finally:
        engine.dispose()
