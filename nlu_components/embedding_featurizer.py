"""Dense features from pretrained static token embeddings, for DIET and the IntentEnsemble.

Each token gets its word's vector (see `static_embeddings`); the sentence feature is
their mean, at unit length. No training: the embeddings are read from the folder in
`path` (`make embeddings` fetches them), at start-up and when training.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.static_embeddings import StaticEmbeddings

logger = logging.getLogger(__name__)

DEFAULT_ALIAS = "static_embeddings"


def words_of(message: Message) -> List[str]:
    """The message's token texts, as the tokenizer produced them."""
    return [token.text for token in message.get(TOKENS_NAMES[TEXT]) or []]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class StaticEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds each token's pretrained vector (sequence) and their unit mean (sentence) to the text."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            FEATURIZER_CLASS_ALIAS: DEFAULT_ALIAS,
            "path": "build/wordllama",
            # Llama's vocabulary is cased; lower case maps "TAPER" and "Taper" to "taper".
            "lowercase": True,
        }

    def __init__(self, config: Dict[str, Any], name: str, embeddings: StaticEmbeddings) -> None:
        super().__init__(name, config)
        self.embeddings = embeddings
        self.lowercase = bool(self._config["lowercase"])

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> StaticEmbeddingFeaturizer:
        return cls(config, execution_context.node_name, StaticEmbeddings.load(config["path"]))

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if not config.get("path"):
            raise ValueError("StaticEmbeddingFeaturizer needs `path`: the folder `make embeddings` fills.")

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._add_features(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def _add_features(self, message: Message) -> None:
        words = words_of(message)
        if not words:
            return
        if self.lowercase:
            words = [word.lower() for word in words]
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        sequence = self.embeddings.word_vectors(words)
        sentence = self.embeddings.sentence_vector(words)[np.newaxis, :]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, TEXT, alias))
