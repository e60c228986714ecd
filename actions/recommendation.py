"""Recommendation, its reasons, and the form that gathers what it needs."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.advice_action import Advice, AdviceAction
from actions.knowledge import KB
from actions.safety import GENERAL_REFERRAL, referral_from_tracker, triage_latest
from actions.tracker_adapter import (
    follow_up_context,
    is_fresh_user_turn,
    latest_entities,
    latest_intent,
    latest_text,
    named_now,
    questions_asked,
    replies_to,
    send,
    situation_from_tracker,
    timing_in_message,
    turn_number,
)
from bot import answers
from bot.answers import alternatives_reply, concerns_reply, need_more_reply, why_reply
from bot.kb_ids import (
    NEW,
    NO_RACE,
    PAIN,
    POST_RACE,
    SENTINELS,
    SLEEP,
    STRESS,
    TIMING_TOPICS,
    TRAINING_BLOCK,
    UNKNOWN,
)
from bot.knowledge_base import ENTITY_OF_KIND
from bot.recommender import recommend
from bot.referral import pushes_back, says_cleared
from bot.reply import Reply
from bot.text import normalise
from bot.time_spans import (
    about_races,
    body_part_answer,
    body_part_in_statement,
    duration_answer,
    duration_in_statement,
    timing_answer,
    timing_in_text,
)
from bot.triage import assess
from bot.vocabulary import concerns_in, resolve

ENTITIES = tuple(ENTITY_OF_KIND.values())
ASIDES_SLOT = "asides"
FORM_NAME = "recommendation_form"
FORM_SLOTS = ("body_part", "duration", "timing")
CLEARED_THANKS = "Good to hear it has been checked. Let's find a massage that suits it."
# The off-topic answer without its buttons: the form's own question follows it.
OUTSIDE_IN_FORM = "That's outside what I know, sorry."
NOTED = "Got it, thanks."
MAX_QUESTIONS = 2  # runners want the answer; a third question loses them
# Intents the form leaves to their own rules (they answer, then the form asks again or stops).
LEFT_TO_RULES = frozenset({"red_flag", "stop", "goodbye", "thank", "bot_challenge", "out_of_scope", "greet",
                           "start"})
# A reply to the form's question that says nothing we can read: ask again, kindly.
NOT_CAUGHT = frozenset({"inform", "affirm", "deny", "report_pain", "ask_recommendation", "nlu_fallback"})
ANSWER_READERS: Dict[str, Callable[[str], str | None]] = {
    "body_part": body_part_answer, "duration": duration_answer, "timing": timing_answer,
}
# Read from any message, also when the form asks something else: only clear statements.
STATEMENT_READERS: Dict[str, Callable[[str], str | None]] = {
    "body_part": body_part_in_statement, "duration": duration_in_statement, "timing": timing_in_text,
}


OFF_TOPIC_SURE = 0.8


def _off_topic_question(tracker: Tracker) -> bool:
    """"did you see the match last night?" while asked how long: a sure off-topic question about nothing
    the runner told fills no slot, so Rasa rejects the turn and the off-topic rule answers it."""
    intent = tracker.latest_message.get("intent") or {}
    text = latest_text(tracker)
    return (intent.get("name") == "out_of_scope" and float(intent.get("confidence") or 0) >= OFF_TOPIC_SURE
            and answers.is_question(text) and not answers.refers_to_running(text) and not answers.has_answer_part(text)
            and not latest_entities(tracker, "body_part") and not latest_entities(tracker, "symptom"))


def _corrections(tracker: Tracker, requested: str | None) -> List[Dict[str, Any]]:
    """Slots already known that the message says again differently ("sorry, I meant 3 months")."""
    text = normalise(latest_text(tracker))
    found = {slot: reader(text) for slot, reader in ANSWER_READERS.items() if slot != requested}
    return [SlotSet(slot, value) for slot, value in found.items()
            if value and value != UNKNOWN and tracker.get_slot(slot) not in (None, value)]


def _adds_detail(tracker: Tracker) -> bool:
    """A side, or a place or span the form already knows ("the right one", "bout 3 weeks")."""
    text = normalise(latest_text(tracker))
    readers = (*STATEMENT_READERS.values(), ANSWER_READERS["duration"])
    return (answers.names_a_side(text) or _has_new_details(tracker)
            or any(reader(text) not in (None, UNKNOWN) for reader in readers))


def _said_of_the_race_calendar(tracker: Tracker) -> bool:
    """"no races for a few months": every span the NLU read as how long is when the races are."""
    text = latest_text(tracker).lower()
    spans = [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == "duration"]
    return bool(spans) and all(about_races(text, int(e.get("start") or 0)) for e in spans)


def _has_new_details(tracker: Tracker) -> bool:
    return any(latest_entities(tracker, entity) for entity in ENTITIES)


def _asks_again(tracker: Tracker) -> bool:
    """Asked for a recommendation again, with nothing new, after getting one."""
    return (latest_intent(tracker) == "ask_recommendation" and bool(tracker.get_slot("last_technique"))
            and not _has_new_details(tracker))


def _wants_it_now(tracker: Tracker) -> bool:
    """Asked inside the form for the recommendation itself ("what massage would help?"): the
    form stops asking and recommends from what it knows."""
    return (bool(tracker.get_slot(REQUESTED_SLOT)) and answers.asks_which_massage(latest_text(tracker))
            and not _asks_again(tracker))


# An intent this sure of itself is read as what the runner asked, with or without a question mark.
CONFIDENT = 0.8


def _asks_outright(tracker: Tracker) -> bool:
    """The message that opened the form is a question about where it hurts ("which massage
    for calves?", "what's good for tight hamstrings?"), or asks which massage once the talk has
    given an area or a concern ("which type would you book?"): answer it now, ask nothing first."""
    if not is_fresh_user_turn(tracker) or tracker.get_slot(REQUESTED_SLOT):
        return False
    text = latest_text(tracker)
    if latest_entities(tracker, "body_part"):
        # "anyway, for the calves what would you go with" has no question mark, but asks
        intent = tracker.latest_message.get("intent") or {}
        asked = intent.get("name") == "ask_recommendation" and (intent.get("confidence") or 0) >= CONFIDENT
        return asked or answers.is_question(text) or answers.asks_which_massage(text)
    # a pain with no place yet still needs "where?"
    known = (any(tracker.get_slot(slot) for slot in ("body_part", "last_technique"))
             or tracker.get_slot("concern") in (SLEEP, STRESS))
    return known and answers.asks_which_massage(text)


def _refines_last_pick(tracker: Tracker) -> bool:
    """More about the same problem after a pick ("it was after Tuesday's long run, the first of
    the block"): the pick is given again with what it adds, no questions started over."""
    if not is_fresh_user_turn(tracker) or tracker.get_slot(REQUESTED_SLOT) or not tracker.get_slot("last_technique"):
        return False
    named = set(latest_entities(tracker, "body_part"))
    known = tracker.get_slot("body_part")
    return not named or named == {known}


def _cleared_now(tracker: Tracker) -> bool:
    """"The physio says it's a mild strain, massage is fine, which kind?": the runner has waited
    through a referral; the pick comes now, from what is known, with no questions started over."""
    return (is_fresh_user_turn(tracker) and not tracker.get_slot(REQUESTED_SLOT)
            and bool(referral_from_tracker(tracker).signs) and says_cleared(latest_text(tracker)))


def _asked_enough(tracker: Tracker) -> bool:
    """Two questions asked and the second answered: the runner gets the pick now (a race can
    still be said afterwards; the recommendation carries the race cautions meanwhile)."""
    requested = tracker.get_slot(REQUESTED_SLOT)
    return (bool(requested) and tracker.get_slot(requested) is not None
            and len(questions_asked(tracker, FORM_NAME)) >= MAX_QUESTIONS)


def _is_red_flag(tracker: Tracker) -> bool:
    return latest_intent(tracker) == "red_flag" or triage_latest(tracker).is_red_flag


def _follow_up(tracker: Tracker) -> Reply | None:
    """A question about what was just recommended ("and after the race?"), asked
    straight after a user message, with no new body part to recommend for."""
    if (tracker.latest_action_name not in (None, "action_listen") or latest_entities(tracker, "body_part")
            or not answers.is_question(latest_text(tracker))):
        return None
    return answers.follow_up_reply(latest_text(tracker), follow_up_context(tracker), KB)


def aside_reply(tracker: Tracker) -> Reply | None:
    """An answer to a question or new concern raised in the middle of the form."""
    text = latest_text(tracker)
    concerns = concerns_in(text, KB)
    situation = situation_from_tracker(tracker)
    if SLEEP in concerns:
        return answers.sleep_reply(recommend(situation.with_concern(SLEEP), KB), KB)
    if STRESS in concerns:
        return answers.stress_reply(recommend(situation.with_concern(STRESS), KB), KB)
    reply = answers.follow_up_reply(text, follow_up_context(tracker), KB) or answers.question_reply(text, KB)
    if reply:
        return reply
    named = latest_entities(tracker, "technique")
    if len(named) > 1:
        return answers.compare_reply(named, KB)
    if named and named[0] in KB.methods():
        return answers.method_reply(named[0], KB)
    if named:
        return answers.technique_reply(KB.techniques[named[0]], text, KB)
    return None


def _referral_holds(tracker: Tracker) -> bool:
    """A standing referral covers this: no questions, action_recommend explains why not yet."""
    situation = situation_from_tracker(tracker)
    return referral_from_tracker(tracker).holds(situation.body_parts, about_body=PAIN in situation.concerns,
                                                pushback=pushes_back(latest_text(tracker)))


class ActionRecommend(AdviceAction):
    def name(self) -> str:
        return "action_recommend"

    def answer(self, tracker: Tracker) -> Advice:
        if latest_intent(tracker) == "red_flag":
            return Advice(GENERAL_REFERRAL)
        follow_up = _follow_up(tracker)
        if follow_up:
            return Advice(follow_up)
        situation = situation_from_tracker(tracker)
        rec = recommend(situation, KB)
        if _asks_again(tracker):
            reply = alternatives_reply(rec, KB)
        elif situation.is_empty and latest_intent(tracker) == "inform":
            reply = need_more_reply()
        else:
            reply = concerns_reply(situation, rec, KB, turn_number(tracker))
        events = [SlotSet("last_technique", rec.technique.id)]
        if situation.body_parts:
            events.append(SlotSet("body_part", sorted(situation.body_parts)[0]))
        timing = timing_in_message(tracker)
        if timing and not tracker.get_slot("timing"):
            events.append(SlotSet("timing", timing))
        return Advice(reply, events)


class ActionExplainWhy(AdviceAction):
    def name(self) -> str:
        return "action_explain_why"

    def answer(self, tracker: Tracker) -> Advice:
        return Advice(why_reply(recommend(situation_from_tracker(tracker), KB)))


class ValidateRecommendationForm(FormValidationAction):
    """Reads answers in the runner's words and normalises them to knowledge-base ids;
    answers questions asked in the middle of the form, then the form asks again;
    ends the form at once on a warning sign (the referral comes next)."""

    def name(self) -> str:
        return "validate_recommendation_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[str, Any]]:
        # A warning sign wins over the form, even when the message also fills a slot
        # ("I've felt low for weeks" gives a duration): reject, so the red-flag rule runs.
        if _is_red_flag(tracker):
            if latest_intent(tracker) == "red_flag" or assess(latest_text(tracker), KB).is_red_flag:
                return [ActionExecutionRejected(FORM_NAME)]
            # a sign only the conversation shows (it is about someone the writer looks after, or its context
            # came a turn before): the form ends, and action_recommend, next, gives the referral first. A
            # slot besides requested_slot must be set, or Rasa rejects a turn that filled nothing.
            return [SlotSet(REQUESTED_SLOT, None), SlotSet("referral_cleared", None)]
        fresh = is_fresh_user_turn(tracker)
        requested = tracker.get_slot(REQUESTED_SLOT)
        events = await super().run(dispatcher, tracker, domain)
        intent = latest_intent(tracker)
        if fresh and not requested:
            if referral_from_tracker(tracker).signs and says_cleared(latest_text(tracker)):
                dispatcher.utter_message(text=CLEARED_THANKS)
            self._other_concern_first(dispatcher, tracker, domain)
            self._general_pick_first(dispatcher, tracker)
            return events
        if _wants_it_now(tracker):
            # Rasa rejects a form turn that fills no slot: the question asked is left unknown.
            return [*events, SlotSet(requested, UNKNOWN)]
        # Off-topic reading, but a slot was read from it (else the form rejects it and the
        # off-topic rule answers): "what about before my race on Sunday?" still gets its answer.
        if not fresh or not requested or (intent in LEFT_TO_RULES and intent != "out_of_scope"):
            return events
        answered = tracker.slots.get(requested) is not None
        # "no race, just training" while asked how long: another question's answer was read
        told_other = any(e.get("event") == "slot" and e.get("name") in FORM_SLOTS and e.get("name") != requested
                         and e.get("value") is not None for e in events)
        aside = aside_reply(tracker) if answers.is_question(latest_text(tracker)) or not answered else None
        if aside:
            send(dispatcher, aside)
        elif answered or told_other or intent not in NOT_CAUGHT:
            # "maybe 2 weeks? also kinda stressed with work": the second concern is answered too
            self._other_concern_first(dispatcher, tracker, domain)
            self._pick_before_last_question(dispatcher, tracker)
            return events
        elif answers.is_question(latest_text(tracker)):
            # a question of another kind ("best gels for a hot race?"), not an unclear answer
            dispatcher.utter_message(text=OUTSIDE_IN_FORM)
        else:
            # "sorry, I meant 3 months", "right one": a correction or a detail of what is known, not noise
            corrected = _corrections(tracker, requested)
            noted = bool(corrected) or _adds_detail(tracker)
            dispatcher.utter_message(text=NOTED if noted else "Sorry, I didn't catch that.")
            events = [*events, *corrected]
        # a slot besides requested_slot must be set, or Rasa rejects the turn and its fallback answers
        return [*events, SlotSet(ASIDES_SLOT, float(tracker.get_slot(ASIDES_SLOT) or 0) + 1)]

    @staticmethod
    def _other_concern_first(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> None:
        """Pain plus sleep or stress in the opening message or an answer: answer the other concern
        now, while the form asks about the pain (the recommendation covers the pain)."""
        missing = [s for s in ("body_part", "duration", "timing") if tracker.slots.get(s) is None]
        others = concerns_in(latest_text(tracker), KB) & {SLEEP, STRESS}
        if not missing or not others or tracker.get_slot("concern") in others:
            return
        send(dispatcher, answers.sleep_mechanisms_reply(KB) if SLEEP in others else answers.stress_short(KB))

    @staticmethod
    def _pick_before_last_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """The first question answered and one more to come: the pick so far now, so the runner
        has an answer whatever they say next (the race question then refines it)."""
        missing = [slot for slot in FORM_SLOTS if tracker.slots.get(slot) is None]
        if (len(questions_asked(tracker, FORM_NAME)) != MAX_QUESTIONS - 1 or not missing
                or tracker.slots.get("body_part") in (None, *SENTINELS)):
            return
        send(dispatcher, answers.pick_so_far(recommend(situation_from_tracker(tracker), KB)))

    @staticmethod
    def _general_pick_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """"Which massage should I get?" before anything is known: the pick for any runner
        now, or the advice for the race it names, while the form asks where it is felt."""
        text = latest_text(tracker)
        if (tracker.get_slot("body_part") is not None or latest_entities(tracker, "body_part")
                or tracker.get_slot("concern") in (SLEEP, STRESS) or concerns_in(text, KB) & {SLEEP, STRESS}):
            return
        if answers.asks_which_massage(text):
            # a race named gets its advice; a training block ("which kind in a marathon block?")
            # gets the pick, not how often to book
            timing = timing_in_message(tracker)
            race = timing in TIMING_TOPICS and timing != TRAINING_BLOCK
            send(dispatcher, answers.timing_reply(timing, text, KB) if race else answers.general_pick_reply(KB))
            return
        # "best self-massage tool on a budget?": the topic it asks about answers it
        topic = answers.question_reply(text, KB)
        if topic:
            send(dispatcher, answers.naming(topic, named_now(tracker), KB))

    async def required_slots(self, domain_slots: List[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[str]:
        if _asked_enough(tracker):
            # the answer just read stays among them, so it is validated and kept
            return [slot for slot in domain_slots if tracker.get_slot(slot) is not None]
        if _referral_holds(tracker):
            return []
        if (_asks_again(tracker) or _wants_it_now(tracker) or _asks_outright(tracker)
                or _refines_last_pick(tracker) or _cleared_now(tracker)):
            # answered now, with what the message itself says ("...since my race 2 weeks ago"),
            # so the pick uses it and nothing said is asked again later
            return [slot for slot in domain_slots if tracker.get_slot(slot) is not None or self._read(slot, tracker)]
        if tracker.get_slot("concern") in (SLEEP, STRESS) and not tracker.get_slot("body_part"):
            # The knowledge base's advice for sleep and stress does not depend on how long
            # or on a race (a race said in the message still adds its caution): no questions.
            return []
        return domain_slots

    @staticmethod
    def _read(slot: str, tracker: Tracker) -> Dict[str, Any]:
        """The slot's value from the latest message's free text, when the entities missed it."""
        if tracker.get_slot(slot) is not None or not is_fresh_user_turn(tracker) or _off_topic_question(tracker):
            return {}
        text = normalise(latest_text(tracker))
        asked = tracker.get_slot(REQUESTED_SLOT) == slot
        reader = ANSWER_READERS if asked else STATEMENT_READERS
        value = reader[slot](text) if slot in reader else None
        if value:
            return {slot: value}
        # a race run in the last few days, told earlier ("ran my first marathon on sunday"), and no
        # other span: the soreness is new
        if slot == "duration" and tracker.get_slot("timing") == POST_RACE:
            return {slot: NEW}
        # Asked twice and still not said ("no idea", a question back): go on without it.
        gave_up = (asked and latest_intent(tracker) not in LEFT_TO_RULES and not latest_entities(tracker, slot)
                   and replies_to(tracker, slot) >= 2)
        return {slot: UNKNOWN} if gave_up else {}

    async def extract_body_part(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[str, Any]:
        return self._read("body_part", tracker)

    async def extract_duration(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[str, Any]:
        return self._read("duration", tracker)

    async def extract_timing(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[str, Any]:
        return self._read("timing", tracker)

    @staticmethod
    def _normalise(entity: str, value: Any, fallback: str | None) -> Dict[str, Any]:
        first = value[0] if isinstance(value, list) and value else value
        if first in SENTINELS:
            return {entity: first}
        return {entity: resolve(entity, str(first), KB) or fallback}

    def validate_body_part(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[str, Any]:
        return self._normalise("body_part", value, UNKNOWN)

    def validate_duration(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[str, Any]:
        if is_fresh_user_turn(tracker) and _off_topic_question(tracker):
            return {"duration": None}
        if is_fresh_user_turn(tracker) and _said_of_the_race_calendar(tracker):
            # "sore since that race 5 days ago, no race for 2 months": the span said of the soreness
            return {"duration": duration_in_statement(normalise(latest_text(tracker)))}
        return self._normalise("duration", value, UNKNOWN)

    def validate_timing(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Dict[str, Any]:
        if is_fresh_user_turn(tracker) and _off_topic_question(tracker):
            return {"timing": None}
        return self._normalise("timing", value, NO_RACE)
