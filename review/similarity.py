"""Cheap text similarity for near-duplicates and rephrasings (character trigrams, meaning words)."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.text import normalise

_NON_WORD = re.compile(r"[^\w\s]+")
_WORD = re.compile(r"[^\W\d_]+")
# Words that carry no meaning of their own for "did they say the same thing again?".


def word_set(words: str) -> frozenset[str]:
    """A set of words written as one space-separated string (easier to read and edit)."""
    return frozenset(words.split())


STOP_WORDS = word_set(
    "a an the and or but if so to of in on at for with from by about as is are was were be been am do does did "
    "i me my mine you your it its this that these those there here what which who how why when can could would "
    "should will not no yes just really very some any all have has had get got im ive dont please thanks hi hey "
    "after before up down out off again still also too"
)


def key_text(text: str) -> str:
    """The text as compared: normalised, punctuation dropped."""
    return " ".join(_NON_WORD.sub(" ", normalise(text)).split())


@lru_cache(maxsize=65536)
def trigrams(text: str) -> frozenset[str]:
    padded = f"  {key_text(text)} "
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2))


def similarity(first: str, second: str) -> float:
    """Jaccard similarity of the two texts' character trigrams (1.0 = same letters)."""
    a, b = trigrams(first), trigrams(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(normalise(text)) if w not in STOP_WORDS and len(w) > 2)
