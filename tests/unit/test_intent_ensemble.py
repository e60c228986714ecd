"""IntentEnsemble: the blend, training, persisting in a real model storage and loading back."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.intent_ensemble import SOURCES_KEY, IntentEnsemble, blend

EXAMPLES = {
    "report_pain": ["my calves are tight", "sore hamstrings after the long run", "knots in my calf",
                    "tight calfs since parkrun", "shins ache after runs"],
    "ask_sleep": ["I can't sleep after evening runs", "insomnia before races", "post-run insomnia",
                  "waking up at 3am", "sleeping badly in taper"],
    "greet": ["hi", "hello there", "hey", "good morning", "hiya"],
}


def ranking(**confidences: float) -> list[dict[str, object]]:
    ranked = sorted(confidences.items(), key=lambda item: -item[1])
    return [{"name": name, "confidence": value} for name, value in ranked]


def message(text: str, **confidences: float) -> Message:
    diet = ranking(**confidences)
    return Message(data={TEXT: text, INTENT: diet[0], INTENT_RANKING_KEY: diet})


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def trained(storage: LocalModelStorage, weight: float = 0.5) -> IntentEnsemble:
    resource = Resource("ensemble")
    config = {**IntentEnsemble.get_default_config(), "weight": weight}
    component = IntentEnsemble.create(config, storage, resource, context())
    data = TrainingData([Message(data={TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts])
    component.train(data)
    return IntentEnsemble.load(config, storage, resource, context())


def test_blend_weights_the_two_models_and_ranks_best_first() -> None:
    mixed = blend({"a": 0.8, "b": 0.2}, {"a": 0.2, "b": 0.6, "c": 0.2}, weight=0.5)
    assert [r["name"] for r in mixed] == ["a", "b", "c"]
    assert [r["confidence"] for r in mixed] == pytest.approx([0.5, 0.4, 0.1])
    assert blend({"a": 0.8, "b": 0.2}, {"b": 1.0}, weight=0.0)[0]["name"] == "a"
    assert blend({"a": 0.8, "b": 0.2}, {"b": 1.0}, weight=1.0)[0]["name"] == "b"


def test_a_loaded_model_corrects_an_unsure_diet(storage: LocalModelStorage) -> None:
    component = trained(storage)
    (out,) = component.process([message("tight calfs after my long run", greet=0.4, report_pain=0.35, ask_sleep=0.25)])
    assert out.get(INTENT)["name"] == "report_pain"
    confidences = [r["confidence"] for r in out.get(INTENT_RANKING_KEY)]
    assert confidences == sorted(confidences, reverse=True) and sum(confidences) == pytest.approx(1.0)
    # Each model's own top intent is kept for the review inbox: here they disagree.
    sources = out.as_dict(only_output_properties=True)[SOURCES_KEY]
    assert sources["diet"] == {"name": "greet", "confidence": 0.4}
    assert sources["ngram"]["name"] == "report_pain"


def test_a_confident_diet_keeps_its_intent(storage: LocalModelStorage) -> None:
    (out,) = trained(storage).process([message("hello", greet=0.97, report_pain=0.02, ask_sleep=0.01)])
    assert out.get(INTENT)["name"] == "greet"


def test_empty_text_and_missing_ranking_are_left_alone(storage: LocalModelStorage) -> None:
    component = trained(storage)
    empty = message("   ", greet=0.6, ask_sleep=0.4)
    bare = Message(data={TEXT: "my calves"})
    component.process([empty, bare])
    assert empty.get(INTENT)["name"] == "greet" and empty.get(INTENT)["confidence"] == 0.6
    assert bare.get(INTENT) is None


def test_without_a_persisted_model_diet_is_used_alone(storage: LocalModelStorage) -> None:
    config = IntentEnsemble.get_default_config()
    component = IntentEnsemble.load(config, storage, Resource("never-trained"), context())
    (out,) = component.process([message("my calves", greet=0.6, report_pain=0.4)])
    assert out.get(INTENT)["name"] == "greet"


def test_the_weight_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="weight must be between 0 and 1"):
        IntentEnsemble({"weight": 1.5, "C": 10.0}, None, None)  # type: ignore[arg-type]


def test_a_two_intent_model_blends_through_scikit_learn(storage: LocalModelStorage) -> None:
    resource, config = Resource("two"), IntentEnsemble.get_default_config()
    component = IntentEnsemble.create(config, storage, resource, context())
    component.train(TrainingData([Message(data={TEXT: t, INTENT: i}) for i in ("report_pain", "greet")
                                  for t in EXAMPLES[i]]))
    (out,) = component.process([message("tight calfs after my run", greet=0.55, report_pain=0.45)])
    assert out.get(INTENT)["name"] == "report_pain"


def featurized(messages: list[Message], tmp_path: Path) -> list[Message]:
    """Whitespace tokens and the real pretrained-embedding features (`make embeddings`)."""
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    from nlu_components.embedding_featurizer import StaticEmbeddingFeaturizer

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "featurizer").mkdir(exist_ok=True)
    settings = {**StaticEmbeddingFeaturizer.get_default_config(), "path": str(root / "build" / "wordllama")}
    featurizer = StaticEmbeddingFeaturizer.create(settings, LocalModelStorage(tmp_path / "featurizer"),
                                                  Resource("f"), context())
    return featurizer.process(WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages))


def test_with_dense_features_it_trains_loads_and_blends(storage: LocalModelStorage, tmp_path: Path) -> None:
    resource = Resource("dense")
    config = {**IntentEnsemble.get_default_config(), "weight": 1.0, "dense_weight": 2.0}
    component = IntentEnsemble.create(config, storage, resource, context())
    examples = [Message(data={TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts]
    component.train(TrainingData(featurized(examples, tmp_path)))
    loaded = IntentEnsemble.load(config, storage, resource, context())
    assert loaded._scorer is not None and loaded._scorer.dense_size == 256
    (out,) = loaded.process(featurized([message("I lie awake all night", greet=0.5, report_pain=0.3, ask_sleep=0.2)],
                                       tmp_path))
    assert out.get(INTENT)["name"] == "ask_sleep"


def test_dense_weight_without_the_featurizer_is_a_clear_error(storage: LocalModelStorage) -> None:
    config = {**IntentEnsemble.get_default_config(), "dense_weight": 1.0}
    component = IntentEnsemble.create(config, storage, Resource("no-featurizer"), context())
    data = TrainingData([Message(data={TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts])
    with pytest.raises(ValueError, match="StaticEmbeddingFeaturizer"):
        component.train(data)


@pytest.mark.parametrize("dense_weight", [0.0, 2.0])
def test_the_saved_ngram_model_loads_back_with_the_same_probabilities(tmp_path: Path, dense_weight: float) -> None:
    import numpy as np

    from nlu_components.ngram_model import fit_ngram_model, load_ngram_model, ngram_probabilities, save_ngram_model

    texts = [t for examples in EXAMPLES.values() for t in examples]
    intents = [i for i, examples in EXAMPLES.items() for _ in examples]
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(len(texts), 4)) if dense_weight else None
    model = fit_ngram_model(texts, intents, dense, dense_weight)
    save_ngram_model(model, tmp_path)
    loaded = load_ngram_model(tmp_path)
    probe = ["my calfs are tite after parkrun", "cant sleep", "yo"]
    probe_dense = rng.normal(size=(len(probe), 4)) if dense_weight else None
    before = ngram_probabilities(model, probe, probe_dense, dense_weight)
    after = ngram_probabilities(loaded, probe, probe_dense, dense_weight)
    for old, new in zip(before, after, strict=True):
        assert new == pytest.approx(old)
    assert not list(tmp_path.glob("*.pkl")) and not list(tmp_path.glob("*.skops"))



@pytest.mark.parametrize("question", [True, False])
def test_the_question_block_follows_the_config_and_survives_loading(storage: LocalModelStorage,
                                                                     question: bool) -> None:
    from nlu_components.ngram_model import has_question_block

    resource = Resource(f"question-{question}")
    config = {**IntentEnsemble.get_default_config(), "question_sentence": question}
    component = IntentEnsemble.create(config, storage, resource, context())
    component.train(TrainingData([Message(data={TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts]))
    loaded = IntentEnsemble.load(config, storage, resource, context())
    assert loaded.model is not None and has_question_block(loaded.model) is question
    assert loaded._scorer is not None
    text = "Did my long run in new shoes. Why are my calves so tight?"
    (out,) = loaded.process([message(text, greet=0.4, report_pain=0.35, ask_sleep=0.25)])
    assert out.get(INTENT_RANKING_KEY)[0]["confidence"] > 0
