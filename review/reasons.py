"""Why a user message needs a human eye."""

from __future__ import annotations

import re
from enum import Enum

from bot.text import normalise
from review.settings import LOW_CONFIDENCE
from review.similarity import content_words, similarity
from review.turns import FALLBACK_INTENT, Turn


class Reason(str, Enum):
    RED_FLAG = "red_flag"
    CORRECTED = "corrected"
    REPHRASED = "rephrased"
    FALLBACK = "fallback"
    DISAGREEMENT = "disagreement"
    LOW_CONFIDENCE = "low_confidence"
    OUT_OF_SCOPE = "out_of_scope"


# How much fixing one conversation's message helps, by reason: safety first, then the
# runner who saw a wrong answer, then the one who got none.
WEIGHTS = {
    Reason.RED_FLAG: 5.0,
    Reason.CORRECTED: 4.0,
    Reason.REPHRASED: 3.0,
    Reason.FALLBACK: 3.0,
    Reason.DISAGREEMENT: 2.0,
    Reason.LOW_CONFIDENCE: 2.0,
    Reason.OUT_OF_SCOPE: 1.0,
}

LABELS = {
    Reason.RED_FLAG: "red-flag referral (confirm or false alarm)",
    Reason.CORRECTED: "the runner said the answer was wrong",
    Reason.REPHRASED: "the runner rephrased right after the reply",
    Reason.FALLBACK: "not understood (fallback)",
    Reason.DISAGREEMENT: "DIET and the n-gram model disagree",
    Reason.LOW_CONFIDENCE: f"low confidence (below {LOW_CONFIDENCE})",
    Reason.OUT_OF_SCOPE: "answered as out of scope",
}

# Ways runners tell the assistant it misread them (on normalised text: "that's" stays, "didn't" -> "did not").
_CORRECTION = re.compile(
    r"\b(not what i (asked|meant|said|wanted|was asking)|that('s| is) not (it|what)|no,? i meant|i meant\b"
    r"|you (misunderstood|misread|got it wrong|got me wrong|did not understand)|wrong answer"
    r"|that('s| is) (wrong|not right|not correct)|i did not (ask|say|mean)|not my question"
    r"|(you are|you're) not (listening|getting it)|answer my question|that does not answer)"
)
# A rephrasing repeats some of the message's meaning words, or most of its letters.
_REPHRASE_SHARED_WORDS = 0.5
_REPHRASE_SIMILARITY = 0.45


def is_correction(text: str) -> bool:
    return bool(_CORRECTION.search(normalise(text)))


def is_rephrasing(first: str, second: str) -> bool:
    a, b = content_words(first), content_words(second)
    if len(a) < 2 or len(b) < 2:
        return False
    shared = len(a & b) / min(len(a), len(b))
    return shared >= _REPHRASE_SHARED_WORDS or similarity(first, second) >= _REPHRASE_SIMILARITY


def own_reasons(turn: Turn) -> set[Reason]:
    """Reasons visible in the message's own reading and reply."""
    reading = turn.reading
    found: set[Reason] = set()
    if reading.intent == "red_flag" or "action_refer_medical" in turn.actions:
        found.add(Reason.RED_FLAG)
    if reading.intent == FALLBACK_INTENT or "action_default_fallback" in turn.actions:
        found.add(Reason.FALLBACK)
    elif reading.confidence < LOW_CONFIDENCE and reading.intent != "red_flag":
        found.add(Reason.LOW_CONFIDENCE)
    if reading.diet and reading.ngram and reading.diet != reading.ngram:
        found.add(Reason.DISAGREEMENT)
    if reading.intent == "out_of_scope" or "utter_out_of_scope" in turn.actions:
        found.add(Reason.OUT_OF_SCOPE)
    return found


def reasons_by_turn(turns: list[Turn]) -> list[set[Reason]]:
    """Each turn's reasons; a correction or a rephrasing marks the message before it."""
    found = [own_reasons(turn) for turn in turns]
    for index in range(1, len(turns)):
        previous, current = turns[index - 1], turns[index]
        if previous.is_payload or current.is_payload or not previous.replies:
            continue
        if is_correction(current.text):
            found[index - 1].add(Reason.CORRECTED)
        elif is_rephrasing(previous.text, current.text):
            found[index - 1].add(Reason.REPHRASED)
    return found
