"""`make nlu-cv`: choose NLU settings by cross-validation on the training data.

The held-out test set (tests/nlu/) must stay unseen while choosing, so settings
such as the IntentEnsemble weight are chosen here: the training examples are
split into K stratified folds; for each fold DIET (config.yml's pipeline up to
DIETClassifier) and the n-gram model are trained on the other folds and predict
this one. Every weight is then scored on the pooled out-of-fold predictions.
Prints macro F1 and accuracy per weight; writes bench/results/nlu_cv.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import warnings
from pathlib import Path
from typing import Any

import yaml

from bench.nlu_benchmark import OUT, ROOT, WORK, intent_scores, parse_all, train
from nlu_components.intent_ensemble import blend
from nlu_components.ngram_model import ngram_intent_model, ngram_probabilities

CV_WORK = WORK / "cv"
Ranking = dict[str, float]


def diet_only_config(overrides: dict[str, Any]) -> Path:
    """config.yml's NLU pipeline up to DIET, reporting every intent's confidence."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline = []
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            pipeline.append({**component, **overrides, "ranking_length": 0})
            break
        pipeline.append(component)
    path = CV_WORK / "config-diet-only.yml"
    path.write_text(yaml.safe_dump({**config, "pipeline": pipeline, "policies": []}), encoding="utf-8")
    return path


def load_training_data() -> Any:
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(ROOT / "data" / "nlu")).merge(load_data(str(ROOT / "data" / "generated")))


def fold_indices(intents: list[str], folds: int, seed: int) -> list[list[int]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # An intent with fewer examples than folds (`start`) is simply absent from some folds.
        warnings.simplefilter("ignore", UserWarning)
        return [list(test) for _, test in splitter.split(intents, intents)]


def write_fold(data: Any, train_ids: set[int], folder: Path) -> Path:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples = [m for i, m in enumerate(data.intent_examples) if i in train_ids]
    fold = TrainingData(
        training_examples=examples,
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
    )
    folder.mkdir(parents=True, exist_ok=True)
    RasaYAMLWriter().dump(folder / "nlu.yml", fold)
    return folder


def run_fold(config: Path, data: Any, held_out: list[int], index: int) -> tuple[list[Ranking], list[Ranking]]:
    """DIET's and the n-gram model's probabilities for the held-out examples of one fold."""
    examples = data.intent_examples
    train_ids = set(range(len(examples))) - set(held_out)
    nlu = write_fold(data, train_ids, CV_WORK / f"fold{index}")
    model = train(config, f"cv-fold{index}", nlu=nlu, out=CV_WORK)
    texts = [examples[i].get("text") for i in held_out]
    parsed = asyncio.run(parse_all(model, texts))
    diet = [{r["name"]: r["confidence"] for r in p["intent_ranking"]} for p in parsed]
    train_texts = [examples[i].get("text") for i in sorted(train_ids)]
    train_intents = [examples[i].get("intent") for i in sorted(train_ids)]
    ngram = ngram_intent_model().fit(train_texts, train_intents)
    return diet, ngram_probabilities(ngram, texts)


def score_weights(gold: list[str], diet: list[Ranking], linear: list[Ranking], weights: list[float]) -> dict[str, Any]:
    scores = {}
    for weight in weights:
        predicted = [blend(d, n, weight)[0]["name"] for d, n in zip(diet, linear, strict=True)]
        result = intent_scores(gold, predicted)
        scores[f"{weight:g}"] = {"macro_f1": result["macro_f1"], "accuracy": result["accuracy"]}
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--weights", default="0,0.25,0.4,0.5,0.6,0.75,1", help="n-gram model weights to score")
    parser.add_argument("--diet", action="append", default=[], metavar="KEY=VALUE",
                        help="override a DIETClassifier setting of config.yml, e.g. epochs=50 (YAML value)")
    args = parser.parse_args()
    overrides = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.diet)}
    weights = [float(w) for w in args.weights.split(",")]
    CV_WORK.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    data = load_training_data()
    intents = [m.get("intent") for m in data.intent_examples]
    config = diet_only_config(overrides)
    gold: list[str] = []
    diet: list[Ranking] = []
    linear: list[Ranking] = []
    per_fold = []
    for index, held_out in enumerate(fold_indices(intents, args.folds, args.seed)):
        fold_diet, fold_linear = run_fold(config, data, held_out, index)
        fold_gold = [intents[i] for i in held_out]
        per_fold.append(score_weights(fold_gold, fold_diet, fold_linear, weights))
        gold += fold_gold
        diet += fold_diet
        linear += fold_linear
        print(f"fold {index}: " + ", ".join(f"w={w} {s['macro_f1']:.3f}" for w, s in per_fold[-1].items()), flush=True)
    pooled = score_weights(gold, diet, linear, weights)
    print(f"\n{args.folds}-fold cross-validation on {len(gold)} training examples (weight = n-gram model's share)")
    print(f"{'weight':>8}{'macro F1':>10}{'accuracy':>10}")
    for weight, score in pooled.items():
        print(f"{weight:>8}{score['macro_f1']:>10.3f}{score['accuracy']:>10.3f}")
    results = {"diet_overrides": overrides, "folds": args.folds, "seed": args.seed, "examples": len(gold),
               "pooled": pooled, "per_fold": per_fold}
    (OUT / "nlu_cv.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    # The out-of-fold probabilities, to score other blends or thresholds without retraining.
    predictions = [{"intent": g, "diet": d, "ngram": n} for g, d, n in zip(gold, diet, linear, strict=True)]
    (CV_WORK / "predictions.json").write_text(json.dumps(predictions), encoding="utf-8")
    print(f"results: {(OUT / 'nlu_cv.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
