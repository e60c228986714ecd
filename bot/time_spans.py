"""Time spans with numbers ("for 3 weeks", "race in 10 days"): a small grammar that
the entity ruler uses to find them and the resolver uses to map them to ids.

Fixed phrases live in the knowledge base's vocabulary; this covers the open-ended
numeric forms that a list of phrases cannot.
"""

from __future__ import annotations

import re
from typing import Any

from bot.kb_ids import CHRONIC, NEW, NO_RACE, POST_RACE, PRE_RACE, RACE_WEEK, TRAINING_BLOCK, UNKNOWN

WORD_VALUES = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "couple": 2, "few": 3, "several": 4}
NUMBER_WORDS = tuple(WORD_VALUES)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_NUMBER = [{"LIKE_NUM": True}]
_WORD_NUMBER = [{"LOWER": {"IN": list(NUMBER_WORDS)}}]
# Up to this many days a problem counts as new; anything longer as chronic.
NEW_WITHIN_DAYS = 10
MONTH_NAMES = "january|february|march|april|may|june|july|august|september|october|november|december"
RACE_WEEK_DAYS = 7
PRE_RACE_DAYS = 21


def _span(lead: list[str], units: list[str]) -> list[list[dict[str, Any]]]:
    patterns = []
    for number in (_NUMBER, _WORD_NUMBER):
        patterns.append([{"LOWER": {"IN": lead}}, *number, {"LOWER": "of", "OP": "?"},
                         {"LEMMA": {"IN": units}}])
    return patterns


def ruler_patterns() -> list[dict[str, Any]]:
    """Entity-ruler token patterns for numeric durations and race countdowns."""
    duration = _span(["for", "about", "around", "over", "nearly", "almost", "past", "last"],
                     ["day", "week", "month", "year"])
    countdown = _span(["in"], ["day", "week"])
    return ([{"label": "duration", "pattern": p, "id": "span"} for p in duration]
            + [{"label": "timing", "pattern": p, "id": "span"} for p in countdown])


_SPAN = re.compile(rf"\b(\d+|{'|'.join(NUMBER_WORDS)})\s+(?:of\s+)?(day|week|month|year)s?\b")


def _days(text: str) -> int | None:
    match = _SPAN.search(text)
    if not match:
        return None
    count = match.group(1)
    number = int(count) if count.isdigit() else WORD_VALUES[count]
    return number * _UNIT_DAYS[match.group(2)]


_FORTNIGHT = re.compile(r"\b(a|one|two|a couple of|couple of) fortnights?\b")


def duration_from_span(text: str) -> str | None:
    """'for 3 weeks' -> chronic, 'two days' -> new; None without a time span."""
    days = _days(text)
    if days is None and _FORTNIGHT.search(text):
        days = 14
    if days is None:
        return None
    return NEW if days <= NEW_WITHIN_DAYS else CHRONIC


def timing_from_span(text: str) -> str | None:
    """'in 5 days' -> race_week, 'in 2 weeks' -> pre_race, 'in 6 weeks' -> training_block."""
    days = _days(text)
    if days is None or not text.lstrip().startswith("in "):
        return None
    if days <= RACE_WEEK_DAYS:
        return RACE_WEEK
    return PRE_RACE if days <= PRE_RACE_DAYS else TRAINING_BLOCK


# --- answers to the form's questions, in the runner's own words -------------------
# "about three weeks", "yeah a 10k in 5 days", "no idea", "Sunday long runs, no race".
# Callers pass normalised text (bot.text.normalise: lower case, "don't" -> "do not").

_NUMBER_WORD = rf"(?:\d+|{'|'.join(NUMBER_WORDS)})"
_UNSURE = re.compile(r"\b(no idea|not sure|unsure|dunno|do not know|no clue|hard to say|cannot remember|"
                     r"can not remember|cannot say|who knows|not certain|idk|skip|pass)\b")
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_EVENT = r"(weekend|race|run|long run|marathon|session|workout|week|half|10k|5k|parkrun|tempo|intervals|reps|hills)"
_RECENT = re.compile(rf"\b(days|a day|hours|yesterday|today|this morning|last night|since (last )?({_DAYS})|"
                     rf"since (the|my|last|this) {_EVENT}|this week|last week|the past week|week and a half|"
                     # the onset as a day or a session ("started monday", "after the tuesday session"),
                     # or a count of days ("day 4 now", "it's the 3rd day")
                     rf"(started|began|start|since|after|from)\b.{{0,25}}\b(({_DAYS})|{_EVENT})|"
                     rf"day \d+|\d+(st|nd|rd|th) day)\b")
# "since I started marathon training": the length of a block, weeks at least
_SINCE_BLOCK_BEGAN = re.compile(r"\bsince (i )?(started|began|begun|starting) (my |the |this |marathon |half |"
                                r"ultra |proper |serious )*(training|block|build|plan|running|program|programme)\b")
# an onset on a date we cannot count from ("since the 3rd"): asked, said, move on
_DATED_ONSET = re.compile(r"\b(since|from|started|began) (on )?(the )?\d{1,2}(st|nd|rd|th)\b")
_LONG = re.compile(r"\b(weeks|months|years|ages|forever|a while|a long time|"
                   r"since\b[^.,;!?]{0,25}?\b(spring|summer|autumn|fall|winter|christmas|new year|january|february|"
                   r"march|april|may|june|july|august|september|october|november|december|last year)|"
                   r"months now|weeks now|"
                   # "most of the season", "all through the winter", "the whole block"
                   r"(most of|all of|all|the whole|the entire|all through|throughout|much of|half of) "
                   r"(the |this |last )?(season|autumn|fall|winter|spring|summer|year|block|build|training cycle|"
                   r"marathon block))\b")
_RACE = (r"(race|racing|marathon|half|10k|5k|10 k|5 k|ultra|parkrun|10 miler|half marathon|hm|trail race|event|"
         r"comp|competition|fun run|relay|triathlon|duathlon|fell race|track meet|cross country|xc race|"
         # a championship by its slang ("champs", "regionals"), a meet by its kind (a bare "meet" is a verb)
         r"champs|championships?|nationals|regionals|(track|xc|indoor|outdoor|athletics|county|regional|league|"
         r"conference|club|district|state) meet)")
# how runners hedge a number ("like 2 weeks", "bout 3 days"), named once for every span and countdown
_ROUGHLY = r"(?:about|bout|abt|around|like|roughly|maybe|probably|prob|approx|approximately|nearly|almost|just)"
_COUNTDOWN = re.compile(rf"\bin\s+(?:{_ROUGHLY}\s+|only\s+|(?:just\s+)?(?:under|over)\s+|less than\s+)?"
                        rf"({_NUMBER_WORD})\s+(?:of\s+)?"
                        r"(day|week|month)s?\b|"
                        # "3 weeks out", "with 10 days to go", "a week away"
                        rf"\b({_NUMBER_WORD})\s+(day|week|month)s?\s+(out|to go|away|left)\b")
_SOON = re.compile(rf"\b(tomorrow|this weekend|this ({_DAYS})|on ({_DAYS})|this week|in a few days|"
                   r"at the weekend|next few days)\b")
_NEXT_WEEKS = re.compile(r"\b(next week|next weekend|in a week|in a fortnight|next (monday|tuesday|wednesday|"
                         r"thursday|friday|saturday|sunday)|(the )?weekend after next|"
                         r"in (two|2|three|3|a couple of|a few) weekends|"
                         r"(two|2|three|3) weekends (away|from now|time))\b")
_LATER = re.compile(r"\b(next month|in a month|in a couple of months|in the (spring|summer|autumn|fall|winter)|"
                    r"later this year|next year|in (january|february|march|april|may|june|july|august|september|"
                    r"october|november|december))\b")
# "ran my first marathon sunday": a day named bare, not "next sunday" or "by sunday"
_BARE_DAY = rf"(?<!next )(?<!this )(?<!coming )(?<!until )(?<!till )(?<!by )(?<!before )({_DAYS})(?!'s)"
_RACED = re.compile(rf"\b((ran|raced|did|finished|completed|run)\b.{{0,25}}\b{_RACE}\b.{{0,25}}\b"
                    rf"(yesterday|last (week|weekend|{_DAYS})|on ({_DAYS})|{_BARE_DAY}|this morning|at the weekend|"
                    rf"today|earlier today|this afternoon|this evening|tonight|"
                    rf"days ago|a few days ago|({_NUMBER_WORD}|a couple of) days ago)|"
                    rf"just (ran|raced|did|finished|completed)\b.{{0,20}}\b{_RACE}|"
                    # "post marathon blues", "race was yesterday", "the day after my half"
                    rf"post[- ]?(race|marathon|half|ultra)|"
                    rf"after (a|the|my|that) ([\w-]+ ){{0,2}}{_RACE} ({_NUMBER_WORD}|a couple of|a few) days ago|"
                    rf"(day|morning|evening|days|week) after (my |the |a |sunday's |saturday's |yesterday's )?{_RACE}|"
                    rf"{_RACE} (was|were) (yesterday|today|this morning|last (week|weekend|{_DAYS})|on ({_DAYS}))|"
                    # "that parkrun absolutely murdered me": a race just run, told by what it did
                    rf"(that|the|this morning's|today's|yesterday's|{_DAYS}'s) {_RACE} (absolutely |totally |"
                    rf"properly |really |well and truly )?(murdered|destroyed|killed|wrecked|broke|battered|smashed|"
                    rf"ruined|finished|took it out of) me)\b")
_NO_RACE = re.compile(r"\b(no (more |big |real |planned |upcoming |other |proper )?(race|races|racing|events?|comps?|"
                      r"competitions?|meets)|off[ -]?season|(just|only) (running|run|jogging) for fun|"
                      r"not racing|nothing planned|nothing booked|"
                      r"nothing on the calendar|nothing coming up|no plans|nothing scheduled|no events?|"
                      r"not training for anything|no target race|nothing soon)\b")
_BLOCK = re.compile(r"\b(base building|base training|base miles|base phase|building (my )?(mileage|base)|"
                    r"train(ing|in|ign) block|(block|plan|training) (starts|begins|kicks off)|marathon block|"
                    r"in a block|training for|build up|build-up|building up|"
                    r"(marathon|half|half marathon|ultra|10k|5k) (build|cycle|block)|"
                    r"in (a|the middle of a|my) build|week of (a|my|the) (build|plan|block)|training plan|"
                    r"week \d+ of|(of|in|into) (the|my|this|a) ([\w-]+ )?(block|build)|"
                    r"(track|speed|hill|strength|threshold|tempo|xc|cross country|base) (block|phase|season)|"
                    r"(upped|upping|increased|increasing|ramped up|ramping up) (my |the )?(mileage|miles))\b")
# "a 10k on the 14th", "half on 3 may": a race ahead on a date we cannot count from
_DATED = re.compile(rf"\b(on|for) (the )?\d{{1,2}}(st|nd|rd|th)\b|"
                    rf"\bon (the )?\d{{1,2}}(st|nd|rd|th)? (of )?({MONTH_NAMES})\b")
_PAST_RACE = re.compile(rf"\b(ran|raced|did|finished|completed)\b.{{0,25}}\b{_RACE}\b")
_ALL_OVER = re.compile(r"\b(all over|everywhere|whole body|everything)\b")
# the whole body, or no one place, said in a statement ("everything" alone is too loose there)
_NO_ONE_PLACE = re.compile(r"\b(all over|everywhere|(my )?whole body|head to toe|every muscle|full[- ]body|"
                           r"no (one|particular|specific|single) (place|spot|area|part)|nowhere in particular|"
                           r"not (in )?(one|a|any) (particular|specific|single) (place|spot|area))\b")


def _count(word: str) -> int:
    return int(word) if word.isdigit() else WORD_VALUES[word]


def duration_answer(text: str) -> str | None:
    """How long, as the form's answer: 'about three weeks' -> chronic, 'no idea' -> unknown."""
    spanned = duration_from_span(text)
    if spanned:
        return spanned
    if _LONG.search(text) or _SINCE_BLOCK_BEGAN.search(text):
        return CHRONIC
    if _RECENT.search(text):
        return NEW
    return UNKNOWN if _UNSURE.search(text) or _DATED_ONSET.search(text) else None


# "killer interval session on monday", "hill reps yesterday": a hard session a day or few ago, not one planned
_SESSION_DONE = re.compile(rf"(?<!next )(?<!have a )(?<!got a )(?<!doing a )(?<!planned a )"
                           rf"\b(session|intervals|workout|tempo|long run|hill reps|hill repeats|hills|reps|speedwork|"
                           rf"track session|leg day)\b"
                           rf"[^.,;!?]{{0,12}}\b(on {_BARE_DAY}|last ({_DAYS})|yesterday|this morning|last night)\b")


def duration_in_statement(text: str) -> str | None:
    """How long, stated or implied: sore since a race run days ago ('ran a marathon
    yesterday and my legs are destroyed') or a hard session is new."""
    return duration_in_text(text) or (NEW if _RACED.search(text) or _SESSION_DONE.search(text) else None)


def timing_in_text(text: str) -> str | None:
    """A race or training phase stated in a sentence: 'a 10k in 5 days' -> race_week,
    'ran a marathon yesterday' -> post_race, 'no race' -> none; None when not said."""
    if _RACED.search(text):
        return POST_RACE
    countdown = _COUNTDOWN.search(text)
    if countdown and re.search(rf"\b{_RACE}\b", text):
        count, unit = (countdown.group(1), countdown.group(2)) if countdown.group(1) else countdown.group(3, 4)
        days = _count(count) * _UNIT_DAYS[unit]
        if days <= RACE_WEEK_DAYS:
            return RACE_WEEK
        return PRE_RACE if days <= PRE_RACE_DAYS else TRAINING_BLOCK
    if re.search(rf"\b{_RACE}\b", text) and not _NO_RACE.search(text):
        if _SOON.search(text):
            return RACE_WEEK
        if _NEXT_WEEKS.search(text):
            return PRE_RACE
        if _LATER.search(text):
            return TRAINING_BLOCK
        if _DATED.search(text) and not _PAST_RACE.search(text):
            return PRE_RACE
    if _BLOCK.search(text):
        return TRAINING_BLOCK
    return NO_RACE if _NO_RACE.search(text) else None


def timing_answer(text: str) -> str | None:
    """Race or training block, as the form's answer; 'dunno' -> unknown. A race named with a
    date we cannot count ('half marathon on the 20th') answers 'is a race coming up?': yes."""
    found = timing_in_text(text)
    if found:
        return found
    # a question is no answer, unless it says yes ("a trail race in a couple of weeks, so yes??")
    if re.search(rf"\b{_RACE}\b", text) and (not text.rstrip().endswith("?") or _YES.search(text)):
        return PRE_RACE
    if _UNSURE.search(text):
        return UNKNOWN
    # "nah", "no, nothing", "not atm" to "is a race coming up?": no race
    return NO_RACE if _BARE_NO.search(text) else None


_YES = re.compile(r"\b(yes|yeah|yep|yup|yh|ya)\b")
# "no wait, the right one" corrects what was said; it does not answer "is a race coming up?"
_BARE_NO = re.compile(r"^\W*(no|nah|nope|naw|not really|not atm|not at the moment|not yet|none|nothing|negative)\b"
                      r"(?![ ,]+(wait|sorry|i mean|i meant|actually|hang on|hold on|hold up))")


def body_part_answer(text: str) -> str | None:
    """'no idea' or 'all over' as the answer to where it hurts: unknown (the form moves on)."""
    return UNKNOWN if _UNSURE.search(text) or _ALL_OVER.search(text) or _NO_ONE_PLACE.search(text) else None


def body_part_in_statement(text: str) -> str | None:
    """'sore all over after the race', 'no particular spot': no one place to ask about."""
    return UNKNOWN if _NO_ONE_PLACE.search(text) else None


# "since 3 weeks" (the way several languages say it) is a span too
# with fillers between ("been honestly like a month", "for maybe about 3 weeks")
_STATED_SPAN = re.compile(rf"\b(?:for|{_ROUGHLY}|over|past|last|been|since)\s+"
                          rf"(?:(?:a|the|{_ROUGHLY}|over|honestly|at least|more than|a good)\s+){{0,3}}"
                          rf"({_NUMBER_WORD})\s+(?:of\s+)?(day|week|month|year)s?\b")
# A span said as a clause of its own, in a list of facts: "tight from sitting, a couple of weeks, no races"
_BARE_SPAN = re.compile(rf"(?:^|[,;.!?]\s*)(?:{_ROUGHLY} )?"
                        rf"(?:a |the last |the past )?({_NUMBER_WORD})\s+(?:of\s+)?(day|week|month|year)s?"
                        r"(?: now| or so|ish| tops| already| so far| in)?\s*(?=[,;.!?]|$)")
_STATED_LONG = re.compile(r"\b(been|for) (weeks|months|years|ages|a while|a long time)\b")
_SINCE_DAY = re.compile(rf"\bsince (last |on )?({_DAYS})\b")
_JUST_BEGAN = re.compile(r"\b(since |from )?(yesterday|last night|this morning|earlier today)\b")
# "tight since my trail race 2 weeks ago", "started hurting 3 days ago"
_SINCE_AGO = re.compile(rf"\b(since|started|began|start|came on)\b.{{0,40}}?\b({_NUMBER_WORD}|a) "
                        r"(day|week|month|year)s? ago\b")


# "calf went tight 4 days ago": the onset, said with "ago" alone
_AGO = re.compile(rf"\b({_NUMBER_WORD}|a) (day|week)s? ago\b")


_RACE_CALENDAR = re.compile(rf"\b({_RACE}s?|nothing (planned|booked))\b")


def about_races(text: str, start: int) -> bool:
    """"no races for a few months": a span said of the calendar, not of how long it has hurt."""
    return bool(_RACE_CALENDAR.search(text[max(0, start - 25):start]))


def duration_in_text(text: str) -> str | None:
    """How long, stated in a sentence ('it's been weeks', 'for about 10 days'); a
    countdown ('a race in 3 weeks') is not a duration."""
    match = next((m for pattern in (_STATED_SPAN, _BARE_SPAN) for m in pattern.finditer(text)
                  if not about_races(text, m.start())), None)
    if match:
        days = _count(match.group(1)) * _UNIT_DAYS[match.group(2)]
        return NEW if days <= NEW_WITHIN_DAYS else CHRONIC
    if re.search(r"\b(for|about|around|over|nearly|almost|been|past|last|roughly|maybe|probably) "
                 r"(a|the) fortnight\b", text):
        return CHRONIC  # 14 days: longer than NEW_WITHIN_DAYS
    # "calf went tight a week ago"; "ran a marathon 2 weeks ago" dates the race, not the pain
    since = _SINCE_AGO.search(text)
    ago = since.group(2, 3) if since else next(
        (m.group(1, 2) for m in _AGO.finditer(text) if not about_races(text, m.start())), None)
    if ago:
        count, unit = ago
        days = (1 if count == "a" else _count(count)) * _UNIT_DAYS[unit]
        return NEW if days <= NEW_WITHIN_DAYS else CHRONIC
    if any(not about_races(text, m.start()) for m in _STATED_LONG.finditer(text)):
        return CHRONIC
    # "tweaked it yesterday", "went tight since tuesday's session": it began days ago
    return NEW if _JUST_BEGAN.search(text) or _SINCE_DAY.search(text) else None
