"""Safety net in the NLU pipeline: a message with a red flag is always `red_flag`.

DIET also learns the intent, but wording it has never seen could slip past it;
the knowledge base's red-flag phrases catch those, whatever DIET predicted.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.triage import assess

RED_FLAG_INTENT = "red_flag"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagOverride(GraphComponent):
    """Sets the intent to `red_flag` when bot.triage finds a warning sign."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RedFlagOverride:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if assess(message.get(TEXT) or "").is_red_flag:
                _override_intent(message)
        return messages


def _override_intent(message: Message) -> None:
    top = {INTENT_NAME_KEY: RED_FLAG_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != RED_FLAG_INTENT]
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
