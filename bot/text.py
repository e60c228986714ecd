"""Text normalisation shared by triage and vocabulary matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"'})
_CONTRACTIONS = (
    (re.compile(r"\bcan ?not\b|\bcan'?t\b|\bcannae\b"), "cannot"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    (re.compile(r"\b(is|was|are|do|does|did|could|should|would|have|has)nt\b"), r"\1 not"),
    (re.compile(r"\bi'm\b"), "i am"),
    # "nothing's fun any more": the rules are written with "is"
    (re.compile(r"\b(nothing|everything|anything|something|nobody|everyone|everybody|no one|life)'s\b"), r"\1 is"),
    # "fever-free", "pain-free": a denial after its word, read as one before it
    (re.compile(r"\b([a-z]+)-free\b"), r"free of \1"),
    (re.compile(r"\bim\b"), "i am"),
    # texting: "thats normal for me", "prob just the heat", "r u sure"
    (re.compile(r"\bthats\b"), "that is"),
    (re.compile(r"\b(prob|probs|prolly)\b"), "probably"),
    (re.compile(r"\b(defo|def)\b"), "definitely"),
    (re.compile(r"\bu\b(?!-)"), "you"),
    (re.compile(r"\bive\b"), "i have"),
    # "i've been feeling low": the rules are written with "i have"
    (re.compile(r"\b(i|you|we|they|could|would|should|might|must)'ve\b"), r"\1 have"),
    # "'d" is "would" before these ("i'd rather not be here"), "had" elsewhere ("i'd had enough")
    (re.compile(r"\b(i|you|we|they|he|she|it|that)'?d (rather|prefer|like|love|be|never|just|not|probably|honestly|"
                r"happily|sooner)\b"), r"\1 would \2"),
    (re.compile(r"\b(i|you|we|they|he|she|it|that)'ll\b"), r"\1 will"),
)
_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]{0,200}>")
_SCRIPT = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_WORD = re.compile(r"[^\W\d_]{2,}")


# "3 wks", "6mths", "2 yrs": time units as runners abbreviate them, spelt out after a count
_UNITS = (
    (re.compile(r"\b(\d+|couple of|couple|few)\s*(?:wk|wks)\b"), r"\1 weeks"),
    (re.compile(r"\b(\d{1,2})\s*w\b"), r"\1 weeks"),  # "250w" is watts
    (re.compile(r"\b(a|one)\s+wk\b"), r"\1 week"),
    (re.compile(r"\b(\d{1,2})\s*d\b"), r"\1 days"),
    (re.compile(r"\b(\d+|couple of|few)\s*(?:hr|hrs|h)\b"), r"\1 hours"),
    (re.compile(r"\b(\d+|couple of|couple|few)\s*(?:mth|mths|mnth|mnths|mo|mos)\b"), r"\1 months"),
    (re.compile(r"\b(\d+|couple of|couple|few)\s*(?:yr|yrs)\b"), r"\1 years"),
    (re.compile(r"\bxmas\b"), "christmas"),
)
# "since weds", "on sat": short day names, spelt out only after a word that dates them
# ("sat on the sofa" stays)
_SHORT_DAYS = {"mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "weds": "wednesday",
               "thu": "thursday", "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday",
               "sun": "sunday"}
_SHORT_DAY = re.compile(r"\b(since|on|last|from|until|till|this|next|by|before|after) "
                        rf"({'|'.join(_SHORT_DAYS)})\b(?!')")


def normalise(text: str) -> str:
    """Lower-case, straighten quotes, expand contractions and abbreviated times and days, collapse spaces."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES).lower()
    text = _TAG.sub(" ", _SCRIPT.sub(" ", text))
    for pattern, replacement in (*_CONTRACTIONS, *_UNITS):
        text = pattern.sub(replacement, text)
    text = _SHORT_DAY.sub(lambda m: f"{m.group(1)} {_SHORT_DAYS[m.group(2)]}", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole-word, space-tolerant pattern for a normalised phrase."""
    words = [re.escape(word) for word in phrase.split()]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?![\w-])")


def has_words(text: str) -> bool:
    """False for messages with nothing to understand: empty, emoji, digits, markup only."""
    return bool(_WORD.search(normalise(text)))
