"""Time spans with numbers ("for 3 weeks", "race in 10 days"): a small grammar that
the entity ruler uses to find them and the resolver uses to map them to ids.

Fixed phrases live in the knowledge base's vocabulary; this covers the open-ended
numeric forms that a list of phrases cannot.
"""

from __future__ import annotations

import re
from typing import Any

WORD_VALUES = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "couple": 2, "few": 3, "several": 4}
NUMBER_WORDS = tuple(WORD_VALUES)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBER = [{"LIKE_NUM": True}]
_WORD_NUMBER = [{"LOWER": {"IN": list(NUMBER_WORDS)}}]
# Up to this many days a problem counts as new; anything longer as chronic.
NEW_WITHIN_DAYS = 10
RACE_WEEK_DAYS = 7
PRE_RACE_DAYS = 21


def _span(lead: list[str], units: list[str]) -> list[list[dict[str, Any]]]:
    patterns = []
    for number in (_NUMBER, _WORD_NUMBER):
        patterns.append([{"LOWER": {"IN": lead}}, *number, {"LOWER": "of", "OP": "?"},
                         {"LEMMA": {"IN": units}}])
    return patterns


def ruler_patterns() -> list[dict[str, Any]]:
    """Entity-ruler token patterns for numeric durations and race countdowns."""
    duration = _span(["for", "about", "around", "over", "nearly", "almost", "past", "last"],
                     ["day", "week", "month", "year"])
    countdown = _span(["in"], ["day", "week"])
    return ([{"label": "duration", "pattern": p, "id": "span"} for p in duration]
            + [{"label": "timing", "pattern": p, "id": "span"} for p in countdown])


_SPAN = re.compile(rf"\b(\d+|{'|'.join(NUMBER_WORDS)})\s+(?:of\s+)?(day|week|month|year)s?\b")


def _days(text: str) -> int | None:
    match = _SPAN.search(text)
    if not match:
        return None
    count = match.group(1)
    number = int(count) if count.isdigit() else WORD_VALUES[count]
    return number * _UNIT_DAYS[match.group(2)]


def duration_from_span(text: str) -> str | None:
    """'for 3 weeks' -> chronic, 'two days' -> new; None without a time span."""
    days = _days(text)
    if days is None:
        return None
    return "new" if days <= NEW_WITHIN_DAYS else "chronic"


def timing_from_span(text: str) -> str | None:
    """'in 5 days' -> race_week, 'in 2 weeks' -> pre_race, 'in 6 weeks' -> training_block."""
    days = _days(text)
    if days is None or not text.lstrip().startswith("in "):
        return None
    if days <= RACE_WEEK_DAYS:
        return "race_week"
    return "pre_race" if days <= PRE_RACE_DAYS else "training_block"
