"""The usage report: figures from stored conversations, every chart inline, before/after benchmark figures."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from bot.knowledge_base import KnowledgeBase
from review.bench_history import before_and_after
from review.report import write_report
from review.state import ReviewState
from review.store import read_conversations
from review.usage import measure
from tests.unit.review_events import action, bot, slot, user, write_store

DAY = 86400.0
T = 1_764_500_000.0
CHARTS = ["conversations", "intents", "rates", "referrals", "recommendations", "turns", "unknown", "queue", "bench"]


def conversations() -> dict[str, list[dict]]:
    return {
        "a": [user("my calves are tight", "report_pain", 0.9, T), action("recommendation_form", T + 1),
              bot("How long?", T + 1), slot("body_part", "calf", T + 1),
              user("a few days", "inform", 0.8, T + 2), action("action_recommend", T + 3),
              slot("last_technique", "sports_massage", T + 3), bot("Sports massage, because...", T + 3)],
        "b": [user("sharp chest pain on my run", "red_flag", 1.0, T + DAY),
              action("action_refer_medical", T + DAY + 1), bot("Call emergency services now.", T + DAY + 1),
              user("flibbertigibbet wobbles", "nlu_fallback", 0.25, T + DAY + 2), bot("Sorry?", T + DAY + 3)],
        "c": [user("hi, I'm Priya", "greet", 0.99, T + DAY), bot("Hi!", T + DAY + 1),
              user("hamstrings sore", "report_pain", 0.4, T + DAY + 2), action("action_recommend", T + DAY + 3),
              slot("last_technique", "deep_tissue", T + DAY + 3), bot("Deep tissue.", T + DAY + 3)],
    }


def test_the_figures_come_from_the_stored_conversations(tmp_path: Path, kb: KnowledgeBase) -> None:
    url = write_store(tmp_path / "c.db", conversations())
    usage = measure(read_conversations(url), frozenset({"my", "calves", "are", "tight", "hi", "sore", "a", "few",
                                                        "days", "sharp", "chest", "pain", "on", "run"}), kb)
    assert usage.conversations_per_day == {"2025-11-30": 1, "2025-12-01": 2}
    assert usage.fallbacks_per_day == {"2025-12-01": 1} and usage.low_confidence_per_day == {"2025-12-01": 1}
    assert usage.referrals == {("Chest pain or struggling to breathe", "emergency"): 1}
    assert usage.techniques == {"sports_massage": 1, "deep_tissue": 1}
    assert usage.body_parts == {"calf": 1, "not said": 1}
    assert usage.turns_to_recommendation == [2, 2] and usage.median_turns == 2
    assert set(usage.unknown) == {"flibbertigibbet", "wobbles", "hamstrings"}  # never a name


def test_the_page_is_one_file_with_every_chart_inline(tmp_path: Path, kb: KnowledgeBase) -> None:
    url = write_store(tmp_path / "c.db", conversations())
    bench = tmp_path / "bench"
    bench.mkdir()
    results = {"systems": {"pipeline": {"intents": {"macro_f1": 0.70, "accuracy": 0.75, "fallbacks": 4}}}}
    (bench / "nlu.json").write_text(json.dumps(results))
    os.utime(bench / "nlu.json", (T, T))
    before_and_after(bench)  # the report before retraining saw these
    results["systems"]["pipeline"]["intents"].update(macro_f1=0.78, accuracy=0.8)
    (bench / "nlu.json").write_text(json.dumps(results))
    out = write_report(url, ReviewState.load(tmp_path / "s.json"), None, tmp_path / "report" / "index.html", bench,
                       kb)
    page = out.read_text()
    assert [path.name for path in out.parent.iterdir()] == ["index.html"]
    for key in CHARTS:
        section = re.search(rf'<section class="chart" id="chart-{key}">(.*?)</section>', page, re.DOTALL)
        assert section and "<svg" in section.group(1) and '<p class="reading">' in section.group(1), key
    # Nothing to fetch: no scripts, no links, no images or fonts from elsewhere.
    assert not re.search(r'<(script|link|img|iframe)\b|@import|url\((?!#)', page)
    assert not re.search(r'(src|href)="(?!#)', page)
    assert "held-out set: macro F1 0.780 (+0.080)" in page
    assert "Median 2 runner messages before the first recommendation" in page


def test_an_empty_store_still_gives_a_readable_page(tmp_path: Path, kb: KnowledgeBase) -> None:
    url = write_store(tmp_path / "c.db", {})
    out = write_report(url, ReviewState.load(tmp_path / "s.json"), None, tmp_path / "index.html", tmp_path / "none",
                       kb)
    page = out.read_text()
    assert "No conversations in this range." in page and page.count("<svg") == len(CHARTS)
