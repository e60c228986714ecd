"""`make bench-nlu`: intent and entity accuracy on the held-out test set.

Compares three systems trained on the same data (data/):
  pipeline     our config.yml (spaCy entity ruler from the knowledge base + DIET)
  no_ruler     the same without the entity ruler (DIET learns entities from annotations)
  baseline     TF-IDF + logistic regression (scikit-learn), intents only
Prints per-intent precision/recall/F1, macro F1, entity F1 and red-flag figures;
writes bench/results/nlu.json and a confusion matrix image.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge_base import default_knowledge_base
from bot.nlp_pipeline import build_pipeline
from bot.nlu_data import training_nlu_files
from launch import services

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results"
WORK = ROOT / "build" / "bench-nlu"
TEST_SET = ROOT / "tests" / "nlu" / "test_nlu.yml"
Spans = frozenset[tuple[int, int, str]]


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: frozenset[tuple[int, int, str]]


def load_examples(*paths: Path) -> list[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [
        Example(
            m.get("text"),
            m.get("intent"),
            frozenset((e["start"], e["end"], e["entity"]) for e in m.get("entities") or []),
        )
        for path in paths
        for m in load_data(str(path)).intent_examples
    ]


def train(config: Path, name: str, nlu: Path = ROOT / "data", out: Path = WORK) -> Path:
    model = out / f"{name}.tar.gz"
    print(f"training {name} (NLU only)...", flush=True)
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(nlu),
            "--out",
            str(out),
            "--fixed-model-name",
            name,
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, **services.QUIET_ENV},
    )
    return model


def no_ruler_config() -> Path:
    """config.yml with a spaCy pipeline that has no entity ruler; DIET extracts entities."""
    nlp_dir = WORK / "spacy_no_ruler"
    nlp = build_pipeline(default_knowledge_base())
    nlp.remove_pipe("entity_ruler")
    nlp.to_disk(nlp_dir)
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline = []
    for component in config["pipeline"]:
        if component["name"] == "SpacyEntityExtractor":
            continue
        if component["name"] == "SpacyNLP":
            component = {**component, "model": str(nlp_dir)}
        if component["name"] == "DIETClassifier":
            component = {**component, "entity_recognition": True}
        pipeline.append(component)
    path = WORK / "config-no-ruler.yml"
    path.write_text(yaml.safe_dump({**config, "pipeline": pipeline, "policies": []}), encoding="utf-8")
    return path


async def parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def predict(model: Path, examples: list[Example]) -> tuple[list[str], list[frozenset[tuple[int, int, str]]]]:
    parsed = asyncio.run(parse_all(model, [e.text for e in examples]))
    intents = [p["intent"]["name"] for p in parsed]
    entities = [frozenset((e["start"], e["end"], e["entity"]) for e in p.get("entities") or []) for p in parsed]
    return intents, entities


def red_flag_rates(model: Path) -> dict[str, float]:
    """Through the whole NLU pipeline: referrals on warning signs, false alarms on ordinary pain."""

    def texts(name: str) -> list[str]:
        items = yaml.safe_load((ROOT / "tests" / "nlu" / name).read_text(encoding="utf-8"))["messages"]
        return [item if isinstance(item, str) else item["text"] for item in items]

    flags, ordinary = texts("red_flag_messages.yml"), texts("false_alarm_pain.yml")
    parsed = asyncio.run(parse_all(model, flags + ordinary))
    hit = [p["intent"]["name"] == "red_flag" for p in parsed]
    return {
        "recall": sum(hit[: len(flags)]) / len(flags),
        "false_alarm_rate": sum(hit[len(flags) :]) / len(ordinary),
        "red_flag_messages": len(flags),
        "ordinary_messages": len(ordinary),
    }


def baseline(train_set: list[Example], test_set: list[Example]) -> list[str]:
    from nlu_components.ngram_model import ngram_intent_model

    model = ngram_intent_model().fit([e.text for e in train_set], [e.intent for e in train_set])
    return list(model.predict([e.text for e in test_set]))


def intent_scores(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    from sklearn.metrics import classification_report

    # Averaged over the test set's intents: a fallback prediction counts as a miss of the
    # gold intent, not as a class of its own.
    labels = sorted(set(gold))
    report = classification_report(gold, predicted, labels=labels, output_dict=True, zero_division=0)
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    return {
        "macro_f1": report["macro avg"]["f1-score"],
        "accuracy": accuracy,
        "fallbacks": predicted.count("nlu_fallback"),
        "per_intent": {k: v for k, v in report.items() if k in labels},
    }


def entity_f1(
    gold: list[frozenset[tuple[int, int, str]]], predicted: list[frozenset[tuple[int, int, str]]]
) -> dict[str, float]:
    """Exact span-and-type match, micro-averaged over every entity in the test set."""
    hits = sum(len(g & p) for g, p in zip(gold, predicted, strict=False))
    n_gold, n_pred = sum(map(len, gold)), sum(map(len, predicted))
    precision = hits / n_pred if n_pred else 0.0
    recall = hits / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def save_confusion(gold: list[str], predicted: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(12, 12))
    ConfusionMatrixDisplay.from_predictions(gold, predicted, ax=ax, xticks_rotation="vertical", colorbar=False)
    ax.set_title("Intent confusion on the held-out test set (pipeline)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def print_table(results: dict[str, Any]) -> None:
    systems = list(results["systems"])
    intents = sorted(results["systems"]["pipeline"]["intents"]["per_intent"])
    print(f"\n{'intent':22}" + "".join(f"{s:>26}" for s in systems))
    print(f"{'':22}" + "".join(f"{'P     R     F1':>26}" for _ in systems))
    for intent in intents:
        row = ""
        for system in systems:
            scores = results["systems"][system]["intents"]["per_intent"].get(intent, {})
            row += (
                f"{scores.get('precision', 0):>14.2f}{scores.get('recall', 0):>6.2f}{scores.get('f1-score', 0):>6.2f}"
            )
        print(f"{intent:22}{row}")
    print()
    for system in systems:
        data = results["systems"][system]
        entity = data.get("entities")
        entity_text = f", entity F1 {entity['f1']:.3f}" if entity else ""
        flags = data.get("red_flags")
        if flags:
            print(
                f"{system:10} red flags: recall {flags['recall']:.3f} on {flags['red_flag_messages']}, "
                f"false alarms {flags['false_alarm_rate']:.3f} on {flags['ordinary_messages']}"
            )
        print(
            f"{system:10} macro F1 {data['intents']['macro_f1']:.3f}, accuracy {data['intents']['accuracy']:.3f}"
            f"{entity_text}"
        )
    print(f"\nconfusion matrix (pipeline): {results['confusion_matrix']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model", type=Path, default=services.MODEL, help="trained model of config.yml (make train)"
    )
    parser.add_argument("--skip-ablation", action="store_true", help="don't train the no-ruler variant")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    train_set = load_examples(*training_nlu_files())  # the model's own data, small talk included
    test_set = load_examples(TEST_SET)
    gold_intents = [e.intent for e in test_set]
    gold_entities = [e.entities for e in test_set]
    systems: dict[str, Any] = {}
    intents, entities = predict(args.model, test_set)
    systems["pipeline"] = {
        "intents": intent_scores(gold_intents, intents),
        "entities": entity_f1(gold_entities, entities),
    }
    pipeline_intents = intents
    if not args.skip_ablation:
        intents, entities = predict(train(no_ruler_config(), "no-ruler"), test_set)
        systems["no_ruler"] = {
            "intents": intent_scores(gold_intents, intents),
            "entities": entity_f1(gold_entities, entities),
        }
    systems["baseline"] = {"intents": intent_scores(gold_intents, baseline(train_set, test_set))}
    systems["pipeline"]["red_flags"] = red_flag_rates(args.model)
    image = OUT / "nlu_confusion.png"
    save_confusion(gold_intents, pipeline_intents, image)
    results = {
        "test_examples": len(test_set),
        "train_examples": len(train_set),
        "systems": systems,
        "confusion_matrix": str(image.relative_to(ROOT)),
    }
    (OUT / "nlu.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_table(results)
    print(f"results: {(OUT / 'nlu.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
