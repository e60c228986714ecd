"""`make report`: one self-contained HTML page (inline SVG charts, inline CSS, no outside requests)."""

from __future__ import annotations

import html
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from bot.knowledge_base import KnowledgeBase
from review import charts
from review.bench_history import Figures, before_and_after
from review.queue import build_queue
from review.reasons import LABELS, Reason
from review.state import ReviewState
from review.store import read_conversations
from review.usage import Usage, measure, rates, referral_table
from review.vocabulary import training_words

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;
padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} .sub{color:#666;margin-top:0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:1rem}
section.chart{border:1px solid #ddd;border-radius:8px;padding:.8rem 1rem}
section.chart h2{font-size:1.05rem;margin:.1rem 0} p.reading{margin:.2rem 0 .5rem;color:#333}
section.chart svg{width:100%;height:auto}
.figures{display:flex;gap:1.5rem;flex-wrap:wrap;margin:1rem 0} .figure{font-size:.9rem;color:#555}
.figure b{display:block;font-size:1.6rem;color:#222}
table{border-collapse:collapse;font-size:.9rem} td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}
"""


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    reading: str
    svg: str


def _count(number: float, noun: str) -> str:
    """"1 referral", "3 referrals"."""
    return f"{number:g} {noun}{'' if number == 1 else 's'}"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def usage_charts(usage: Usage, queue_reasons: Counter[Reason], kb: KnowledgeBase) -> list[Chart]:
    days = usage.days
    out = []
    busiest = max(usage.conversations_per_day.items(), key=lambda kv: kv[1], default=None)
    out.append(Chart("conversations", "Conversations per day",
                     f"{_count(usage.conversations, 'conversation')}, {_count(usage.messages, 'message')}; busiest day "
                     f"{busiest[0]} ({busiest[1]})." if busiest else "No conversations in this range.",
                     charts.bars(sorted(usage.conversations_per_day),
                                 [usage.conversations_per_day[d] for d in sorted(usage.conversations_per_day)],
                                 "conversations", horizontal=False)))
    mix = usage.intents.most_common(15)
    out.append(Chart("intents", "Intent mix",
                     f"Most asked: {mix[0][0]} ({_share(mix[0][1], usage.messages)} of messages)." if mix
                     else "No messages in this range.",
                     charts.bars([m[0] for m in mix], [m[1] for m in mix], "messages")))
    fallback_total = sum(usage.fallbacks_per_day.values())
    low_total = sum(usage.low_confidence_per_day.values())
    out.append(Chart("rates", "Fallback and low-confidence rates",
                     f"Over the range: {_share(fallback_total, usage.messages)} of messages fell back, "
                     f"{_share(low_total, usage.messages)} were read with low confidence.",
                     charts.lines(days, rates(usage), "% of the day's messages", percent=True)))
    signs, by_urgency = referral_table(usage)
    total_referrals = sum(usage.referrals.values())
    out.append(Chart("referrals", "Referrals by warning sign and urgency",
                     f"{_count(total_referrals, 'referral')}; most often: {signs[0]}." if signs else "No referrals.",
                     charts.stacked(signs, by_urgency, "referrals")))
    techniques = usage.techniques.most_common()
    parts = usage.body_parts.most_common(10)
    reading = (f"{_count(sum(usage.techniques.values()), 'recommendation')}; most often "
               f"{kb.name_of(techniques[0][0])}, for {parts[0][0].replace('_', ' ')} most often."
               if techniques else "No recommendations in this range.")
    labels = [f"{kb.name_of(t)}" for t, _ in techniques] + [f"body part: {kb.name_of(p)}" for p, _ in parts]
    out.append(Chart("recommendations", "Recommendations by technique and body part", reading,
                     charts.bars(labels, [c for _, c in techniques] + [c for _, c in parts], "recommendations")))
    turns = Counter(usage.turns_to_recommendation)
    median = usage.median_turns
    out.append(Chart("turns", "Turns to the first recommendation",
                     f"Median {_count(median, 'runner message')} before the first recommendation "
                     f"({_count(len(usage.turns_to_recommendation), 'conversation')} got one)." if median is not None
                     else "No conversation reached a recommendation.",
                     charts.bars([str(t) for t in sorted(turns)], [turns[t] for t in sorted(turns)],
                                 "conversations", horizontal=False)))
    unknown = usage.unknown.most_common(15)
    out.append(Chart("unknown", "Words the assistant did not know",
                     f"Most frequent unknown word: \u201c{unknown[0][0]}\u201d, in {unknown[0][1]} message(s) "
                     "(candidates for training data or knowledge-base terms)." if unknown
                     else "Every word runners used was in the training data.",
                     charts.bars([u for u, _ in unknown], [c for _, c in unknown], "messages")))
    reasons = [(LABELS[r], n) for r, n in queue_reasons.most_common()]
    out.append(Chart("queue", "Open review queue by reason",
                     f"Messages waiting for review: {sum(queue_reasons.values())}; run `make review`." if reasons
                     else "The review queue is empty.",
                     charts.bars([r for r, _ in reasons], [n for _, n in reasons], "messages")))
    return out


def bench_chart(history: dict[str, tuple[Figures | None, Figures]]) -> Chart:
    labels, before, after = [], [], []
    rows = []
    for name, (previous, latest) in history.items():
        label = "held-out set" if name == "nlu" else name.replace("nlu-", "").replace("-", " ") + " set"
        labels.append(label)
        before.append(previous.macro_f1 if previous else 0.0)
        after.append(latest.macro_f1)
        change = f"{latest.macro_f1 - previous.macro_f1:+.3f}" if previous else "first run"
        rows.append(f"{label}: macro F1 {latest.macro_f1:.3f} ({change})")
    reading = "; ".join(rows) + "." if rows else "No benchmark results yet: run `make bench-nlu` after `make train`."
    return Chart("bench", "NLU figures before and after retraining (macro F1)", reading,
                 charts.before_after(labels, before, after, "macro F1"))


def bench_table(history: dict[str, tuple[Figures | None, Figures]]) -> str:
    if not history:
        return ""
    cells = ["<table><tr><th>benchmark</th><th>macro F1 before</th><th>after</th><th>accuracy before</th>"
             "<th>after</th><th>run</th></tr>"]
    for name, (previous, latest) in history.items():
        when = datetime.fromtimestamp(latest.when, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
        cells.append(
            f"<tr><td>{html.escape(name)}</td><td>{f'{previous.macro_f1:.3f}' if previous else '-'}</td>"
            f"<td>{latest.macro_f1:.3f}</td><td>{f'{previous.accuracy:.3f}' if previous else '-'}</td>"
            f"<td>{latest.accuracy:.3f}</td><td>{when} UTC</td></tr>")
    return "".join(cells) + "</table>"


def page(title: str, subtitle: str, usage: Usage, chart_list: list[Chart], bench: str) -> str:
    median = usage.median_turns
    figures = [("conversations", usage.conversations), ("messages", usage.messages),
               ("referrals", sum(usage.referrals.values())), ("recommendations", sum(usage.techniques.values())),
               ("median turns to a recommendation", f"{median:g}" if median is not None else "-")]
    head = "".join(f'<div class="figure"><b>{html.escape(str(v))}</b>{html.escape(k)}</div>' for k, v in figures)
    sections = "".join(
        f'<section class="chart" id="chart-{c.key}"><h2>{html.escape(c.title)}</h2>'
        f'<p class="reading">{html.escape(c.reading)}</p>{c.svg}</section>' for c in chart_list)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>'
            f'<body><h1>{html.escape(title)}</h1><p class="sub">{html.escape(subtitle)}</p>'
            f'<div class="figures">{head}</div><div class="grid">{sections}</div>{bench}</body></html>')


def write_report(url: sa.engine.URL, state: ReviewState, since: float | None, out: Path, bench: Path,
                 kb: KnowledgeBase) -> Path:
    usage = measure(read_conversations(url, since), training_words(), kb, state.salt)
    groups = build_queue(read_conversations(url, since), state)
    queue_reasons: Counter[Reason] = Counter(r for g in groups for item in g.items for r in item.reasons)
    history = before_and_after(bench) if bench.exists() else {}
    chart_list = [*usage_charts(usage, queue_reasons, kb), bench_chart(history)]
    start = datetime.fromtimestamp(since, tz=timezone.utc).date().isoformat() if since else "the first conversation"
    end = datetime.fromtimestamp(time.time(), tz=timezone.utc).date().isoformat()
    subtitle = f"From {start} to {end} (UTC). Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC."
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page("Runner recovery assistant: usage report", subtitle, usage, chart_list,
                        bench_table(history)), encoding="utf-8")
    return out
