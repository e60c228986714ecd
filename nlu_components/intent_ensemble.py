"""Average DIET's intent probabilities with a linear n-gram model's.

With a few dozen examples per intent, DIET (a neural network trained from
scratch) and a TF-IDF logistic regression make different mistakes, and
averaging their probabilities beats either alone. The weight was chosen by
5-fold cross-validation on the training data (`make nlu-cv`), never on the
held-out test set: macro F1 0.785 for DIET alone, 0.799 for the n-gram model
alone, 0.805 for the blend with weight 0.75. With the pretrained sentence vector
(`dense_weight` 1.0) and the question-sentence block (`question_sentence`), both
chosen on the training data (see config.yml), the n-gram model's 5-fold macro F1
rose from 0.819 to 0.849, and from 0.843 to 0.873 on long forum posts it was not
trained on.

Place it right after DIETClassifier (with `ranking_length: 0`, so DIET reports
every intent) and before FallbackClassifier, which then sees the blended
confidence. With `dense_weight` above 0, the n-gram model also reads the sentence
vector of the dense featurizer named by `dense_featurizer` (its alias), so that
words our data never had still count.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from nlu_components.ngram_model import (
    DEFAULT_C,
    fit_ngram_model,
    load_ngram_model,
    ngram_probabilities,
    save_ngram_model,
    scorer_for,
)

logger = logging.getLogger(__name__)

RANKING_LENGTH = 10
# Each model's own top intent, kept in the parse data for the review inbox (review/):
# when they disagree, the message is worth a maintainer's look.
SOURCES_KEY = "intent_sources"


def blend(diet: Dict[str, float], linear: Dict[str, float], weight: float) -> List[Dict[str, Any]]:
    """(1 - weight) x DIET + weight x linear, per intent, best first."""
    names = set(diet) | set(linear)
    mixed = {name: (1 - weight) * diet.get(name, 0.0) + weight * linear.get(name, 0.0) for name in names}
    ranked = sorted(mixed.items(), key=lambda item: (-item[1], item[0]))
    return [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranked]


def top_intent(confidences: Dict[str, float]) -> Dict[str, Any]:
    """The most confident intent as `{name, confidence}` (rounded: it is stored with every message)."""
    name, confidence = max(confidences.items(), key=lambda item: (item[1], item[0]))
    return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: round(confidence, 4)}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentEnsemble(GraphComponent):
    """Trains the n-gram model on the intent examples; blends it into DIET's ranking."""

    def __init__(self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Pipeline | None = None) -> None:
        self.weight = float(config["weight"])
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"IntentEnsemble: weight must be between 0 and 1, not {self.weight}")
        self.c = float(config["C"])
        self.dense_weight = float(config["dense_weight"])
        self.dense_featurizer = str(config["dense_featurizer"])
        self.question = bool(config["question_sentence"])
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self._scorer = scorer_for(model, self.dense_weight) if model is not None else None

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"weight": 0.5, "C": DEFAULT_C, "dense_weight": 0.0, "dense_featurizer": "static_embeddings",
                # A block of word n-grams over the sentence that asks (see `ngram_model`).
                "question_sentence": True}

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntentEnsemble:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        intents = {m.get(INTENT) for m in examples}
        if len(intents) < 2:
            logger.warning("IntentEnsemble: fewer than two intents to learn; DIET's ranking is used alone.")
            return self._resource
        dense = np.stack([self._dense(m) for m in examples]) if self.dense_weight else None
        self.model = fit_ngram_model([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples],
                                     dense, self.dense_weight, self.c, self.question)
        self._scorer = scorer_for(self.model, self.dense_weight)
        self.persist()
        return self._resource

    def persist(self) -> None:
        assert self.model is not None
        with self._model_storage.write_to(self._resource) as folder:
            save_ngram_model(self.model, folder)

    @classmethod
    def load(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentEnsemble:
        try:
            with model_storage.read_from(resource) as folder:
                model = load_ngram_model(folder)
        except ValueError:
            # Nothing persisted (too few intents at training time).
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None or self.weight == 0.0:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = message.get(INTENT_RANKING_KEY)
            if not text.strip() or not ranking:
                continue
            diet = {item[INTENT_NAME_KEY]: float(item[PREDICTED_CONFIDENCE_KEY]) for item in ranking}
            linear = self._ngram_probabilities(message)
            blended = blend(diet, linear, self.weight)
            message.set(INTENT, blended[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, blended[:RANKING_LENGTH], add_to_output=True)
            message.set(SOURCES_KEY, {"diet": top_intent(diet), "ngram": top_intent(linear)}, add_to_output=True)
        return messages

    def _ngram_probabilities(self, message: Message) -> Dict[str, float]:
        text = message.get(TEXT)
        dense = self._dense(message) if self.dense_weight else None
        if self._scorer is not None:
            return self._scorer.probabilities(text, dense)
        assert self.model is not None
        return ngram_probabilities(self.model, [text], None if dense is None else dense[np.newaxis, :],
                                   self.dense_weight)[0]

    def _dense(self, message: Message) -> np.ndarray:
        """The sentence vector the dense featurizer gave the message's text."""
        _, sentence = message.get_dense_features(TEXT, [self.dense_featurizer])
        if sentence is None:
            raise ValueError(
                f"IntentEnsemble: dense_weight is set but no featurizer named {self.dense_featurizer!r} "
                "ran before it (put StaticEmbeddingFeaturizer earlier in the pipeline)."
            )
        return np.asarray(sentence.features, dtype=np.float64).reshape(-1)
