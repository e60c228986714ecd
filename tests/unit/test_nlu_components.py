"""The custom NLU components on hand-made messages (no trained model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.family_fallback import FamilyFallbackClassifier, family_index
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


FAMILIES = {"technique": ["ask_technique", "compare_techniques", "ask_recommendation"],
            "benefits": ["ask_benefits", "ask_timing"]}


def ranked(*pairs: tuple[str, float]) -> Message:
    ranking = [{"name": name, "confidence": confidence} for name, confidence in pairs]
    return Message(data={TEXT: "a long post", INTENT: dict(ranking[0]), INTENT_RANKING_KEY: ranking})


@pytest.mark.parametrize(("ranking", "kept"), [
    # siblings close together: the family is clear, the top intent stands
    ((("ask_technique", 0.40), ("compare_techniques", 0.38), ("report_pain", 0.22)), "ask_technique"),
    # a sibling pair under the threshold one by one, but not together
    ((("ask_timing", 0.22), ("ask_benefits", 0.20), ("ask_sleep", 0.15), ("greet", 0.13)), "ask_timing"),
    # two different families close together: real doubt, ask to rephrase
    ((("report_pain", 0.40), ("ask_stress", 0.38), ("ask_sleep", 0.22)), DEFAULT_NLU_FALLBACK_INTENT_NAME),
    # the runner-up family outweighs the top intent's: doubt stays
    ((("report_pain", 0.24), ("ask_technique", 0.2), ("ask_recommendation", 0.2), ("greet", 0.1)),
     DEFAULT_NLU_FALLBACK_INTENT_NAME),
    # a sure intent is never touched
    ((("ask_sleep", 0.9), ("ask_stress", 0.1)), "ask_sleep"),
])
def test_doubt_between_sibling_intents_is_no_doubt(ranking: tuple[tuple[str, float], ...], kept: str) -> None:
    component = FamilyFallbackClassifier({"threshold": 0.25, "ambiguity_threshold": 0.05, "families": FAMILIES})
    message = ranked(*ranking)
    component.process([message])
    assert message.get(INTENT)["name"] == kept


def test_an_intent_in_two_families_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="ask_timing"):
        family_index({"a": ["ask_timing"], "b": ["ask_timing"]})


def test_the_trained_pipeline_uses_the_family_rule_with_real_intents() -> None:
    config = yaml.safe_load((Path(__file__).parents[2] / "config.yml").read_text(encoding="utf-8"))
    domain = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text(encoding="utf-8"))
    (component,) = [c for c in config["pipeline"] if c["name"].endswith("FamilyFallbackClassifier")]
    assert "FallbackClassifier" not in [c["name"] for c in config["pipeline"]]
    assert set(family_index(component["families"])) <= set(domain["intents"])
