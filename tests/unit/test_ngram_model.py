"""NgramScorer gives exactly scikit-learn's probabilities, on the real training data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.pipeline import Pipeline

from nlu_components.ngram_model import NgramScorer, ngram_intent_model

ROOT = Path(__file__).resolve().parents[2]
ODD = ["", "   ", "🔥🔥🔥", "zzzz qqqq", "<script>alert(1)</script>", "calf " * 2000, "Mollets très tendus",
       "MY CALVES ARE TIGHT!!!", "recovry after my 1st half?", "'; DROP TABLE events; --"]


def examples() -> tuple[list[str], list[str]]:
    texts, intents = [], []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
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
