"""Read what `bot/` needs from a tracker, and send `bot/` replies back."""

from __future__ import annotations

from typing import Any, Iterable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KB
from bot.answers import Context
from bot.kb_ids import FIRST_MASSAGE, GENERAL, PAIN, SENTINELS
from bot.recommender import Situation
from bot.reply import Reply
from bot.text import normalise
from bot.time_spans import timing_in_text
from bot.vocabulary import concerns_in, resolve

UNKNOWN = frozenset({*SENTINELS, None})


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entities(tracker: Tracker, entity: str) -> list[str]:
    """Knowledge-base ids of `entity` in the latest message, in order, no repeats."""
    values = (e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == entity)
    ids = (resolve(entity, str(v), KB) for v in values if v)
    return list(dict.fromkeys(i for i in ids if i))


def named_now(tracker: Tracker) -> list[str]:
    """Techniques, methods and tools the latest message names."""
    known = {*KB.techniques, *KB.methods(), *KB.tools}
    return [t for t in latest_entities(tracker, "technique") if t in known]


def _ids(entity: str, values: Iterable[Any]) -> frozenset[str]:
    ids = (resolve(entity, str(v), KB) for v in values if v not in UNKNOWN)
    return frozenset(i for i in ids if i)


def _slot_values(tracker: Tracker, slot: str) -> list[Any]:
    value = tracker.get_slot(slot)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _one(entity: str, tracker: Tracker, slot: str) -> str | None:
    found = _ids(entity, _slot_values(tracker, slot))
    return sorted(found)[0] if found else None


def situation_from_tracker(tracker: Tracker) -> Situation:
    """Slots plus the latest message: the latest body part wins ("what about my hamstrings?")."""
    body_parts = frozenset(latest_entities(tracker, "body_part")) or _ids(
        "body_part", _slot_values(tracker, "body_part")
    )
    symptoms = _ids("symptom", _slot_values(tracker, "symptom")) | frozenset(latest_entities(tracker, "symptom"))
    concerns = set(concerns_in(latest_text(tracker), KB))
    slot_concern = tracker.get_slot("concern")
    if slot_concern:
        concerns.add(slot_concern)
    if body_parts or symptoms:
        concerns.add(PAIN)
    return Situation(
        concerns=frozenset(concerns or {GENERAL}),
        body_parts=body_parts,
        symptoms=symptoms,
        duration=_one("duration", tracker, "duration"),
        timing=known_timing(tracker),
        first_massage=_one("experience", tracker, "experience") == FIRST_MASSAGE,
    )


def timing_in_message(tracker: Tracker) -> str | None:
    """A race or phase said in so many words ("ran a marathon yesterday", "10k in 5 days")."""
    found = timing_in_text(normalise(latest_text(tracker)))
    return found if found not in UNKNOWN else None


def known_timing(tracker: Tracker) -> str | None:
    """The timing slot (entities fill it), else what the latest message says in free text."""
    return _one("timing", tracker, "timing") or timing_in_message(tracker)


def follow_up_context(tracker: Tracker) -> Context:
    """The race timing and the technique a follow-up question refers to."""
    named = [t for t in latest_entities(tracker, "technique") if t in KB.techniques]
    pain = (tracker.get_slot("concern") in (None, PAIN) or bool(tracker.get_slot("body_part"))
            or bool(latest_entities(tracker, "body_part")))
    return Context(timing=known_timing(tracker), technique=(named or [tracker.get_slot("last_technique")])[0],
                   pain=pain)


def is_fresh_user_turn(tracker: Tracker) -> bool:
    """True right after a user message that nothing has answered yet: no bot message since.
    (An action that hands the message to the form, "my quads hurt" read as off-topic, sends
    nothing; a form resumed after an answer to a question is not fresh.)"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "bot":
            return False
    return False


def replies_to(tracker: Tracker, slot: str) -> int:
    """How many user messages have come since the form first asked for `slot` (this one
    included): 2 means the runner has been asked twice and still not said."""
    users = since_asked = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
        elif event.get("event") == "slot" and event.get("name") == "requested_slot":
            if event.get("value") != slot:
                break
            since_asked = users  # the message that opened the form came before the first ask
    return since_asked


def questions_asked(tracker: Tracker, form: str) -> set[str]:
    """The slots `form` has asked about since it last started."""
    asked: set[str] = set()
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            break
        if event.get("event") == "slot" and event.get("name") == "requested_slot" and event.get("value"):
            asked.add(str(event["value"]))
    return asked


def turn_number(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events if event.get("event") == "user")


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None)
