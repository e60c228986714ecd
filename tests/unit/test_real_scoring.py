"""The scoring rules of `make bench-real`, on a tiny synthetic set (no servers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.real_scoring import (
    Item,
    Markers,
    Outcome,
    Turn,
    f1_scores,
    judged_pair,
    load_items,
    macro_f1,
    next_answer,
    report,
    useful,
)

MARKERS = Markers(
    technique_patterns={"Sports massage": re.compile(r"sports massage"),
                        "Swedish massage": re.compile(r"swedish( massage)?")},
    fallback=("Sorry, I didn't quite get that",),
    out_of_scope=("That's outside what I know",),
    referral=("Please get this checked by a doctor",),
)
SET = """\
- text: my calves are wrecked after the hill session
  intent: ask_pain
- text: heel went pop and I cannot put weight on it
  intent: ask_pain
  red_flag: true
- text: killer hills today, legs are dead
  intent: ask_pain
  tricky: true
- text: is swedish massage any good before a 10k
  intent: ask_technique
  alt_intent: ask_benefits
  entities:
    technique: swedish
- text: what time does packet pickup close
  intent: other
"""


def reply(text: str, *payloads: str) -> dict[str, object]:
    return {"text": text, "buttons": [{"title": p.strip("/"), "payload": p} for p in payloads]}


@pytest.fixture()
def items(tmp_path: Path) -> list[Item]:
    path = tmp_path / "set.yml"
    path.write_text(SET, encoding="utf-8")
    return load_items(path)


def test_load_items_reads_every_field(items: list[Item]) -> None:
    assert [i.gold for i in items] == ["pain", "pain", "pain", "technique", "other"]
    assert items[1].red_flag and items[2].tricky
    assert items[3].accepted == {"technique", "benefits"}
    assert items[3].entities == {"technique": "swedish"}


def test_load_items_rejects_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("- text: no intent here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="item 1 needs"):
        load_items(path)


@pytest.mark.parametrize(("index", "predicted", "pair"), [
    (0, "report_pain", ("pain", "pain")),
    (0, "ask_sleep", ("pain", "sleep")),
    (1, "red_flag", ("pain", "pain")),  # red_flag is right for a red-flag item
    (2, "red_flag", ("pain", "other")),  # ... and maps to other elsewhere
    (3, "ask_timing", ("benefits", "benefits")),  # the alt intent counts
    (3, "compare_techniques", ("technique", "technique")),
    (3, "greet", ("technique", "other")),
    (4, "out_of_scope", ("other", "other")),
])
def test_judged_pair(items: list[Item], index: int, predicted: str, pair: tuple[str, str]) -> None:
    assert judged_pair(items[index], predicted) == pair


def test_f1_and_macro() -> None:
    pairs = [("pain", "pain"), ("pain", "sleep"), ("sleep", "sleep"), ("other", "pain")]
    scores = f1_scores(pairs)
    assert scores["pain"]["precision"] == 0.5 and scores["pain"]["recall"] == 0.5
    assert scores["sleep"]["f1"] == pytest.approx(2 / 3)
    assert scores["other"]["f1"] == 0.0
    # classes with no support (stress, technique, benefits) are left out of the mean
    assert macro_f1(scores) == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)


@pytest.mark.parametrize(("index", "turns", "expected"), [
    # pain: a named technique within three turns
    (0, [Turn("m", [reply("Where?", "/deny")]), Turn("/deny", [reply("Sports massage is my pick.")])], True),
    (0, [Turn("m", [reply("Where?")]), Turn("skip", [reply("How long?")]), Turn("skip", [reply("When?")])], False),
    (0, [Turn("m", [reply("Sorry, I didn't quite get that. Say it another way?")])], False),
    (0, [Turn("m", [reply("Please get this checked by a doctor before any massage.")])], False),
    (0, [Turn("m", [reply("Massage helps.")], referred=True)], False),
    # red flags: useful only when referred
    (1, [Turn("m", [reply("Please get this checked by a doctor before any massage.")])], True),
    (1, [Turn("m", [reply("Sports massage is my pick.")])], False),
    # a technique question needs the technique it asked about
    (3, [Turn("m", [reply("Swedish massage uses long strokes.")])], True),
    (3, [Turn("m", [reply("Sports massage keeps you training.")])], False),
    (3, [Turn("m", [reply("That's outside what I know, sorry. Swedish massage...")])], False),
    (3, [Turn("m", [])], False),
])
def test_useful(items: list[Item], index: int, turns: list[Turn], expected: bool) -> None:
    assert useful(items[index], turns, MARKERS) is expected


def test_the_turn_limit_is_a_parameter(items: list[Item]) -> None:
    walk = [Turn("m", [reply("Where?")]), Turn("skip", [reply("How long?")]), Turn("skip", [reply("When?")]),
            Turn("skip", [reply("Sports massage is my pick.")])]
    assert useful(items[0], walk, MARKERS) is False  # three turns by default
    assert useful(items[0], walk, MARKERS, limit=4) is True


def test_useful_does_not_judge_other(items: list[Item]) -> None:
    assert useful(items[4], [Turn("m", [reply("Anything else?")])], MARKERS) is None


def test_tools_outside_the_kb_must_be_named() -> None:
    item = Item("is foam rolling as good as a massage", "ask_technique")
    assert not useful(item, [Turn("m", [reply("Sports massage keeps you training.")])], MARKERS)
    assert useful(item, [Turn("m", [reply("Foam rolling is something we have no source for...")])], MARKERS)


@pytest.mark.parametrize(("buttons", "expected"), [
    (("/inform{\"body_part\": \"calf\"}", "/deny"), "/deny"),
    (("/ask_sleep", "/report_pain"), "/report_pain"),
    ((), "skip"),
])
def test_next_answer(items: list[Item], buttons: tuple[str, ...], expected: str) -> None:
    assert next_answer([reply("Where?", *buttons)], items[0]) == expected


def test_report_counts_referrals_and_false_alarms(items: list[Item]) -> None:
    referral = reply("Please get this checked by a doctor before any massage.")
    outcomes = [
        Outcome(items[0], "report_pain", [Turn("m", [referral])]),  # a false alarm
        Outcome(items[1], "red_flag", [Turn("m", [referral])]),
        Outcome(items[2], "report_pain", [Turn("m", [reply("Sports massage is my pick.")])]),
        Outcome(items[3], "ask_technique", [Turn("m", [reply("Swedish massage uses long strokes.")])]),
        Outcome(items[4], "out_of_scope", [Turn("m", [reply("That's outside what I know, sorry.")])]),
    ]
    result = report(outcomes, MARKERS)
    assert result["red_flag"] == {"referred": 1, "total": 1, "recall": 1.0}
    assert result["false_alarms"]["ordinary_referred"] == 1
    assert result["false_alarms"]["ordinary_total"] == 2
    assert result["false_alarms"]["tricky_referred"] == 0
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0
    assert result["useful"]["judged"] == 4 and result["useful"]["share"] == 0.75
    assert result["confusion"][0][0] == 3  # pain row, pain column
    assert result["intents_by_class"]["pain"] == {"report_pain": 2, "red_flag": 1}


def test_the_usage_report_reads_the_real_set_figures() -> None:
    from bench.real_scoring import report_summary
    from review.bench_history import _figures

    result = {"macro_f1": 0.71, "accuracy": 0.7, "first_reply_kinds": {"fallback": 8}}
    figures = _figures("real", 0.0, {"systems": report_summary(result)})
    assert figures is not None and (figures.macro_f1, figures.accuracy, figures.fallbacks) == (0.71, 0.7, 8)
