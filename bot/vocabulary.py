"""Map surface text to knowledge-base ids, and spot the concerns a message raises."""

from __future__ import annotations

import re

from bot.knowledge_base import KnowledgeBase, default_knowledge_base
from bot.text import normalise, phrase_pattern

_NUMBER_WORDS = r"\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|several|many"
_SPAN = re.compile(rf"\b(?:{_NUMBER_WORDS})\s+(day|week|month|year)s?\b")
# Up to this many days counts as new; anything longer as chronic.
NEW_WITHIN_DAYS = 10
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def resolve(entity: str, text: str, kb: KnowledgeBase | None = None) -> str | None:
    """The id whose terms include `text`, or the text itself if it already is an id."""
    kb = kb or default_knowledge_base()
    ids = kb.entity_terms().get(entity, {})
    clean = normalise(text)
    if clean in ids:
        return clean
    for entry_id, terms in ids.items():
        if clean in terms:
            return entry_id
    if entity == "duration":
        return duration_from_span(clean)
    return None


def duration_from_span(text: str) -> str | None:
    """'for 3 weeks' -> chronic, 'two days' -> new; None without a time span."""
    match = _SPAN.search(normalise(text))
    if not match:
        return None
    count = match.group(0).split()[0]
    number = int(count) if count.isdigit() else (1 if count in ("a", "an", "one") else 3)
    return "new" if number * _UNIT_DAYS[match.group(1)] <= NEW_WITHIN_DAYS else "chronic"


def concerns_in(text: str, kb: KnowledgeBase | None = None) -> frozenset[str]:
    """Concern ids (pain, sleep, stress) whose cues appear in `text`."""
    kb = kb or default_knowledge_base()
    clean = normalise(text)
    return frozenset(
        cue.id for cue in kb.concern_cues.values()
        if any(phrase_pattern(term).search(clean) for term in cue.terms)
    )
