"""Custom actions with rasa_sdk's CollectingDispatcher and real Tracker objects, as tables:
(action, text, intent, entities, slots) -> what the reply must say and which events it sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import (
    ActionAnswerAffirm,
    ActionAnswerBenefits,
    ActionAnswerDeny,
    ActionAnswerFallback,
    ActionAnswerOutOfScope,
    ActionAnswerSleep,
    ActionAnswerStress,
    ActionAnswerThanks,
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
FORM = "recommendation_form"


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


def entities_in(text: str, pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """(entity, value) pairs as NLU entities, placed where the value appears in `text`."""
    return [entity(name, value, value, max(text.find(value), 0)) for name, value in pairs]


@dataclass(frozen=True)
class Expected:
    says: tuple[str, ...] = ()  # in the reply, ignoring case
    says_exactly: tuple[str, ...] = ()  # in the reply, as written
    starts: str = ""  # the reply starts with this, as written
    technique: bool | None = None  # names a technique (True) or none (False)
    techniques: int = 0  # names at least this many techniques
    longer_than: int = 0
    buttons: bool = False
    response: str = ""  # the domain's response instead of a text
    silent: bool = False  # no message at all
    slots: Mapping[str, Any] = field(default_factory=dict)  # SlotSet events among the events
    unset: tuple[str, ...] = ()  # slots no event sets
    events: list[dict[str, Any]] | None = None  # exactly these events


def check(messages: list[dict[str, Any]], events: list[dict[str, Any]], want: Expected) -> None:
    if want.silent:
        assert not messages, messages
    elif want.response:
        assert [m.get("response") for m in messages] == [want.response] and not messages[0].get("text")
    else:
        assert len(messages) == 1, messages
        text = messages[0]["text"]
        assert text and len(text) > want.longer_than and text.startswith(want.starts), text
        assert all(part in text.lower() for part in want.says), text
        assert all(part in text for part in want.says_exactly), text
        assert want.technique is None or names_technique(text) == want.technique, text
        assert sum(name in text.lower() for name in TECHNIQUE_NAMES) >= want.techniques, text
        assert bool(messages[0]["buttons"]) or not want.buttons
    assert all(SlotSet(name, value) in events for name, value in want.slots.items()), events
    assert not {e.get("name") for e in events if e.get("event") == "slot"} & set(want.unset), events
    assert want.events is None or events == want.events, events


PAIN_SLOTS = {"concern": "pain", "body_part": "calf", "duration": "chronic", "last_technique": "deep_tissue"}
FORM_STARTS = [SlotSet("concern", "pain"), FollowupAction(FORM)]

# action, text, intent, entities (entity, value), slots -> expected
CASES: list[tuple[Action, str, str, list[tuple[str, str]], dict[str, Any], Expected]] = [
    (ActionRecommend(), "my calves are always tight after long runs", "report_pain", [("body_part", "calf")],
     {"concern": "pain", "body_part": "calf", "duration": "chronic", "timing": "post_long_run",
      "symptom": ["tightness"]},
     Expected(technique=True, says_exactly=("Why",), says=("therap",), buttons=True,
              slots={"last_technique": "deep_tissue"})),
    (ActionRecommend(), "I heard a pop in my calf and now it's swollen", "report_pain", [("body_part", "calf")],
     {"concern": "pain", "body_part": "calf"}, Expected(says=("doctor",), technique=False)),
    (ActionRecommend(), "what about my hamstrings?", "inform", [("body_part", "hamstrings")], PAIN_SLOTS,
     Expected(says=("hamstring",), slots={"body_part": "hamstring"})),
    (ActionRecommend(), "what else could help?", "ask_recommendation", [], PAIN_SLOTS,
     Expected(says=("also", "between sessions"))),
    (ActionRecommend(), "my calf aches and it wakes me up at night", "report_pain", [("body_part", "calf")],
     {"concern": "pain", "body_part": "calf"}, Expected(technique=True, says=("sleep",))),
    (ActionRecommend(), "hmm ok so", "inform", [], {}, Expected(says=("tell me a bit more",), buttons=True)),
    (ActionRecommend(), "and after the race?", "inform", [("timing", "post_race")],
     {"concern": "pain", "body_part": "calf", "timing": "post_race", "last_technique": "sports_massage"},
     Expected(starts="Massage after a race", events=[SlotSet("last_topic", "after_race")])),
    (ActionReferMedical(), "chest pain when running", "red_flag", [], {},
     Expected(says=("emergency",), technique=False)),
    (ActionReferMedical(), "something feels really wrong", "red_flag", [], {}, Expected(says=("doctor",))),
    (ActionExplainTechnique(), "what is myofascial release?", "ask_technique",
     [("technique", "myofascial_release")], {},
     Expected(says=("fascia",), events=[SlotSet("last_technique", "myofascial_release")])),
    (ActionExplainTechnique(), "what's pin and stretch", "ask_technique", [("technique", "pin and stretch")], {},
     Expected(says=("stretch",))),
    (ActionExplainTechnique(), "will it hurt?", "ask_technique", [], {"last_technique": "deep_tissue"}, Expected()),
    (ActionExplainTechnique(), "what types are there", "ask_technique", [], {}, Expected(techniques=4)),
    # a stored conversation from before an id was renamed
    (ActionExplainTechnique(), "tell me more about it", "ask_technique", [], {"last_technique": "old_name"},
     Expected(techniques=4)),
    (ActionExplainTechnique(), "can I get deep tissue tomorrow?", "ask_technique", [("technique", "deep tissue")],
     {"timing": "post_race", "last_technique": "sports_massage"}, Expected(says=("after a race", "week", "gentle"))),
    (ActionExplainTechnique(), "will it hurt on my quads?", "ask_technique", [("body_part", "quads")], {},
     Expected(says=("hurt",))),
    (ActionExplainTechnique(), "my quads hurt", "ask_technique", [("body_part", "quads")], {},
     Expected(silent=True, events=FORM_STARTS)),
    (ActionCompareTechniques(), "deep tissue or sports massage?", "compare_techniques",
     [("technique", "deep_tissue"), ("technique", "sports")], {}, Expected(says=("deep tissue", "sports massage"))),
    (ActionCompareTechniques(), "calves tight, foam rolling isn't doing much: sports massage or deep tissue?",
     "compare_techniques", [("body_part", "calves"), ("technique", "foam_roller"), ("technique", "sports"),
                            ("technique", "deep_tissue")], {},
     Expected(technique=True, says=("calf", "why"))),
    (ActionExplainTechnique(), "calves tight, foam rolling isn't doing much: sports massage or deep tissue?",
     "ask_technique", [("body_part", "calves"), ("technique", "foam_roller"), ("technique", "sports"),
                       ("technique", "deep_tissue")], {},
     Expected(technique=True, says=("calf", "why"))),
    (ActionExplainTechnique(), "what's the difference between a sports massage and deep tissue?", "ask_technique",
     [("technique", "sports"), ("technique", "deep_tissue")], {}, Expected(says=("sports massage:", "best for"))),
    (ActionCompareTechniques(), "is that the same as foam rolling?", "compare_techniques", [],
     {"last_technique": "myofascial_release"},
     Expected(starts="Not quite", says=("myofascial release", "foam roll"))),
    (ActionAnswerBenefits(), "does massage actually help runners?", "ask_benefits", [], {}, Expected(longer_than=40)),
    # worth it, asked with stress told: the stress answer (and a line on the technique named)
    (ActionAnswerBenefits(), "so wound up with work lately, would a sports massage help or is it just for legs?",
     "ask_benefits", [("technique", "sports massage"), ("body_part", "legs")], {},
     Expected(says=("stress", "sports massage:"), slots={"concern": "stress"})),
    # worth it, asked about an area: whether it is, then where to start for that area
    (ActionAnswerBenefits(), "my calves are wrecked after every long run, is massage even worth it?",
     "ask_benefits", [("body_part", "calves")], {},
     Expected(technique=True, says=("also: for your calf",), slots={"last_technique": "sports"})),
    (ActionAnswerBenefits(), "is sports massage worth it for my calves?", "ask_benefits",
     [("body_part", "calves"), ("technique", "sports massage")], {},
     Expected(technique=True, says=("sports massage",))),
    (ActionAnswerBenefits(), "what kind of massage would help me relax?", "ask_benefits", [], {"concern": "stress"},
     Expected(technique=True)),
    (ActionAnswerBenefits(), "which massage is best for tired legs?", "ask_benefits", [], {},
     Expected(technique=True)),
    (ActionAnswerTiming(), "how long before a race should I book?", "ask_timing", [("timing", "before a race")], {},
     Expected(longer_than=40)),
    (ActionAnswerTiming(), "calves tight for weeks, foam rolling isn't working: sports or deep tissue before my half?",
     "ask_timing", [("body_part", "calves"), ("technique", "foam_roller"), ("technique", "sports"),
                    ("technique", "deep_tissue"), ("timing", "before my half")], {},
     Expected(technique=True, says=("calf", "why"))),
    (ActionAnswerTiming(), "can I still run on it?", "ask_timing", [], {"last_technique": "sports_massage"},
     Expected(says=("rest", "easy"))),
    (ActionAnswerSleep(), "can't sleep after hard sessions", "ask_sleep", [], {}, Expected(longer_than=40)),
    (ActionAnswerSleep(), "can't sleep", "ask_sleep", [], {}, Expected(says=("swedish",))),
    (ActionAnswerStress(), "race nerves are killing me", "ask_stress", [], {}, Expected(longer_than=40)),
    # a technique named beside another concern is spoken to as well
    (ActionAnswerStress(), "burnt out and overwhelmed, is a sports massage a good idea?", "ask_stress",
     [("technique", "sports massage")], {}, Expected(says=("stress", "sports massage:"))),
    (ActionAnswerTiming(), "swedish or a sports massage before my marathon on sunday?", "ask_timing",
     [("technique", "swedish"), ("technique", "sports massage"), ("timing", "pre_race")], {},
     Expected(says=("before a race", "swedish massage:"))),
    # a race said in passing is remembered whatever the answer was about
    (ActionAnswerStress(), "ran my first marathon today and I'm in bits", "ask_stress", [], {},
     Expected(longer_than=40, slots={"timing": "post_race"})),
    (ActionExplainWhy(), "why that one?", "ask_why", [], PAIN_SLOTS, Expected(says=("because",))),
    (ActionAnswerFallback(), "and after the race?", "nlu_fallback", [], {"last_technique": "sports_massage"},
     Expected(starts="Massage after a race", events=[SlotSet("last_topic", "after_race")])),
    (ActionAnswerFallback(), "ran a marathon yesterday, what would help my legs?", "nlu_fallback",
     [("body_part", "legs")], {}, Expected(technique=True, slots={"timing": "post_race"})),
    (ActionAnswerFallback(), "my quads hurt", "nlu_fallback", [("body_part", "quads")], {},
     Expected(silent=True, events=FORM_STARTS)),
    (ActionAnswerFallback(), "ran a marathon yesterday and my legs are destroyed", "nlu_fallback",
     [("body_part", "legs")], {}, Expected(silent=True, events=FORM_STARTS)),
    (ActionAnswerFallback(), "asdfgh", "nlu_fallback", [], {}, Expected(response="utter_default", events=[])),
    (ActionAnswerFallback(), "work has me completely frazzled lately, honestly", "nlu_fallback", [], {},
     Expected(technique=True, says=("stress",))),
    (ActionAnswerFallback(), "lying awake till 2am most nights this block", "nlu_fallback", [], {},
     Expected(technique=True, says=("sleep",))),
    (ActionAnswerOutOfScope(), "left hamstring is being a pain this week", "out_of_scope",
     [("body_part", "hamstring")], {}, Expected(silent=True, events=FORM_STARTS)),
    (ActionAnswerOutOfScope(), "can I still run on it?", "out_of_scope", [], {},
     Expected(starts="Running on a sore muscle")),
    # a race ahead told as context: what we know about massage before a race
    (ActionAnswerOutOfScope(), "taper week, half marathon on sunday", "out_of_scope", [("timing", "race_week")], {},
     Expected(says=("before a race",))),
    # inside a talk about massage, a practical question with no "massage" in it is still about it
    (ActionAnswerOutOfScope(), "and what do i wear for it 😅", "out_of_scope", [], {"last_technique": "deep_tissue"},
     Expected(says=("wear",))),
    (ActionAnswerOutOfScope(), "what should I wear for the race tomorrow", "out_of_scope", [],
     {"last_technique": "deep_tissue"}, Expected(response="utter_out_of_scope")),
    # after a pick, a longer statement with a race in it refines the pick; one about gear does not
    (ActionAnswerOutOfScope(), "oh and it's a trail half, about five weeks away now so not long", "out_of_scope",
     [], {"concern": "sleep", "last_technique": "swedish"},
     Expected(technique=True, slots={"timing": "training_block"})),
    (ActionAnswerOutOfScope(), "picked up new trail shoes for the half in five weeks", "out_of_scope",
     [], {"concern": "sleep", "last_technique": "swedish"}, Expected(response="utter_out_of_scope")),
    (ActionAnswerOutOfScope(), "best gps watch for a marathon?", "out_of_scope", [], {},
     Expected(response="utter_out_of_scope")),
    (ActionAnswerOutOfScope(), "my chest feels tight on runs, best watch for heart rate?", "out_of_scope", [], {},
     Expected(says=("emergency",))),
    (ActionAnswerOutOfScope(), "what should I wear to a massage?", "out_of_scope", [], {},
     Expected(starts="What to wear")),
    (ActionAnswerOutOfScope(), "what should I wear for my first marathon?", "out_of_scope", [], {},
     Expected(response="utter_out_of_scope")),
    # a complaint the classifier took for chat: its advice, not "outside what I know"
    (ActionAnswerOutOfScope(), "any tips? i just can't switch off at night lately", "out_of_scope", [], {},
     Expected(says=("stress",), technique=True)),
    (ActionAnswerOutOfScope(), "is it normal my quads are this sore after hill reps?", "out_of_scope",
     [("body_part", "quads"), ("symptom", "sore")], {}, Expected(technique=True)),
    (ActionAnswerOutOfScope(), "best shoes for flat feet?", "out_of_scope", [("body_part", "feet")], {},
     Expected(response="utter_out_of_scope")),
    # a method named with a self-massage question: the method is answered, not the topic
    (ActionExplainTechnique(), "heard ischemic compression helps knots, could i do that at home with a ball?",
     "ask_technique", [("technique", "static_pressure")], {}, Expected(says=("static pressure", "massage ball"))),
    # the stress of racing in the runner's words: taper, nerves, the comedown, burnout
    (ActionAnswerOutOfScope(), "full on taper tantrum here, climbing the walls with a week to go", "out_of_scope",
     [], {}, Expected(says=("stress",), technique=True)),
    (ActionAnswerOutOfScope(), "three weeks after the marathon and the post-race blues are real", "out_of_scope",
     [], {}, Expected(says=("stress",), technique=True)),
    (ActionAnswerFallback(), "mentally fried from this block", "nlu_fallback", [], {},
     Expected(says=("stress",), technique=True)),
    # a race just run, read as chat: recovery after a race is ours
    (ActionAnswerOutOfScope(), "did my first half on sunday!! absolutely everything aches", "out_of_scope", [], {},
     Expected(technique=True)),
    # unsure reading of a question that turns on a race said in it
    (ActionAnswerFallback(), "so which would be better before my 5k this saturday", "nlu_fallback", [], {},
     Expected(says=("before a race",), slots={"timing": "race_week"})),
    # "and after?" once a race is coming
    (ActionAnswerFallback(), "and afterwards?", "nlu_fallback", [], {"timing": "race_week"},
     Expected(says=("after a race",))),
    # massage itself is never off-topic: what it does, or the technique or tool named
    (ActionAnswerOutOfScope(), "honestly is paying for massage worth it as a hobby jogger", "out_of_scope", [], {},
     Expected(says=("massage helps runners",))),
    (ActionAnswerOutOfScope(), "got a massage gun for christmas lol any good", "out_of_scope",
     [("technique", "massage gun")], {}, Expected(says=("massage gun",))),
    (ActionAnswerFallback(), "massage??", "nlu_fallback", [], {}, Expected(says=("massage can help",))),
    (ActionAnswerOutOfScope(), "my therapist says i should take a break from strava", "out_of_scope", [], {},
     Expected(response="utter_out_of_scope")),
    # a gear question while the slots hold a complaint: still off-topic
    (ActionAnswerOutOfScope(), "what's the best gps watch for marathon training?", "out_of_scope", [],
     {"body_part": ["calf"], "symptom": ["tight"], "concern": "pain"}, Expected(response="utter_out_of_scope")),
    # a short question right after a topic's answer is about that topic: the fact it asks for
    (ActionAnswerOutOfScope(), "and how long on each spot?", "out_of_scope", [], {"last_topic": "foam_rolling"},
     Expected(says=("a minute or two",))),
    (ActionAnswerFallback(), "do I need to undress?", "nlu_fallback", [], {"last_topic": "first_session"},
     Expected(says=("undress to your comfort level",))),
    (ActionAnswerOutOfScope(), "who won the match last night?", "out_of_scope", [], {"last_topic": "foam_rolling"},
     Expected(response="utter_out_of_scope")),
    # "yes" or "no" said with more after a pick: the pick again with it; bare, the domain's answer
    (ActionAnswerDeny(), "nah no race, just training", "deny", [],
     {"last_technique": "sports_massage", "body_part": "calf", "concern": "pain"},
     Expected(technique=True, slots={"timing": "none"})),
    (ActionAnswerDeny(), "no", "deny", [], {"last_technique": "sports_massage"},
     Expected(response="utter_anything_else")),
    (ActionAnswerAffirm(), "yes please", "affirm", [], {}, Expected(response="utter_how_can_help")),
    (ActionAnswerOutOfScope(), "ok so what can you actually help with?", "out_of_scope", [], {},
     Expected(response="utter_greet")),
    (ActionAnswerBenefits(), "is the recovery time on my garmin worth trusting?", "ask_benefits", [], {},
     Expected(response="utter_out_of_scope")),
    # asked when and which in one breath: both halves
    (ActionAnswerTiming(), "ran my marathon yesterday, when should I book a massage and what kind?", "ask_timing", [],
     {}, Expected(technique=True, says=("after a race",))),
    # a bare answer after a pick refines it: how long, said the short way
    (ActionAnswerOutOfScope(), "2wks", "out_of_scope", [],
     {"last_technique": "sports_massage", "body_part": "calf", "concern": "pain"},
     Expected(technique=True, slots={"duration": "chronic"})),
    # thanks wrapped in small talk is a goodbye, not an off-topic question
    (ActionAnswerOutOfScope(), "cheers, that's really helpful, off to book one. fingers crossed for sunday!",
     "out_of_scope", [], {}, Expected(response="utter_youre_welcome")),
    # another subject of the runner's life, though it names the race: off-topic, not the massage topic
    (ActionAnswerOutOfScope(), "what should I eat the night before my race?", "out_of_scope", [],
     {"timing": "race_week"}, Expected(response="utter_out_of_scope")),
    (ActionAnswerOutOfScope(), "which shoes for the race on sunday?", "out_of_scope", [], {},
     Expected(response="utter_out_of_scope")),
    # after stress advice, "would massage help me?" is asked for the stress, not in general
    (ActionAnswerBenefits(), "so would a massage actually help me?", "ask_benefits", [],
     {"concern": "stress", "last_technique": "swedish"}, Expected(technique=True, says=("stress",))),
    # thanks alone is welcomed; a question after the thanks is answered, not dropped
    (ActionAnswerThanks(), "thanks so much, that really helps", "thank", [], PAIN_SLOTS,
     Expected(response="utter_youre_welcome")),
    (ActionAnswerThanks(), "thanks! and how long should a massage session be?", "thank", [], PAIN_SLOTS,
     Expected(says=("minutes",))),
    (ActionAnswerThanks(), "cheers, what do I wear to the appointment?", "thank", [], {},
     Expected(says=("wear",))),
    (ActionAnswerThanks(), "thanks, is that weird?", "thank", [], {}, Expected(response="utter_youre_welcome")),

]


@pytest.mark.parametrize(("action", "text", "intent", "entities", "slots", "expected"), CASES,
                         ids=[f"{case[0].name()}: {case[1]}" for case in CASES])
async def test_action(action: Action, text: str, intent: str, entities: list[tuple[str, str]],
                      slots: dict[str, Any], expected: Expected) -> None:
    messages, events = await run(action, make_tracker(text, intent, entities_in(text, entities), slots))
    check(messages, events, expected)


def in_form(text: str, intent: str, requested: str, entities: list[dict[str, Any]] | None = None,
            slots: dict[str, Any] | None = None) -> Tracker:
    """A tracker right after the user answered (or didn't) the form's question about `requested`."""
    known = {"concern": "pain", "body_part": "calf", **(slots or {}), "requested_slot": requested}
    known.pop(requested, None)
    known["requested_slot"] = requested
    return make_tracker(text, intent, entities, known, active_loop=FORM)


def slot_sets(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


ANSWERED = {"duration": "chronic"}  # asked about timing, duration is known
ASIDE = {"asides": 1}  # the form goes on and asks its question again

# text, intent, requested slot, entities, known slots -> expected
FORM_CASES: list[tuple[str, str, str, list[tuple[str, str]], dict[str, Any], Expected]] = [
    ("about three weeks", "inform", "duration", [], {}, Expected(silent=True, slots={"duration": "chronic"})),
    ("no idea", "deny", "duration", [], {}, Expected(silent=True, slots={"duration": "unknown"})),
    ("hmm, maybe a couple of months?", "inform", "duration", [], {},
     Expected(silent=True, slots={"duration": "chronic"})),
    ("yeah a 10k in 5 days", "affirm", "timing", [], ANSWERED, Expected(silent=True, slots={"timing": "race_week"})),
    ("Sunday long runs, no race", "inform", "timing", [], ANSWERED, Expected(silent=True, slots={"timing": "none"})),
    ("just building my base at the moment", "inform", "timing", [], ANSWERED,
     Expected(silent=True, slots={"timing": "training_block"})),
    ("not sure really, it's all over", "inform", "body_part", [], {},
     Expected(silent=True, slots={"body_part": "unknown"})),
    ("is it safe to foam roll it?", "ask_technique", "duration", [], {},
     Expected(says=("foam roll",), slots=ASIDE, unset=("duration",))),
    ("what about before my race on Sunday?", "ask_timing", "duration", [("timing", "before my race")], {},
     Expected(says=("race", "48"), unset=("duration",))),
    ("I also sleep terribly before races", "inform", "duration", [], {}, Expected(says=("sleep",), slots=ASIDE)),
    # an answer that also raises a second concern: both are taken
    ("about three weeks, and honestly so stressed with work", "inform", "duration", [], {},
     Expected(says=("stress",), slots={"duration": "chronic"})),
    ("since I felt a pop on monday", "inform", "duration", [("duration", "since monday")], {},
     Expected(silent=True, events=[ActionExecutionRejected(FORM)])),
    ("hmm well", "inform", "duration", [], {}, Expected(says_exactly=("didn't catch",), slots=ASIDE)),
    ("hmm well", "nlu_fallback", "duration", [], {}, Expected(says_exactly=("didn't catch",), slots=ASIDE)),
    # a question of another kind is no unclear answer: the off-topic line, then the form asks again
    ("which gels work best in the heat?", "inform", "duration", [], {},
     Expected(says=("outside what i know",), slots=ASIDE)),
    ("and what about before my race on saturday?", "nlu_fallback", "duration", [], {},
     Expected(says=("race",), unset=("duration",))),
    # read as off-topic, but the race is read from it: the form answers (no rejection, no rule)
    ("what about before my race on Sunday?", "out_of_scope", "duration", [], {},
     Expected(says=("race",), slots={"timing": "race_week"}, unset=("duration",))),
    ("who won the marathon on sunday?", "out_of_scope", "duration", [], {}, Expected(silent=True)),
]


@pytest.mark.parametrize(("text", "intent", "requested", "entities", "slots", "expected"), FORM_CASES,
                         ids=[f"{case[2]}: {case[0]}" for case in FORM_CASES])
async def test_form(text: str, intent: str, requested: str, entities: list[tuple[str, str]],
                    slots: dict[str, Any], expected: Expected) -> None:
    tracker = in_form(text, intent, requested, entities_in(text, entities), slots)
    messages, events = await run(ValidateRecommendationForm(), tracker)
    check(messages, events, expected)


# slot, value as extracted -> value the form keeps
VALIDATIONS = [
    ("duration", "for 3 weeks", {"duration": "chronic"}),
    ("duration", "since yesterday", {"duration": "new"}),
    ("duration", "unknown", {"duration": "unknown"}),
    ("body_part", ["calves", "shins"], {"body_part": "calf"}),
    ("timing", "race week", {"timing": "race_week"}),
]


@pytest.mark.parametrize(("slot", "value", "expected"), VALIDATIONS)
def test_form_validation_normalises(slot: str, value: Any, expected: dict[str, Any]) -> None:
    form, tracker = ValidateRecommendationForm(), make_tracker("for 3 weeks", "inform", active_loop=FORM)
    validate = getattr(form, f"validate_{slot}")
    assert validate(value, CollectingDispatcher(), tracker, DOMAIN) == expected


ASKED = "what kind of massage would help?"


@pytest.mark.parametrize(("text", "concern", "body_part", "expected"), [
    (ASKED, "sleep", None, []),
    (ASKED, "stress", None, []),
    (ASKED, None, None, ["body_part", "duration", "timing"]),
    # asked outright once the talk gave an area or a concern: answered now, nothing asked first
    # (only what is already known, or said in the message, is kept)
    (ASKED, "stress", "calf", ["body_part"]),
    ("which type would you book?", "pain", "calf", ["body_part"]),
    ("which type would you book? it's been tight for 2 weeks", "pain", "calf", ["body_part", "duration"]),
    # told, not asked: the form finds out what the advice depends on
    ("my calf is tight too", "stress", "calf", ["body_part", "duration", "timing"]),
])
async def test_the_form_asks_only_what_the_advice_depends_on(text: str, concern: str | None, body_part: str | None,
                                                             expected: list[str]) -> None:
    tracker = make_tracker(text, "ask_recommendation", slots={"concern": concern, "body_part": body_part})
    slots = await ValidateRecommendationForm().required_slots(["body_part", "duration", "timing"],
                                                              CollectingDispatcher(), tracker, DOMAIN)
    assert slots == expected


@pytest.mark.parametrize(("text", "intent", "asked"), [
    ("anyway, for my tight calves what would you go with", "ask_recommendation", []),
    ("ok so for my tight calves, which would you pick", "report_pain", []),
    ("my calves are tight", "report_pain", ["body_part", "duration", "timing"]),
])
async def test_a_request_for_the_pick_needs_no_question_mark(text: str, intent: str, asked: list[str]) -> None:
    tracker = make_tracker(text, intent, entities_in(text, [("body_part", "calves")]), {"concern": "pain"})
    slots = await ValidateRecommendationForm().required_slots(["body_part", "duration", "timing"],
                                                              CollectingDispatcher(), tracker, DOMAIN)
    assert [slot for slot in slots if tracker.get_slot(slot) is None] == asked


async def test_a_pain_report_handed_to_the_form_is_read_by_the_form() -> None:
    """Off-topic reading, then the hand-over (no reply): the form reads the race and its recency."""
    text = "ran a marathon yesterday and my legs are destroyed"
    tracker = make_tracker(text, "out_of_scope", entities_in(text, [("body_part", "legs")]), {"concern": "pain"},
                           active_loop=FORM)
    tracker.events.append({"event": "action", "name": "action_answer_out_of_scope"})
    _, events = await run(ValidateRecommendationForm(), tracker)
    assert slot_sets(events) | {"duration": "new", "timing": "post_race"} == slot_sets(events)


@pytest.mark.parametrize("text", ["ok thanks. what kind of massage would help?", "what massage would help the doms?",
                                  "so what would you recommend?"])
async def test_asking_for_the_recommendation_inside_the_form_ends_its_questions(text: str) -> None:
    tracker = in_form(text, "ask_recommendation", "timing", [], ANSWERED)
    slots = await ValidateRecommendationForm().required_slots(["body_part", "duration", "timing"],
                                                              CollectingDispatcher(), tracker, DOMAIN)
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert all(tracker.get_slot(slot) is not None for slot in slots)  # nothing left to ask
    assert messages == [] and slot_sets(events).get("requested_slot", "unset") is None
    # a form turn that fills no slot is rejected by Rasa: the question asked is left unknown
    assert slot_sets(events).get("timing") == "unknown"


async def test_which_massage_answered_as_a_technique_question_still_ends_the_form() -> None:
    """The technique rule answers first, then the form runs: it stops asking, so the
    recommendation follows."""
    tracker = in_form("what massage would help the doms?", "ask_technique", "body_part")
    tracker.events.append({"event": "action", "name": "action_explain_technique"})
    tracker.events.append({"event": "bot", "text": "There are five kinds of massage..."})
    _, events = await run(ValidateRecommendationForm(), tracker)
    assert slot_sets(events).get("requested_slot", "unset") is None


def asked_twice(text: str, intent: str, requested: str) -> Tracker:
    """The form asked, got an answer it could not read, said so and asked again; this is the second."""
    tracker = in_form(text, intent, requested)
    first = {"event": "user", "text": "hmm", "parse_data": {"intent": {"name": "inform"}}}
    tracker.events[:0] = [{"event": "slot", "name": "requested_slot", "value": requested}, first,
                          {"event": "bot", "text": "Sorry, I didn't catch that."},
                          {"event": "slot", "name": "requested_slot", "value": requested}]
    return tracker


@pytest.mark.parametrize(("text", "intent", "requested"), [
    ("nope nothing sharp, they just feel heavy", "deny", "duration"),
    ("hmm well", "nlu_fallback", "duration"),
    ("dunno really", "inform", "timing"),
])
async def test_a_question_unanswered_twice_is_left_unknown_and_the_form_goes_on(text: str, intent: str,
                                                                                requested: str) -> None:
    messages, events = await run(ValidateRecommendationForm(), asked_twice(text, intent, requested))
    assert not any("didn't catch" in str(m.get("text")) for m in messages)
    assert slot_sets(events)[requested] == "unknown"


async def test_a_question_unanswered_once_is_asked_again() -> None:
    messages, events = await run(ValidateRecommendationForm(), in_form("hmm well", "inform", "duration"))
    assert "didn't catch" in messages[0]["text"] and "duration" not in slot_sets(events)


async def test_the_first_reply_after_the_opening_message_is_not_a_second_try() -> None:
    """The opening message comes before the form first asks: one reply so far, asked again."""
    tracker = in_form("is it safe to foam roll it?", "ask_technique", "duration")
    opening = {"event": "user", "text": "calf is tight", "parse_data": {"intent": {"name": "report_pain"}}}
    tracker.events[:0] = [opening, {"event": "slot", "name": "requested_slot", "value": "duration"},
                          {"event": "bot", "text": "How long has it been going on?"}]
    _, events = await run(ValidateRecommendationForm(), tracker)
    assert "duration" not in slot_sets(events)


@pytest.mark.parametrize(("text", "expected"), [
    ("which massage for calves?", []),  # a question about where it hurts: answered at once
    ("what's good for tight hamstrings after speedwork?", []),
    ("calves are wrecked, which one would you go for", []),  # "which one" asks for the pick
    # a statement, read as one: the form asks (read as a confident request for the pick, it is answered:
    # test_a_request_for_the_pick_needs_no_question_mark)
    ("my calves are tight after the long run", ["body_part", "duration", "timing"]),
])
async def test_a_question_that_opens_the_form_is_answered_before_anything_is_asked(text: str,
                                                                                   expected: list[str]) -> None:
    part = "calves" if "calves" in text else "hamstrings"
    intent = "ask_recommendation" if expected == [] else "report_pain"
    tracker = make_tracker(text, intent, entities_in(text, [("body_part", part)]), {"concern": "pain"},
                           active_loop=FORM)
    slots = await ValidateRecommendationForm().required_slots(["body_part", "duration", "timing"],
                                                              CollectingDispatcher(), tracker, DOMAIN)
    assert slots == expected


@pytest.mark.parametrize(("text", "slots", "picks"), [
    ("which massage should I get?", {}, True),
    ("which would be better before my 10k this sunday?", {}, True),  # the race's advice names it
    ("what kind of massage would help me sleep?", {}, False),  # sleep has its own answer
    ("which massage should I get?", {"concern": "stress"}, False),
    ("my legs feel heavy", {}, False),  # not asking: the form just asks where
    ("could you recommend a good massage for a runner like me?", {}, True),
])
async def test_which_massage_with_nothing_known_gets_the_general_pick_first(text: str, slots: dict[str, Any],
                                                                           picks: bool) -> None:
    tracker = make_tracker(text, "ask_recommendation", [], slots, active_loop=FORM)
    messages, _ = await run(ValidateRecommendationForm(), tracker)
    assert any("sports massage" in str(m.get("text")).lower() for m in messages) is picks


async def test_a_tool_asked_for_with_nothing_known_gets_its_topic_first() -> None:
    tracker = make_tracker("best self massage tool for a runner on a budget?", "ask_recommendation", [], {},
                           active_loop=FORM)
    messages, _ = await run(ValidateRecommendationForm(), tracker)
    assert any("foam roll" in str(m.get("text")).lower() for m in messages)


def asked_in_turn(text: str, asked: list[str]) -> Tracker:
    """The form started, asked about each slot in `asked` in turn; `text` answers the last."""
    tracker = in_form(text, "inform", asked[-1])
    history: list[dict[str, Any]] = [{"event": "active_loop", "name": FORM}]
    for slot in asked:
        history += [{"event": "slot", "name": "requested_slot", "value": slot},
                    {"event": "user", "text": "an answer", "parse_data": {"intent": {"name": "inform"}}}]
    tracker.events[:0] = history[:-1]
    return tracker


@pytest.mark.parametrize(("asked", "text", "answer", "then"), [
    (["body_part", "duration"], "about three weeks", {"duration": "chronic"}, None),  # two asked: the pick now
    (["duration"], "about three weeks", {"duration": "chronic"}, "unset"),  # one asked: the race comes next
])
async def test_the_form_asks_at_most_two_questions(asked: list[str], text: str, answer: dict[str, str],
                                                   then: str | None) -> None:
    _, events = await run(ValidateRecommendationForm(), asked_in_turn(text, asked))
    sets = slot_sets(events)
    assert sets | answer == sets
    # None: the form is done; "unset": Rasa asks the next of the domain's slots
    assert sets.get("requested_slot", "unset") == then


async def test_a_professional_s_all_clear_after_a_referral_is_acknowledged() -> None:
    text = "the physio had a look, says it's only shin splints and massage is fine"
    tracker = make_tracker(text, "report_pain", [entity("referral_cleared", "physio", "physio", 4)],
                           {"concern": "pain", "referral_signs": ["bone_point_pain"]}, active_loop=FORM)
    messages, _ = await run(ValidateRecommendationForm(), tracker)
    assert any("has been checked" in str(m.get("text")) for m in messages)


async def test_another_questions_answer_is_no_miss() -> None:
    """Asked how long, told about the race instead: that answer is kept, with no "didn't catch"."""
    messages, events = await run(ValidateRecommendationForm(), in_form("no race, just training", "nlu_fallback",
                                                                      "duration"))
    assert not any("didn't catch" in str(m.get("text")) for m in messages)
    assert slot_sets(events).get("timing") == "none" and "duration" not in slot_sets(events)


async def test_stress_told_in_passing_is_remembered_for_a_later_which_kind() -> None:
    tracker = make_tracker("totally burnt out after this block, is a massage even worth it?", "ask_benefits")
    _, events = await run(ActionAnswerBenefits(), tracker)
    assert slot_sets(events).get("concern") == "stress"


async def test_the_pick_so_far_comes_before_the_forms_last_question() -> None:
    """Answer first: the first question answered and one to come, the runner gets the pick now."""
    tracker = in_form("about three weeks", "inform", "duration", [entity("duration", "three weeks", "chronic", 6)])
    tracker.events.extend([{"event": "active_loop", "name": FORM},
                           {"event": "slot", "name": "requested_slot", "value": "duration"}])
    messages, _ = await run(ValidateRecommendationForm(), tracker)
    assert any("from what you've said so far" in str(m.get("text")).lower() for m in messages), messages


@pytest.mark.parametrize(("text", "part", "expected"), [
    # more about the problem just given a pick: the pick again, with what it adds, no questions
    ("it was after tuesday's long run, first 18 miler of the block", None, ["body_part", "timing"]),
    ("the same calf again today", "calf", ["body_part"]),
    # a new place is a new problem: the form asks about it
    ("my shoulder is tight as well", "shoulder", ["body_part", "duration", "timing"]),
])
async def test_more_about_the_last_pick_refines_it_without_asking_again(text: str, part: str | None,
                                                                       expected: list[str]) -> None:
    found = [("body_part", part)] if part else []
    tracker = make_tracker(text, "report_pain", entities_in(text, found),
                           {"concern": "pain", "body_part": "calf", "last_technique": "sports_massage"},
                           active_loop=FORM)
    slots = await ValidateRecommendationForm().required_slots(["body_part", "duration", "timing"],
                                                              CollectingDispatcher(), tracker, DOMAIN)
    assert slots == expected


async def test_a_topic_given_once_is_not_repeated_after_also() -> None:
    text = "would a massage help with trigger points, or is foam rolling and a massage gun just as good?"
    tracker = make_tracker(text, "ask_technique", entities_in(text, [
        ("technique", "trigger points"), ("technique", "foam rolling"), ("technique", "massage gun")]))
    messages, _ = await run(ActionExplainTechnique(), tracker)
    reply = messages[0]["text"].lower()
    assert reply.count("foam rolling and self-massage") == 1 and "trigger point" in reply, reply


async def test_no_one_place_said_while_asked_something_else_is_kept() -> None:
    """Asked how long, told "no particular spot" and the span: the form does not ask where next."""
    tracker = in_form("no particular spot, legs heavy all over, about ten days", "inform", "duration",
                      slots={"body_part": None})
    _, events = await run(ValidateRecommendationForm(), tracker)
    assert slot_sets(events).get("body_part") == "unknown", events


async def test_a_span_said_of_the_race_calendar_is_not_how_long_it_has_hurt() -> None:
    text = "quads heavy since the long run, no races for a few months"
    tracker = in_form(text, "inform", "timing",
                      [entity("duration", "for a few months", "chronic", text.index("for a few months"))],
                      slots={"duration": "chronic"})
    tracker.events.append({"event": "slot", "name": "duration", "value": "chronic"})  # the NLU's reading
    _, events = await run(ValidateRecommendationForm(), tracker)
    assert slot_sets(events).get("duration", "unset") is None, events


@pytest.mark.parametrize(("action", "text", "to_form"), [
    (ActionAnswerStress(), "something has felt off on my runs ever since I upped the mileage, a few weeks now", True),
    (ActionAnswerSleep(), "my legs just feel wrong on every run lately, no races coming up", True),
    # a word of the mind or of life keeps the stress answer
    (ActionAnswerStress(), "running feels off lately, work has been mental", False),
    (ActionAnswerStress(), "so nervous about my first marathon I can't think about anything else", False),
    # a massage named is what the message is about
    (ActionAnswerStress(), "my legs feel off on every run lately, thinking a sports massage", False),
])
async def test_a_sleep_or_stress_reading_with_only_running_talk_opens_the_form(action: Any, text: str,
                                                                              to_form: bool) -> None:
    _, events = await run(action, make_tracker(text, "ask_stress"))
    assert (FollowupAction("recommendation_form") in events) is to_form, events


@pytest.mark.parametrize(("text", "kept"), [
    ("did you catch the football last night?", False),  # a sure off-topic question: no "new" from its time
    ("it started last night, is that bad?", True),  # the same time, said of the complaint
])
async def test_a_sure_off_topic_question_in_the_form_fills_no_slot(text: str, kept: bool) -> None:
    tracker = in_form(text, "out_of_scope", "duration")
    _, events = await run(ValidateRecommendationForm(), tracker)
    assert (slot_sets(events).get("duration") is not None) is kept, events


async def test_a_race_run_days_ago_told_earlier_makes_the_soreness_new() -> None:
    """"Ran my first marathon on Sunday" one turn, the sore places the next: no "how long?"."""
    tracker = in_form("quads mostly, calves too", "report_pain", "body_part",
                      [entity("body_part", "quads", "quad", 0)], slots={"timing": "post_race", "duration": None})
    _, events = await run(ValidateRecommendationForm(), tracker)
    assert slot_sets(events).get("duration") == "new", events


@pytest.mark.parametrize(("text", "slots", "says", "sets"), [
    # a side of the place already named, or a span the form knows: noted, not "didn't catch that"
    ("no wait sorry, the right one, left is fine", {}, "got it", {}),
    ("bout 3 weeks", {"duration": "chronic"}, "got it", {}),
    # a correction of what was said ("3 days" was new)
    ("sorry, I meant 3 months not 3 days", {"duration": "new"}, "got it", {"duration": "chronic"}),
    ("asdf qwerty", {}, "didn't catch", {}),
])
async def test_a_correction_or_a_detail_in_the_form_is_noted(text: str, slots: dict[str, str], says: str,
                                                             sets: dict[str, str]) -> None:
    tracker = in_form(text, "nlu_fallback", "timing", slots={"duration": "chronic", **slots})
    messages, events = await run(ValidateRecommendationForm(), tracker)
    assert says in " ".join(str(m.get("text")) for m in messages).lower(), messages
    assert {k: v for k, v in slot_sets(events).items() if k in ("duration", "body_part")} == sets
    # a slot event besides requested_slot, or Rasa rejects the form's turn
    assert "asides" in slot_sets(events)
