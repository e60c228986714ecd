"""Base for every action that gives advice: red flags always come first."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker_adapter import latest_text, send
from bot.answers import referral_reply
from bot.replies import Reply
from bot.triage import assess


class AdviceAction(Action, ABC):
    """Runs `answer`, unless the latest message has a warning sign."""

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
        triage = assess(latest_text(tracker))
        if triage.is_red_flag:
            send(dispatcher, referral_reply(triage))
            return []
        send(dispatcher, self.answer(tracker))
        return self.events(tracker)
