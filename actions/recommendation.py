"""Recommendation, its reasons, and the form that gathers what it needs."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.advice_action import AdviceAction
from actions.safety import referral_from_tracker
from actions.tracker_adapter import (
    latest_entities,
    latest_intent,
    latest_text,
    situation_from_tracker,
    turn_number,
)
from bot.answers import alternatives_reply, concerns_reply, need_more_reply, why_reply
from bot.recommender import recommend
from bot.replies import Reply
from bot.triage import assess
from bot.vocabulary import resolve

ENTITIES = ("body_part", "symptom", "duration", "timing", "experience")


def _has_new_details(tracker: Tracker) -> bool:
    return any(latest_entities(tracker, entity) for entity in ENTITIES)


def _asks_again(tracker: Tracker) -> bool:
    """Asked for a recommendation again, with nothing new, after getting one."""
    return (latest_intent(tracker) == "ask_recommendation" and bool(tracker.get_slot("last_technique"))
            and not _has_new_details(tracker))


def _referral_holds(tracker: Tracker) -> bool:
    """A standing referral covers this: no questions, action_recommend explains why not yet."""
    situation = situation_from_tracker(tracker)
    return referral_from_tracker(tracker).holds(situation.body_parts, about_body="pain" in situation.concerns)


class ActionRecommend(AdviceAction):
    def name(self) -> str:
        return "action_recommend"

    def answer(self, tracker: Tracker) -> Reply:
        situation = situation_from_tracker(tracker)
        if _asks_again(tracker):
            return alternatives_reply(situation)
        if situation.is_empty and latest_intent(tracker) == "inform":
            return need_more_reply()
        return concerns_reply(situation, turn_number(tracker))

    def events(self, tracker: Tracker) -> List[Dict[str, Any]]:
        situation = situation_from_tracker(tracker)
        events = [SlotSet("last_technique", recommend(situation).technique.id)]
        if situation.body_parts:
            events.append(SlotSet("body_part", sorted(situation.body_parts)[0]))
        return events


class ActionExplainWhy(AdviceAction):
    def name(self) -> str:
        return "action_explain_why"

    def answer(self, tracker: Tracker) -> Reply:
        return why_reply(situation_from_tracker(tracker))


class ValidateRecommendationForm(FormValidationAction):
    """Normalises answers to knowledge-base ids; skips what the concern doesn't need."""

    def name(self) -> str:
        return "validate_recommendation_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[str, Any]]:
        # A warning sign wins over the form, even when the message also fills a slot
        # ("I've felt low for weeks" gives a duration): reject, so the red-flag rule runs.
        if assess(latest_text(tracker)).is_red_flag:
            return [ActionExecutionRejected("recommendation_form")]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[str]:
        if _asks_again(tracker) or _referral_holds(tracker):
            return []
        if tracker.get_slot("concern") in ("sleep", "stress") and not tracker.get_slot("body_part"):
            return [s for s in domain_slots if s != "body_part"]
        return domain_slots

    @staticmethod
    def _normalise(entity: str, value: Any, fallback: str | None) -> Dict[str, Any]:
        first = value[0] if isinstance(value, list) and value else value
        if first in ("unknown", "none"):
            return {entity: first}
        return {entity: resolve(entity, str(first)) or fallback}

    def validate_body_part(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[str, Any]:
        return self._normalise("body_part", value, "unknown")

    def validate_duration(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[str, Any]:
        return self._normalise("duration", value, "unknown")

    def validate_timing(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Dict[str, Any]:
        return self._normalise("timing", value, "none")
