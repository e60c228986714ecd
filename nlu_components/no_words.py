"""Messages with nothing to understand (empty, emoji or markup only) go to the fallback.

DIET always picks some intent, even for "🔥🔥" or "<script>...</script>"; a confident
guess there would start a conversation the user never asked for.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.text import has_words
from nlu_components.intent_override import override_intent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NoWordsFallback(GraphComponent):
    """Sets the intent to `nlu_fallback` when the text has no words at all."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> NoWordsFallback:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.startswith("/") and not has_words(text):
                override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return messages
