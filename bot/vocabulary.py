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


# Talk of training and the legs, and talk of the rest of life: a classifier may read "something has
# felt off on my runs since I upped the mileage" as stress; with no word of the mind it is the body's.
_TRAINING_TALK = re.compile(r"\b(mileage|miles|kms?|runs?|running|ran|training|legs?|stride|pace|strides)\b")
_LIFE_TALK = re.compile(r"\b(work|job|boss|life|exams?|uni|school|family|kids|partner|relationship|mind|head|"
                        r"mentally|mental|emotional(ly)?|feelings?|mood|sad|cry\w*|worr\w*|confidence|motivat\w*|"
                        r"sane|sanity|brain|thoughts?|happy|unhappy|lonely|tired of)\b")


def body_complaint(text: str, kb: KnowledgeBase) -> bool:
    """Something wrong with running said with no cue of stress or sleep and no word of the rest of life."""
    clean = normalise(text)
    return (not concerns_in(text, kb) & {"stress", "sleep"} and bool(_TRAINING_TALK.search(clean))
            and not _LIFE_TALK.search(clean))


def concerns_in(text: str, kb: KnowledgeBase) -> frozenset[str]:
    """Concern ids (pain, sleep, stress) whose cues appear in `text`."""
    # a stress fracture is a bone's, not the mind's ("an old stress fracture, long healed")
    clean = _BONE_STRESS.sub(" ", normalise(text))
    return frozenset(
        cue.id for cue in kb.concern_cues.values()
        if any(phrase_pattern(term).search(clean) for term in cue.terms)
    )
