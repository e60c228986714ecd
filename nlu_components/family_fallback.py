"""Rasa's FallbackClassifier, except that doubt between sibling intents is no doubt.

`ask_technique`, `compare_techniques` and `ask_recommendation` are one question to a
runner ("which massage, and what is it?") and get answers from the same place. A long
post often splits its confidence between such siblings, and the stock classifier then
asks the runner to rephrase (the top intent is under the threshold, or too close to its
sibling). Here the top intent stands when its family's summed confidence clears both
thresholds against every other family. The families are config.yml's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import (
    AMBIGUITY_THRESHOLD_KEY,
    THRESHOLD_KEY,
    FallbackClassifier,
)
from rasa.shared.nlu.constants import INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

FAMILIES_KEY = "families"


def family_index(families: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """intent -> family; an intent in no family is its own."""
    index: dict[str, str] = {}
    for family, intents in families.items():
        for intent in intents:
            if intent in index:
                raise ValueError(f"intent {intent!r} is in two families: {index[intent]!r} and {family!r}")
            index[intent] = family
    return index


def family_confidences(ranking: Sequence[Mapping[str, Any]], index: Mapping[str, str]) -> dict[str, float]:
    """Summed confidence per family, over the whole ranking."""
    sums: dict[str, float] = {}
    for entry in ranking:
        name = entry.get(INTENT_NAME_KEY)
        family = index.get(name, name)
        sums[family] = sums.get(family, 0.0) + float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return sums


def family_is_clear(ranking: Sequence[Mapping[str, Any]], index: Mapping[str, str],
                    threshold: float, ambiguity: float) -> bool:
    """The top intent's family is confident enough, and ahead of the next family by the margin."""
    if not ranking:
        return False
    top = ranking[0].get(INTENT_NAME_KEY)
    sums = family_confidences(ranking, index)
    mine = sums.pop(index.get(top, top))
    return mine >= threshold and mine - max(sums.values(), default=0.0) >= ambiguity


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FamilyFallbackClassifier(FallbackClassifier):
    """Falls back only when the stock rule and the family rule both see doubt."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), FAMILIES_KEY: {}}

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        self.index = family_index(config.get(FAMILIES_KEY) or {})

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FamilyFallbackClassifier:
        return cls(config)

    def _should_fallback(self, message: Message) -> bool:
        if not super()._should_fallback(message):
            return False
        ranking: List[Dict[str, Any]] = message.data.get(INTENT_RANKING_KEY) or []
        return not family_is_clear(ranking, self.index, self.component_config[THRESHOLD_KEY],
                                   self.component_config[AMBIGUITY_THRESHOLD_KEY])
