"""The medical referral for messages with warning signs."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_adapter import latest_text, send
from bot.answers import referral_reply
from bot.replies import Reply
from bot.triage import assess

# NLU said red_flag but the phrases found nothing specific: still refer, gently.
GENERAL_REFERRAL = Reply(
    "That sounds like something a doctor or physiotherapist should look at before any massage. "
    "If it's severe, getting worse, or you feel unwell, please get medical help today. "
    "I can only give general information, not a diagnosis."
)


class ActionReferMedical(Action):
    def name(self) -> str:
        return "action_refer_medical"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        triage = assess(latest_text(tracker))
        send(dispatcher, referral_reply(triage) if triage.is_red_flag else GENERAL_REFERRAL)
        return [SlotSet("last_technique", None)]
