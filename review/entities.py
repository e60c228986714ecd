"""Entities a maintainer can mark: knowledge-base terms found in a message, and annotation in Rasa's syntax."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    entity: str  # body_part, technique, ...
    value: str  # knowledge-base id


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in term.split()]
    return re.compile(r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?![\w-])", re.IGNORECASE)


def kb_marks(text: str, kb: KnowledgeBase) -> list[Mark]:
    """Knowledge-base terms in `text`, longest first where they overlap, in text order."""
    found = [
        Mark(match.start(), match.end(), entity, entry_id)
        for entity, terms in kb.term_index.items()
        for term, entry_id in terms.items()
        for match in term_pattern(term.replace("_", " ")).finditer(text)
    ]
    kept: list[Mark] = []
    for mark in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(mark.start < other.end and other.start < mark.end for other in kept):
            kept.append(mark)
    return sorted(kept, key=lambda m: m.start)


def annotate(text: str, marks: list[Mark], kb: KnowledgeBase) -> str:
    """`[calves](body_part)`; `[deep-tissue]{"entity": ..., "value": "deep_tissue"}` where the words as
    written (another spacing or hyphenation) are not listed as the term itself."""
    out, position = [], 0
    for mark in sorted(marks, key=lambda m: m.start):
        surface = text[mark.start:mark.end]
        out.append(text[position:mark.start])
        if kb.term_index.get(mark.entity, {}).get(surface.lower()) == mark.value:
            out.append(f"[{surface}]({mark.entity})")
        else:
            out.append(f"[{surface}]" + json.dumps({"entity": mark.entity, "value": mark.value}))
        position = mark.end
    out.append(text[position:])
    return "".join(out)
