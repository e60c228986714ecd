"""The custom NLU components on hand-made messages (no trained model)."""

from __future__ import annotations

from typing import Any

from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.no_words import NoWordsFallback


def parsed(text: str, intent: str = "report_pain", **data: Any) -> Message:
    ranking = [{"name": intent, "confidence": 0.8}, {"name": "inform", "confidence": 0.2}]
    return Message(data={TEXT: text, INTENT: ranking[0], INTENT_RANKING_KEY: ranking, **data})


def test_messages_without_words_go_to_the_fallback_and_others_do_not() -> None:
    component = NoWordsFallback()
    emoji, markup, words, payload = (parsed(t) for t in ("🔥🔥", "<script></script>", "tight calves", "/greet"))
    component.process([emoji, markup, words, payload])
    assert emoji.get(INTENT)["name"] == markup.get(INTENT)["name"] == DEFAULT_NLU_FALLBACK_INTENT_NAME
    assert emoji.get(INTENT_RANKING_KEY)[1]["name"] == "report_pain"  # the classifier's guess stays below
    assert words.get(INTENT)["name"] == payload.get(INTENT)["name"] == "report_pain"
