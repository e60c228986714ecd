"""Triage in every dialogue state, through the real actions (rasa_sdk dispatcher + Tracker)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import ActionAnswerOutOfScope, ActionAnswerSleep, ActionAnswerStress, ActionExplainTechnique
from actions.recommendation import ActionRecommend, ValidateRecommendationForm
from actions.safety import ActionReferMedical
from bot.knowledge_base import KnowledgeBase
from nlu_components.red_flags import RedFlagOverride
from tests.unit.test_actions import DOMAIN, entity, make_tracker, names_technique, run

FOOT_REFERRAL = {"referral_signs": ["bone_point_pain"], "referral_areas": ["foot"], "body_part": "foot"}


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize("answer", ["it's more of a chest pain actually", "I've felt low for weeks"])
async def test_a_warning_sign_given_as_a_form_answer_wins_over_the_form(answer: str) -> None:
    tracker = make_tracker(answer, "inform", slots={"requested_slot": "duration", "body_part": "calf"},
                           active_loop="recommendation_form")
    messages, events = await run(ActionRecommend(), tracker)
    text = messages[0]["text"].lower()
    assert "doctor" in text or "gp" in text or "emergency" in text, text
    assert not names_technique(text)
    assert slots_of(events)["referral_signs"]


async def test_a_warning_sign_after_a_recommendation_is_referred_and_remembered() -> None:
    tracker = make_tracker("now there's a sharp pain on one spot of my foot bone", "inform",
                           entities=[entity("body_part", "foot", "foot", 34)],
                           slots={"last_technique": "sports_massage", "body_part": "calf"})
    messages, events = await run(ActionExplainTechnique(), tracker)
    assert "stress fracture" in messages[0]["text"].lower()
    slots = slots_of(events)
    assert slots["referral_signs"] == ["bone_point_pain"] and slots["referral_areas"] == ["foot"]
    assert slots["last_technique"] is None


async def test_a_whole_person_sign_is_remembered_without_the_areas_said_before() -> None:
    # chest pain after talk of calves: a later "massage on my upper back?" must wait too
    tracker = make_tracker("on the last reps I get a tight squeezing feeling across my chest", "red_flag",
                           slots={"body_part": ["calf", "achilles"]})
    _, events = await run(ActionReferMedical(), tracker)
    assert slots_of(events)["referral_signs"] == ["chest_pain_breathless"]
    assert slots_of(events)["referral_areas"] == []


async def test_refer_medical_remembers_signs_and_the_area_from_the_form() -> None:
    tracker = make_tracker("it's gone really swollen since yesterday", "red_flag", slots={"body_part": "ankle"})
    _, events = await run(ActionReferMedical(), tracker)
    assert slots_of(events)["referral_signs"] == ["swelling_bruising"]
    assert slots_of(events)["referral_areas"] == ["ankle"]
    assert slots_of(events)["referral_cleared"] is None


@pytest.mark.parametrize(("action", "intent"), [(ActionRecommend(), "ask_recommendation"),
                                                (ActionExplainTechnique(), "ask_technique")])
async def test_a_massage_request_after_a_referral_gets_the_referral_again(action: Any, intent: str) -> None:
    tracker = make_tracker("can't I just get a sports massage on it instead?", intent,
                           entities=[entity("technique", "sports massage", "sports massage", 16)], slots=FOOT_REFERRAL)
    messages, events = await run(action, tracker)
    text = messages[0]["text"].lower()
    assert "can't suggest a massage" in text and "stress fracture" in text and "physio" in text, text
    assert not names_technique(text)
    assert events == []


async def test_a_form_answer_with_a_warning_sign_is_rejected_so_the_red_flag_rule_runs() -> None:
    from rasa_sdk.events import ActionExecutionRejected

    tracker = make_tracker("I've felt low for weeks", "red_flag", slots={"requested_slot": "body_part"},
                           active_loop="recommendation_form")
    events = await ValidateRecommendationForm().run(CollectingDispatcher(), tracker, DOMAIN)
    assert events == [ActionExecutionRejected("recommendation_form")]


async def test_the_form_asks_nothing_while_a_referral_holds_for_that_area() -> None:
    tracker = make_tracker("can I get a massage for it?", "ask_recommendation", slots=FOOT_REFERRAL,
                           active_loop="recommendation_form")
    form = ValidateRecommendationForm()
    slots = await form.required_slots(["body_part", "duration", "timing"], CollectingDispatcher(), tracker, DOMAIN)
    assert slots == []


async def test_another_area_or_a_clearance_gets_a_recommendation() -> None:
    other = make_tracker("what about my tight shoulders?", "report_pain",
                         entities=[entity("body_part", "shoulder", "shoulders", 19)], slots=FOOT_REFERRAL)
    messages, _ = await run(ActionRecommend(), other)
    assert names_technique(messages[0]["text"]), messages[0]["text"]
    cleared = make_tracker("the physio cleared me, can I get a massage on it now?", "ask_recommendation",
                           slots={**FOOT_REFERRAL, "referral_cleared": "yes", "duration": "chronic", "timing": "none"})
    messages, _ = await run(ActionRecommend(), cleared)
    assert names_technique(messages[0]["text"]), messages[0]["text"]


async def test_sleep_advice_waits_only_for_a_whole_person_referral() -> None:
    foot = make_tracker("I can't sleep well lately", "ask_sleep", slots={**FOOT_REFERRAL, "body_part": None})
    messages, _ = await run(ActionAnswerSleep(), foot)
    assert "can't suggest a massage" not in messages[0]["text"].lower()
    # With the referred foot still in play, the sleep answer would suggest a massage for it: held.
    messages, _ = await run(ActionAnswerSleep(), make_tracker("I can't sleep well lately", "ask_sleep",
                                                              slots=FOOT_REFERRAL))
    assert "can't suggest a massage" in messages[0]["text"].lower()
    low = make_tracker("would a massage help me relax?", "ask_stress",
                       slots={"referral_signs": ["low_mood"], "referral_areas": []})
    messages, _ = await run(ActionAnswerStress(), low)
    text = messages[0]["text"].lower()
    assert "gp" in text and not names_technique(text), text


async def test_diet_leaning_to_red_flag_without_a_sign_answers_with_a_gentle_check() -> None:
    tracker = make_tracker("my nerves are shot before my first half", "ask_stress")
    tracker.latest_message["intent_ranking"] = [{"name": "red_flag", "confidence": 0.6},
                                                {"name": "ask_stress", "confidence": 0.3}]
    messages, events = await run(ActionAnswerStress(), tracker)
    text = messages[0]["text"].lower()
    # the signs to look out for, and no doctor: ordinary race nerves are not sent to one
    assert "one check" in text and "numbness" in text and "doctor" not in text
    assert "referral_signs" not in slots_of(events)


def _parsed(text: str, ranking: list[tuple[str, float]]) -> Message:
    intents = [{"name": n, "confidence": c} for n, c in ranking]
    return Message(data={TEXT: text, INTENT: intents[0], INTENT_RANKING_KEY: intents})


def test_the_nlu_component_lets_only_the_knowledge_base_refer(kb: KnowledgeBase) -> None:
    component = RedFlagOverride({}, kb)
    nerves = _parsed("my nerves are shot before my first half", [("red_flag", 0.6), ("ask_stress", 0.3)])
    unsure = _parsed("flights to the race", [("red_flag", 0.7), ("ask_timing", 0.1)])
    sign = _parsed("I heard a pop in my calf", [("report_pain", 0.9), ("red_flag", 0.1)])
    cleared = _parsed("the physio cleared me", [("inform", 0.8), ("affirm", 0.2)])
    component.process([nerves, unsure, sign, cleared])
    assert nerves.get(INTENT)["name"] == "ask_stress"
    assert nerves.get(INTENT_RANKING_KEY)[0]["name"] == "red_flag"  # kept for the gentle check
    assert unsure.get(INTENT)["name"] == "nlu_fallback"
    assert sign.get(INTENT) == {"name": "red_flag", "confidence": 1.0}
    assert [e["entity"] for e in cleared.get(ENTITIES)] == ["referral_cleared"]
    assert cleared.get(INTENT)["name"] == "inform"


@pytest.mark.parametrize("text", ["felt loads better once i'd eaten something", "it's probably just a cold tbh"])
async def test_playing_a_referral_down_gets_it_again_even_off_topic(text: str) -> None:
    tracker = make_tracker(text, "out_of_scope", slots={"referral_signs": ["fainting_palpitations"],
                                                        "referral_areas": []})
    messages, _ = await run(ActionAnswerOutOfScope(), tracker)
    reply = messages[0]["text"].lower()
    assert "can't suggest a massage" in reply and not names_technique(reply)


@pytest.mark.parametrize("text", ["thats normal for me in the heat", "isn't that a bit over the top",
                                  "ok and what shoes for trails?"])
async def test_any_unclear_turn_after_a_sign_of_the_whole_person_gets_the_referral_again(text: str) -> None:
    tracker = make_tracker(text, "out_of_scope", slots={"referral_signs": ["heat_illness"], "referral_areas": []})
    messages, _ = await run(ActionAnswerOutOfScope(), tracker)
    reply = messages[0]["text"].lower()
    assert "can't suggest a massage" in reply and not names_technique(reply)


async def test_an_off_topic_question_after_a_referral_stays_off_topic() -> None:
    tracker = make_tracker("what shoes are good for trails?", "out_of_scope", slots=FOOT_REFERRAL)
    messages, _ = await run(ActionAnswerOutOfScope(), tracker)
    assert messages[0].get("response") == "utter_out_of_scope"


@pytest.mark.parametrize(("text", "held", "waiting"), [
    # read as goodbye, but no farewell in it: the referral is given again, with where to go sooner
    ("the physio can't see me for three weeks", True, True),
    ("ok i'll sit on it then", True, False),
    # a farewell said: the goodbye stands
    ("ok thanks, bye", False, False),
])
async def test_a_referral_is_not_dropped_by_a_goodbye_that_says_no_farewell(text: str, held: bool,
                                                                           waiting: bool) -> None:
    from actions.questions import ActionAnswerGoodbye
    from bot.referral import WAITING_LINE

    messages, _ = await run(ActionAnswerGoodbye(), make_tracker(text, "goodbye", slots=FOOT_REFERRAL))
    if held:
        reply = messages[0]["text"]
        assert "physiotherapist" in reply and not names_technique(reply)
        assert (WAITING_LINE in reply) is waiting
    else:
        assert [m.get("response") for m in messages] == ["utter_goodbye"]


async def test_a_goodbye_with_no_referral_is_a_goodbye() -> None:
    from actions.questions import ActionAnswerGoodbye

    messages, _ = await run(ActionAnswerGoodbye(), make_tracker("right, off for my run", "goodbye"))
    assert [m.get("response") for m in messages] == ["utter_goodbye"]


@pytest.mark.parametrize("action", [ActionAnswerOutOfScope(), ActionExplainTechnique(), ActionRecommend()])
async def test_care_far_off_gets_the_referral_again_with_where_to_go_sooner(action: Any) -> None:
    from bot.referral import WAITING_LINE

    tracker = make_tracker("physio is booked for next month, what can i do till then", "out_of_scope",
                           slots=FOOT_REFERRAL)
    messages, _ = await run(action, tracker)
    assert WAITING_LINE in messages[0]["text"] and not names_technique(messages[0]["text"])


@pytest.mark.parametrize("text", ["what should I tell the physio when I go?", "what will the doctor ask me?"])
async def test_getting_ready_to_be_seen_is_answered_without_a_technique(text: str) -> None:
    messages, _ = await run(ActionAnswerOutOfScope(), make_tracker(text, "out_of_scope", slots=FOOT_REFERRAL))
    reply = messages[0]["text"]
    assert "tell them" in reply.lower() and "one spot of a bone" in reply.lower() and not names_technique(reply)


async def test_what_to_tell_with_no_referral_is_not_the_referral_answer() -> None:
    messages, _ = await run(ActionAnswerOutOfScope(), make_tracker("what should I tell my coach?", "out_of_scope"))
    assert "tell them" not in (messages[0].get("text") or "").lower()


async def test_getting_ready_for_help_with_low_mood_gets_the_referral_not_a_checklist() -> None:
    tracker = make_tracker("what should I tell the GP?", "out_of_scope", slots={"referral_signs": ["low_mood"]})
    messages, _ = await run(ActionAnswerOutOfScope(), tracker)
    assert "tell them:" not in messages[0]["text"].lower() and not names_technique(messages[0]["text"])



def after(earlier: list[str], tracker: Any) -> Any:
    """`tracker` with the runner's earlier messages of the conversation before its latest one."""
    tracker.events[:0] = [{"event": "user", "text": text, "parse_data": {"intent": {"name": "report_pain"}}}
                          for text in earlier]
    return tracker


FLIGHT = ["Flew back from Tokyo on Sunday, 12 hours. My left calf has been sore since the long run before it."]
WARM_NOW = "the left one is warm now and bigger than the other"


async def test_a_sign_whose_context_came_a_turn_before_ends_the_form_and_is_referred() -> None:
    """A flight and a calf one turn, "the left one is warm and bigger" the next: a possible clot."""
    in_form = after(FLIGHT, make_tracker(WARM_NOW, "inform", slots={"requested_slot": "duration", "body_part": "calf"},
                                         active_loop="recommendation_form"))
    events = await ValidateRecommendationForm().run(CollectingDispatcher(), in_form, DOMAIN)
    # requested_slot None ends the form; another slot set keeps Rasa from rejecting a turn that filled nothing
    assert slots_of(events) == {"requested_slot": None, "referral_cleared": None}
    messages, events = await run(ActionRecommend(), in_form)
    text = messages[0]["text"].lower()
    assert "clot" in text and not names_technique(text), text
    assert slots_of(events)["referral_signs"] == ["calf_after_flight"]


async def test_the_same_turn_with_no_journey_before_it_is_no_referral() -> None:
    tracker = make_tracker(WARM_NOW, "inform", slots={"requested_slot": "duration", "body_part": "calf"},
                           active_loop="recommendation_form")
    events = await ValidateRecommendationForm().run(CollectingDispatcher(), after(["my left calf is sore"], tracker),
                                                    DOMAIN)
    assert "referral_signs" not in slots_of(events) and slots_of(events).get("requested_slot", "") is not None


async def test_a_restart_forgets_what_came_before() -> None:
    tracker = make_tracker(WARM_NOW, "inform", slots={"requested_slot": "duration", "body_part": "calf"},
                           active_loop="recommendation_form")
    tracker.events[:0] = [{"event": "user", "text": FLIGHT[0]}, {"event": "restart"}]
    events = await ValidateRecommendationForm().run(CollectingDispatcher(), tracker, DOMAIN)
    assert slots_of(events).get("requested_slot", "") is not None


@pytest.mark.parametrize(("action", "intent"), [(ActionAnswerOutOfScope(), "out_of_scope"),
                                                (ActionExplainTechnique(), "ask_technique"),
                                                (ActionAnswerStress(), "ask_stress")])
async def test_which_signs_mean_a_doctor_is_answered_from_the_signs_in_any_reading(action: Any, intent: str) -> None:
    tracker = make_tracker("what are the warning signs that mean I should see a doctor instead of a massage?", intent)
    messages, events = await run(action, tracker)
    text = messages[0]["text"].lower()
    # the signs come from red_flags.yml, by urgency
    for sign in ("chest pain", "cannot put weight on it", "numbness", "emergency number"):
        assert sign in text, text
    assert not names_technique(text) and slots_of(events) == {"last_topic": "warning_signs"}


async def test_a_red_flag_question_about_ones_own_calf_is_the_runners_case() -> None:
    tracker = make_tracker("is it a red flag that my calf is tight after the long run?", "ask_technique",
                           entities=[entity("body_part", "calf", "calf", 24)])
    messages, events = await run(ActionAnswerOutOfScope(), tracker)
    said = " ".join(str(m.get("text") or m.get("response")) for m in messages).lower()
    assert messages and "call your local emergency number for" not in said, said
    assert slots_of(events).get("last_topic") != "warning_signs"
