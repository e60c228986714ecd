"""The pretrained embeddings (`make embeddings` fetches them): loading, meaning, the featurizer."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.embedding_featurizer import DEFAULT_ALIAS, StaticEmbeddingFeaturizer
from nlu_components.static_embeddings import (
    LICENCE,
    TOKENIZER,
    WEIGHTS,
    WHEEL_MEMBERS,
    EmbeddingsMissingError,
    StaticEmbeddings,
    unpack,
)

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "build" / "wordllama"


@pytest.fixture(scope="module")
def embeddings() -> StaticEmbeddings:
    return StaticEmbeddings.load(FOLDER)


def similarity(embeddings: StaticEmbeddings, a: str, b: str) -> float:
    return float(embeddings.sentence_vector(a.split()) @ embeddings.sentence_vector(b.split()))


def test_the_fetched_files_load_with_their_licence(embeddings: StaticEmbeddings) -> None:
    assert embeddings.dim == 256 and embeddings.vectors.shape[0] >= 32000
    assert "MIT License" in (FOLDER / LICENCE).read_text(encoding="utf-8")


def test_sentence_vectors_have_unit_length_and_words_one_vector_each(embeddings: StaticEmbeddings) -> None:
    words = ["my", "calves", "are", "sooo", "tight", "after", "parkrun", "🏃"]
    assert embeddings.word_vectors(words).shape == (len(words), 256)
    assert np.linalg.norm(embeddings.sentence_vector(words)) == pytest.approx(1.0, abs=1e-5)
    assert not embeddings.sentence_vector([]).any()
    assert embeddings.word_vectors([]).shape == (0, 256)


def test_related_messages_are_closer_than_unrelated_ones(embeddings: StaticEmbeddings) -> None:
    # Pretrained meaning: none of these word pairs need share a character n-gram.
    assert similarity(embeddings, "I cannot sleep at night", "insomnia keeps me awake") > similarity(
        embeddings, "I cannot sleep at night", "my hamstring is tight")
    assert similarity(embeddings, "feeling anxious and nervous", "I am worried and stressed") > similarity(
        embeddings, "feeling anxious and nervous", "what shoes should I buy")


def test_a_missing_folder_says_how_to_fetch_it(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingsMissingError, match="make embeddings"):
        StaticEmbeddings.load(tmp_path)


def test_unpack_copies_the_two_files_and_the_licence_from_a_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "wordllama-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for member in WHEEL_MEMBERS:
            archive.writestr(member, f"contents of {member}")
        archive.writestr("wordllama-0.dist-info/licenses/LICENSE", "MIT License")
        archive.writestr("wordllama/inference.py", "not needed")
    unpack(wheel, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([WEIGHTS, TOKENIZER, LICENCE])
    assert (tmp_path / "out" / WEIGHTS).read_text() == "contents of wordllama/weights/l2_supercat_256.safetensors"


def test_unpack_refuses_a_wheel_without_the_weights(tmp_path: Path) -> None:
    wheel = tmp_path / "other.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("other/__init__.py", "")
    with pytest.raises(ValueError, match="pinned wordllama wheel"):
        unpack(wheel, tmp_path / "out")


def featurizer(tmp_path: Path, **config: object) -> StaticEmbeddingFeaturizer:
    settings = {**StaticEmbeddingFeaturizer.get_default_config(), "path": str(FOLDER), **config}
    (tmp_path / "storage").mkdir(exist_ok=True)
    return StaticEmbeddingFeaturizer.create(settings, LocalModelStorage(tmp_path / "storage"), Resource("f"),
                                            ExecutionContext(GraphSchema({}), "featurizer"))


def tokenized(*texts: str) -> list[Message]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    return tokenizer.process([Message(data={TEXT: text}) for text in texts])


def test_the_featurizer_adds_one_vector_per_token_and_a_sentence_vector(
        tmp_path: Path, embeddings: StaticEmbeddings) -> None:
    (message,) = featurizer(tmp_path).process(tokenized("Taper madness is REAL"))
    sequence, sentence = message.get_dense_features(TEXT, [DEFAULT_ALIAS])
    assert sequence is not None and sentence is not None
    assert sequence.features.shape == (len(message.get(TOKENS_NAMES[TEXT])), 256)
    assert sentence.features.shape == (1, 256)
    expected = embeddings.sentence_vector(["taper", "madness", "is", "real"])  # lower-cased by default
    np.testing.assert_allclose(sentence.features[0], expected, rtol=1e-6)


def test_the_featurizer_handles_training_data_and_leaves_textless_messages_alone(tmp_path: Path) -> None:
    messages = [*tokenized("my calves are tight"), Message(data={"intent": "greet"})]
    data = featurizer(tmp_path).process_training_data(TrainingData(messages))
    with_text, without = data.training_examples
    assert with_text.get_dense_features(TEXT, [DEFAULT_ALIAS])[1] is not None
    assert without.get_dense_features(TEXT, [DEFAULT_ALIAS]) == (None, None)


def test_the_featurizer_needs_a_path() -> None:
    with pytest.raises(ValueError, match="make embeddings"):
        StaticEmbeddingFeaturizer.validate_config({"path": ""})


def test_pooled_vectors_mean_and_mean_max(embeddings: StaticEmbeddings) -> None:
    from nlu_components.static_embeddings import pooled_vector

    words = ["my", "shins", "ache", "after", "parkrun"]
    vectors = embeddings.word_vectors(words)
    np.testing.assert_allclose(pooled_vector(vectors, "mean"), embeddings.sentence_vector(words), rtol=1e-6)
    both = pooled_vector(vectors, "mean_max")
    assert both.shape == (512,) and np.linalg.norm(both) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(both[:256] * np.sqrt(2), embeddings.sentence_vector(words), rtol=1e-5, atol=1e-7)
    assert not pooled_vector(vectors[:0], "mean_max").any() and pooled_vector(vectors[:0], "mean_max").shape == (512,)
    with pytest.raises(ValueError, match="unknown pooling"):
        pooled_vector(vectors, "sum")
