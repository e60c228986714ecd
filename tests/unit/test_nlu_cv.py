"""The cross-validation helpers of `make nlu-cv` (no training)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench import nlu_cv


def test_folds_are_stratified_disjoint_and_cover_every_example() -> None:
    intents = ["a"] * 10 + ["b"] * 5 + ["c"] * 2
    folds = nlu_cv.fold_indices(intents, folds=5, seed=1)
    flat = sorted(i for fold in folds for i in fold)
    assert flat == list(range(len(intents)))
    for fold in folds:
        assert sum(intents[i] == "a" for i in fold) == 2 and sum(intents[i] == "b" for i in fold) == 1
    assert folds == nlu_cv.fold_indices(intents, folds=5, seed=1)  # same seed, same folds


def test_each_weight_is_scored_on_the_blend() -> None:
    gold = ["a", "b"]
    diet = [{"a": 0.9, "b": 0.1}, {"a": 0.8, "b": 0.2}]  # wrong on the second
    ngram = [{"a": 0.4, "b": 0.6}, {"a": 0.1, "b": 0.9}]  # wrong on the first
    scores = nlu_cv.score_weights(gold, diet, ngram, [0.0, 0.5, 1.0])
    assert scores["0"]["accuracy"] == scores["1"]["accuracy"] == 0.5
    assert scores["0.5"]["accuracy"] == 1.0 and scores["0.5"]["macro_f1"] == 1.0


def test_the_cv_config_stops_at_diet_and_reports_every_intent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlu_cv, "CV_WORK", tmp_path)
    config = yaml.safe_load(nlu_cv.diet_only_config({"epochs": 5}).read_text())
    names = [component["name"] for component in config["pipeline"]]
    assert names[-1] == "DIETClassifier" and "FallbackClassifier" not in names
    assert config["pipeline"][-1]["ranking_length"] == 0 and config["pipeline"][-1]["epochs"] == 5
    assert config["policies"] == []


def test_the_cheap_ngram_cv_scores_each_dense_weight_and_c() -> None:
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    texts = {
        "report_pain": ["my calves are tight", "sore hamstrings", "knee aches after runs", "shins hurt",
                        "stiff achilles"],
        "ask_sleep": ["can't sleep after races", "awake at 3am", "insomnia in taper", "restless legs at night",
                      "sleeping badly"],
        "greet": ["hi", "hello", "hey there", "good morning", "hiya"],
    }
    data = TrainingData([Message(data={"text": t, "intent": i}) for i, ts in texts.items() for t in ts])
    results = nlu_cv.ngram_cv(data, folds=5, seed=1, dense_weights=[0.0, 1.0], cs=[1.0, 10.0])
    assert results["examples"] == 15
    assert set(results["scores"]) == {f"C={c} dense_weight={w}" for c in ("1", "10") for w in ("0", "1")}
    assert all(0.0 <= s["macro_f1"] <= 1.0 and 0.0 <= s["accuracy"] <= 1.0 for s in results["scores"].values())
