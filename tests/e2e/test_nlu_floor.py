"""Accuracy floor: the trained model's intent macro F1 on the held-out set (tests/nlu/test_nlu.yml).

The floor sits a little under the figure measured when it was set (see FLOOR), so a change
to data, config or components that loses real accuracy fails `make test`. This is an
accuracy check, not a timing one. `make bench-nlu` prints the full per-intent report.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.nlu_benchmark import TEST_SET, intent_scores, load_examples, parse_all
from launch.services import MODEL

# Measured 0.857 (2026-11-30, base model) on the honest held-out set (near-copies replaced, real-style
# messages added); 0.917 and 0.923 on two trainings after session 14's small-talk data (2026-12-07).
# Raise it when the model gets better; the issue target is 0.93.
FLOOR = 0.88


@pytest.fixture(scope="module")
def scores() -> dict[str, object]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    examples = load_examples(TEST_SET)
    parsed = asyncio.run(parse_all(MODEL, [e.text for e in examples]))
    return intent_scores([e.intent for e in examples], [p["intent"]["name"] for p in parsed])


def test_held_out_macro_f1_stays_above_the_floor(scores: dict[str, object]) -> None:
    per_intent = scores["per_intent"]
    assert isinstance(per_intent, dict)
    weakest = sorted((v["f1-score"], k) for k, v in per_intent.items())[:4]
    assert scores["macro_f1"] >= FLOOR, f"held-out macro F1 {scores['macro_f1']:.3f} < {FLOOR}; weakest {weakest}"


def test_every_core_intent_is_mostly_recognised(scores: dict[str, object]) -> None:
    per_intent = scores["per_intent"]
    assert isinstance(per_intent, dict)
    core = ("report_pain", "ask_sleep", "ask_stress", "ask_technique", "ask_benefits", "red_flag")
    weak = {k: round(per_intent[k]["f1-score"], 2) for k in core if per_intent[k]["f1-score"] < 0.6}
    assert not weak, f"core intents below F1 0.6 on the held-out set: {weak}"
