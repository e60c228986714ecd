"""NgramScorer gives exactly scikit-learn's probabilities, on the real training data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.pipeline import Pipeline

from bot.nlu_data import training_nlu_files
from nlu_components.ngram_model import NgramScorer, dense_size, fit_ngram_model, ngram_intent_model, ngram_probabilities

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
