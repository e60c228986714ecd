"""Apparent personal data in a message (emails, phone numbers, street addresses, names), and a redacted copy.

Heuristics, tuned to miss little: a maintainer sees every hit highlighted and chooses. Redacted
parts become neutral stand-ins of the same kind, so the example still reads like a runner's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from review.similarity import word_set

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{5,}\d(?!\w)")
DATE = re.compile(r"^\d{1,4}([-./])\d{1,2}\1\d{1,4}$")
STREET_WORDS = ("street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace"
                "|close|crescent|cres|grove|square|sq|gardens|parade|hill|row|mews|walk")
ADDRESS = re.compile(rf"\b\d{{1,5}}[a-z]?,?\s+((?:[a-z'-]+\s+){{0,3}})({STREET_WORDS})\b\.?", re.IGNORECASE)
# Words that never belong to a street name, so "5 miles down the road" is not an address.
NOT_STREET = word_set("k km kms mile miles min mins minute minutes hour hours hr hrs day days week weeks month months "
                       "times x down up the a an on along to of my in at into around round up and or")
# Cue words in any case; the name itself starts with a capital (after "my name is", any case).
NAME_CUE = re.compile(r"\b(?i:my name is|my name's|call me|name is)\s+([A-Za-z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)")
SELF_CUE = re.compile(r"\b(?i:i'm|i\u2019m|im|i am|this is)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)")
NOT_NAMES = word_set("a an the not so very really just still in on at and or but")

STAND_INS = {"email": "runner@example.com", "phone": "000 000 0000", "address": "1 High Street", "name": "Sam"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # email | phone | address | name

    def text(self, message: str) -> str:
        return message[self.start:self.end]


def _phones(text: str) -> Iterable[Span]:
    for match in PHONE.finditer(text):
        candidate = match.group().strip(" .-")
        digits = sum(ch.isdigit() for ch in candidate)
        if 7 <= digits <= 15 and not DATE.match(candidate):
            yield Span(match.start(), match.start() + len(candidate), "phone")


def _addresses(text: str) -> Iterable[Span]:
    for match in ADDRESS.finditer(text):
        if not any(word.lower() in NOT_STREET for word in match.group(1).split()):
            yield Span(match.start(), match.end(), "address")


def _names(text: str, known_words: frozenset[str]) -> Iterable[Span]:
    for match in NAME_CUE.finditer(text):
        if match.group(1).split()[0].lower() not in NOT_NAMES:
            yield Span(match.start(1), match.end(1), "name")
    for match in SELF_CUE.finditer(text):
        # "I'm Sore" is not a name: a capitalised word the training data knows in lower case isn't one.
        first = match.group(1).split()[0]
        if first.lower() not in known_words and first.lower() not in NOT_NAMES:
            yield Span(match.start(1), match.end(1), "name")


def find(text: str, known_words: frozenset[str] = frozenset()) -> list[Span]:
    """Non-overlapping spans of apparent personal data, in order (emails win over phones, etc.)."""
    found: list[Span] = [Span(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    for candidates in (_phones(text), _addresses(text), _names(text, known_words)):
        for span in candidates:
            if not any(span.start < other.end and other.start < span.end for other in found):
                found.append(span)
    return sorted(found, key=lambda span: span.start)


def redact(text: str, spans: list[Span]) -> str:
    """`text` with every span replaced by a neutral stand-in of its kind."""
    out, position = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        out.append(text[position:span.start])
        out.append(STAND_INS[span.kind])
        position = span.end
    out.append(text[position:])
    return "".join(out)


def without(text: str, known_words: frozenset[str] = frozenset()) -> str:
    """`text` with apparent personal data left out (for counting words, never for training data)."""
    spans = find(text, known_words)
    out, position = [], 0
    for span in spans:
        out.append(text[position:span.start])
        position = span.end
    out.append(text[position:])
    return " ".join("".join(out).split())
