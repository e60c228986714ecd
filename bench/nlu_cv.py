"""`make nlu-cv`: choose NLU settings by cross-validation on the training data.

The held-out test set (tests/nlu/) must stay unseen while choosing, so settings
such as the IntentEnsemble weight are chosen here: the training examples are
split into K stratified folds; for each fold DIET (config.yml's pipeline up to
DIETClassifier) and the n-gram model are trained on the other folds and predict
this one. Every weight is then scored on the pooled out-of-fold predictions.
Prints macro F1 and accuracy per weight; writes bench/results/nlu_cv.json.

`--ngram-only` is the cheap mode (a few minutes instead of ~17): no DIET, only
the n-gram model, in-process, for each `--dense-weights` value (the share of the
pretrained sentence vector, 0 = n-grams alone), each `--c` value, each
`--pooling` of the word vectors and the question-sentence block off and/or on
(`--question 0,1`). Each setting gets two measures:
  cv     5-fold stratified cross-validation on all the training data;
  proxy  how it generalises to long, messy posts: trained on everything but the
         forum-style files (data/nlu/forum_*.yml), tested on those, so no test
         post has a sibling written alongside it in the training data.
Both report macro F1 over every intent and over six coarse classes (pain, sleep,
stress, technique, benefits, other: the distinctions that change the answer).
It writes bench/results/nlu_cv_ngram.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import warnings
from pathlib import Path
from typing import Any, Callable

import yaml

from bench.nlu_benchmark import OUT, ROOT, WORK, intent_scores, parse_all, train
from nlu_components.intent_ensemble import blend
from nlu_components.ngram_model import DEFAULT_C, fit_ngram_model, ngram_probabilities
from nlu_components.static_embeddings import pooled_vector

CV_WORK = WORK / "cv"
Ranking = dict[str, float]
FORUM_PREFIX = "forum_"
# The six classes whose confusion changes the answer a runner gets; the rest is "other".
COARSE_CLASSES = {
    "report_pain": "pain", "ask_sleep": "sleep", "ask_stress": "stress",
    "ask_technique": "technique", "compare_techniques": "technique", "ask_recommendation": "technique",
    "ask_benefits": "benefits", "ask_timing": "benefits",
}


def coarse_intent(intent: str) -> str:
    return COARSE_CLASSES.get(intent, "other")


def is_forum_file(name: str) -> bool:
    """The long forum-style posts (data/nlu/forum_*.yml), held out by the proxy measure."""
    return Path(name).name.startswith(FORUM_PREFIX)


def proxy_split(sources: list[str]) -> tuple[list[int], list[int]]:
    """(train, test) example indices: everything but the forum files, and the forum files."""
    test = [i for i, source in enumerate(sources) if is_forum_file(source)]
    held = set(test)
    return [i for i in range(len(sources)) if i not in held], test


def two_level_scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Macro F1 and accuracy over the intents, and over their six coarse classes."""
    fine = intent_scores(gold, predicted)
    coarse = intent_scores([coarse_intent(g) for g in gold], [coarse_intent(p) for p in predicted])
    return {"macro_f1": fine["macro_f1"], "accuracy": fine["accuracy"],
            "macro_f1_6": coarse["macro_f1"], "accuracy_6": coarse["accuracy"]}


def pipeline_settings(name: str) -> dict[str, Any]:
    """config.yml's settings for one pipeline component ({} when it is absent)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    return next((c for c in config["pipeline"] if c["name"].rsplit(".", 1)[-1] == name), {})


class DenseVectors:
    """The sentence vectors the pipeline's StaticEmbeddingFeaturizer gives texts, computed in-process."""

    def __init__(self, pooling: str = "mean") -> None:
        import spacy

        from nlu_components.embedding_featurizer import StaticEmbeddingFeaturizer
        from nlu_components.static_embeddings import StaticEmbeddings

        settings = {**StaticEmbeddingFeaturizer.get_default_config(), **pipeline_settings("StaticEmbeddingFeaturizer")}
        self.lowercase = bool(settings["lowercase"])
        self.pooling = pooling
        self.embeddings = StaticEmbeddings.load(ROOT / settings["path"])
        self.nlp = spacy.load(ROOT / pipeline_settings("SpacyNLP")["model"])

    def __call__(self, texts: list[str], pooling: str | None = None) -> Any:
        import numpy as np

        rows = []
        for doc in self.nlp.pipe(texts):
            # The tokens SpacyTokenizer keeps.
            words = [t.text.lower() if self.lowercase else t.text for t in doc if t.text and t.text.strip()]
            rows.append(pooled_vector(self.embeddings.word_vectors(words), pooling or self.pooling))
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


def load_examples() -> tuple[list[str], list[str], list[str]]:
    """Every hand-written training example's text, intent and file name."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu_data import training_nlu_files

    texts, intents, sources = [], [], []
    for path in training_nlu_files(ROOT / "data"):
        for message in load_data(str(path)).intent_examples:
            texts.append(message.get("text"))
            intents.append(message.get("intent"))
            sources.append(path.name)
    return texts, intents, sources


def ngram_predictions(texts: list[str], intents: list[str], dense: Any, train_ids: list[int], test_ids: list[int],
                      dense_weight: float, c: float, question: bool = True) -> list[str]:
    """The n-gram model's top intent for each test example, trained on the train examples."""
    use_dense = dense is not None and dense_weight != 0.0
    model = fit_ngram_model([texts[i] for i in train_ids], [intents[i] for i in train_ids],
                            dense[train_ids] if use_dense else None, dense_weight if use_dense else 0.0, c, question)
    rows = ngram_probabilities(model, [texts[i] for i in test_ids], dense[test_ids] if use_dense else None,
                               dense_weight if use_dense else 0.0)
    return [max(row, key=row.__getitem__) for row in rows]


def ngram_cv(texts: list[str], intents: list[str], sources: list[str], folds: int, seed: int,
             dense_weights: list[float], cs: list[float], poolings: tuple[str, ...] = ("mean",),
             vectors: Callable[[list[str], str], Any] | None = None,
             questions: tuple[bool, ...] = (True,),
             dev: tuple[list[str], list[str]] | None = None) -> dict[str, Any]:
    """Both measures (cv, proxy) of the n-gram model for each pooling, C, dense weight and
    question block (on or off), without DIET; with `dev` (texts, six-class labels), a third:
    trained on all the data, scored on that development set.

    `vectors(texts, pooling)` gives the dense rows (default: the pipeline's embeddings)."""
    if vectors is None and any(dense_weights):
        vectors = DenseVectors()
    splits = fold_indices(intents, folds, seed)
    proxy_train, proxy_test = proxy_split(sources)
    scores: dict[str, Any] = {}
    dev_texts, dev_classes = dev or ([], [])
    everything = texts + dev_texts
    for pooling in poolings:
        dense = vectors(everything, pooling) if vectors is not None and any(dense_weights) else None
        for question, c, dense_weight in itertools.product(questions, cs, dense_weights):
            predicted = [""] * len(texts)
            for held_out in splits:
                train_ids = sorted(set(range(len(texts))) - set(held_out))
                for i, intent in zip(held_out, ngram_predictions(texts, intents, dense, train_ids, held_out,
                                                                 dense_weight, c, question), strict=True):
                    predicted[i] = intent
            cv = two_level_scores(intents, predicted)
            proxy = (two_level_scores([intents[i] for i in proxy_test],
                                      ngram_predictions(texts, intents, dense, proxy_train, proxy_test,
                                                        dense_weight, c, question))
                     if proxy_test and proxy_train else None)
            dev_score = (dev_scores(dev_classes, ngram_predictions(everything, intents + [""] * len(dev_texts), dense,
                                                                 list(range(len(texts))),
                                                                 list(range(len(texts), len(everything))),
                                                                 dense_weight, c, question))
                         if dev_texts else None)
            name = f"pooling={pooling} C={c:g} dense_weight={dense_weight:g} question={int(question)}"
            scores[name] = {"cv": cv, "proxy": proxy, "dev": dev_score}
            line = f"{name:<55} cv F1 {cv['macro_f1']:.3f} (6 classes {cv['macro_f1_6']:.3f})"
            if proxy:
                line += f"  proxy F1 {proxy['macro_f1']:.3f} (6 classes {proxy['macro_f1_6']:.3f})"
            if dev_score:
                line += f"  dev F1 {dev_score['macro_f1']:.3f} (" + " ".join(
                    f"{k} {v:.2f}" for k, v in dev_score["per_class"].items()) + ")"
            print(line, flush=True)
    return {"folds": folds, "seed": seed, "examples": len(texts), "proxy_train": len(proxy_train),
            "proxy_test": len(proxy_test), "scores": scores}


def dev_scores(gold_classes: list[str], predicted: list[str]) -> dict[str, Any]:
    """Six-class macro F1 (and per class) of predicted intents on a development set."""
    result = intent_scores(gold_classes, [coarse_intent(p) for p in predicted])
    return {"macro_f1": result["macro_f1"], "accuracy": result["accuracy"],
            "per_class": {k: v["f1-score"] for k, v in result["per_intent"].items()}}


def load_dev(path: Path) -> tuple[list[str], list[str]]:
    """A set in the real set's format: its texts and their six-class labels."""
    from bench.real_scoring import load_items

    items = load_items(path)
    return [i.text for i in items], [i.gold for i in items]


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
    parser.add_argument("--question", default="1", help="--ngram-only: question block off (0) and/or on (1): 0,1")
    parser.add_argument("--pooling", default="mean",
                        help="--ngram-only: word-vector poolings to score: mean (the pipeline's), mean_max")
    parser.add_argument("--dev", type=Path, help="--ngram-only: also score on this set (the real set's format), "
                        "trained on all the data, e.g. bench/sets/forum_intents_fresh.yml")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.ngram_only:
        poolings = tuple(args.pooling.split(","))
        results = ngram_cv(*load_examples(), args.folds, args.seed, [float(w) for w in args.dense_weights.split(",")],
                           [float(c) for c in args.c.split(",")], poolings,
                           questions=tuple(bool(int(q)) for q in args.question.split(",")),
                           dev=load_dev(args.dev) if args.dev else None)
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
