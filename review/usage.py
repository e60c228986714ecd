"""Usage figures over a date range, from the stored conversations (what the report draws)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from bot.knowledge_base import KnowledgeBase
from bot.triage import assess
from review import pii
from review.settings import CONTEXT_TURNS, LOW_CONFIDENCE
from review.store import Conversation
from review.turns import FALLBACK_INTENT, Turn, turns_of
from review.vocabulary import unknown_words

RECOMMEND_ACTION = "action_recommend"


@dataclass
class Usage:
    conversations_per_day: Counter[str] = field(default_factory=Counter)
    messages_per_day: Counter[str] = field(default_factory=Counter)
    fallbacks_per_day: Counter[str] = field(default_factory=Counter)
    low_confidence_per_day: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    referrals: Counter[tuple[str, str]] = field(default_factory=Counter)  # (warning sign, urgency)
    techniques: Counter[str] = field(default_factory=Counter)
    body_parts: Counter[str] = field(default_factory=Counter)
    turns_to_recommendation: list[int] = field(default_factory=list)
    unknown: Counter[str] = field(default_factory=Counter)
    typed_messages: list[str] = field(default_factory=list)  # personal data left out

    @property
    def days(self) -> list[str]:
        return sorted(self.messages_per_day)

    @property
    def median_turns(self) -> float | None:
        return statistics.median(self.turns_to_recommendation) if self.turns_to_recommendation else None

    @property
    def conversations(self) -> int:
        return sum(self.conversations_per_day.values())

    @property
    def messages(self) -> int:
        return sum(self.messages_per_day.values())


def day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).date().isoformat()


def _referral(turn: Turn, kb: KnowledgeBase) -> tuple[str, str]:
    triage = assess(turn.text, kb)
    if triage.flags:
        return triage.flags[0].name, triage.flags[0].urgency or "unknown"
    return "other (NLU only)", "unknown"


def measure(conversations: Iterable[Conversation], known_words: frozenset[str], kb: KnowledgeBase,
            salt: str = "") -> Usage:
    usage = Usage()
    for conversation in conversations:
        turns = turns_of(conversation, salt, CONTEXT_TURNS)
        if not turns:
            continue
        usage.conversations_per_day[day(turns[0].timestamp)] += 1
        recommended = False
        body_part = None
        for number, turn in enumerate(turns, start=1):
            body_part = turn.slots.get("body_part", body_part)
            today = day(turn.timestamp)
            usage.messages_per_day[today] += 1
            reading = turn.reading
            if reading.intent:
                usage.intents[reading.intent] += 1
            if reading.intent == FALLBACK_INTENT:
                usage.fallbacks_per_day[today] += 1
            elif reading.confidence < LOW_CONFIDENCE and not turn.is_payload:
                usage.low_confidence_per_day[today] += 1
            if "action_refer_medical" in turn.actions:
                usage.referrals[_referral(turn, kb)] += 1
            technique = turn.slots.get("last_technique")
            if RECOMMEND_ACTION in turn.actions and technique:
                usage.techniques[str(technique)] += 1
                usage.body_parts[str(body_part) if body_part not in (None, "unknown") else "not said"] += 1
                if not recommended:
                    usage.turns_to_recommendation.append(number)
                    recommended = True
            if not turn.is_payload:
                usage.typed_messages.append(pii.without(turn.text, known_words))
    usage.unknown = unknown_words(usage.typed_messages, known_words)
    return usage


def rates(usage: Usage) -> dict[str, list[float]]:
    """Per day: share of messages that fell back, and that were read with low confidence."""
    days = usage.days
    return {
        "fallback": [usage.fallbacks_per_day[d] / usage.messages_per_day[d] for d in days],
        f"low confidence (< {LOW_CONFIDENCE})": [usage.low_confidence_per_day[d] / usage.messages_per_day[d]
                                                 for d in days],
    }


def referral_table(usage: Usage) -> tuple[list[str], dict[str, list[float]]]:
    """Warning signs (most referrals first) and, per urgency, how many referrals each had."""
    by_sign: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for (sign, urgency), count in usage.referrals.items():
        by_sign[sign][urgency] += count
    signs = sorted(by_sign, key=lambda s: -sum(by_sign[s].values()))
    urgencies = sorted({u for counts in by_sign.values() for u in counts},
                       key=lambda u: ["emergency", "urgent", "prompt", "unknown"].index(u)
                       if u in ("emergency", "urgent", "prompt", "unknown") else 9)
    return signs, {u: [float(by_sign[s][u]) for s in signs] for u in urgencies}
