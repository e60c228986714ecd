"""`make nlu-cv`: choose NLU settings by cross-validation on the training data.

The held-out test set (tests/nlu/) must stay unseen while choosing, so settings
such as the IntentEnsemble weight are chosen here: the training examples are
split into K stratified folds; for each fold DIET (config.yml's pipeline up to
DIETClassifier) and the n-gram model are trained on the other folds and predict
this one. Every weight is then scored on the pooled out-of-fold predictions.
Prints macro F1 and accuracy per weight; writes bench/results/nlu_cv.json.

`--ngram-only` is the cheap mode (a minute or two instead of ~17): no DIET, only
the n-gram model, in-process, for each `--dense-weights` value (the share of the
pretrained sentence vector, 0 = n-grams alone) and each `--c` value; it writes
bench/results/nlu_cv_ngram.json.
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
from nlu_components.ngram_model import DEFAULT_C, fit_ngram_model, ngram_probabilities

CV_WORK = WORK / "cv"
Ranking = dict[str, float]


def pipeline_settings(name: str) -> dict[str, Any]:
    """config.yml's settings for one pipeline component ({} when it is absent)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    return next((c for c in config["pipeline"] if c["name"].rsplit(".", 1)[-1] == name), {})


class DenseVectors:
    """The sentence vectors the pipeline's StaticEmbeddingFeaturizer gives texts, computed in-process."""

    def __init__(self) -> None:
        import spacy

        from nlu_components.embedding_featurizer import StaticEmbeddingFeaturizer
        from nlu_components.static_embeddings import StaticEmbeddings

        settings = {**StaticEmbeddingFeaturizer.get_default_config(), **pipeline_settings("StaticEmbeddingFeaturizer")}
        self.lowercase = bool(settings["lowercase"])
        self.embeddings = StaticEmbeddings.load(ROOT / settings["path"])
        self.nlp = spacy.load(ROOT / pipeline_settings("SpacyNLP")["model"])

    def __call__(self, texts: list[str]) -> Any:
        import numpy as np

        rows = []
        for doc in self.nlp.pipe(texts):
            # The tokens SpacyTokenizer keeps.
            words = [t.text.lower() if self.lowercase else t.text for t in doc if t.text and t.text.strip()]
            rows.append(self.embeddings.sentence_vector(words))
        return np.stack(rows).astype("float64")


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

    from bot.nlu_data import training_nlu_files

    files = [*training_nlu_files(ROOT / "data"), ROOT / "data" / "generated"]
    return load_data(str(files[0])).merge(*(load_data(str(path)) for path in files[1:]))


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


def run_fold(config: Path, data: Any, held_out: list[int], index: int,
             dense: Any = None, dense_weight: float = 0.0) -> tuple[list[Ranking], list[Ranking]]:
    """DIET's and the n-gram model's probabilities for the held-out examples of one fold."""
    examples = data.intent_examples
    train_ids = set(range(len(examples))) - set(held_out)
    nlu = write_fold(data, train_ids, CV_WORK / f"fold{index}")
    model = train(config, f"cv-fold{index}", nlu=nlu, out=CV_WORK)
    texts = [examples[i].get("text") for i in held_out]
    parsed = asyncio.run(parse_all(model, texts))
    diet = [{r["name"]: r["confidence"] for r in p["intent_ranking"]} for p in parsed]
    train_ids_sorted = sorted(train_ids)
    train_texts = [examples[i].get("text") for i in train_ids_sorted]
    train_intents = [examples[i].get("intent") for i in train_ids_sorted]
    if dense is None:
        ngram = fit_ngram_model(train_texts, train_intents)
        return diet, ngram_probabilities(ngram, texts)
    ngram = fit_ngram_model(train_texts, train_intents, dense[train_ids_sorted], dense_weight)
    return diet, ngram_probabilities(ngram, texts, dense[held_out], dense_weight)


def ngram_cv(data: Any, folds: int, seed: int, dense_weights: list[float], cs: list[float]) -> dict[str, Any]:
    """Out-of-fold macro F1 of the n-gram model for each dense weight and C (no DIET)."""
    examples = data.intent_examples
    texts = [m.get("text") for m in examples]
    intents = [m.get("intent") for m in examples]
    dense = DenseVectors()(texts) if any(dense_weights) else None
    splits = fold_indices(intents, folds, seed)
    scores: dict[str, Any] = {}
    for c in cs:
        for dense_weight in dense_weights:
            predicted = [""] * len(texts)
            for held_out in splits:
                train_ids = sorted(set(range(len(texts))) - set(held_out))
                model = fit_ngram_model([texts[i] for i in train_ids], [intents[i] for i in train_ids],
                                        None if dense is None else dense[train_ids], dense_weight, c)
                rows = ngram_probabilities(model, [texts[i] for i in held_out],
                                           None if dense is None else dense[held_out], dense_weight)
                for i, row in zip(held_out, rows, strict=True):
                    predicted[i] = max(row, key=row.__getitem__)
            result = intent_scores(intents, predicted)
            scores[f"C={c:g} dense_weight={dense_weight:g}"] = {"macro_f1": result["macro_f1"],
                                                               "accuracy": result["accuracy"]}
            print(f"C={c:<5g} dense_weight={dense_weight:<5g} macro F1 {result['macro_f1']:.3f}"
                  f"  accuracy {result['accuracy']:.3f}", flush=True)
    return {"folds": folds, "seed": seed, "examples": len(texts), "scores": scores}


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
    parser.add_argument("--ngram-only", action="store_true", help="cheap mode: the n-gram model alone, in-process")
    parser.add_argument("--dense-weights", default="0,1,2,3", help="--ngram-only: dense feature weights to score")
    parser.add_argument("--c", default=f"{DEFAULT_C:g}", help="--ngram-only: regularisation values C to score")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.ngram_only:
        results = ngram_cv(load_training_data(), args.folds, args.seed,
                           [float(w) for w in args.dense_weights.split(",")], [float(c) for c in args.c.split(",")])
        (OUT / "nlu_cv_ngram.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"results: {(OUT / 'nlu_cv_ngram.json').relative_to(ROOT)}")
        return 0
    overrides = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.diet)}
    weights = [float(w) for w in args.weights.split(",")]
    CV_WORK.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    data = load_training_data()
    intents = [m.get("intent") for m in data.intent_examples]
    config = diet_only_config(overrides)
    dense_weight = float(pipeline_settings("IntentEnsemble").get("dense_weight", 0.0))
    dense = DenseVectors()([m.get("text") for m in data.intent_examples]) if dense_weight else None
    gold: list[str] = []
    diet: list[Ranking] = []
    linear: list[Ranking] = []
    per_fold = []
    for index, held_out in enumerate(fold_indices(intents, args.folds, args.seed)):
        fold_diet, fold_linear = run_fold(config, data, held_out, index, dense, dense_weight)
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
