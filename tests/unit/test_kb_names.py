"""Runners' names for what we know, and honest answers about tools and methods no seed covers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import spacy

from actions.questions import ActionCompareTechniques, ActionExplainTechnique
from bot import answers
from bot.knowledge_base import EDITORIAL, KnowledgeBase, load_knowledge_base
from bot.nlp_pipeline import build_pipeline
from bot.vocabulary import resolve
from bot.yaml_nodes import KnowledgeBaseError
from tests.unit.test_actions import entity, make_tracker, run

# What a runner writes -> the knowledge-base id it names.
NAMES = [
    ("ischemic compression", "static_pressure"),
    ("Ischaemic compression", "static_pressure"),
    ("trigger point pressure release", "static_pressure"),
    ("pin massage", "pin_and_stretch"),
    ("pin-and-stretch massage", "pin_and_stretch"),
    ("effleurage", "swedish"),
    ("petrissage", "swedish"),
    ("pétrissage", "swedish"),
    ("foam roller", "foam_roller"),
    ("foam rolling", "foam_roller"),
    ("Theragun", "massage_gun"),
    ("percussion massage", "massage_gun"),
    ("Graston", "iastm"),
    ("IASTM", "iastm"),
    ("cupping", "cupping"),
    ("dry needling", "dry_needling"),
    ("NormaTec", "compression_boots"),
    ("compression boots", "compression_boots"),
    ("static stretching", "stretching"),
]
# Tool id -> a word its answer must contain (what it is), besides the honest limits.
TOOLS = [
    ("foam_roller", "foam roll"),
    ("massage_gun", "massage gun"),
    ("iastm", "graston"),
    ("cupping", "cupping"),
    ("dry_needling", "dry needling"),
    ("compression_boots", "compression boots"),
    ("stretching", "stretching"),
]
PROFESSIONALS = ("therapist", "physiotherapist", "physio", "doctor", "practitioner", "clinician", "coach")


@pytest.fixture(scope="module")
def nlp(kb: KnowledgeBase) -> spacy.language.Language:
    return build_pipeline(kb)


@pytest.mark.parametrize(("term", "expected"), NAMES)
def test_runners_names_resolve_to_what_we_know(kb: KnowledgeBase, term: str, expected: str) -> None:
    assert resolve("technique", term, kb) == expected


@pytest.mark.parametrize(("term", "expected"), NAMES)
def test_entity_ruler_sees_the_names(kb: KnowledgeBase, nlp: spacy.language.Language, term: str,
                                     expected: str) -> None:
    doc = nlp(f"what do you think about {term} for my calves?")
    found = {(e.label_, resolve(e.label_, e.text, kb)) for e in doc.ents}
    assert ("technique", expected) in found, found


def test_swedish_strokes_are_explained_with_their_names(kb: KnowledgeBase) -> None:
    for stroke in ("effleurage", "petrissage"):
        text = answers.technique_reply(kb.techniques["swedish"], f"what is {stroke}?", kb).text.lower()
        assert stroke in text and "swedish" in text


@pytest.mark.parametrize(("technique_id", "question"), [
    ("deep_tissue", "should deep tissue hurt this much?"),
    ("sports", "what do I wear for a sports massage"),
    ("trigger_point", "is it normal to be sore after trigger point work"),
    ("myofascial_release", "can I run after myofascial release"),
])
def test_a_practical_question_about_a_technique_names_it(kb: KnowledgeBase, technique_id: str,
                                                          question: str) -> None:
    technique = kb.techniques[technique_id]
    text = answers.technique_reply(technique, question, kb).text
    assert text.startswith(technique.name), text[:80]
    assert "\n- " in text  # and still gives the topic's facts


def test_ischemic_compression_is_explained_as_static_pressure(kb: KnowledgeBase) -> None:
    text = answers.method_reply(resolve("technique", "ischemic compression", kb) or "", kb).text
    assert "Static pressure" in text and "trigger point" in text


@pytest.mark.parametrize(("tool_id", "word"), TOOLS)
def test_tool_answer_is_honest_and_points_to_a_professional(kb: KnowledgeBase, tool_id: str, word: str) -> None:
    reply = answers.tool_reply(tool_id, kb=kb)
    text = reply.text.lower()
    assert word in text
    assert any(p in text for p in PROFESSIONALS), text
    assert "my sources" in text or "our sources" in text, "says what our sources do not cover"
    assert reply.sources and set(reply.sources) <= {EDITORIAL, *kb.sources}


@pytest.mark.parametrize(("tool_id", "word"), TOOLS)
def test_tool_topics_without_a_seed_are_editorial(kb: KnowledgeBase, tool_id: str, word: str) -> None:
    topic = kb.topics[kb.tools[tool_id].topic]
    unsourced = [f.text for f in topic.facts if "my sources" in f.text.lower() or "our sources" in f.text.lower()]
    assert unsourced and all(f.source == EDITORIAL for f in topic.facts if f.text in unsourced)
    assert any(phrase in topic.cues for phrase in kb.tools[tool_id].terms)  # found without the entity too


def test_a_tool_and_a_technique_get_both(kb: KnowledgeBase) -> None:
    text = answers.compare_reply(["dry_needling", "trigger_point"], kb).text
    assert "Dry needling" in text and "Trigger point therapy" in text


@pytest.mark.parametrize(("message", "value", "word", "topic"), [
    ("is a foam roller as good as a massage?", "foam roller", "foam roll", "foam_rolling"),
    ("what does a theragun do", "theragun", "massage gun", "percussion_massage"),
    ("my physio wants to do graston on my shin", "graston", "graston", "instrument_assisted"),
    ("what is cupping", "cupping", "cupping", "cupping_therapy"),
])
async def test_explain_technique_answers_tool_questions(message: str, value: str, word: str, topic: str) -> None:
    tracker = make_tracker(message, "ask_technique", [entity("technique", value, value, message.index(value))])
    messages, events = await run(ActionExplainTechnique(), tracker)
    assert word in messages[0]["text"].lower()
    # a tool is not a technique to remember for follow-ups; its topic is, for "how long on each spot?"
    assert [(e["name"], e["value"]) for e in events] == [("last_topic", topic)]


async def test_tool_question_without_an_entity_still_finds_the_topic() -> None:
    messages, _ = await run(ActionExplainTechnique(), make_tracker("anyone tried dry needling?", "ask_technique"))
    assert "dry needling" in messages[0]["text"].lower()


async def test_compare_a_tool_with_a_technique() -> None:
    message = "cupping or deep tissue?"
    tracker = make_tracker(message, "compare_techniques",
                           [entity("technique", "cupping", "cupping"),
                            entity("technique", "deep tissue", "deep tissue", 11)])
    messages, _ = await run(ActionCompareTechniques(), tracker)
    text = messages[0]["text"].lower()
    assert "cupping" in text and "deep tissue" in text


def test_tool_with_an_unknown_topic_is_reported(
    edit_yaml: Callable[[str, Callable[[Any], None]], Path], kb_copy: Path
) -> None:
    edit_yaml("vocabulary.yml", lambda data: data["tools"][0].update(topic="no_such_topic"))
    with pytest.raises(KnowledgeBaseError, match=r"vocabulary\.yml.*tools\[foam_roller\]\.topic.*no_such_topic"):
        load_knowledge_base(kb_copy)


@pytest.mark.parametrize(("text", "concern"), [
    ("life is a lot right now, new job and a marathon block", "stress"),
    ("honestly at breaking point with work, short fuse with everyone", "stress"),
    ("jaw clenching and tension headaches all week", "stress"),
    ("whole body clenched from work, shoulders and neck", "stress"),
    ("running is my therapy but I'm injured", "stress"),
    ("wide awake at 3am after evening intervals", "sleep"),
    ("broken sleep and too wired after track nights", "sleep"),
])
def test_stress_and_sleep_are_read_in_runners_words(kb: KnowledgeBase, text: str, concern: str) -> None:
    from bot.vocabulary import concerns_in

    assert concern in concerns_in(text, kb)


@pytest.mark.parametrize("text", [
    "how long should my long runs be?",
    "my calf has been tight for three weeks",
    "which shoes for a 3am ultra start?",
])
def test_ordinary_words_are_no_stress_or_sleep(kb: KnowledgeBase, text: str) -> None:
    from bot.vocabulary import concerns_in

    assert not concerns_in(text, kb) & {"stress", "sleep"}


def test_a_stress_fracture_is_no_stress(kb: KnowledgeBase) -> None:
    from bot.vocabulary import concerns_in

    assert "stress" not in concerns_in("had a stress fracture two years ago, all healed, calves tight now", kb)
    assert "stress" in concerns_in("old stress reaction in my shin, but work has me so stressed", kb)
