"""The custom NLU components on hand-made messages (no trained model)."""

from __future__ import annotations

from typing import Any

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.entity_source import EntitySource
from nlu_components.no_words import NoWordsFallback


def entity(value: str, extractor: str) -> dict[str, Any]:
    return {"entity": "body_part", "value": value, "start": 0, "end": len(value), "extractor": extractor}


def parsed(text: str, intent: str = "report_pain", **data: Any) -> Message:
    ranking = [{"name": intent, "confidence": 0.8}, {"name": "inform", "confidence": 0.2}]
    return Message(data={TEXT: text, INTENT: ranking[0], INTENT_RANKING_KEY: ranking, **data})


def test_only_the_knowledge_base_ruler_entities_are_kept() -> None:
    message = parsed("tight calves", **{ENTITIES: [entity("calf", "SpacyEntityExtractor"),
                                                  entity("calves", "DIETClassifier")]})
    (out,) = EntitySource.create(EntitySource.get_default_config(), None, None, None).process([message])  # type: ignore[arg-type]
    assert out.get(ENTITIES) == [entity("calf", "SpacyEntityExtractor")]


def test_messages_without_entities_are_left_alone() -> None:
    message = parsed("hello", intent="greet")
    (out,) = EntitySource(["SpacyEntityExtractor"]).process([message])
    assert out.get(ENTITIES) in (None, []) and out.get(INTENT)["name"] == "greet"


def test_the_kept_extractors_are_configurable() -> None:
    message = parsed("tight calves", **{ENTITIES: [entity("calves", "DIETClassifier")]})
    (out,) = EntitySource(["DIETClassifier"]).process([message])
    assert out.get(ENTITIES) == [entity("calves", "DIETClassifier")]


def test_messages_without_words_go_to_the_fallback_and_others_do_not() -> None:
    component = NoWordsFallback()
    emoji, markup, words, payload = (parsed(t) for t in ("🔥🔥", "<script></script>", "tight calves", "/greet"))
    component.process([emoji, markup, words, payload])
    assert emoji.get(INTENT)["name"] == markup.get(INTENT)["name"] == DEFAULT_NLU_FALLBACK_INTENT_NAME
    assert emoji.get(INTENT_RANKING_KEY)[1]["name"] == "report_pain"  # the classifier's guess stays below
    assert words.get(INTENT)["name"] == payload.get(INTENT)["name"] == "report_pain"
