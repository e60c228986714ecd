"""Retention: conversations idle for longer than RUNNER_RETENTION_DAYS (default 90) are deleted.

    python -m rasa_extensions.retention [--endpoints endpoints.yml] [--days 90]   (make purge)

The launcher runs the same purge when the Rasa server starts. It works on Rasa's
SQL tracker store (`type: SQL`, SQLite or PostgreSQL) and ours (SQLite): one
DELETE that both dialects accept removes every event of a conversation whose
latest event is older than the cut-off. Whole conversations go, never the start
of one, so a kept conversation always replays to the same slots.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import sqlalchemy as sa

RETENTION_ENV = "RUNNER_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 90.0
SQLITE_STORE = "rasa_extensions.tracker_store.SQLiteTrackerStore"
EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))


class RetentionError(Exception):
    """The retention setting or the store cannot be used; the message says why."""


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    events: int
    where: str


def retention_days(env: Mapping[str, str]) -> float:
    """Days a conversation is kept after its last event, from RUNNER_RETENTION_DAYS."""
    raw = env.get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = float(raw)
    except ValueError:
        raise RetentionError(f"{RETENTION_ENV} must be a number of days, got {raw!r}") from None
    if not days > 0 or days == float("inf"):
        raise RetentionError(f"{RETENTION_ENV} must be a positive number of days, got {raw!r}")
    return days


def store_url(endpoints: Path) -> sa.engine.URL | None:
    """SQLAlchemy URL of the SQL tracker store in `endpoints`; None for other stores or no file.

    A SQLite file that does not exist yet gives None: there is nothing to purge,
    and opening it here would create it."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    if not endpoints.is_file():
        return None
    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None or not config.type:
        return None
    ours = config.type == SQLITE_STORE
    if not ours and config.type.lower() != "sql":
        return None
    options = config.kwargs
    dialect = "sqlite" if ours else str(options.get("dialect", "sqlite"))
    db = str(options.get("db", "rasa.db"))
    if dialect == "sqlite" and not Path(db).is_file():
        return None
    url = SQLTrackerStore.get_db_url(
        dialect, None if ours else config.url, options.get("port"), db,
        options.get("username"), options.get("password"), options.get("login_db"), options.get("query"),
    )
    return sa.engine.make_url(url)


def purge_engine(engine: sa.engine.Engine, days: float, now: float | None = None) -> tuple[int, int]:
    """Deletes conversations whose last event is older than `days`; (conversations, events) deleted."""
    cutoff = (time.time() if now is None else now) - days * 86_400
    stale = (sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id)
             .having(sa.func.max(EVENTS.c.timestamp) < cutoff))
    with engine.begin() as connection:
        if not sa.inspect(connection).has_table("events"):
            return 0, 0
        conversations = connection.execute(sa.select(sa.func.count()).select_from(stale.subquery())).scalar_one()
        if not conversations:
            return 0, 0
        events = connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(stale))).rowcount
    return int(conversations), int(events)


def purge(endpoints: Path, days: float, now: float | None = None) -> PurgeResult | None:
    """Purges the tracker store configured in `endpoints`; None when it is not an SQL store."""
    url = store_url(endpoints)
    if url is None:
        return None
    engine = sa.create_engine(url)
    try:
        conversations, events = purge_engine(engine, days, now)
    except sa.exc.SQLAlchemyError as error:
        raise RetentionError(f"could not purge {url.render_as_string(hide_password=True)}: {error}") from error
    finally:
        engine.dispose()
    return PurgeResult(conversations, events, url.render_as_string(hide_password=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rasa_extensions.retention", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", default="endpoints.yml", help="Rasa endpoints file (default: %(default)s)")
    parser.add_argument("--days", type=float, help=f"retention in days (default: ${RETENTION_ENV} or 90)")
    args = parser.parse_args(argv)
    try:
        days = args.days if args.days is not None else retention_days(os.environ)
        if not days > 0:
            raise RetentionError("--days must be positive")
        result = purge(Path(args.endpoints), days)
    except RetentionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if result is None:
        print(f"Nothing to purge: no SQL tracker store with data in {args.endpoints}.")
    else:
        print(f"Deleted {result.conversations} conversations ({result.events} events) idle for more than "
              f"{days:g} days from {result.where}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
