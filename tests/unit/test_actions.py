"""Custom actions with rasa_sdk's CollectingDispatcher and real Tracker objects."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import (
    ActionAnswerBenefits,
    ActionAnswerFallback,
    ActionAnswerOutOfScope,
    ActionAnswerSleep,
    ActionAnswerStress,
    ActionAnswerTiming,
    ActionCompareTechniques,
    ActionExplainTechnique,
)
from actions.recommendation import ActionExplainWhy, ActionRecommend, ValidateRecommendationForm
from actions.safety import ActionReferMedical

TECHNIQUE_NAMES = ("swedish", "deep tissue", "sports massage", "myofascial release", "trigger point")
DOMAIN: dict[str, Any] = {
    "slots": {},
    "forms": {"recommendation_form": {"required_slots": ["body_part", "duration", "timing"]}},
}


def entity(name: str, value: str, text: str, start: int = 0) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": start, "end": start + len(text), "extractor": "test"}


def make_tracker(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
    events = [{"event": "user", "text": text, "parse_data": latest}]
    loop = {"name": active_loop} if active_loop else {}
    return Tracker("test-user", slots or {}, latest, events, False, None, loop, "action_listen")


async def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher.messages, events


def names_technique(text: str) -> bool:
    return any(name in text.lower() for name in TECHNIQUE_NAMES)


@pytest.mark.asyncio
async def test_recommend_from_slots_names_technique_reason_and_therapist() -> None:
    tracker = make_tracker(
        "my calves are always tight after long runs",
        "report_pain",
        [entity("body_part", "calf", "calves")],
        {
            "concern": "pain",
            "body_part": "calf",
            "duration": "chronic",
            "timing": "post_long_run",
            "symptom": ["tightness"],
        },
    )
    messages, events = await run(ActionRecommend(), tracker)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert names_technique(text) and "Why" in text and "therap" in text.lower()
    assert messages[0]["buttons"]
    assert {"event": "slot", "name": "last_technique", "value": "deep_tissue", "timestamp": None} in events


@pytest.mark.asyncio
async def test_recommend_refers_instead_when_message_has_a_red_flag() -> None:
    tracker = make_tracker(
        "I heard a pop in my calf and now it's swollen",
        "report_pain",
        [entity("body_part", "calf", "calf")],
        {"concern": "pain", "body_part": "calf"},
    )
    messages, _ = await run(ActionRecommend(), tracker)
    text = messages[0]["text"]
    assert "doctor" in text.lower() and not names_technique(text)


@pytest.mark.asyncio
async def test_follow_up_body_part_replaces_the_old_one() -> None:
    tracker = make_tracker(
        "what about my hamstrings?",
        "inform",
        [entity("body_part", "hamstrings", "hamstrings", 15)],
        {"concern": "pain", "body_part": "calf", "duration": "chronic", "last_technique": "deep_tissue"},
    )
    messages, events = await run(ActionRecommend(), tracker)
    assert "hamstring" in messages[0]["text"].lower()
    assert any(e.get("name") == "body_part" and e.get("value") == "hamstring" for e in events)


@pytest.mark.asyncio
async def test_asking_again_offers_alternatives() -> None:
    tracker = make_tracker(
        "what else could help?",
        "ask_recommendation",
        [],
        {"concern": "pain", "body_part": "calf", "duration": "chronic", "last_technique": "deep_tissue"},
    )
    messages, _ = await run(ActionRecommend(), tracker)
    assert "also" in messages[0]["text"].lower() or "between sessions" in messages[0]["text"].lower()


@pytest.mark.asyncio
async def test_two_concerns_get_two_answers() -> None:
    tracker = make_tracker(
        "my calf aches and it wakes me up at night",
        "report_pain",
        [entity("body_part", "calf", "calf")],
        {"concern": "pain", "body_part": "calf"},
    )
    messages, _ = await run(ActionRecommend(), tracker)
    text = messages[0]["text"].lower()
    assert names_technique(text) and "sleep" in text


@pytest.mark.asyncio
async def test_refer_medical_never_offers_a_technique() -> None:
    messages, _events = await run(ActionReferMedical(), make_tracker("chest pain when running", "red_flag"))
    assert "emergency" in messages[0]["text"].lower() and not names_technique(messages[0]["text"])
    messages, _ = await run(ActionReferMedical(), make_tracker("something feels really wrong", "red_flag"))
    assert "doctor" in messages[0]["text"].lower()


@pytest.mark.asyncio
async def test_explain_named_technique_and_method() -> None:
    tracker = make_tracker(
        "what is myofascial release?",
        "ask_technique",
        [entity("technique", "myofascial_release", "myofascial release", 8)],
    )
    messages, events = await run(ActionExplainTechnique(), tracker)
    assert "fascia" in messages[0]["text"].lower()
    assert events and events[0]["value"] == "myofascial_release"
    tracker = make_tracker(
        "what's pin and stretch", "ask_technique", [entity("technique", "pin and stretch", "pin and stretch")]
    )
    messages, _ = await run(ActionExplainTechnique(), tracker)
    assert "stretch" in messages[0]["text"].lower()


@pytest.mark.asyncio
async def test_explain_without_a_technique_uses_the_last_one_or_lists_all() -> None:
    messages, _ = await run(
        ActionExplainTechnique(),
        make_tracker("will it hurt?", "ask_technique", slots={"last_technique": "deep_tissue"}),
    )
    assert messages[0]["text"]
    messages, _ = await run(ActionExplainTechnique(), make_tracker("what types are there", "ask_technique"))
    assert sum(name in messages[0]["text"].lower() for name in TECHNIQUE_NAMES) >= 4


@pytest.mark.asyncio
async def test_compare_two_techniques() -> None:
    tracker = make_tracker(
        "deep tissue or sports massage?",
        "compare_techniques",
        [entity("technique", "deep_tissue", "deep tissue"), entity("technique", "sports", "sports massage", 15)],
    )
    messages, _ = await run(ActionCompareTechniques(), tracker)
    text = messages[0]["text"].lower()
    assert "deep tissue" in text and "sports massage" in text


@pytest.mark.asyncio
async def test_benefits_timing_sleep_and_stress_answer_from_the_knowledge_base() -> None:
    cases = [
        (ActionAnswerBenefits(), make_tracker("does massage actually help runners?", "ask_benefits")),
        (
            ActionAnswerTiming(),
            make_tracker(
                "how long before a race should I book?",
                "ask_timing",
                [entity("timing", "before a race", "before a race")],
            ),
        ),
        (ActionAnswerSleep(), make_tracker("can't sleep after hard sessions", "ask_sleep")),
        (ActionAnswerStress(), make_tracker("race nerves are killing me", "ask_stress")),
    ]
    for action, tracker in cases:
        messages, _ = await run(action, tracker)
        assert len(messages) == 1 and len(messages[0]["text"]) > 40, action.name()
    messages, _ = await run(ActionAnswerSleep(), make_tracker("can't sleep", "ask_sleep"))
    assert "swedish" in messages[0]["text"].lower()


@pytest.mark.asyncio
async def test_why_explains_the_reasons() -> None:
    tracker = make_tracker(
        "why that one?",
        "ask_why",
        [],
        {"concern": "pain", "body_part": "calf", "duration": "chronic", "last_technique": "deep_tissue"},
    )
    messages, _ = await run(ActionExplainWhy(), tracker)
    assert "because" in messages[0]["text"].lower()


@pytest.mark.asyncio
async def test_form_validation_normalises_and_skips() -> None:
    form = ValidateRecommendationForm()
    tracker = make_tracker("for 3 weeks", "inform", active_loop="recommendation_form")
    dispatcher = CollectingDispatcher()
    assert form.validate_duration("for 3 weeks", dispatcher, tracker, DOMAIN) == {"duration": "chronic"}
    assert form.validate_duration("since yesterday", dispatcher, tracker, DOMAIN) == {"duration": "new"}
    assert form.validate_duration("unknown", dispatcher, tracker, DOMAIN) == {"duration": "unknown"}
    assert form.validate_body_part(["calves", "shins"], dispatcher, tracker, DOMAIN) == {"body_part": "calf"}
    assert form.validate_timing("race week", dispatcher, tracker, DOMAIN) == {"timing": "race_week"}
    sleep = make_tracker("can't sleep", "ask_sleep", slots={"concern": "sleep"})
    slots = await form.required_slots(["body_part", "duration", "timing"], dispatcher, sleep, DOMAIN)
    assert slots == ["duration", "timing"]


@pytest.mark.asyncio
async def test_inform_with_nothing_known_asks_for_more() -> None:
    messages, _ = await run(ActionRecommend(), make_tracker("hmm ok so", "inform"))
    assert "tell me a bit more" in messages[0]["text"].lower() and messages[0]["buttons"]


def in_form(text: str, intent: str, requested: str, entities: list[dict[str, Any]] | None = None,
            slots: dict[str, Any] | None = None) -> Tracker:
    """A tracker right after the user answered (or didn't) the form's question about `requested`."""
    known = {"concern": "pain", "body_part": "calf", **(slots or {}), "requested_slot": requested}
    known.pop(requested if requested != "requested_slot" else "", None)
    known["requested_slot"] = requested
    return make_tracker(text, intent, entities, known, active_loop="recommendation_form")


def slot_sets(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "intent", "requested", "expected"),
    [
        ("about three weeks", "inform", "duration", "chronic"),
        ("no idea", "deny", "duration", "unknown"),
        ("hmm, maybe a couple of months?", "inform", "duration", "chronic"),
        ("yeah a 10k in 5 days", "affirm", "timing", "race_week"),
        ("Sunday long runs, no race", "inform", "timing", "none"),
        ("just building my base at the moment", "inform", "timing", "training_block"),
        ("not sure really, it's all over", "inform", "body_part", "unknown"),
    ],
)
async def test_form_reads_free_text_answers(text: str, intent: str, requested: str, expected: str) -> None:
    tracker = in_form(text, intent, requested, slots={"duration": "chronic"} if requested == "timing" else {})
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert slot_sets(events).get(requested) == expected, events
    assert not messages  # an answer is not an aside: the form simply moves on


@pytest.mark.asyncio
async def test_a_question_inside_the_form_is_answered_and_the_form_goes_on() -> None:
    tracker = in_form("is it safe to foam roll it?", "ask_technique", "duration")
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert "foam roll" in messages[0]["text"].lower()
    assert slot_sets(events).get("asides") == 1  # keeps the form going; it asks its question again
    assert "duration" not in slot_sets(events)


@pytest.mark.asyncio
async def test_a_race_question_inside_the_form_is_answered_and_remembers_the_race() -> None:
    tracker = in_form("what about before my race on Sunday?", "ask_timing", "duration",
                      [entity("timing", "before my race", "before my race", 11)])
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert "race" in messages[0]["text"].lower() and "48" in messages[0]["text"]
    assert "duration" not in slot_sets(events)


@pytest.mark.asyncio
async def test_a_new_concern_inside_the_form_is_answered() -> None:
    tracker = in_form("I also sleep terribly before races", "inform", "duration")
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert "sleep" in messages[0]["text"].lower() and slot_sets(events).get("asides") == 1


@pytest.mark.asyncio
async def test_a_warning_sign_inside_the_form_ends_it_without_a_question() -> None:
    tracker = in_form("since I felt a pop on monday", "inform", "duration",
                      [entity("duration", "since monday", "since monday", 0)])
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert not messages and events == [ActionExecutionRejected("recommendation_form")]


@pytest.mark.asyncio
@pytest.mark.parametrize("intent", ["inform", "nlu_fallback"])
async def test_an_unreadable_answer_gets_a_kind_word_and_the_question_again(intent: str) -> None:
    messages, events = await run(ValidateRecommendationForm(), in_form("hmm well", intent, "duration"))
    assert "didn't catch" in messages[0]["text"] and slot_sets(events).get("asides") == 1


@pytest.mark.asyncio
async def test_a_race_question_the_nlu_could_not_place_is_answered_inside_the_form() -> None:
    tracker = in_form("and what about before my race on saturday?", "nlu_fallback", "duration")
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert "race" in messages[0]["text"].lower() and "duration" not in slot_sets(events)


@pytest.mark.asyncio
async def test_deep_tissue_the_day_after_a_marathon_waits_and_goes_light() -> None:
    tracker = make_tracker("can I get deep tissue tomorrow?", "ask_technique",
                           [entity("technique", "deep tissue", "deep tissue", 10)],
                           {"timing": "post_race", "last_technique": "sports_massage"})
    messages, _ = await run(ActionExplainTechnique(), tracker)
    text = messages[0]["text"].lower()
    assert "after a race" in text and "week" in text and "gentle" in text


@pytest.mark.asyncio
async def test_follow_up_after_a_recommendation_uses_the_last_technique() -> None:
    tracker = make_tracker("is that the same as foam rolling?", "compare_techniques", [],
                           {"last_technique": "myofascial_release"})
    messages, _ = await run(ActionCompareTechniques(), tracker)
    text = messages[0]["text"].lower()
    assert text.startswith("not quite") and "myofascial release" in text and "foam roll" in text


@pytest.mark.asyncio
async def test_and_after_the_race_is_answered_not_recommended_again() -> None:
    tracker = make_tracker("and after the race?", "inform", [entity("timing", "post_race", "after the race", 4)],
                           {"concern": "pain", "body_part": "calf", "timing": "post_race",
                            "last_technique": "sports_massage"})
    messages, events = await run(ActionRecommend(), tracker)
    assert messages[0]["text"].startswith("Massage after a race") and not events


@pytest.mark.asyncio
async def test_can_i_still_run_on_it() -> None:
    tracker = make_tracker("can I still run on it?", "ask_timing", [], {"last_technique": "sports_massage"})
    messages, _ = await run(ActionAnswerTiming(), tracker)
    assert "rest" in messages[0]["text"].lower() and "easy" in messages[0]["text"].lower()


@pytest.mark.asyncio
async def test_low_confidence_follow_up_is_answered_from_context() -> None:
    tracker = make_tracker("and after the race?", "nlu_fallback", [], {"last_technique": "sports_massage"})
    messages, events = await run(ActionAnswerFallback(), tracker)
    assert messages[0]["text"].startswith("Massage after a race") and not events


@pytest.mark.asyncio
async def test_low_confidence_concern_question_gets_a_recommendation_and_remembers_the_race() -> None:
    tracker = make_tracker("ran a marathon yesterday, what would help my legs?", "nlu_fallback",
                           [entity("body_part", "legs", "legs", 44)])
    messages, events = await run(ActionAnswerFallback(), tracker)
    assert names_technique(messages[0]["text"])
    assert slot_sets(events).get("timing") == "post_race"


FORM_STARTS = {"event": "followup", "timestamp": None, "name": "recommendation_form"}


@pytest.mark.asyncio
@pytest.mark.parametrize(("action", "text", "intent", "part"), [
    (ActionAnswerFallback(), "my quads hurt", "nlu_fallback", "quads"),
    (ActionAnswerFallback(), "ran a marathon yesterday and my legs are destroyed", "nlu_fallback", "legs"),
    (ActionAnswerOutOfScope(), "left hamstring is being a pain this week", "out_of_scope", "hamstring"),
    (ActionExplainTechnique(), "my quads hurt", "ask_technique", "quads"),
])
async def test_a_pain_statement_read_as_something_else_starts_the_form(action: Any, text: str, intent: str,
                                                                       part: str) -> None:
    tracker = make_tracker(text, intent, [entity("body_part", part, part, text.index(part))])
    messages, events = await run(action, tracker)
    assert not messages and events[-1] == FORM_STARTS and slot_sets(events)["concern"] == "pain"


@pytest.mark.asyncio
async def test_gibberish_still_gets_the_fallback_response() -> None:
    messages, events = await run(ActionAnswerFallback(), make_tracker("asdfgh", "nlu_fallback"))
    assert [m.get("response") for m in messages] == ["utter_default"] and not messages[0].get("text")
    assert not events


@pytest.mark.asyncio
async def test_off_topic_reading_of_a_follow_up_is_answered() -> None:
    messages, _ = await run(ActionAnswerOutOfScope(), make_tracker("can I still run on it?", "out_of_scope"))
    assert messages[0]["text"].startswith("Running on a sore muscle")
    messages, _ = await run(ActionAnswerOutOfScope(), make_tracker("best gps watch for a marathon?", "out_of_scope"))
    assert messages[0]["response"] == "utter_out_of_scope"


@pytest.mark.asyncio
async def test_off_topic_with_a_warning_sign_is_a_referral() -> None:
    messages, _ = await run(ActionAnswerOutOfScope(),
                            make_tracker("my chest feels tight on runs, best watch for heart rate?", "out_of_scope"))
    assert "emergency" in messages[0]["text"].lower()


@pytest.mark.asyncio
async def test_a_question_about_pain_from_massage_is_answered() -> None:
    question = make_tracker("will it hurt on my quads?", "ask_technique", [entity("body_part", "quads", "quads", 17)])
    messages, _ = await run(ActionExplainTechnique(), question)
    assert "hurt" in messages[0]["text"].lower()


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "slots"), [
    ("what kind of massage would help me relax?", {"concern": "stress"}),
    ("which massage is best for tired legs?", {}),
])
async def test_which_massage_read_as_a_benefits_question_gets_a_recommendation(text: str,
                                                                               slots: dict[str, Any]) -> None:
    messages, _ = await run(ActionAnswerBenefits(), make_tracker(text, "ask_benefits", [], slots))
    assert names_technique(messages[0]["text"]), messages


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "expected"), [
    ("what should I wear to a massage?", "What to wear"),
    ("what should I wear for my first marathon?", None),
])
async def test_a_massage_topic_read_as_off_topic_is_answered(text: str, expected: str | None) -> None:
    messages, _ = await run(ActionAnswerOutOfScope(), make_tracker(text, "out_of_scope"))
    if expected:
        assert messages[0]["text"].startswith(expected), messages
    else:
        assert messages[0]["response"] == "utter_out_of_scope"
