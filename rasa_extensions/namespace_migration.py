"""`python -m rasa_extensions.namespace_migration [state/conversations.db]`: move stored
conversations to the per-channel ids the input guard uses ("telegram:12345").

Before the guard, a conversation's id was the channel's own id ("12345"). Each
conversation is renamed to "<channel>:<id>", the channel taken from its first
user message's `input_channel` (conversations with no user message are left as
they are). Running it again changes nothing: a conversation whose id already
starts with its channel's prefix is skipped. Stop Rasa first.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from rasa_extensions.input_guard import NAMESPACE_SEPARATOR

DEFAULT_DB = Path("state/conversations.db")


def first_channels(connection: sqlite3.Connection) -> dict[str, str]:
    """The input channel of each conversation's first user message."""
    channels: dict[str, str] = {}
    rows = connection.execute("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
    for sender, data in rows:
        if sender in channels:
            continue
        try:
            channel = json.loads(data or "{}").get("input_channel")
        except ValueError:
            channel = None
        if isinstance(channel, str) and channel:
            channels[sender] = channel
    return channels


def migrate(database: Path) -> int:
    """Renames the conversations in `database`; returns how many were renamed."""
    connection = sqlite3.connect(database)
    try:
        renames = {sender: f"{channel}{NAMESPACE_SEPARATOR}{sender}"
                   for sender, channel in first_channels(connection).items()
                   if not sender.startswith(channel + NAMESPACE_SEPARATOR)}
        with connection:
            for old, new in renames.items():
                connection.execute("UPDATE events SET sender_id = ? WHERE sender_id = ?", (new, old))
        return len(renames)
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    database = Path(args[0]) if args else DEFAULT_DB
    if not database.exists():
        print(f"{database}: no such file; nothing to migrate")
        return 0
    print(f"{database}: {migrate(database)} conversation(s) renamed to <channel>:<id>")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
