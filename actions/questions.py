"""Answers to questions about techniques, benefits, timing, sleep and stress."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.advice_action import AdviceAction
from actions.tracker_adapter import latest_entities, latest_text, situation_from_tracker
from bot import answers
from bot.knowledge_base import default_knowledge_base
from bot.replies import Reply


def _techniques_asked(tracker: Tracker) -> list[str]:
    """Techniques named now, else the one recommended last."""
    named = latest_entities(tracker, "technique")
    last = tracker.get_slot("last_technique")
    return named or ([last] if last else [])


class ActionExplainTechnique(AdviceAction):
    def name(self) -> str:
        return "action_explain_technique"

    def answer(self, tracker: Tracker) -> Reply:
        kb = default_knowledge_base()
        asked = _techniques_asked(tracker)
        if not asked:
            return answers.question_reply(latest_text(tracker)) or answers.techniques_overview(kb)
        if asked[0] in kb.methods():
            return answers.method_reply(asked[0], kb)
        return answers.technique_reply(kb.techniques[asked[0]], latest_text(tracker), kb)

    def events(self, tracker: Tracker) -> List[Dict[str, Any]]:
        named = [t for t in latest_entities(tracker, "technique") if t in default_knowledge_base().techniques]
        return [SlotSet("last_technique", named[0])] if named else []


class ActionCompareTechniques(AdviceAction):
    def name(self) -> str:
        return "action_compare_techniques"

    def answer(self, tracker: Tracker) -> Reply:
        named = latest_entities(tracker, "technique")
        last = tracker.get_slot("last_technique")
        if len(named) == 1 and last and last not in named:
            named.append(last)
        return answers.compare_reply(named)


class ActionAnswerBenefits(AdviceAction):
    def name(self) -> str:
        return "action_answer_benefits"

    def answer(self, tracker: Tracker) -> Reply:
        return answers.benefits_reply(latest_text(tracker))


class ActionAnswerTiming(AdviceAction):
    def name(self) -> str:
        return "action_answer_timing"

    def answer(self, tracker: Tracker) -> Reply:
        timing = (latest_entities(tracker, "timing") or [tracker.get_slot("timing")])[0]
        return answers.timing_reply(timing, latest_text(tracker))


class ActionAnswerSleep(AdviceAction):
    about_body = False

    def name(self) -> str:
        return "action_answer_sleep"

    def answer(self, tracker: Tracker) -> Reply:
        return answers.concerns_reply(situation_from_tracker(tracker).with_concern("sleep"))


class ActionAnswerStress(AdviceAction):
    about_body = False

    def name(self) -> str:
        return "action_answer_stress"

    def answer(self, tracker: Tracker) -> Reply:
        return answers.concerns_reply(situation_from_tracker(tracker).with_concern("stress"))
