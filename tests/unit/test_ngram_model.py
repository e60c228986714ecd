"""NgramScorer gives exactly scikit-learn's probabilities, on the real training data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.pipeline import Pipeline

from bot.nlu_data import training_nlu_files
from nlu_components.ngram_model import (
    NgramScorer,
    dense_size,
    fit_ngram_model,
    has_question_block,
    load_ngram_model,
    ngram_intent_model,
    ngram_probabilities,
    question_sentence,
    save_ngram_model,
)

ROOT = Path(__file__).resolve().parents[2]
ODD = ["", "   ", "🔥🔥🔥", "zzzz qqqq", "<script>alert(1)</script>", "calf " * 2000, "Mollets très tendus",
       "MY CALVES ARE TIGHT!!!", "recovry after my 1st half?", "'; DROP TABLE events; --"]


def examples() -> tuple[list[str], list[str]]:
    texts, intents = [], []
    for path in training_nlu_files():
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                text = line.strip().removeprefix("- ")
                if text:
                    texts.append(text)
                    intents.append(block["intent"])
    return texts, intents


@pytest.fixture(scope="module")
def fitted() -> tuple[Pipeline, list[str]]:
    texts, intents = examples()
    return ngram_intent_model().fit(texts[::2], intents[::2]), texts[1::2]


def test_probabilities_match_scikit_learn(fitted: tuple[Pipeline, list[str]]) -> None:
    model, unseen = fitted
    scorer = NgramScorer(model)
    assert NgramScorer.supports(model)
    texts = unseen[:150] + ODD
    expected = model.predict_proba(texts)
    got = np.array([[scorer.probabilities(text)[name] for name in scorer.classes] for text in texts])
    assert scorer.classes == [str(c) for c in model.classes_]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_a_two_intent_model_is_left_to_scikit_learn() -> None:
    model = ngram_intent_model().fit(["my calves hurt", "hello there", "sore legs", "hi again"],
                                     ["report_pain", "greet", "report_pain", "greet"])
    assert not NgramScorer.supports(model)


def test_with_dense_vectors_the_scorer_still_matches_scikit_learn() -> None:
    texts, intents = examples()
    rng = np.random.default_rng(3)
    dense = rng.normal(size=(len(texts), 8))
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    model = fit_ngram_model(texts[::2], intents[::2], dense[::2], dense_weight=2.0)
    assert dense_size(model) == 8
    unseen, unseen_dense = texts[1::2][:60], dense[1::2][:60]
    expected = ngram_probabilities(model, unseen, unseen_dense, dense_weight=2.0)
    scorer = NgramScorer(model, dense_weight=2.0)
    for text, vector, want in zip(unseen, unseen_dense, expected, strict=True):
        got = scorer.probabilities(text, vector)
        np.testing.assert_allclose([got[c] for c in scorer.classes], [want[c] for c in scorer.classes], rtol=1e-9)
    with pytest.raises(ValueError, match="dense vector"):
        scorer.probabilities(unseen[0])
    with pytest.raises(ValueError, match="dense vectors"):
        ngram_probabilities(model, unseen)


def test_without_dense_vectors_the_model_is_the_plain_n_gram_one() -> None:
    texts = ["my calves hurt", "hello there", "sore legs", "hi again", "can't sleep", "awake all night"]
    model = fit_ngram_model(texts, ["report_pain", "greet", "report_pain", "greet", "ask_sleep", "ask_sleep"])
    assert dense_size(model) == 0
    expected = ngram_probabilities(model, ["sore calves"])[0]
    assert NgramScorer(model).probabilities("sore calves") == pytest.approx(expected)


@pytest.mark.parametrize(("text", "asked"), [
    ("Did 18 miles Sunday in new Pegasus, legs fine. Calves tight since though. Should I foam roll or rest?",
     "Should I foam roll or rest?"),
    ("Is massage worth it? Ran a PB last week. Anyway, what do you think.", "Is massage worth it?"),
    ("Marathon in 3 weeks. My shins ache after every run", "My shins ache after every run"),
    ("first line\nhow long should i wait before a massage", "how long should i wait before a massage"),
    ("one sentence only", "one sentence only"),
    ("", ""),
    ("   ", ""),
])
def test_the_question_sentence_is_the_last_one_that_asks(text: str, asked: str) -> None:
    assert question_sentence(text) == asked


def test_the_question_block_reads_only_the_asking_sentence() -> None:
    model = ngram_intent_model()
    assert has_question_block(model) and not has_question_block(ngram_intent_model(question=False))
    texts = ["Long story about shoes. Can I sleep better?", "I ran far. My calves hurt.", "hello", "hi there"]
    model.fit(texts, ["ask_sleep", "report_pain", "greet", "greet"])
    question_vectorizer = model.steps[0][1].transformer_list[2][1]
    assert "shoes" not in question_vectorizer.vocabulary_ and "sleep better" in question_vectorizer.vocabulary_


def test_a_model_saved_without_the_question_block_loads_as_it_was(tmp_path: Path) -> None:
    texts, intents = examples()
    model = fit_ngram_model(texts[::3], intents[::3], question=False)
    save_ngram_model(model, tmp_path)
    meta = json.loads((tmp_path / "ngram_model.json").read_text())
    del meta["question"]  # as written before the block existed
    (tmp_path / "ngram_model.json").write_text(json.dumps(meta))
    loaded = load_ngram_model(tmp_path)
    assert not has_question_block(loaded)
    probe = texts[1::3][:20]
    np.testing.assert_allclose(loaded.predict_proba(probe), model.predict_proba(probe), rtol=1e-9)
    scorer = NgramScorer(loaded)
    got = np.array([[scorer.probabilities(t)[c] for c in scorer.classes] for t in probe])
    np.testing.assert_allclose(got, model.predict_proba(probe), rtol=1e-9, atol=1e-12)


def test_a_saved_model_with_the_question_block_round_trips(tmp_path: Path) -> None:
    texts, intents = examples()
    model = fit_ngram_model(texts[::3], intents[::3])
    save_ngram_model(model, tmp_path)
    loaded = load_ngram_model(tmp_path)
    assert has_question_block(loaded)
    probe = texts[1::3][:40] + ODD
    np.testing.assert_allclose(loaded.predict_proba(probe), model.predict_proba(probe), rtol=1e-9)
    scorer = NgramScorer(loaded)
    got = np.array([[scorer.probabilities(t)[c] for c in scorer.classes] for t in probe])
    np.testing.assert_allclose(got, model.predict_proba(probe), rtol=1e-9, atol=1e-12)
