"""Base for every action that gives advice: warning signs, then a standing referral, come first."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KB
from actions.safety import referral_from_tracker, remember
from actions.tracker_adapter import latest_text, send, situation_from_tracker
from bot.answers import referral_reply
from bot.referral import held_reply
from bot.replies import Reply
from bot.triage import assess

# DIET leaned towards red_flag but no warning sign of the knowledge base matched: answer,
# and ask the runner to look out for the signs (a classifier alone never refers).
RED_FLAG_HINT = 0.5
CHECK_LINE = ("One check: if there's more to it than ordinary soreness (swelling, numbness, a pop, pain at "
              "night or at rest, chest pain, or feeling low for weeks), please see a doctor or "
              "physiotherapist before any massage.")


def red_flag_suspected(tracker: Tracker) -> bool:
    ranking = tracker.latest_message.get("intent_ranking") or []
    return any(r.get("name") == "red_flag" and (r.get("confidence") or 0) >= RED_FLAG_HINT for r in ranking)


def with_check(reply: Reply) -> Reply:
    return Reply(f"{reply.text}\n\n{CHECK_LINE}", reply.buttons, reply.sources)


class AdviceAction(Action, ABC):
    """Runs `answer`, unless the latest message has a warning sign or a referral still stands."""

    # Advice about the body (a massage, a technique for "it"); sleep and stress advice is not.
    about_body = True

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    @abstractmethod
    def answer(self, tracker: Tracker) -> Reply:
        """The reply from `bot/` for this tracker."""

    def events(self, tracker: Tracker) -> List[Dict[str, Any]]:
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        triage = assess(latest_text(tracker), KB)
        if triage.is_red_flag:
            send(dispatcher, referral_reply(triage))
            return remember(tracker, triage)
        referral = referral_from_tracker(tracker)
        # The area in play (named now, or from the slot: "it"): even sleep or stress advice
        # would suggest a massage for it.
        if referral.holds(situation_from_tracker(tracker).body_parts, self.about_body):
            send(dispatcher, held_reply(referral, KB))
            return []
        reply = self.answer(tracker)
        send(dispatcher, with_check(reply) if red_flag_suspected(tracker) else reply)
        return self.events(tracker)
