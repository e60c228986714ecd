"""Map surface text to knowledge-base ids, and spot the concerns a message raises."""

from __future__ import annotations

import re

from bot.knowledge_base import KnowledgeBase
from bot.text import normalise, phrase_pattern
from bot.time_spans import duration_from_span, timing_from_span


def resolve(entity: str, text: str, kb: KnowledgeBase) -> str | None:
    """The id whose terms include `text`, or the text itself if it already is an id."""
    clean = normalise(text)
    found = kb.term_index.get(entity, {}).get(clean)
    if found:
        return found
    if entity == "duration":
        return duration_from_span(clean)
    if entity == "timing":
        return timing_from_span(clean)
    return None


_BONE_STRESS = re.compile(r"\bstress (fractures?|reactions?|responses?|injur(y|ies)|fx)\b")


def concerns_in(text: str, kb: KnowledgeBase) -> frozenset[str]:
    """Concern ids (pain, sleep, stress) whose cues appear in `text`."""
    # a stress fracture is a bone's, not the mind's ("an old stress fracture, long healed")
    clean = _BONE_STRESS.sub(" ", normalise(text))
    return frozenset(
        cue.id for cue in kb.concern_cues.values()
        if any(phrase_pattern(term).search(clean) for term in cue.terms)
    )
