"""Keep the entities of one extractor: the knowledge base's entity ruler.

DIET is trained with `entity_recognition: true` because learning the annotated
entities alongside the intents makes its intent predictions better (`make
bench-nlu`). Its entity guesses are not used: the spaCy entity ruler, generated
from the knowledge base, is the single source of entities, so every value the
assistant acts on is a knowledge-base term. This component drops every entity
not found by the extractors named in `keep`.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, EXTRACTOR
from rasa.shared.nlu.training_data.message import Message

DEFAULT_KEEP = ["SpacyEntityExtractor"]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class EntitySource(GraphComponent):
    """Removes the entities of every extractor but those in `keep`."""

    def __init__(self, keep: List[str]) -> None:
        self.keep = frozenset(keep)

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"keep": DEFAULT_KEEP}

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EntitySource:
        return cls(list(config.get("keep") or DEFAULT_KEEP))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = [entity for entity in entities if entity.get(EXTRACTOR) in self.keep]
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages
