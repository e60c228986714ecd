"""Numeric time spans: found by the entity ruler, mapped to ids by the resolver."""

from __future__ import annotations

import pytest

from bot.knowledge_base import KnowledgeBase
from bot.nlp_pipeline import build_pipeline
from bot.text import normalise
from bot.time_spans import (
    about_races,
    body_part_answer,
    body_part_in_statement,
    duration_answer,
    duration_in_statement,
    duration_in_text,
    timing_answer,
    timing_in_text,
)
from bot.vocabulary import resolve


@pytest.mark.parametrize(
    ("entity", "text", "expected"),
    [
        ("duration", "for 3 weeks", "chronic"),
        ("duration", "for two days", "new"),
        ("duration", "for about 10 days", "new"),
        ("duration", "over a year", "chronic"),
        ("duration", "for a couple of weeks", "chronic"),
        ("timing", "in 5 days", "race_week"),
        ("timing", "in 2 weeks", "pre_race"),
        ("timing", "in 8 weeks", "training_block"),
        ("timing", "2 weeks", None),
        ("duration", "calves", None),
    ],
)
def test_resolve_spans(kb: KnowledgeBase, entity: str, text: str, expected: str | None) -> None:
    assert resolve(entity, text, kb) == expected


def test_ruler_finds_numeric_spans(kb: KnowledgeBase) -> None:
    doc = build_pipeline(kb)("half marathon in 12 days and my calves have hurt for 13 weeks")
    found = {(e.label_, e.text) for e in doc.ents}
    assert {("timing", "in 12 days"), ("duration", "for 13 weeks"), ("body_part", "calves")} <= found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("about three weeks", "chronic"),
        ("hmm maybe 2 months?", "chronic"),
        ("on and off since the spring", "chronic"),
        ("weeks honestly", "chronic"),
        ("since saturday", "new"),
        ("since my parkrun", "new"),
        ("a couple of days", "new"),
        ("no idea", "unknown"),
        ("hard to say", "unknown"),
        ("my calves", None),
        # abbreviated units, an onset given as a day or a session, a count of days
        ("3w", "chronic"),
        ("couple wks", "chronic"),
        ("10d", "new"),
        ("36hrs", "new"),
        ("since weds", "new"),
        ("it started after the tuesday session", "new"),
        ("this is day 5", "new"),
        ("last week", "new"),
        ("since i started marathon training", "chronic"),
        ("since my race in april", "chronic"),
        ("since the 3rd", "unknown"),  # a date we cannot count from: asked, answered, move on
    ],
)
def test_duration_answer(text: str, expected: str | None) -> None:
    assert duration_answer(normalise(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yeah a 10k in 5 days", "race_week"),
        ("half marathon in ten days", "pre_race"),
        ("marathon in 8 weeks", "training_block"),
        ("racing a 5k this saturday", "race_week"),
        ("a 10 miler next weekend", "pre_race"),
        ("Sunday long runs, no race", "none"),
        ("nothing planned right now", "none"),
        ("just base building", "training_block"),
        ("went from 30 to 45 miles a week, building up for the marathon", "training_block"),
        ("best gps watch for marathon training?", None),  # a gear question: nothing said of a block
        ("4th week of a build, 62 miles last week", "training_block"),
        ("week 9 of my plan", "training_block"),
        ("i upped my mileage a lot this month", "training_block"),
        ("my marathon build is going ok", "training_block"),
        ("i'm on a training plan from the club", "training_block"),
        ("ran a marathon yesterday", "post_race"),
        ("ran my first marathon today and I'm in bits", "post_race"),
        ("did a half 3 days ago", "post_race"),
        ("that parkrun absolutely murdered me", "post_race"),
        ("the marathon will kill me", None),
        ("just finished my first half", "post_race"),
        # counted down as runners say it, a race calendar with a quantifier, a race just run
        ("marathon is 3 weeks out", "pre_race"),
        ("half with 5 days to go", "race_week"),
        ("no more races this year", "none"),
        ("the day after my half and my quads are shot", "post_race"),
        ("in 5 days", None),  # a countdown to what? not a race
        ("ive got a 10k on the 14th", "pre_race"),  # a race ahead on a date we cannot count from
        ("the post-marathon slump has hit me", "post_race"),
        ("the race was yesterday and i am in bits", "post_race"),
        ("my race is on the 2nd of june", "pre_race"),
        ("ran a half on the 3rd and my legs are shot", None),  # run, not ahead
        ("my knee hurts", None),
    ],
)
def test_timing_in_text(text: str, expected: str | None) -> None:
    assert timing_in_text(normalise(text)) == expected


def test_unsure_answers_skip_the_question() -> None:
    assert timing_answer(normalise("dunno")) == "unknown"


@pytest.mark.parametrize(("text", "expected"), [
    ("half marathon on the 20th", "pre_race"),  # a race with a date we do not count: one is coming
    ("got a trail race end of the month", "pre_race"),
    ("a 10k in 5 days", "race_week"),
    ("no race, just base building", "training_block"),
    ("best gps watch for marathon training?", None),  # a question back is no answer
    # a no to "is a race coming up?" is no race, whatever the classifier called it
    ("not really", "none"),
    ("nah no comps, just base training", "training_block"),
    ("nope, off season", "none"),
    ("no idea", "unknown"),
    ("trainin block starts next wk", "training_block"),
])
def test_a_race_named_in_answer_to_the_race_question_is_coming_up(text: str, expected: str | None) -> None:
    assert timing_answer(normalise(text)) == expected
    assert timing_in_text(normalise("dunno")) is None
    assert body_part_answer(normalise("not sure, kind of all over")) == "unknown"
    assert body_part_answer(normalise("my calves")) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lower back, and it's been weeks", "chronic"),
        ("for about 10 days now", "new"),
        ("been like this maybe 3 months", "chronic"),
        ("yes, a marathon in 3 weeks", None),  # a countdown, not how long it has hurt
        ("weeks", None),  # bare: only read as the answer to "how long?"
        ("been like this since my trail race 2 weeks ago", "chronic"),
        ("started hurting 3 days ago", "new"),
        ("hammy, mostly after long runs. about a fortnight", "chronic"),
        ("sore for 3 wks now", "chronic"),   # units as runners abbreviate them
        ("tweaked it yesterday on the hills", "new"),
        ("niggling for 6mths", "chronic"),
        ("ran a marathon 2 weeks ago", None),  # when the race was, not how long it has hurt
        ("no races for a few months, just base miles", None),  # the calendar, not the pain
        ("not racing for a while but my calf has been tight for 3 weeks", "chronic"),
    ],
)
def test_duration_in_text(text: str, expected: str | None) -> None:
    assert duration_in_text(normalise(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("did a half marathon on sunday and my calves are wrecked", "new"),  # sore since the race
        ("raced a 10k last weekend, my knee has hurt for 3 months", "chronic"),  # said outright wins
        ("my hamstrings are tight", None),
        ("marathon in 3 weeks and my quads are sore", None),  # a race ahead says nothing of how long
    ],
)
def test_duration_in_statement(text: str, expected: str | None) -> None:
    assert duration_in_statement(normalise(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("sore for 2wks", "sore for 2 weeks"),
    ("a wk ago", "a week ago"),
    ("since sat", "since saturday"),
    ("sat on the sofa", "sat on the sofa"),   # a day only after a word that dates it
    ("250w for 20 mins", "250w for 20 mins"),  # watts, not weeks
    ("thats prob normal for u", "that is probably normal for you"),  # texting
])
def test_normalise_spells_out_times_and_days(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("it hurts since 3 weeks", "chronic"),  # "since" with a span, no "ago"
    ("sore since tuesday's session", "new"),
    ("tight since last monday", "new"),
])
def test_since_with_a_span_or_a_day_is_how_long(text: str, expected: str) -> None:
    assert duration_in_text(normalise(text)) == expected


@pytest.mark.parametrize("text", ["half marathon in like 2 weeks", "marathon in roughly 3 weeks",
                                  "a 10k in just under 2 weeks"])
def test_a_hedged_countdown_is_a_race_ahead(text: str) -> None:
    assert timing_in_text(normalise(text)) == "pre_race"


@pytest.mark.parametrize(("text", "expected"), [
    ("calf went tight 4 days ago", "new"),
    ("calf went tight three weeks ago", "chronic"),
    ("tore it two years ago, now it's just stiff", None),  # an old injury is not how long this has hurt
])
def test_an_onset_said_with_ago_alone(text: str, expected: str | None) -> None:
    assert duration_in_text(normalise(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("legs are sore all over after the hilly half", "unknown"),
    ("no particular spot, just general heaviness", "unknown"),
    ("achy from head to toe since sunday", "unknown"),
    ("my calf is tight", None),
    ("everything is fine apart from my calf", None),  # "everything" alone says nothing about where
])
def test_no_one_place_said_in_passing(text: str, expected: str | None) -> None:
    assert body_part_in_statement(normalise(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("it's been honestly like a month", "chronic"),
    ("going on for maybe about 3 days", "new"),
    ("tight hamstrings, two weeks in, no race", "chronic"),
])
def test_a_span_with_fillers_around_it_is_how_long(text: str, expected: str) -> None:
    assert duration_in_text(normalise(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("county champs in 3 weeks", "pre_race"),
    ("regionals are next weekend", "pre_race"),
    ("got a trail race in two weekends", "pre_race"),
    ("six weeks into a track block", "training_block"),
    ("I'll meet my club in 2 weeks", None),  # a bare "meet" is a verb
])
def test_championships_meets_and_blocks_by_their_names(text: str, expected: str | None) -> None:
    assert timing_in_text(normalise(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("the trail race is a couple of weekends from now i think, so yes??", "pre_race"),
    ("is a trail race a race?", None),
])
def test_a_hedged_yes_with_a_race_answers_the_race_question(text: str, expected: str | None) -> None:
    assert timing_answer(normalise(text)) == expected


def test_a_span_said_of_the_race_calendar_is_not_how_long() -> None:
    text = "no races for a few months, legs just heavy"
    assert about_races(text, text.index("for a few months"))
    assert not about_races("sore for a few months", 5)


@pytest.mark.parametrize(("text", "part"), [
    ("a sharp pull at the back of my heel on hills", "achilles"),
    ("my heel hurts first thing in the morning", "plantar_fascia"),
    ("my upper trap is tight from the desk", "shoulder"),
])
def test_the_ruler_reads_the_longest_name_for_a_place(kb: KnowledgeBase, text: str, part: str) -> None:
    doc = build_pipeline(kb)(text)
    assert [resolve("body_part", e.text, kb) for e in doc.ents if e.label_ == "body_part"] == [part]


@pytest.mark.parametrize("text", ["most of the season really", "all through the winter", "the whole block tbh"])
def test_a_stretch_of_the_season_is_long_standing(text: str) -> None:
    assert duration_answer(normalise(text)) == "chronic"


@pytest.mark.parametrize(("text", "expected"), [
    ("no wait sorry, the left one", None),  # a correction, not "no race"
    ("no, nothing planned", "none"),
    ("nope", "none"),
])
def test_no_that_corrects_is_no_answer_to_the_race_question(text: str, expected: str | None) -> None:
    assert timing_answer(normalise(text)) == expected


def test_bout_is_about() -> None:
    assert duration_in_text(normalise("bout 3 weeks")) == "chronic"
