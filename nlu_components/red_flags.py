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
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge_base import default_knowledge_base
from bot.triage import assess
from nlu_components.intent_override import override_intent

RED_FLAG_INTENT = "red_flag"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagOverride(GraphComponent):
    """Sets the intent to `red_flag` when bot.triage finds a warning sign."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RedFlagOverride:
        default_knowledge_base()  # read and validated now, not on the first user's message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if assess(message.get(TEXT) or "").is_red_flag:
                override_intent(message, RED_FLAG_INTENT)
        return messages
