"""A referral is remembered: no massage for what was referred until a professional has checked it.

The state lives in three slots (domain.yml), read and written by the actions:
  referral_signs    ids of the warning signs referred so far in the conversation
  referral_areas    body-part ids those signs were about (empty: the whole person, e.g.
                    chest pain or low mood, so every massage waits)
  referral_cleared  set when the user says a professional has checked it
A request about a referred area (or about "it", naming no other area) gets `held_reply`:
a kind explanation and the referral again, never a recommendation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from bot.kb_ids import MOOD_SIGNS
from bot.knowledge_base import EDITORIAL, KnowledgeBase
from bot.reply import Reply
from bot.text import normalise
from bot.wording import lower_first, sentence

_PROFESSIONAL = (
    r"(physio|physios|physiotherapist|physical therapist|pt|doctor|doctors|doc|gp|dr|consultant|specialist|"
    r"surgeon|orthopaedic|orthopedic|ortho|podiatrist|osteopath|osteo|chiropractor|chiro|sports medicine|"
    r"sports doctor|cardiologist|cardiology|neurologist|nurse|a&e|a and e|er|emergency room|hospital|"
    r"urgent care|clinic|x-ray|xray|x ray|scan|"
    r"mri|ultrasound|blood tests?|tests|counsellor|counselor|therapist|psychologist|psychiatrist)"
)
# A gap of words with no negation in it: "said running and massage are fine", not "said it's not fine".
_NO_NEGATION = r"(?:(?!\b(?:not|no|never|nothing)\b)[^.;!?]){0,45}?"
# Hands-on work and activities a professional may allow, named as runners name them.
_ACTIVITY = (r"(massage|massages|soft tissue|soft-tissue|bodywork|sports massage|deep tissue|rolling|foam rolling|"
             r"running|run|runs|training|train|treatment|work on it|hands on|hands-on)")
_CLEARANCE = (
    r"(cleared|all clear|all-clear|go ahead|go-ahead|green light|thumbs up|signed me off|signed off|"
    r"okayed|ok'd|oked|approved|"
    rf"(said|says|told me|tells me|reckons|thinks|confirmed) (that )?{_NO_NEGATION}"
    r"\b(fine|ok|okay|all good|good to go|nothing serious|nothing to worry|just (a |some )?\w+|"
    r"not (serious|broken|a fracture))|"
    r"nothing (serious|broken|wrong|torn|structural|to worry about)|ruled (it )?out|"
    r"no (fracture|break|tear|clot|damage)|"
    r"(fine|ok|okay|good|safe|allowed|free|happy for me) to (run|massage|get|have|train|go|start|resume|return|"
    r"carry on|keep|book|try|do)|can (have|get|book|go back to|start|resume|return to) (a |some )?"
    rf"{_ACTIVITY}|"
    rf"{_ACTIVITY}( and {_ACTIVITY})? (is|are|was|were) (both |all )?(fine|ok|okay|allowed|safe|good)|"
    r"came back (clear|normal|fine|negative)|(was|were|is|are) (clear|normal|negative)|"
    # endorsed: "my counsellor suggested a massage might help", "the GP recommended sports massage"
    rf"(recommended|suggested|encouraged|advised) (me )?(to )?(try |get |have |book |going for )?(a |some )?"
    rf"(regular )?{_ACTIVITY}|(said|says|thinks|reckons) (a |some )?{_ACTIVITY} (would|could|might|will|should) "
    r"(help|do me good|be good)|"
    # a mild diagnosis: "grade 1 strain", "only a minor sprain", "just tight"
    r"(grade (1|one|i)|mild|minor|low grade|low-grade) (strain|sprain|tear|pull|tendinopathy|tendinitis|"
    r"tendonitis|irritation|inflammation|overload)|"
    r"(it's|it is|it was|its) (just|only) (a |an |some )?(mild |minor |small |slight |little )?\w+)"
)
_CLEARED = re.compile(
    rf"\b{_PROFESSIONAL}\b.{{0,120}}\b{_CLEARANCE}\b|"
    rf"\b{_CLEARANCE}\b.{{0,40}}\b(by|from) (my |the |a )?{_PROFESSIONAL}\b|"
    r"\b(been|got it|had it|got myself|had myself) (checked|looked at|seen to|examined)\b.{0,60}"
    r"\b(fine|ok|okay|all good|all clear|nothing serious|clear)\b|"
    # a test came back clear ("x-ray was clear", "the scan came back normal")
    r"\b(x ?-?rays?|scans?|mri|ultrasound|bloods|blood tests?)\b (was |were |is |are |came back |all )?"
    r"(clear|normal|fine|all clear|clean)\b"
)
# "not a fracture" rules something out; it is no "not yet"
_NOT_YET = re.compile(
    r"\b(not(?! (a |an )?(stress )?(fracture|break|tear|rupture|clot|dvt|broken|serious|anything serious)\b)|"
    r"never|yet to|waiting|wait for|appointment|going to|gonna|will see|booked|book|tomorrow|next week|"
    r"haven't|have not|has not|did not|if|will|would|might|hope|hopefully)\b[^.;!?]{0,25}"
    r"\b(cleared|checked|go ahead|green light|fine|seen|see|say|just)\b"
)


@dataclass(frozen=True)
class Referral:
    signs: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    cleared: bool = False

    @property
    def active(self) -> bool:
        return bool(self.signs) and not self.cleared

    def holds(self, named_areas: Iterable[str], about_body: bool = True, pushback: bool = False) -> bool:
        """Does the referral stand in the way of advice about `named_areas`?

        `about_body` is False for advice that concerns no part of the body (sleep, stress):
        it waits only when the referral was about the whole person. `pushback`: the message
        argues with the referral ("could I do trigger point on my glute instead?"), so it is
        about the referred problem whatever area it names.
        """
        if not self.active:
            return False
        named = set(named_areas)
        if not self.areas or pushback:
            return True
        if named:
            return bool(named & set(self.areas))
        return about_body

    def with_signs(self, signs: Iterable[str], areas: Iterable[str]) -> Referral:
        """A new referral adds to what is still referred; no area means the whole person."""
        base = self if self.active else Referral()
        areas = tuple(areas)
        whole_person = not areas or (base.active and not base.areas)
        return Referral(
            tuple(dict.fromkeys((*base.signs, *signs))),
            () if whole_person else tuple(dict.fromkeys((*base.areas, *areas))),
        )


# Arguing with a referral: "instead", "surely", "at least", "can't I just", "would it still be ok".
_PUSHBACK = re.compile(
    r"\b(instead|surely|at least|anyway|anyways|regardless|cannot i just|can i not just|could i not just|"
    r"(only|just) (a bump|a niggle|a knock|a tweak)|not that bad|just tell me|just book|just give me|"
    r"(it is|i am|i will be|it will be|i was|it was) (totally |completely |perfectly )?(fine|ok|okay|alright)|"
    r"do not worry|i will risk it|whatever|"
    # calling it normal or the referral too much: "that is normal for me", "bit over the top"
    r"(that is|it is|this is|that was|it was|it is pretty|that is pretty) (totally |completely |pretty |quite )?"
    r"(normal|common|usual|standard)( for (me|runners|us|women|my|the))?|"
    r"happens (every|all the|most of the) (time|summer|race|run|month)|i always get (this|that)|"
    r"(over the top|overkill|overreacting|over reacting|being dramatic|a bit much|bit dramatic|bit extreme)|"
    r"do not (think|believe) (it is|that is|i need|it needs)|"
    # playing it down: "felt better once I ate", "probably just a cold", "what about my calf then?"
    r"(feel|feeling|felt|feels) (much |loads |a lot |way |totally |completely |perfectly |absolutely )?"
    r"(better|fine|normal|ok|okay)|(fine|ok|okay|better) now|"
    r"probably (just|only|nothing)|(just|only) (a|my) (cold|bug|virus|sniffle|sniffles|chest cold)|"
    r"(could|might|can|would) it (not )?(just|only) be|is it not (just|only)|"
    r"what about (my|the) [\w ]{1,20} then|(above|below|around|near|next to|either side of) "
    r"(it|the (injury|sprain|swelling|bruise|sore bit))|"
    r"(can|could|would|will|is it|will it|would it) (i |it |that )?still (be )?"
    r"(ok|okay|fine|alright|safe|get|have|book|do))\b"
)


def pushes_back(message: str) -> bool:
    """Does the message argue with a referral rather than raise something new?"""
    return bool(_PUSHBACK.search(normalise(message)))


# "the physio can't see me for three weeks", "stuck on the waiting list": care is far off
_WAITING = re.compile(
    r"\b(waiting list|wait(ing)? (list|times?)|(weeks|months|ages|a while|a month|a fortnight) (away|off|to wait|wait)|"
    r"(cannot|can not|could not|not able to) (get|see|book) (an? )?(appointment|appt|gp|doctor|physio|in)|"
    r"(cannot|could not) see me (for|until|till)|(not|no appointment) (until|till) (next|the end of)|"
    r"(booked|appointment|appt) (in|for) (\w+ )?(weeks|months|next month|a month|a fortnight|\d+ weeks))\b")
_CARE = re.compile(r"\b(physio\w*|gp|doctors?|dr|appointments?|appt|specialist|consultant|clinic|scan|mri|x-?ray|"
                   r"referral|podiatrist|sports med\w*|nhs|hospital|surgery)\b")


def waits_for_care(message: str) -> bool:
    """The runner says the professional cannot see them soon."""
    text = normalise(message)
    return bool(_WAITING.search(text) and _CARE.search(text))


def says_cleared(message: str) -> bool:
    """The user says a professional has checked it ("the physio cleared me", "doctor said it's fine")."""
    text = normalise(message)
    return bool(_CLEARED.search(text)) and not _NOT_YET.search(text)


def cleared_after(text: str, position: int) -> bool:
    """In normalised `text`, does a professional's all-clear end after `position`?

    Triage uses it to tell "my knee swelled, the physio checked it, just a sprain" (checked)
    from "the physio cleared my knee, but now my ankle is swollen" (a new sign).
    """
    return not _NOT_YET.search(text) and any(m.end() > position for m in _CLEARED.finditer(text))


WAITING_LINE = ("If you can't be seen soon, please don't wait it out: a GP, a walk-in or urgent-care clinic, or a "
                "pharmacist can advise sooner, and get help straight away if it gets worse.")


def held_reply(referral: Referral, kb: KnowledgeBase, waiting: bool = False) -> Reply:
    """Why not a massage yet, and the referral again; `waiting`: care is far off, so where to go sooner."""
    flags = [kb.red_flags[s] for s in referral.signs if s in kb.red_flags]
    if not flags:
        raise ValueError("held_reply needs a referral with a known warning sign")
    if any(flag.id in MOOD_SIGNS for flag in flags):
        mood = next(flag for flag in flags if flag.id in MOOD_SIGNS)
        lines = [
            "I'd rather not point you to a massage just yet. What you told me earlier matters more, "
            "and a massage isn't the help it needs.",
            sentence(mood.advice),
            "You don't have to carry this alone. Once you've talked to someone, I'm happy to talk recovery.",
        ]
    else:
        names = " and ".join(lower_first(flag.name) for flag in flags[:2])
        lines = [
            f"I'm sorry, I can't suggest a massage for that yet. Earlier you mentioned {names}, and massage "
            "could hide or worsen something that needs proper care first.",
            sentence(flags[0].advice),
            "Once a doctor or physiotherapist has checked it, tell me (for example \"the physio cleared me\") "
            "and I'll happily suggest a technique.",
        ]
    if waiting:
        lines.insert(2, WAITING_LINE)
    return Reply("\n".join(lines), (), tuple(dict.fromkeys(s for f in flags for s in f.sources)))


# "what should I tell the physio?", "what will they ask me?": getting ready to be seen
_WHAT_TO_TELL = re.compile(
    r"\b(what (should|do|can|shall) i (tell|say|ask|mention|bring|show)|what to (tell|say|ask|mention|bring)|"
    r"what (will|would|do) (they|the (doctor|physio|gp|nurse)) (ask|want|need)|"
    r"what (questions|info|information|details) (should|do|can) i|"
    r"(anything|something) (else )?(i should|should i|to|i need to|do i need to|i ought to) "
    r"(tell|say|mention|ask|bring))\b")


def asks_what_to_tell(message: str) -> bool:
    """The runner asks how to get ready for the professional they were referred to."""
    return bool(_WHAT_TO_TELL.search(normalise(message)))


def before_seen_reply(referral: Referral, kb: KnowledgeBase) -> Reply | None:
    """What to tell the professional, from what the runner said: no technique (editorial). None for
    low mood or self-harm, whose referral says more than a checklist can."""
    if MOOD_SIGNS & set(referral.signs):
        return None
    names = " and ".join(lower_first(kb.red_flags[s].name) for s in referral.signs[:2] if s in kb.red_flags)
    lines = [
        "Good idea to go in ready. Tell them:",
        "- when it started and what you were doing (the run, the surface, any twist, fall or pop);",
        f"- what you noticed: {names or 'each sign you noticed'}, and whether it has changed since;",
        "- what makes it better or worse;",
        "- your recent training (weekly distance and any jump in it) and any race coming up.",
        "Bring your training log or watch data if you keep them. Until then, rest it and skip massage on it; "
        "get help sooner if it gets worse.",
    ]
    return Reply("\n".join(lines), (), (EDITORIAL,))

