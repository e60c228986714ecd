"""Red-flag triage: warning signs that need a medical professional, not a massage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge_base import URGENCIES, KnowledgeBase, RedFlag, default_knowledge_base
from bot.text import normalise, phrase_pattern

# A sign just after one of these words (same clause) is being denied, not reported.
_NEGATIONS = frozenset({"no", "not", "without", "never", "nor", "zero", "nothing", "neither"})
_NEGATION_WINDOW = 3
_CLAUSE_BREAK = re.compile(r"[.,;:!?()]|\bbut\b|\bthough\b|\bhowever\b|\band now\b")


@dataclass(frozen=True)
class Triage:
    """The warning signs found in one message, most urgent first."""

    flags: tuple[RedFlag, ...]

    @property
    def is_red_flag(self) -> bool:
        return bool(self.flags)

    @property
    def urgency(self) -> str | None:
        return self.flags[0].urgency if self.flags else None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(flag.id for flag in self.flags)


def _is_negated(text: str, start: int) -> bool:
    before = text[max(0, start - 80):start]
    clause = _CLAUSE_BREAK.split(before)[-1]
    words = clause.split()[-_NEGATION_WINDOW:]
    return any(word in _NEGATIONS for word in words)


def _matches(flag: RedFlag, text: str) -> bool:
    for phrase in flag.phrases:
        for match in phrase_pattern(phrase).finditer(text):
            if not _is_negated(text, match.start()):
                return True
    return any(
        not _is_negated(text, match.start())
        for pattern in flag.patterns
        for match in pattern.finditer(text)
    )


def assess(message: str, kb: KnowledgeBase | None = None) -> Triage:
    """Find every red flag in `message`; empty when there is none."""
    kb = kb or default_knowledge_base()
    text = normalise(message)
    if not text:
        return Triage(())
    found = [flag for flag in kb.red_flags.values() if _matches(flag, text)]
    found.sort(key=lambda flag: URGENCIES.index(flag.urgency))
    return Triage(tuple(found))
