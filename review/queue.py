"""The review queue: messages that need a human eye, near-duplicates grouped, most useful first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from review.reasons import LABELS, WEIGHTS, Reason, reasons_by_turn
from review.settings import CONTEXT_TURNS, NEAR_DUPLICATE
from review.similarity import key_text, similarity
from review.state import ReviewState
from review.store import Conversation
from review.turns import Turn, turns_of


@dataclass
class Queued:
    """One queued occurrence of a message."""

    turn: Turn
    reasons: set[Reason]


@dataclass
class Group:
    """Near-duplicate messages, decided together."""

    items: list[Queued] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """Distinct texts (by key text), most often seen first."""
        counts = Counter(key_text(item.turn.text) for item in self.items)
        first: dict[str, str] = {}
        for item in self.items:
            first.setdefault(key_text(item.turn.text), item.turn.text)
        return [first[key] for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    @property
    def representative(self) -> Queued:
        """The latest occurrence of the most frequent text: shown with its context."""
        text = key_text(self.texts[0])
        return max((i for i in self.items if key_text(i.turn.text) == text), key=lambda i: i.turn.timestamp)

    @property
    def reasons(self) -> Counter[Reason]:
        return Counter(reason for item in self.items for reason in item.reasons)

    @property
    def main_reason(self) -> Reason:
        return max(self.reasons, key=lambda reason: (WEIGHTS[reason], self.reasons[reason]))

    @property
    def conversations(self) -> int:
        return len({item.turn.conversation for item in self.items})

    @property
    def impact(self) -> float:
        """How much fixing this group would help: runners who met it x how bad it was for them."""
        per_conversation: dict[str, float] = {}
        for item in self.items:
            weight = max(WEIGHTS[reason] for reason in item.reasons)
            per_conversation[item.turn.conversation] = max(per_conversation.get(item.turn.conversation, 0), weight)
        repeats = len(self.items) - len(per_conversation)
        return sum(per_conversation.values()) + 0.5 * repeats

    @property
    def keys(self) -> list[str]:
        return [item.turn.key for item in self.items]


def queued_messages(conversations: Iterable[Conversation], state: ReviewState) -> list[Queued]:
    """Every typed user message with at least one reason that has not been reviewed yet."""
    queued = []
    for conversation in conversations:
        turns = turns_of(conversation, state.salt, CONTEXT_TURNS)
        for turn, reasons in zip(turns, reasons_by_turn(turns), strict=True):
            if reasons and not turn.is_payload and not state.is_reviewed(turn.key, turn.text):
                queued.append(Queued(turn, reasons))
    return queued


def group(queued: list[Queued], threshold: float = NEAR_DUPLICATE) -> list[Group]:
    """Near-duplicates together (trigram similarity to a group's first text), most useful group first."""
    by_text: dict[str, list[Queued]] = {}
    for item in sorted(queued, key=lambda q: q.turn.timestamp):
        by_text.setdefault(key_text(item.turn.text), []).append(item)
    groups: list[tuple[str, Group]] = []
    for text, items in sorted(by_text.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        home = next((g for leader, g in groups if similarity(leader, text) >= threshold), None)
        if home is None:
            home = Group()
            groups.append((text, home))
        home.items.extend(items)
    ordered = [g for _, g in groups]
    ordered.sort(key=lambda g: (-g.impact, -WEIGHTS[g.main_reason], g.representative.turn.timestamp))
    return ordered


def build_queue(conversations: Iterable[Conversation], state: ReviewState) -> list[Group]:
    return group(queued_messages(conversations, state))


def listing(groups: list[Group]) -> Iterable[dict[str, Any]]:
    """One record per queued text, for `make review-list` (no sender ids, no conversation ids)."""
    for number, grouped in enumerate(groups, start=1):
        for text in grouped.texts:
            items = [i for i in grouped.items if key_text(i.turn.text) == key_text(text)]
            latest = max(items, key=lambda i: i.turn.timestamp)
            reasons = Counter(r for i in items for r in i.reasons)
            yield {
                "group": number,
                "text": text,
                "reason": max(reasons, key=lambda r: (WEIGHTS[r], reasons[r])).value,
                "reasons": sorted(r.value for r in reasons),
                "intent": latest.turn.reading.intent,
                "confidence": round(latest.turn.reading.confidence, 3),
                "times_seen": len(items),
                "first_seen": iso(min(i.turn.timestamp for i in items)),
                "impact": round(grouped.impact, 2),
            }


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def describe(reason: Reason) -> str:
    return LABELS[reason]
