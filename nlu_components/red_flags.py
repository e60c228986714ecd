"""Safety in the NLU pipeline: the knowledge base's warning signs decide `red_flag`.

- A message with a warning sign (bot.triage) is always `red_flag`, whatever DIET predicted.
- DIET's own `red_flag` never stands alone: without a warning sign the message goes to the
  next intent in the ranking (or to `nlu_fallback` when that one is unsure). The ranking keeps
  DIET's red_flag score, so the answer can add a gentle check (actions/advice_action.py).
- A message saying a professional has checked it ("the physio cleared me") gets a
  `referral_cleared` entity, which clears a standing referral (bot/referral.py).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge_base import KnowledgeBase, default_knowledge_base
from bot.referral import says_cleared
from bot.triage import assess
from nlu_components.intent_override import override_intent

RED_FLAG_INTENT = "red_flag"
CLEARED_ENTITY = "referral_cleared"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagOverride(GraphComponent):
    """Sets `red_flag` from bot.triage alone; hands DIET-only `red_flag` to the next intent."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Below this, the next intent is too unsure to answer: ask to rephrase instead.
        return {"threshold": 0.25}

    def __init__(self, config: Dict[str, Any], kb: KnowledgeBase) -> None:
        self.threshold = float(config.get("threshold", 0.25))
        self.kb = kb

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RedFlagOverride:
        # Read and validated now, not on the first user's message.
        return cls(config, default_knowledge_base())

    def _demote(self, message: Message) -> None:
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != RED_FLAG_INTENT]
        best = ranking[0] if ranking else None
        if best and (best.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.threshold:
            intent = {INTENT_NAME_KEY: best[INTENT_NAME_KEY], PREDICTED_CONFIDENCE_KEY: best[PREDICTED_CONFIDENCE_KEY]}
        else:
            intent = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: self.threshold}
        message.set(INTENT, intent, add_to_output=True)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if assess(text, self.kb).is_red_flag:
                override_intent(message, RED_FLAG_INTENT)
                continue
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == RED_FLAG_INTENT:
                self._demote(message)
            if says_cleared(text):
                cleared = {"entity": CLEARED_ENTITY, "value": "yes", "start": 0, "end": len(text),
                           "extractor": type(self).__name__}
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), cleared], add_to_output=True)
        return messages
