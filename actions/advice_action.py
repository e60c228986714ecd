"""Base for every action that gives advice: warning signs, then a standing referral, come first."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KB
from actions.safety import referral_from_tracker, remember, triage_latest
from actions.tracker_adapter import (
    latest_entities,
    latest_text,
    named_now,
    send,
    situation_from_tracker,
    timing_in_message,
)
from bot import answers
from bot.answers import referral_reply
from bot.kb_ids import SLEEP, STRESS
from bot.referral import Referral, asks_what_to_tell, before_seen_reply, held_reply, pushes_back, waits_for_care
from bot.reply import Reply
from bot.triage import speaks_for_someone
from bot.vocabulary import concerns_in

# DIET leaned towards red_flag but no warning sign of the knowledge base matched: answer,
# and ask the runner to look out for the signs (a classifier alone never refers).
RED_FLAG_HINT = 0.5
# The knowledge-base topic the last advice answered: a short follow-up question is read against it.
TOPIC_SLOT = "last_topic"
# It names the signs, not a doctor: on ordinary talk ("my nerves are shot before my first half")
# it must not read as a referral.
CHECK_LINE = ("One check: if there's more to it than ordinary soreness (swelling, numbness, a pop, pain at "
              "night or at rest, chest pain, or feeling low for weeks), tell me, and get it checked before "
              "any massage.")


def red_flag_suspected(tracker: Tracker) -> bool:
    ranking = tracker.latest_message.get("intent_ranking") or []
    return any(r.get("name") == "red_flag" and (r.get("confidence") or 0) >= RED_FLAG_HINT for r in ranking)


def with_check(reply: Reply) -> Reply:
    return Reply(f"{reply.text}\n\n{CHECK_LINE}", reply.buttons, reply.sources, reply.topic)


@dataclass(frozen=True)
class Advice:
    """A reply and the slot events that remember what it said, computed together."""

    reply: Reply
    events: List[Dict[str, Any]] = field(default_factory=list)


class AdviceAction(Action, ABC):
    """Gives `answer`, unless the latest message has a warning sign or a referral still stands."""

    # Advice about the body (a massage, a technique for "it"); sleep and stress advice is not.
    about_body = True
    # Uttered when `answer` returns None (the action has nothing of its own to say).
    fallback_response = ""

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    def keeps_referral(self, tracker: Tracker) -> bool:
        """Should a standing referral be given again even when this action has nothing to say?"""
        return False

    @abstractmethod
    def answer(self, tracker: Tracker) -> Advice | None:
        """The advice from `bot/` for this tracker; None only with a `fallback_response`."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        triage = triage_latest(tracker)
        if triage.is_red_flag:
            send(dispatcher, referral_reply(triage))
            return remember(tracker, triage)
        # "which signs mean a doctor, not a massage?" is safety information, whatever intent was read;
        # a place named ("is this a red flag for my calf?") is the runner's own case, answered below
        warning = (answers.warning_signs_reply(latest_text(tracker), KB)
                   if not latest_entities(tracker, "body_part") else None)
        if warning:
            send(dispatcher, warning)
            return [SlotSet(TOPIC_SLOT, warning.topic)]
        referral = referral_from_tracker(tracker)
        if _asks_for_someone_only(tracker, referral):
            send(dispatcher, answers.for_someone_reply())
            return []
        ready = before_seen_reply(referral, KB) if referral.active and asks_what_to_tell(latest_text(tracker)) else None
        if ready:
            send(dispatcher, ready)
            return []
        # "the physio can't see me for three weeks" argues with the wait, not with the referral
        waiting = waits_for_care(latest_text(tracker))
        pushback = pushes_back(latest_text(tracker)) or waiting
        advice = self.answer(tracker)
        # The area in play (named now, or from the slot: "it"): even sleep or stress advice would
        # suggest a massage for it. Playing a referral down ("felt better once I'd eaten", "probably
        # just a cold") gets it again, even when the message alone would be off-topic or unclear,
        # and so does any unclear turn while a sign of the whole person (chest pain, heat illness,
        # low mood) stands: its wording varies too much to wait for a recognised phrase.
        whole_person = referral.active and not referral.areas
        if (advice is not None or pushback or whole_person or self.keeps_referral(tracker)) and referral.holds(
                situation_from_tracker(tracker).body_parts, self.about_body, pushback=pushback):
            send(dispatcher, held_reply(referral, KB, waiting=waiting))
            return []
        if advice is None:
            dispatcher.utter_message(response=self.fallback_response)
            return []
        # a technique, method or tool the runner named is always spoken to ("stressed out, is a sports
        # massage any good?" gets the stress answer and a line on sports massage)
        reply = answers.naming(advice.reply, named_now(tracker), KB)
        send(dispatcher, with_check(reply) if red_flag_suspected(tracker) else reply)
        events = advice.events
        topic = [SlotSet(TOPIC_SLOT, reply.topic)] if reply.topic != tracker.get_slot(TOPIC_SLOT) else []
        return [*events, *topic, *_remembered_timing(tracker, events), *_remembered_concern(tracker, events)]


def _asks_for_someone_only(tracker: Tracker, referral: Referral) -> bool:
    """"I coach a youth squad, can I ask about one of my runners?" and nothing more yet: whatever the
    classifier read, the runner is asked what is going on with that person."""
    text = latest_text(tracker)
    return (speaks_for_someone(text) and not latest_entities(tracker, "body_part")
            and not latest_entities(tracker, "symptom") and not concerns_in(text, KB) & {SLEEP, STRESS}
            and not referral.active and not situation_from_tracker(tracker).body_parts)


def _remembered_timing(tracker: Tracker, events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A race said in passing ("ran my first marathon today, I'm in bits") is kept whatever the
    answer was about, so "can I get deep tissue tomorrow?" is read against it."""
    timing = timing_in_message(tracker)
    if not timing or tracker.get_slot("timing") or any(e.get("name") == "timing" for e in events):
        return []
    return [SlotSet("timing", timing)]


def _remembered_concern(tracker: Tracker, events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Stress or sleep told in words the classifier took for something else ("burnt out after this
    block, is massage worth it?") is kept, so a later "which kind, then?" is answered for it."""
    if tracker.get_slot("concern") or any(e.get("name") == "concern" for e in events):
        return []
    told = concerns_in(latest_text(tracker), KB) & {SLEEP, STRESS}
    if len(told) != 1 or situation_from_tracker(tracker).body_parts:
        return []
    return [SlotSet("concern", next(iter(told)))]
