"""Marking entities with knowledge-base terms, in Rasa's annotation syntax."""

from __future__ import annotations

from rasa.shared.nlu.training_data.entities_parser import find_entities_in_training_example

from bot.knowledge_base import KnowledgeBase
from review.entities import Mark, annotate, kb_marks


def test_knowledge_base_terms_are_found_longest_first(kb: KnowledgeBase) -> None:
    text = "Deep tissue massage for my calves?"
    marks = kb_marks(text, kb)
    assert [(text[m.start:m.end], m.entity, m.value) for m in marks] == [
        ("Deep tissue massage", "technique", "deep_tissue"), ("calves", "body_part", "calf")]
    assert annotate(text, marks, kb) == "[Deep tissue massage](technique) for my [calves](body_part)?"


def test_words_written_unlike_the_term_are_marked_with_its_id(kb: KnowledgeBase) -> None:
    text = "my calvs ache"
    annotated = annotate(text, [Mark(3, 8, "body_part", "calf")], kb)
    assert annotated == 'my [calvs]{"entity": "body_part", "value": "calf"} ache'
    (entity,) = find_entities_in_training_example(annotated)
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == ("body_part", "calf", 3, 8)
