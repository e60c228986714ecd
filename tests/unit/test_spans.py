"""Numeric time spans: found by the entity ruler, mapped to ids by the resolver."""

from __future__ import annotations

import pytest

from bot.knowledge_base import KnowledgeBase
from bot.nlp_pipeline import build_pipeline
from bot.vocabulary import resolve


@pytest.mark.parametrize(
    ("entity", "text", "expected"),
    [
        ("duration", "for 3 weeks", "chronic"),
        ("duration", "for two days", "new"),
        ("duration", "for about 10 days", "new"),
        ("duration", "over a year", "chronic"),
        ("duration", "for a couple of weeks", "chronic"),
        ("timing", "in 5 days", "race_week"),
        ("timing", "in 2 weeks", "pre_race"),
        ("timing", "in 8 weeks", "training_block"),
        ("timing", "2 weeks", None),
        ("duration", "calves", None),
    ],
)
def test_resolve_spans(kb: KnowledgeBase, entity: str, text: str, expected: str | None) -> None:
    assert resolve(entity, text, kb) == expected


def test_ruler_finds_numeric_spans(kb: KnowledgeBase) -> None:
    doc = build_pipeline(kb)("half marathon in 12 days and my calves have hurt for 13 weeks")
    found = {(e.label_, e.text) for e in doc.ents}
    assert {("timing", "in 12 days"), ("duration", "for 13 weeks"), ("body_part", "calves")} <= found
