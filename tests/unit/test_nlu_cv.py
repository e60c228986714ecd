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
