"""Rasa's SQL tracker store on a SQLite file, tuned for one server process.

Rasa's `SQLTrackerStore` on SQLite opens a new connection for every read and
write (SQLAlchemy 1.4's default for database files) and commits in rollback-
journal mode with a full sync, all on the server's event loop. This store keeps
Rasa's tables, queries and behaviour; what changes:

- one pooled connection, reused (every use is on the event loop's thread);
- write-ahead log with `synchronous=NORMAL`: a commit survives the process
  being killed; only a power cut or OS crash can lose the latest turns, never
  corrupt the file;
- events read back are rebuilt with one lookup table of event classes, where
  Rasa walks the whole tree of event classes once per event; new events are
  written with one multi-row insert instead of one ORM object each;
- the latest session's stored events of recent conversations are remembered,
  so a turn neither reads them back nor counts them with a query, within a budget
  of serialised bytes (RUNNER_TRACKER_CACHE_BYTES, default 64 MiB; least recently
  used first out, a conversation larger than the budget is not remembered). SQLite's
  `PRAGMA data_version` tells when another connection or process has written
  to the file; then everything remembered is dropped and read again;
- the database file is created owner-only (0600); SQLite gives its `-wal` and
  `-shm` files the same mode. Conversations past the retention period are deleted
  at start-up by the launcher (`rasa_extensions.retention`).

`make bench-store` measures the per-turn cost against Rasa's store and memory (figures in
bench/results/tracker_store.json and the README). Several Rasa processes must share
PostgreSQL instead (deploy/), as SQLite is one machine's file.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple, Type

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
CACHE_BYTES_ENV = "RUNNER_TRACKER_CACHE_BYTES"
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
PRIVATE_FILE_MODE = 0o600


def cache_budget(env: Mapping[str, str]) -> int:
    """Bytes of serialised events the store may remember, from RUNNER_TRACKER_CACHE_BYTES."""
    raw = env.get(CACHE_BYTES_ENV, "").strip()
    try:
        budget = int(raw) if raw else DEFAULT_CACHE_BYTES
    except ValueError:
        raise ValueError(f"{CACHE_BYTES_ENV} must be a whole number of bytes, got {raw!r}") from None
    if budget < 0:
        raise ValueError(f"{CACHE_BYTES_ENV} must not be negative, got {raw!r}")
    return budget


def make_private(database: str) -> None:
    """Creates the SQLite file owner-only (or makes an existing one so), with its WAL companions."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    for each in (path, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if each.exists():
            os.chmod(each, PRIVATE_FILE_MODE)


def set_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


@functools.cache
def event_classes() -> Dict[str, Type[Event]]:
    """Event classes by type name, the first one found winning as in `Event.resolve_by_type`."""
    classes: Dict[str, Type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def deserialise(serialised: List[Dict[str, Any]]) -> List[Event]:
    """`rasa.shared.core.events.deserialise_events` with the class lookup done once, not per event."""
    events = []
    for parameters in serialised:
        cls = event_classes().get(parameters.get("event", ""))
        event = cls._from_parameters(parameters) if cls else Event.from_parameters(parameters)
        if event:
            events.append(event)
    return events


def event_row(sender_id: str, event: Event) -> Dict[str, Any]:
    """The `events` table row Rasa's `SQLTrackerStore.save` writes for `event`."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class SQLiteTrackerStore(SQLTrackerStore):
    """`type: rasa_extensions.tracker_store.SQLiteTrackerStore` with `db: <file>` in endpoints.yml."""

    def __init__(self, domain: Any = None, db: str = "rasa.db", event_broker: Any = None, **kwargs: Any) -> None:
        for ignored in ("dialect", "host", "port", "username", "password", "login_db", "query"):
            kwargs.pop(ignored, None)  # a file database has no server to log in to
        make_private(db)
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=QueuePool, pool_size=1, max_overflow=4, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", set_pragmas)
        self.sessionmaker = sessionmaker(bind=self.engine)
        # sender id -> the `data` column of its latest session's stored events, oldest first
        self._stored: OrderedDict[str, List[str]] = OrderedDict()
        self._sizes: Dict[str, int] = {}  # sender id -> serialised bytes remembered
        self.remembered_bytes = 0
        self.cache_bytes = cache_budget(os.environ)
        self._file_version: Tuple[int, int] | None = None

    def _remembered(self, session: Session) -> OrderedDict[str, List[str]]:
        """What this store remembers, emptied first if anyone else has written to the file since."""
        connection = session.connection()
        # data_version changes when another connection commits; each connection has its own count.
        data_version = connection.exec_driver_sql("PRAGMA data_version").scalar()
        version = (id(connection.connection.dbapi_connection), data_version)
        if version != self._file_version:
            self._stored.clear()
            self._sizes.clear()
            self.remembered_bytes = 0
            self._file_version = version
        return self._stored

    def _forget(self, sender_id: str) -> None:
        self._stored.pop(sender_id, None)
        self.remembered_bytes -= self._sizes.pop(sender_id, 0)

    def _remember(self, sender_id: str, data: List[str], added: List[str] | None = None) -> None:
        """Remembers `data` (`added` is what is new since it was last remembered), within the byte budget."""
        if added is None:
            size = sum(len(item.encode()) for item in data)
        else:
            size = self._sizes.get(sender_id, 0) + sum(len(item.encode()) for item in added)
        self._forget(sender_id)
        if size > self.cache_bytes:
            return  # read from the file each turn instead
        self._stored[sender_id] = data
        self._sizes[sender_id] = size
        self.remembered_bytes += size
        while self.remembered_bytes > self.cache_bytes:
            oldest, _ = self._stored.popitem(last=False)
            self.remembered_bytes -= self._sizes.pop(oldest)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            remembered = self._remembered(session).get(sender_id)
            if fetch_events_from_all_sessions or remembered is None:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
                data = [row.data for row in rows]
                if not fetch_events_from_all_sessions and data:
                    self._remember(sender_id, list(data))
            else:
                data = remembered
        if not self.domain or not data:
            return None
        serialised = [json.loads(item) for item in data]
        return DialogueStateTracker.from_events(sender_id, deserialise(serialised), self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (only events not yet stored), as one multi-row insert."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            stored = self._remembered(session).get(sender_id)
            already = len(stored) if stored is not None else self._stored_count(session, sender_id)
            new_events = list(itertools.islice(tracker.events, already, None))
            rows = [event_row(sender_id, event) for event in new_events]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        if stored is None:
            return
        if any(isinstance(event, SessionStarted) for event in new_events):
            # The latest session is now another one: which rows it has is the query's to say.
            self._forget(sender_id)
        else:
            added = [row["data"] for row in rows]
            stored.extend(added)
            self._remember(sender_id, stored, added)

    def _stored_count(self, session: Session, sender_id: str) -> int:
        """How many events of the latest session are stored (Rasa's `_additional_events` count)."""
        return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
