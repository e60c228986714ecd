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


def test_intents_fold_into_six_classes() -> None:
    assert nlu_cv.coarse_intent("report_pain") == "pain" and nlu_cv.coarse_intent("ask_sleep") == "sleep"
    assert nlu_cv.coarse_intent("ask_stress") == "stress"
    assert {nlu_cv.coarse_intent(i) for i in ("ask_technique", "compare_techniques", "ask_recommendation")} == {
        "technique"}
    assert {nlu_cv.coarse_intent(i) for i in ("ask_benefits", "ask_timing")} == {"benefits"}
    assert {nlu_cv.coarse_intent(i) for i in ("greet", "red_flag", "out_of_scope", "inform")} == {"other"}


def test_the_proxy_holds_out_exactly_the_forum_files() -> None:
    sources = ["nlu.yml", "forum_stress.yml", "pain.yml", "forum_posts.yml", "reviewed.yml", "forum_x.yml"]
    assert nlu_cv.proxy_split(sources) == ([0, 2, 4], [1, 3, 5])
    assert nlu_cv.is_forum_file("data/nlu/forum_benefits.yml") and not nlu_cv.is_forum_file("data/forum/pain.yml")


def test_six_class_scores_forgive_confusions_within_a_class() -> None:
    gold = ["ask_technique", "ask_benefits", "report_pain", "greet"]
    predicted = ["compare_techniques", "ask_timing", "report_pain", "thank"]
    scores = nlu_cv.two_level_scores(gold, predicted)
    assert scores["accuracy"] == 0.25 and scores["accuracy_6"] == 1.0 and scores["macro_f1_6"] == 1.0
    assert scores["macro_f1"] == pytest.approx(0.25)  # only report_pain right, of four gold intents


def test_the_real_training_data_has_forum_files_to_hold_out() -> None:
    from bot.nlu_data import training_nlu_files

    names = [path.name for path in training_nlu_files()]
    train, test = nlu_cv.proxy_split(names)
    assert train and test


def test_the_cheap_ngram_cv_gives_both_measures_for_each_setting() -> None:
    import numpy as np

    texts = {
        "report_pain": ["my calves are tight", "sore hamstrings", "knee aches after runs", "shins hurt",
                        "stiff achilles"],
        "ask_sleep": ["can't sleep after races", "awake at 3am", "insomnia in taper", "restless legs at night",
                      "sleeping badly"],
        "greet": ["hi", "hello", "hey there", "good morning", "hiya"],
    }
    flat = [(t, i) for i, ts in texts.items() for t in ts]
    # The last example of each intent stands for a forum post.
    sources = ["forum_a.yml" if t == ts[-1] else "a.yml" for i, ts in texts.items() for t in ts]
    seen: list[str] = []

    def vectors(batch: list[str], pooling: str) -> np.ndarray:
        seen.append(pooling)
        rng = np.random.default_rng(len(batch))
        return rng.normal(size=(len(batch), 6 if pooling == "mean_max" else 3))

    results = nlu_cv.ngram_cv([t for t, _ in flat], [i for _, i in flat], sources, folds=5, seed=1,
                              dense_weights=[0.0, 1.0], cs=[1.0, 10.0], poolings=("mean", "mean_max"),
                              vectors=vectors, questions=(False, True))
    assert seen == ["mean", "mean_max"]
    assert results["examples"] == 15 and results["proxy_test"] == 3 and results["proxy_train"] == 12
    assert set(results["scores"]) == {f"pooling={p} C={c} dense_weight={w} question={q}"
                                      for p in ("mean", "mean_max") for c in ("1", "10") for w in ("0", "1")
                                      for q in ("0", "1")}
    for score in results["scores"].values():
        for measure in ("cv", "proxy"):
            assert set(score[measure]) == {"macro_f1", "accuracy", "macro_f1_6", "accuracy_6"}
            assert all(0.0 <= value <= 1.0 for value in score[measure].values())


def test_the_dev_measure_trains_on_all_the_data_and_scores_six_classes() -> None:
    texts = ["my calves are tight", "sore hamstrings", "knee aches after runs", "shins hurt",
             "can't sleep after races", "awake at 3am", "insomnia in taper", "sleeping badly"]
    intents = ["report_pain"] * 4 + ["ask_sleep"] * 4
    dev = (["tight calves after my long run", "awake at 3am again before races"], ["pain", "sleep"])
    results = nlu_cv.ngram_cv(texts, intents, ["a.yml"] * 8, folds=2, seed=1, dense_weights=[0.0], cs=[10.0],
                              dev=dev)
    (score,) = results["scores"].values()
    assert score["dev"]["macro_f1"] == 1.0 and set(score["dev"]["per_class"]) == {"pain", "sleep"}


def test_a_dev_set_is_read_in_the_real_sets_format(tmp_path: Path) -> None:
    path = tmp_path / "dev.yml"
    path.write_text('- {text: "tight calves", intent: report_pain}\n- {text: "is it worth it", intent: ask_timing}\n')
    assert nlu_cv.load_dev(path) == (["tight calves", "is it worth it"], ["pain", "benefits"])
