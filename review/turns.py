"""A conversation's stored events as user turns: what was said, what the assistant read and replied."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from review.store import Conversation

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Reading:
    """What the NLU made of a message."""

    intent: str | None
    confidence: float
    runner_up: tuple[str, float] | None = None
    # Best intent other than the fallback (what the assistant would have said without it).
    best_guess: str | None = None
    entities: tuple[tuple[str, str, str], ...] = ()  # (entity, surface text, value)
    diet: str | None = None
    ngram: str | None = None


@dataclass
class Turn:
    """One user message with its context and the assistant's answer."""

    key: str  # stable, anonymous id of this message
    conversation: str  # short anonymous hash of the conversation
    timestamp: float
    text: str
    reading: Reading
    before: list[tuple[str, str]] = field(default_factory=list)  # ("user" | "bot", text), oldest first
    replies: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # actions and responses run for it
    slots: dict[str, Any] = field(default_factory=dict)  # slots set while answering it

    @property
    def is_payload(self) -> bool:
        """A button press or command ("/inform{...}", "/start"), not words a runner typed."""
        return self.text.lstrip().startswith("/")


def digest(*parts: str, length: int = 10) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def reading_of(parse_data: dict[str, Any]) -> Reading:
    intent = parse_data.get("intent") or {}
    ranking = [r for r in parse_data.get("intent_ranking") or [] if r.get("name")]
    name = intent.get("name")
    others = [r for r in ranking if r["name"] != name]
    runner_up = (others[0]["name"], float(others[0].get("confidence") or 0.0)) if others else None
    guesses = [r["name"] for r in ranking if r["name"] != FALLBACK_INTENT]
    sources = parse_data.get("intent_sources") or {}
    entities = tuple(
        (str(e.get("entity")), str(e.get("text") or e.get("value")), str(e.get("value")))
        for e in parse_data.get("entities") or []
    )
    return Reading(
        intent=name,
        confidence=float(intent.get("confidence") or 0.0),
        runner_up=runner_up,
        best_guess=guesses[0] if guesses else name,
        entities=entities,
        diet=(sources.get("diet") or {}).get("name"),
        ngram=(sources.get("ngram") or {}).get("name"),
    )


def turns_of(conversation: Conversation, salt: str, context_turns: int = 3) -> list[Turn]:
    """The user turns of `conversation`, oldest first; sender ids are only hashed (with `salt`)."""
    conversation_hash = digest(salt, conversation.sender_id)
    turns: list[Turn] = []
    spoken: list[tuple[str, str]] = []
    for event in conversation.events:
        kind = event.get("event")
        if kind == "user":
            text = event.get("text") or ""
            timestamp = float(event.get("timestamp") or 0.0)
            key = digest(salt, conversation.sender_id, repr(timestamp), text, length=16)
            turns.append(Turn(key, conversation_hash, timestamp, text, reading_of(event.get("parse_data") or {}),
                              before=spoken[-context_turns * 2:]))
            spoken.append(("user", text))
        elif not turns:
            continue
        elif kind == "bot":
            if event.get("text"):
                turns[-1].replies.append(event["text"])
                spoken.append(("bot", event["text"]))
            utter = (event.get("metadata") or {}).get("utter_action")
            if utter:
                turns[-1].actions.append(utter)
        elif kind == "action" and event.get("name") not in ("action_listen", None):
            turns[-1].actions.append(event["name"])
        elif kind == "slot":
            turns[-1].slots[event.get("name")] = event.get("value")
    return turns
