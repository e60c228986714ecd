"""Answers to questions about techniques, benefits, timing, sleep and stress."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.advice_action import TOPIC_SLOT, Advice, AdviceAction
from actions.knowledge import KB
from actions.safety import referral_from_tracker, triage_latest
from actions.tracker_adapter import (
    follow_up_context,
    latest_entities,
    latest_text,
    named_now,
    situation_from_tracker,
    timing_in_message,
)
from bot import answers
from bot.kb_ids import NO_RACE, POST_RACE, PRE_RACE_TIMINGS, SLEEP, STRESS, TIMING_TOPICS, UNKNOWN
from bot.recommender import Situation, recommend
from bot.reply import Reply
from bot.text import normalise
from bot.time_spans import duration_answer, duration_in_statement, timing_answer, timing_in_text
from bot.vocabulary import body_complaint, concerns_in

FOLLOW_UP_WORDS = 15  # a follow-up is short; a long question stands on its own
SHORT_WORDS = 6  # "2wks", "half on the 14th": a bare answer, read as one


def _ours_named(tracker: Tracker) -> list[str]:
    """Our five techniques, as the latest message names them."""
    return [t for t in latest_entities(tracker, "technique") if t in KB.techniques]


def _techniques_asked(tracker: Tracker) -> list[str]:
    """Techniques, methods and tools named now, else the technique recommended last (a stored
    conversation may hold an id the knowledge base no longer has: then none)."""
    last = tracker.get_slot("last_technique")
    return named_now(tracker) or ([last] if last in KB.techniques else [])


def _follow_up(tracker: Tracker) -> Reply | None:
    """An answer that depends on the conversation so far ("can I get deep tissue tomorrow?"
    the day after a marathon), else None."""
    return answers.follow_up_reply(latest_text(tracker), follow_up_context(tracker), KB)


def _is_pain_statement(tracker: Tracker) -> bool:
    """A body part, no technique, not a question, no warning sign, outside the form."""
    text = latest_text(tracker)
    return (not tracker.active_loop.get("name") and bool(latest_entities(tracker, "body_part"))
            and not latest_entities(tracker, "technique") and not answers.is_question(text)
            and not triage_latest(tracker).is_red_flag)


def _as_pain_report(tracker: Tracker) -> List[Dict[str, Any]] | None:
    """"My quads hurt" read as "will the massage hurt?", as off-topic or unsure: a pain
    statement is a pain report, so the recommendation form takes it (else None)."""
    if not _is_pain_statement(tracker):
        return None
    return [SlotSet("concern", "pain"), FollowupAction("recommendation_form")]


def _as_body_complaint(tracker: Tracker) -> List[Dict[str, Any]] | None:
    """A sleep or stress reading of a message with no word of sleep, stress or the rest of life, about
    running ("something's felt off on my runs since I upped the mileage"): the form asks where."""
    text = latest_text(tracker)
    # "ran my first marathon today and I'm in bits": after a race, its recovery advice comes first;
    # a technique or massage named is what the message is about
    if (tracker.active_loop.get("name") or answers.is_question(text) or not body_complaint(text, KB)
            or named_now(tracker) or answers.says_massage(text)
            or timing_in_message(tracker) == POST_RACE
            or referral_from_tracker(tracker).active or triage_latest(tracker).is_red_flag):
        return None
    return [SlotSet("concern", "pain"), FollowupAction("recommendation_form")]


def _advice_for(situation: Situation, tracker: Tracker) -> Advice:
    """The recommendation for what the runner described, remembering the technique (and, as every
    answer does, a race said in the message: actions.advice_action)."""
    rec = recommend(situation, KB)
    return Advice(answers.concerns_reply(situation, rec, KB), [SlotSet("last_technique", rec.technique.id)])


def _concerns(situation: Situation) -> Advice:
    return Advice(answers.concerns_reply(situation, recommend(situation, KB), KB))


def _concern_answered(situation: Situation, concern: str) -> Advice:
    """Sleep or stress advice, remembering the concern and the pick, so "would massage help
    me, then?" or "which kind?" afterwards is answered for it."""
    rec = recommend(situation, KB)
    return Advice(answers.concerns_reply(situation, rec, KB),
                  [SlotSet("concern", concern), SlotSet("last_technique", rec.technique.id)])


def _which_for_me(tracker: Tracker) -> bool:
    """A question that names where it hurts and asks which massage or weighs ours ("would sports
    or deep tissue be better for my calves before the race?"): the recommendation answers it."""
    return bool(latest_entities(tracker, "body_part")) and (
        bool(_ours_named(tracker)) or answers.asks_which_massage(latest_text(tracker)))


class ActionExplainTechnique(AdviceAction):
    def name(self) -> str:
        return "action_explain_technique"

    def answer(self, tracker: Tracker) -> Advice:
        named = _ours_named(tracker)
        if len(named) >= 2:  # "would sports or deep tissue be better?" is a comparison
            return ActionCompareTechniques().answer(tracker)
        events = [SlotSet("last_technique", named[0])] if named else []
        return Advice(self._reply(tracker), events)

    @staticmethod
    def _reply(tracker: Tracker) -> Reply:
        follow_up = _follow_up(tracker)
        # "ischemic compression, can I do it myself with a ball?": the method named first, then
        # the self-massage topic; "can I get deep tissue tomorrow?" is the context's answer alone.
        ours = [t for t in named_now(tracker) if t not in KB.tools]
        # "what's the difference between pin and stretch and active release?" weighs the two it
        # names, not the conversation's technique
        if follow_up and (not ours or (len(ours) < 2 and answers.asks_about_context(latest_text(tracker), KB))):
            return follow_up
        reply = ActionExplainTechnique._about_named(tracker)
        return answers.merge(reply, follow_up) if follow_up else reply

    @staticmethod
    def _about_named(tracker: Tracker) -> Reply:
        asked = _techniques_asked(tracker)
        if not asked:
            return (answers.question_reply(latest_text(tracker), KB) or _on_last_topic(tracker)
                    or answers.techniques_overview(KB))
        tools = [t for t in asked if t in KB.tools]
        if tools:
            return answers.tool_reply(tools[0], KB, asked)
        if asked[0] in KB.methods():
            return answers.method_reply(asked[0], KB)
        return answers.technique_reply(KB.techniques[asked[0]], latest_text(tracker), KB)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        return _as_pain_report(tracker) or await super().run(dispatcher, tracker, domain)


class ActionCompareTechniques(AdviceAction):
    def name(self) -> str:
        return "action_compare_techniques"

    def answer(self, tracker: Tracker) -> Advice:
        named = latest_entities(tracker, "technique")
        follow_up = _follow_up(tracker) if len(named) < 2 else None  # two named: compare them
        if follow_up:
            return Advice(follow_up)
        if _which_for_me(tracker):
            return _concerns(situation_from_tracker(tracker))
        last = tracker.get_slot("last_technique")
        if len(named) == 1 and last and last not in named:
            named.append(last)
        return Advice(answers.compare_reply(named, KB))


class ActionAnswerBenefits(AdviceAction):
    # "is my watch's recovery time worth trusting?" reads as a benefits question; it is gear
    fallback_response = "utter_out_of_scope"

    def name(self) -> str:
        return "action_answer_benefits"

    def answer(self, tracker: Tracker) -> Advice | None:
        text = latest_text(tracker)
        if answers.other_subject(text, KB) and not named_now(tracker):
            return None
        if answers.asks_which_massage(text):
            return _concerns(situation_from_tracker(tracker))
        # "would massage help me, then?" after sleep or stress advice: for that, not in general
        concern = tracker.get_slot("concern")
        if (concern in (SLEEP, STRESS) and not named_now(tracker) and answers.find_topic(text, KB) is None
                and len(text.split()) <= FOLLOW_UP_WORDS):
            return _concern_answered(situation_from_tracker(tracker).with_concern(concern), concern)
        follow_up = _follow_up(tracker)
        if follow_up:
            return Advice(follow_up)
        # "so wound up with work, would a sports massage help or is it just for legs?": whether it
        # helps with that (a body part with no complaint about it is no pain report)
        told = concerns_in(text, KB) & {SLEEP, STRESS}
        complaint = latest_entities(tracker, "body_part") and latest_entities(tracker, "symptom")
        if len(told) == 1 and not complaint and answers.find_topic(text, KB) is None:
            concern = next(iter(told))
            situation = replace(situation_from_tracker(tracker), body_parts=frozenset())
            return _concern_answered(situation.with_concern(concern), concern)
        reply = answers.benefits_reply(text, KB)
        # "my calves are wrecked after every long run, is massage even worth it?": whether it is,
        # then what would suit those calves, so the runner has somewhere to start
        if latest_entities(tracker, "body_part") and not named_now(tracker):
            situation = situation_from_tracker(tracker)
            rec = recommend(situation, KB)
            return Advice(answers.merge(reply, answers.pick_for(rec, situation, KB)),
                          [SlotSet("last_technique", rec.technique.id)])
        return Advice(reply)


class ActionAnswerTiming(AdviceAction):
    def name(self) -> str:
        return "action_answer_timing"

    def answer(self, tracker: Tracker) -> Advice:
        # "had deep tissue on my calves, how many days before my 10k is too close?" asks when;
        # "what would you pick for recovery after a long run?" asks which
        text = latest_text(tracker)
        which = _which_for_me(tracker) or answers.asks_which_massage(text)
        follow_up = _follow_up(tracker)
        if which and not answers.asks_when(text):
            # "which one again, and how often?": the pick, then the topic asked beside it
            advice = _advice_for(situation_from_tracker(tracker), tracker)
            # (only in a short question: a long post names topics in passing)
            topic = answers.find_topic(text, KB) if len(text.split()) <= FOLLOW_UP_WORDS else None
            also = follow_up or (answers.topic_reply(topic) if topic else None)
            return Advice(answers.merge(advice.reply, also), advice.events) if also else advice
        said = latest_entities(tracker, "timing")
        timing = said[0] if said else timing_in_message(tracker) or follow_up_context(tracker).timing
        when = follow_up or answers.timing_reply(timing, text, KB)
        if which:  # "when should I book one after the marathon, and what kind?": both halves
            advice = _advice_for(situation_from_tracker(tracker), tracker)
            return Advice(answers.merge(advice.reply, when), advice.events)
        return Advice(when)


class ActionAnswerSleep(AdviceAction):
    about_body = False

    def name(self) -> str:
        return "action_answer_sleep"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        return _as_body_complaint(tracker) or await super().run(dispatcher, tracker, domain)

    def answer(self, tracker: Tracker) -> Advice:
        return _concern_answered(situation_from_tracker(tracker).with_concern(SLEEP), SLEEP)


class ActionAnswerStress(AdviceAction):
    about_body = False

    def name(self) -> str:
        return "action_answer_stress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        return _as_body_complaint(tracker) or await super().run(dispatcher, tracker, domain)

    def answer(self, tracker: Tracker) -> Advice:
        return _concern_answered(situation_from_tracker(tracker).with_concern(STRESS), STRESS)


class _FollowUpOrResponse(AdviceAction):
    """Answers from the conversation's context when it can; otherwise (None) the domain's
    response (`fallback_response`). Warning signs still come first (AdviceAction)."""

    def answer(self, tracker: Tracker) -> Advice | None:
        reply = _follow_up(tracker)
        return Advice(reply) if reply else None

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        return _as_pain_report(tracker) or await super().run(dispatcher, tracker, domain)


def _on_last_topic(tracker: Tracker) -> Reply | None:
    """A question right after a topic's answer ("and what do I wear?" after "your first massage")
    is about massage though it does not say so: the topic it names, else the fact it asks for."""
    topic = KB.topics.get(tracker.get_slot(TOPIC_SLOT) or "")
    text = latest_text(tracker)
    if topic is None or not answers.is_question(text) or len(text.split()) > FOLLOW_UP_WORDS:
        return None
    return answers.question_reply(text, KB) or answers.topic_follow_up(text, topic, KB)


def _about_massage_itself(tracker: Tracker) -> Advice | None:
    """A message that says "massage" is never off-topic for us: the technique it names, else
    what massage does for runners (None when massage is not mentioned)."""
    if not answers.says_massage(latest_text(tracker)):
        return None
    if named_now(tracker):
        return ActionExplainTechnique().answer(tracker)
    return ActionAnswerBenefits().answer(tracker)


class ActionAnswerOutOfScope(_FollowUpOrResponse):
    """"Can I still run on it?" may read as off-topic; it is a follow-up."""

    fallback_response = "utter_out_of_scope"

    def name(self) -> str:
        return "action_answer_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        # "thanks so much, off to book one, fingers crossed for sunday!": a goodbye with small talk
        text = latest_text(tracker)
        if answers.thanks(text) and not answers.is_question(text) and not triage_latest(tracker).is_red_flag:
            dispatcher.utter_message(response="utter_youre_welcome")
            return []
        if answers.asks_what_i_do(text):  # "what can you help with?": what the greeting says
            dispatcher.utter_message(response="utter_greet")
            return []
        return await super().run(dispatcher, tracker, domain)

    def answer(self, tracker: Tracker) -> Advice | None:
        text = latest_text(tracker)
        # A runner's complaint said in words the classifier took for chat ("my legs are toast",
        # "taper tantrum with a week to go"): a symptom where it hurts, or sleep or stress in the
        # knowledge base's words, gets its advice. A body part alone ("shoes for flat feet?") does not.
        # Judged on this message alone: inside the form the slots already hold a complaint,
        # and a gear question there is still off-topic.
        refined = _pick_refined(tracker, short=True)
        if refined:  # "2wks" after a pick: how long it has hurt, not a chat
            return refined
        said_complaint = latest_entities(tracker, "body_part") and latest_entities(tracker, "symptom")
        # "ran my first marathon yesterday, everything hurts": recovery after a race is ours
        complaint = bool(said_complaint or concerns_in(text, KB) & {SLEEP, STRESS}
                         or timing_in_message(tracker) == POST_RACE)
        if complaint and not answers.is_question(text):  # told, not asked: the concern comes first
            return _advice_for(situation_from_tracker(tracker), tracker)
        # "taper week, half on sunday": a race ahead, told as the context of what comes next, gets
        # what we know about massage before a race (a gear or food remark does not)
        timing = timing_in_message(tracker)
        if (timing in PRE_RACE_TIMINGS and not answers.is_question(text) and answers.other_subject(text, KB) is None
                and not tracker.get_slot("last_technique")):
            return Advice(answers.timing_reply(timing, text, KB))
        # "What should I wear to a massage?" is ours when the knowledge base has the topic;
        # "what should I eat before my race?" is not, though it names a race.
        elsewhere = answers.other_subject(text, KB) is not None and not named_now(tracker)
        # inside a talk about massage, "what do I wear for it?" is about the massage too
        in_talk = answers.about_massage(text) or any(tracker.get_slot(s) for s in ("last_technique", TOPIC_SLOT))
        reply = None if elsewhere else (
            _follow_up(tracker) or (answers.question_reply(text, KB) if in_talk else None)
            or _on_last_topic(tracker))
        if reply:
            return Advice(reply)
        if complaint:
            return _advice_for(situation_from_tracker(tracker), tracker)
        return _about_massage_itself(tracker)


class ActionAnswerFallback(_FollowUpOrResponse):
    """Low NLU confidence: a follow-up, a topic question, or a concern said in an
    unusual way still gets an answer; otherwise "say it another way"."""

    fallback_response = "utter_default"

    def name(self) -> str:
        return "action_answer_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        # "which shoes are best for steep downhills?" after a pick for sore quads: a question about
        # something else is off-topic, not the pick again for what the conversation knows
        text = latest_text(tracker)
        if (answers.is_question(text) and answers.other_subject(text, KB) and not named_now(tracker)
                and not triage_latest(tracker).is_red_flag):
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        return await super().run(dispatcher, tracker, domain)

    def answer(self, tracker: Tracker) -> Advice | None:
        refined = _pick_refined(tracker, short=True)
        if refined:
            return refined
        follow_up = _follow_up(tracker)
        # a long post torn between a pain report and a question ("both calves tight for weeks, foam
        # rolling isn't doing much, would sports or deep tissue be better before the race?"): the
        # recommendation answers it, then the topic it raised
        if _which_for_me(tracker) and not (follow_up and answers.asks_about_context(latest_text(tracker), KB)):
            advice = _advice_for(situation_from_tracker(tracker), tracker)
            return Advice(answers.merge(advice.reply, follow_up), advice.events) if follow_up else advice
        reply = follow_up or answers.question_reply(latest_text(tracker), KB) or _on_last_topic(tracker)
        if reply:
            return Advice(reply)
        # "so which for me then, with the marathon in 3 weeks?" after a comparison: the pick,
        # for what the conversation knows, or for any runner
        if answers.asks_which_massage(latest_text(tracker)):
            situation = situation_from_tracker(tracker)
            if situation.is_empty:
                return Advice(answers.general_pick_reply(KB))
            return _advice_for(situation, tracker)
        # "which is better before a 10k on saturday?": the race said is what the answer turns on
        timing = timing_in_message(tracker)
        if timing in TIMING_TOPICS and answers.is_question(latest_text(tracker)):
            return Advice(answers.timing_reply(timing, latest_text(tracker), KB), [SlotSet("timing", timing)])
        situation = situation_from_tracker(tracker)
        # something we know was said (a body part, a symptom, a race just run, sleep or stress
        # in the knowledge base's words): answer that rather than ask to rephrase
        if not (situation.body_parts or situation.symptoms or situation.timing == POST_RACE
                or situation.concerns & {SLEEP, STRESS}):
            return _about_massage_itself(tracker)
        return _advice_for(situation, tracker)


def _pick_refined(tracker: Tracker, short: bool = False) -> Advice | None:
    """After a pick, a message that adds how long, a race or a place ("nah, no race, just
    training", "2wks", "yes, my left calf"): the pick again with it; else None. `short`: only
    statement, not a new question: a bare answer of a few words ("2wks"), or a longer one whose
    race or duration the strict readers find ("it's a trail half, about five weeks away now")."""
    text = latest_text(tracker)
    if not tracker.get_slot("last_technique") or (short and answers.is_question(text)):
        return None
    bare = short and len(text.split()) <= SHORT_WORDS
    if short and not bare and answers.other_subject(text, KB):  # "flying out the day before my marathon"
        return None
    clean = normalise(text)
    timing = timing_in_text(clean) or (timing_answer(clean) if bare else None)
    duration = duration_in_statement(clean) or (duration_answer(clean) if bare else None)
    timing, duration = (v if v != UNKNOWN else None for v in (timing, duration))
    entities = (not short or bare) and any(latest_entities(tracker, name) for name in ("body_part", "duration",
                                                                                      "timing"))
    if not (entities or timing or duration):
        return None
    situation = situation_from_tracker(tracker)
    situation = replace(situation, duration=situation.duration or duration,
                        timing=situation.timing or (timing if timing != NO_RACE else None))
    advice = _advice_for(situation, tracker)
    said = [SlotSet(name, value) for name, value in (("timing", timing), ("duration", duration)) if value]
    return Advice(advice.reply, [*advice.events, *said])


# A farewell said in words: the goodbye stands even while a referral does.
_FAREWELL = re.compile(r"\b(bye|byee+|goodbye|cya|see (ya|you)|laters?|ttyl|ta-?ra|night|nite|goodnight|take care|ciao|"
                       r"adios|cheerio|farewell|speak soon|talk soon|gotta go|got to go|i am off|signing off|"
                       r"heading off|off now)\b")


class ActionAnswerGoodbye(AdviceAction):
    """Goodbye. While a referral stands, a message read as goodbye that says no farewell ("the
    physio can't see me for three weeks") gets the referral again: it is never dropped."""

    fallback_response = "utter_goodbye"

    def name(self) -> str:
        return "action_answer_goodbye"

    def answer(self, tracker: Tracker) -> Advice | None:
        return None

    def keeps_referral(self, tracker: Tracker) -> bool:
        return not _FAREWELL.search(normalise(latest_text(tracker)))


class ActionAnswerThanks(AdviceAction):
    """"Thanks!" is welcomed; "thanks, and how long should a session be?" gets its answer too,
    which the thanks alone would drop."""

    fallback_response = "utter_youre_welcome"

    def name(self) -> str:
        return "action_answer_thanks"

    def answer(self, tracker: Tracker) -> Advice | None:
        reply = _follow_up(tracker) or answers.question_reply(latest_text(tracker), KB)
        return Advice(reply) if reply else None

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        if not answers.is_question(latest_text(tracker)) and not triage_latest(tracker).is_red_flag:
            dispatcher.utter_message(response="utter_youre_welcome")
            return []
        return await super().run(dispatcher, tracker, domain)


class _ShortReply(AdviceAction):
    """"Yes" or "no" outside the form. Said with more ("nah, no race, just training", "yes, it's
    my left calf"), after a pick: the pick again with what it adds; otherwise the domain's
    response."""

    def answer(self, tracker: Tracker) -> Advice | None:
        return _pick_refined(tracker)


class ActionAnswerAffirm(_ShortReply):
    fallback_response = "utter_how_can_help"

    def name(self) -> str:
        return "action_answer_affirm"


class ActionAnswerDeny(_ShortReply):
    fallback_response = "utter_anything_else"

    def name(self) -> str:
        return "action_answer_deny"
