"""The medical referral for messages with warning signs, and its memory across turns."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KB
from actions.tracker_adapter import latest_text, send, situation_from_tracker
from bot.answers import referral_reply
from bot.referral import Referral
from bot.reply import Reply
from bot.triage import Triage, assess, speaks_for_someone

REFERRAL_SLOTS = ("referral_signs", "referral_areas", "referral_cleared")

# NLU said red_flag (a button or payload) but the knowledge base's signs found nothing: still refer, gently.
GENERAL_REFERRAL = Reply(
    "That sounds like something a doctor or physiotherapist should look at before any massage. "
    "If it's severe, getting worse, or you feel unwell, please get medical help today. "
    "I can only give general information, not a diagnosis."
)


def _list(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)


def referral_from_tracker(tracker: Tracker) -> Referral:
    return Referral(
        _list(tracker.get_slot("referral_signs")),
        _list(tracker.get_slot("referral_areas")),
        bool(tracker.get_slot("referral_cleared")),
    )


# how far back a sign's context may lie ("flew back on Sunday" three turns before "it's warm now")
EARLIER_TURNS = 6


def user_texts(tracker: Tracker) -> List[str]:
    """What the runner has written in this conversation (since the last restart), oldest first."""
    texts: List[str] = []
    for event in tracker.events:
        if event.get("event") in ("restart", "session_started"):
            texts = []
        elif event.get("event") == "user":
            texts.append(str(event.get("text") or ""))
    return texts


def speaks_for_someone_in_care(tracker: Tracker) -> bool:
    """Has the runner said, in this conversation, that they ask for someone they look after?"""
    return any(speaks_for_someone(text) for text in user_texts(tracker))


def triage_latest(tracker: Tracker) -> Triage:
    """The warning signs in the latest message, read for the person it is about and beside what the
    runner said before (a long flight a turn before a warm, swollen calf)."""
    latest, earlier = latest_text(tracker), user_texts(tracker)
    if earlier and earlier[-1] == latest:
        earlier.pop()
    return assess(latest, KB, carer=speaks_for_someone_in_care(tracker), earlier=earlier[-EARLIER_TURNS:])


def remember(tracker: Tracker, triage: Triage) -> List[Dict[str, Any]]:
    """Slot events that add this message's signs (and the area they concern) to the referral."""
    # a sign of the whole person (chest pain, fever...) holds back every massage, whatever areas
    # the conversation named before
    whole_person = any(flag.whole_person for flag in triage.flags)
    areas = [] if whole_person else sorted(situation_from_tracker(tracker).body_parts)
    referral = referral_from_tracker(tracker).with_signs(triage.ids, areas)
    return [
        SlotSet("referral_signs", list(referral.signs)),
        SlotSet("referral_areas", list(referral.areas)),
        SlotSet("referral_cleared", None),
        SlotSet("last_technique", None),
    ]


class ActionReferMedical(Action):
    def name(self) -> str:
        return "action_refer_medical"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        triage = triage_latest(tracker)
        if not triage.is_red_flag:
            send(dispatcher, GENERAL_REFERRAL)
            return [SlotSet("last_technique", None)]
        send(dispatcher, referral_reply(triage))
        return remember(tracker, triage)
