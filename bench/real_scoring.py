"""Scoring for `make bench-real`: real runner messages, six classes, safety and useful replies.

Plain functions over plain data (no Rasa, no servers), so the rules are unit-tested on a tiny
synthetic set. The set's format is the header of the shared real_runner_messages.yml:
a list of items with `text`, `intent`, optional `alt_intent`, `red_flag`, `tricky`, `entities`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CLASSES = ("pain", "sleep", "stress", "technique", "benefits", "other")
IN_DOMAIN = frozenset(CLASSES) - {"other"}
ORDINARY = frozenset({"pain", "sleep", "stress"})  # the classes a false alarm is counted on
# Intents (ours, and the set's own labels) -> class; every other intent is "other".
CLASS_OF_INTENT = {
    "report_pain": "pain", "ask_pain": "pain",
    "ask_sleep": "sleep",
    "ask_stress": "stress",
    "ask_technique": "technique", "compare_techniques": "technique", "ask_recommendation": "technique",
    "ask_benefits": "benefits", "ask_timing": "benefits",
}
RED_FLAG_INTENT = "red_flag"
# Tools and methods outside the knowledge base's techniques: a question about one is answered
# usefully only when the answer names it. Written from the list, not from any set.
OUTSIDE_TOOLS = {
    "foam rolling": r"foam[\s-]?roll",
    "massage gun": r"massage[\s-]?guns?\b|percussi|theragun|hypervolt",
    "Graston / IASTM": r"graston|\biastm\b|instrument[\s-]assisted|scraping",
    "cupping": r"\bcupping\b",
    "dry needling": r"dry[\s-]?needl",
    "compression boots": r"compression boots?|normatec",
    "stretching": r"\bstretch(?:es|ing)?\b",
}


@dataclass(frozen=True)
class Item:
    """One message of a real set."""

    text: str
    intent: str
    alt_intent: str | None = None
    red_flag: bool = False
    tricky: bool = False
    entities: Mapping[str, str] = field(default_factory=dict)

    @property
    def gold(self) -> str:
        return class_of(self.intent)

    @property
    def accepted(self) -> frozenset[str]:
        """Every class that counts as right for this item."""
        return frozenset(class_of(i) for i in (self.intent, self.alt_intent) if i)


def class_of(intent: str | None) -> str:
    return CLASS_OF_INTENT.get(intent or "", "other")


def load_items(path: Path) -> list[Item]:
    """Items of a set file; a clear error for anything not in the set's format."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a list of items (see the header of real_runner_messages.yml)")
    items = []
    for number, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not entry.get("text") or not entry.get("intent"):
            raise ValueError(f"{path}: item {number} needs `text` and `intent`")
        entities = {str(k): str(v) for k, v in (entry.get("entities") or {}).items()}
        items.append(Item(str(entry["text"]), str(entry["intent"]), entry.get("alt_intent"),
                          bool(entry.get("red_flag")), bool(entry.get("tricky")), entities))
    return items


# --- intents ------------------------------------------------------------------------


def judged_pair(item: Item, predicted_intent: str | None) -> tuple[str, str]:
    """(true class, predicted class) for the confusion matrix and F1.

    A prediction in the accepted set (either reading of a two-concern item, or `red_flag`
    for an item marked red_flag) is right, so it is scored as the class it named; otherwise
    the true class is the item's main intent."""
    if item.red_flag and predicted_intent == RED_FLAG_INTENT:
        return item.gold, item.gold
    predicted = class_of(predicted_intent)
    return (predicted if predicted in item.accepted else item.gold), predicted


def f1_scores(pairs: Sequence[tuple[str, str]], classes: Sequence[str] = CLASSES) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per class (0.0 where undefined)."""
    out: dict[str, dict[str, float]] = {}
    for label in classes:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        predicted = sum(1 for _, p in pairs if p == label)
        support = sum(1 for t, _ in pairs if t == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    return out


def macro_f1(scores: Mapping[str, Mapping[str, float]]) -> float:
    present = [s["f1"] for s in scores.values() if s["support"]]
    return sum(present) / len(present) if present else 0.0


def confusion(pairs: Iterable[tuple[str, str]], classes: Sequence[str] = CLASSES) -> list[list[int]]:
    """Rows: true class; columns: predicted class."""
    index = {c: i for i, c in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for true, predicted in pairs:
        matrix[index[true]][index[predicted]] += 1
    return matrix


# --- replies ------------------------------------------------------------------------


@dataclass(frozen=True)
class Markers:
    """How to recognise kinds of replies: the bot's own texts and names, given by the caller."""

    technique_patterns: Mapping[str, re.Pattern[str]]  # technique or method name -> pattern
    fallback: tuple[str, ...]  # texts of "say it another way"
    out_of_scope: tuple[str, ...]  # texts of "outside what I know"
    referral: tuple[str, ...]  # opening sentences of referrals

    def kind(self, text: str) -> str:
        """fallback, out_of_scope, referral, empty or answer."""
        clean = text.strip()
        if not clean:
            return "empty"
        if any(marker and marker in clean for marker in self.referral):
            return "referral"
        if any(clean.startswith(marker) for marker in self.fallback if marker):
            return "fallback"
        if any(clean.startswith(marker) for marker in self.out_of_scope if marker):
            return "out_of_scope"
        return "answer"

    def techniques_named(self, text: str) -> set[str]:
        low = text.lower()
        named = {name for name, pattern in self.technique_patterns.items() if pattern.search(low)}
        named |= {name for name, pattern in OUTSIDE_TOOLS.items() if re.search(pattern, low)}
        return named


def asked_techniques(item: Item, markers: Markers) -> set[str]:
    """What a technique question asks about: its `technique` entity, else names in its text."""
    value = item.entities.get("technique")
    if value:
        named = markers.techniques_named(value)
        return named or {value.lower()}
    return markers.techniques_named(item.text)


@dataclass
class Turn:
    """One user turn: what was sent and the bot's replies."""

    sent: str
    replies: list[dict[str, Any]]
    referred: bool = False  # the action server ran the referral action on this turn

    @property
    def text(self) -> str:
        return "\n".join(str(r.get("text") or "") for r in self.replies)


def turn_kind(turn: Turn, markers: Markers) -> str:
    if turn.referred:
        return "referral"
    kinds = [markers.kind(str(r.get("text") or "")) for r in turn.replies if r.get("text")]
    for kind in ("referral", "fallback", "out_of_scope"):
        if kind in kinds:
            return kind
    return "answer" if kinds else "empty"


TURNS = 3  # a pain, sleep or stress message must reach a technique within this many user turns


def useful(item: Item, turns: Sequence[Turn], markers: Markers, limit: int = TURNS) -> bool | None:
    """Whether the conversation gave a useful reply; None for `other` items (not judged).

    Red flags: useful when the first reply refers. Otherwise a referral, fallback,
    out-of-scope or empty reply is never useful; pain, sleep and stress need a named
    technique within the turns given (at most three); a technique question needs the
    first reply to name what was asked (any technique when nothing specific was);
    benefits questions need an answer."""
    if not turns:
        return False
    if item.red_flag:
        return turn_kind(turns[0], markers) == "referral"
    if item.gold not in IN_DOMAIN:
        return None
    if item.gold in ORDINARY:
        for turn in turns[:limit]:
            if turn_kind(turn, markers) != "answer":
                return False
            if markers.techniques_named(turn.text) - set(OUTSIDE_TOOLS):
                return True
        return False
    first = turns[0]
    if turn_kind(first, markers) != "answer":
        return False
    if item.gold == "technique":
        asked = asked_techniques(item, markers)
        named = markers.techniques_named(first.text)
        return bool(named & asked) if asked else bool(named)
    return True


def next_answer(replies: Sequence[dict[str, Any]], item: Item) -> str:
    """What the walker sends after a question: Skip, else the button of the item's class, else "skip"."""
    buttons = [b for r in replies for b in (r.get("buttons") or [])]
    for button in buttons:
        if str(button.get("title", "")).strip().lower() == "skip" or button.get("payload") == "/deny":
            return str(button["payload"])
    for button in buttons:
        payload = str(button.get("payload", ""))
        if payload.startswith("/") and class_of(payload[1:].split("{")[0]) == item.gold:
            return payload
    return "skip"


def needs_more_turns(item: Item, turns: Sequence[Turn], markers: Markers, limit: int = TURNS) -> bool:
    """True while a pain/sleep/stress walk has not yet reached a technique or a dead end."""
    if item.red_flag or item.gold not in ORDINARY or len(turns) >= limit or not turns:
        return False
    last = turns[-1]
    return turn_kind(last, markers) == "answer" and not (markers.techniques_named(last.text) - set(OUTSIDE_TOOLS))


# --- the whole report ---------------------------------------------------------------


@dataclass
class Outcome:
    """What the assistant did with one item."""

    item: Item
    intent: str | None
    turns: list[Turn]


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def report(outcomes: Sequence[Outcome], markers: Markers, limit: int = TURNS) -> dict[str, Any]:
    pairs = [judged_pair(o.item, o.intent) for o in outcomes]
    scores = f1_scores(pairs)
    first_kinds = [turn_kind(o.turns[0], markers) if o.turns else "empty" for o in outcomes]
    referred = [kind == "referral" for kind in first_kinds]
    red = [r for o, r in zip(outcomes, referred, strict=True) if o.item.red_flag]
    ordinary = [r for o, r in zip(outcomes, referred, strict=True) if not o.item.red_flag and o.item.gold in ORDINARY]
    tricky = [r for o, r in zip(outcomes, referred, strict=True) if o.item.tricky]
    judged = [(o, useful(o.item, o.turns, markers, limit)) for o in outcomes]
    judged = [(o, u) for o, u in judged if u is not None]
    per_class_useful = {
        c: share(sum(1 for o, u in judged if u and o.item.gold == c), sum(1 for o, _ in judged if o.item.gold == c))
        for c in CLASSES if any(o.item.gold == c for o, _ in judged)
    }
    return {
        "items": len(outcomes),
        "accuracy": share(sum(1 for t, p in pairs if t == p), len(pairs)),
        "macro_f1": macro_f1(scores),
        "per_class": scores,
        "classes": list(CLASSES),
        "confusion": confusion(pairs),
        "red_flag": {"referred": sum(red), "total": len(red), "recall": share(sum(red), len(red))},
        "false_alarms": {
            "ordinary_referred": sum(ordinary), "ordinary_total": len(ordinary),
            "ordinary_rate": share(sum(ordinary), len(ordinary)),
            "tricky_referred": sum(tricky), "tricky_total": len(tricky),
            "other_referred": sum(1 for o, r in zip(outcomes, referred, strict=True)
                                  if r and not o.item.red_flag and o.item.gold not in ORDINARY),
        },
        "red_flag_intent_on_ordinary": sum(1 for o in outcomes if o.intent == RED_FLAG_INTENT and not o.item.red_flag),
        "useful": {"share": share(sum(1 for _, u in judged if u), len(judged)), "judged": len(judged),
                   "per_class": per_class_useful, "turns": limit},
        "first_reply_kinds": {k: first_kinds.count(k) for k in sorted(set(first_kinds))},
        # What "other" hides: the model's own intents (red_flag, nlu_fallback, out_of_scope...) per true class.
        "intents_by_class": {c: dict(Counter(str(o.intent) for o in outcomes if o.item.gold == c).most_common())
                             for c in CLASSES},
    }


def report_summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The intent figures in the shape `make report` reads from bench/results (as nlu.json),
    so the usage report shows the real set before and after retraining too."""
    kinds = result.get("first_reply_kinds") or {}
    return {"pipeline": {"intents": {"macro_f1": result["macro_f1"], "accuracy": result["accuracy"],
                                     "fallbacks": kinds.get("fallback")}}}
