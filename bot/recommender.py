"""Deterministic, explainable technique recommendation from the knowledge base.

Each technique lists indications (conditions with a weight and a reason). The
recommender adds up the weights of the indications a situation meets; the highest
total wins, ties going to the technique listed first in `techniques.yml`. The
reasons shown are the matched indications' facts, so every answer can be traced.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from bot.kb_ids import BEFORE_RACE, FIRST_MASSAGE, GENERAL, PRE_RACE_TIMINGS
from bot.knowledge_base import Fact, Indication, KnowledgeBase, Method, Technique

MAX_REASONS = 3


@dataclass(frozen=True)
class Situation:
    """What is known about the runner's concern, in knowledge-base ids."""

    concerns: frozenset[str] = frozenset({GENERAL})
    body_parts: frozenset[str] = frozenset()
    symptoms: frozenset[str] = frozenset()
    duration: str | None = None
    timing: str | None = None
    first_massage: bool = False

    @property
    def is_empty(self) -> bool:
        """Nothing known beyond a general wish for advice."""
        return self == Situation()

    def with_concern(self, concern: str) -> Situation:
        return replace(self, concerns=(self.concerns - {GENERAL}) | {concern})

    def values(self, name: str) -> frozenset[str]:
        if name == "concern":
            return self.concerns
        if name == "body_part":
            return self.body_parts
        if name == "symptom":
            return self.symptoms
        if name == "experience":
            return frozenset({FIRST_MASSAGE}) if self.first_massage else frozenset()
        value = getattr(self, name)
        return frozenset({value}) if value else frozenset()


@dataclass(frozen=True)
class Scored:
    technique: Technique
    score: int
    matched: tuple[Indication, ...]


@dataclass(frozen=True)
class Recommendation:
    technique: Technique
    method: Method | None
    reasons: tuple[Fact, ...]
    cautions: tuple[Fact, ...]
    alternatives: tuple[Technique, ...] = field(default=())

    @property
    def sources(self) -> tuple[str, ...]:
        facts = (*self.reasons, *self.cautions)
        return tuple(dict.fromkeys(fact.source for fact in facts))

    @property
    def name(self) -> str:
        if self.method:
            return f"{self.technique.name} ({self.method.name.lower()})"
        return self.technique.name


def _meets(indication: Indication, situation: Situation) -> bool:
    return all(values & situation.values(name) for name, values in indication.when.items())


def score_techniques(situation: Situation, kb: KnowledgeBase) -> list[Scored]:
    """Every technique with its total weight, best first (stable on ties)."""
    scored = []
    for technique in kb.techniques.values():
        matched = tuple(i for i in technique.indications if _meets(i, situation))
        scored.append(Scored(technique, sum(i.weight for i in matched), matched))
    return sorted(scored, key=lambda s: -s.score)


def choose_method(technique: Technique, symptoms: Iterable[str]) -> Method | None:
    """The method whose `suits` best overlaps the symptoms; the first listed on ties."""
    if not technique.methods:
        return None
    wanted = frozenset(symptoms)
    return max(technique.methods, key=lambda m: len(m.suits & wanted))


def _reasons(best: Scored, method: Method | None) -> tuple[Fact, ...]:
    ranked = sorted(best.matched, key=lambda i: -i.weight)
    facts = list(dict.fromkeys(i.reason for i in ranked))[:MAX_REASONS]
    if not facts:
        facts = [best.technique.ideal_for[0]]
    if method:
        facts.append(method.reason)
    return tuple(facts)


def _cautions(technique: Technique, situation: Situation, kb: KnowledgeBase) -> tuple[Fact, ...]:
    cautions = list(technique.cautions)
    if situation.timing in PRE_RACE_TIMINGS:
        cautions.insert(0, kb.topics[BEFORE_RACE].facts[0])
    return tuple(dict.fromkeys(cautions))[:2]


def recommend(situation: Situation, kb: KnowledgeBase) -> Recommendation:
    """Pick a technique (and a method for trigger point therapy) with its reasons."""
    ranking = score_techniques(situation, kb)
    best = ranking[0]
    method = choose_method(best.technique, situation.symptoms)
    alternatives = tuple(s.technique for s in ranking[1:] if s.score > 0)
    return Recommendation(
        technique=best.technique,
        method=method,
        reasons=_reasons(best, method),
        cautions=_cautions(best.technique, situation, kb),
        alternatives=alternatives,
    )
