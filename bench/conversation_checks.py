"""What a multi-turn conversation file expects of each reply, and the check of one reply.

Shared by the conversation tests (tests/conversations, in `make test`) and by
`make bench-conversations SET=path`, which scores a fresh set kept out of the tests.
Expectations are about behaviour (a technique named, a referral, the form's question
asked), never exact wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

TECHNIQUES = ("swedish", "deep tissue", "sports massage", "myofascial release", "trigger point")
REFERRAL = re.compile(r"\b(doctor|physiotherapist|physio|emergency|crisis line|urgent care|medical help|gp)\b")
# The NLU fallback, and the form's reply to an answer it could not read.
FALLBACK = ("say it another way", "didn't quite get that", "didn't catch that")
OFF_TOPIC = ("outside what i know",)
ASKS = {
    "body_part": re.compile(r"\bwhere\b[^?]*\?"),
    "duration": re.compile(r"\bhow long\b[^?]*\?"),
    "timing": re.compile(r"\b(race|training block)\b[^?]*\?"),
}
KNOWN_KEYS = {"user", "technique", "no_technique", "referral", "understood", "off_topic", "asks", "not_asks",
              "mentions", "mentions_all", "not_mentions"}


def load_conversations(paths: Iterable[Path]) -> list[dict[str, Any]]:
    conversations = []
    for path in paths:
        conversations.extend(yaml.safe_load(path.read_text())["conversations"])
    return conversations


def _words(value: str | list[str]) -> list[str]:
    return [value.lower()] if isinstance(value, str) else [v.lower() for v in value]


def _names_technique(reply: str) -> bool:
    return any(t in reply for t in TECHNIQUES)


def check_turn(turn: dict[str, Any], reply: str) -> list[str]:
    """The expectations this reply breaks (empty when it meets them all)."""
    problems = []
    unknown = set(turn) - KNOWN_KEYS
    if unknown:
        problems.append(f"unknown expectation keys {sorted(unknown)}")
    technique = turn.get("technique")
    if technique is True and not _names_technique(reply):
        problems.append("names no technique")
    if isinstance(technique, str) and technique.lower() not in reply:
        problems.append(f"does not name {technique}")
    if turn.get("no_technique") and _names_technique(reply):
        problems.append("names a technique")
    if "referral" in turn:
        referred = bool(REFERRAL.search(reply)) and not _names_technique(reply)
        if turn["referral"] and not referred:
            problems.append("is not a referral")
        if not turn["referral"] and REFERRAL.search(reply):
            problems.append("sends them to a doctor")
    if turn.get("understood") and any(p in reply for p in (*FALLBACK, *OFF_TOPIC)):
        problems.append("is the fallback or 'outside what I know'")
    if turn.get("off_topic") and not any(p in reply for p in OFF_TOPIC):
        problems.append("is not the polite off-topic answer")
    if "asks" in turn and not ASKS[turn["asks"]].search(reply):
        problems.append(f"does not ask about {turn['asks']}")
    if "not_asks" in turn and ASKS[turn["not_asks"]].search(reply):
        problems.append(f"asks about {turn['not_asks']} again")
    if "mentions" in turn and not any(w in reply for w in _words(turn["mentions"])):
        problems.append(f"mentions none of {turn['mentions']}")
    for word in _words(turn.get("mentions_all", [])):
        if word not in reply:
            problems.append(f"does not mention {word!r}")
    for word in _words(turn.get("not_mentions", [])):
        if word in reply:
            problems.append(f"mentions {word!r}")
    return problems
