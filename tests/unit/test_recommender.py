"""Recommendation rules: each one, its edges, and explainability."""

from __future__ import annotations

import pytest

from bot.knowledge_base import KnowledgeBase
from bot.recommender import Situation, choose_method, recommend


def situation(**kwargs: object) -> Situation:
    for name in ("concerns", "body_parts", "symptoms"):
        if name in kwargs:
            kwargs[name] = frozenset(kwargs[name])  # type: ignore[arg-type]
    return Situation(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("given", "technique"), [
    (dict(concerns={"pain"}, first_massage=True, body_parts={"calf"}), "swedish"),
    (dict(concerns={"sleep"}), "swedish"),
    (dict(concerns={"stress"}), "swedish"),
    (dict(concerns={"pain"}, duration="chronic", body_parts={"calf"}), "deep_tissue"),
    (dict(concerns={"pain"}, symptoms={"scar_tissue"}), "deep_tissue"),
    (dict(concerns={"pain"}, symptoms={"adhesion"}), "deep_tissue"),
    (dict(concerns={"pain"}, symptoms={"restricted_rom"}), "myofascial_release"),
    (dict(concerns={"pain"}, body_parts={"plantar_fascia"}), "myofascial_release"),
    (dict(concerns={"pain"}, symptoms={"knot"}), "trigger_point"),
    (dict(concerns={"pain"}, timing="training_block"), "sports"),
    (dict(concerns={"pain"}, timing="pre_race", body_parts={"quad"}), "sports"),
    (dict(concerns={"pain"}, timing="post_long_run"), "sports"),
    (dict(concerns={"pain"}), "sports"),
    (dict(), "sports"),
])
def test_rules(kb: KnowledgeBase, given: dict[str, object], technique: str) -> None:
    assert recommend(situation(**given), kb).technique.id == technique


@pytest.mark.parametrize(("symptoms", "method"), [
    ({"knot"}, "static_pressure"),
    ({"knot", "tightness"}, "stripping"),
    ({"knot", "stiffness"}, "pin_and_stretch"),
    ({"knot", "restricted_rom"}, "active_release"),
])
def test_trigger_point_method(kb: KnowledgeBase, symptoms: set[str], method: str) -> None:
    chosen = choose_method(kb.techniques["trigger_point"], symptoms)
    assert chosen is not None and chosen.id == method


def test_trigger_point_recommendation_names_its_method(kb: KnowledgeBase) -> None:
    rec = recommend(situation(concerns={"pain"}, symptoms={"knot"}, body_parts={"calf"}), kb)
    assert rec.method is not None
    assert rec.method.name.lower() in rec.name.lower()


def test_other_techniques_have_no_method(kb: KnowledgeBase) -> None:
    assert recommend(situation(concerns={"sleep"}), kb).method is None


def test_reasons_and_sources_are_traceable(kb: KnowledgeBase) -> None:
    rec = recommend(situation(concerns={"pain"}, duration="chronic", symptoms={"tightness"}), kb)
    assert 1 <= len(rec.reasons) <= 4
    assert all(r.source in kb.sources for r in rec.reasons)
    assert rec.sources and set(rec.sources) <= set(kb.sources)


def test_first_massage_beats_a_knot(kb: KnowledgeBase) -> None:
    rec = recommend(situation(concerns={"pain"}, symptoms={"knot"}, first_massage=True), kb)
    assert rec.technique.id == "swedish"


def test_pre_race_adds_a_caution(kb: KnowledgeBase) -> None:
    rec = recommend(situation(concerns={"pain"}, timing="race_week", duration="chronic"), kb)
    assert rec.cautions


def test_deterministic(kb: KnowledgeBase) -> None:
    given = situation(concerns={"pain"}, symptoms={"knot", "tightness"}, duration="chronic")
    assert recommend(given, kb) == recommend(given, kb)


def test_alternatives_exclude_the_winner(kb: KnowledgeBase) -> None:
    rec = recommend(situation(concerns={"pain"}, duration="chronic", timing="training_block"), kb)
    assert rec.technique not in rec.alternatives and rec.alternatives
