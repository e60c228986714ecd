"""Build tracker-store events (as Rasa serialises them) and a SQLite store holding them, for review tests."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SCHEMA = ("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_id VARCHAR(255) NOT NULL, "
          "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), "
          "data TEXT)")


def user(text: str, intent: str, confidence: float, t: float, *, runner_up: tuple[str, float] | None = None,
         entities: list[dict[str, Any]] | None = None, diet: str | None = None, ngram: str | None = None
         ) -> dict[str, Any]:
    ranking = [{"name": intent, "confidence": confidence}]
    if runner_up:
        ranking.append({"name": runner_up[0], "confidence": runner_up[1]})
    parse: dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence},
                             "entities": entities or [], "intent_ranking": ranking}
    if diet or ngram:
        parse["intent_sources"] = {"diet": {"name": diet or intent, "confidence": 0.5},
                                   "ngram": {"name": ngram or intent, "confidence": 0.5}}
    return {"event": "user", "timestamp": t, "text": text, "parse_data": parse, "input_channel": "rest"}


def bot(text: str, t: float, utter: str | None = None) -> dict[str, Any]:
    return {"event": "bot", "timestamp": t, "text": text, "data": {}, "metadata": {"utter_action": utter} if utter
            else {}}


def action(name: str, t: float) -> dict[str, Any]:
    return {"event": "action", "timestamp": t, "name": name}


def slot(name: str, value: Any, t: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": t, "name": name, "value": value}


def write_store(path: Path, conversations: dict[str, list[dict[str, Any]]]) -> sa.engine.URL:
    """A SQLite file with Rasa's `events` table holding the conversations; its URL."""
    with sqlite3.connect(path) as connection:
        connection.execute(SCHEMA)
        for sender, events in conversations.items():
            connection.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(sender, e["event"], e["timestamp"], (e.get("parse_data") or {}).get("intent", {}).get("name"),
                  e.get("name"), json.dumps(e)) for e in events])
    return sa.engine.URL.create("sqlite", database=str(path))
