"""Red-flag triage on warning signs, their edges, and bad input."""

from __future__ import annotations

import pytest

from bot.knowledge_base import KnowledgeBase
from bot.triage import assess

WARNINGS = [
    ("I can't put any weight on my foot since the race", "cannot_bear_weight", "urgent"),
    ("I heard a pop in my calf and now it's swollen", "pop_sudden_pain", "urgent"),
    ("my ankle is really swollen and bruised after I rolled it", "swelling_bruising", None),
    ("numbness and tingling down my leg when I run", "numbness_tingling", None),
    ("I get chest pain and can't catch my breath on hills", "chest_pain_breathless", "emergency"),
    ("my calf is swollen and painful since my long-haul flight yesterday", "calf_after_flight", "emergency"),
    ("I've had a fever and my knee is red and hot", "fever", None),
    ("honestly I've been thinking about ending my life", "self_harm", "emergency"),
    ("there's one spot on my shin bone that really hurts when I press it", "bone_point_pain", None),
]


@pytest.mark.parametrize(("message", "flag", "urgency"), WARNINGS)
def test_warning_signs_are_flagged(kb: KnowledgeBase, message: str, flag: str, urgency: str | None) -> None:
    result = assess(message, kb)
    assert result.is_red_flag
    assert flag in result.ids
    if urgency:
        assert result.urgency == urgency


@pytest.mark.parametrize("message", [
    "my calves are always tight after long runs",
    "sore quads two days after a marathon, normal DOMS I think",
    "tight hip flexors from sitting at a desk all day",
    "I have a knot in my shoulder",
    "no swelling, no bruising, just a tight achilles",
    "it's not numb or tingling, just stiff",
    "",
    "   ",
    "🏃‍♀️🔥",
    "<script>alert(1)</script>",
    "x" * 10_000,
])
def test_ordinary_or_odd_messages_are_not_flagged(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


def test_most_urgent_flag_comes_first(kb: KnowledgeBase) -> None:
    result = assess("my knee is swollen and I have chest pain", kb)
    assert result.urgency == "emergency"
    assert result.ids[0] == "chest_pain_breathless"


def test_curly_apostrophes_and_case_are_normalised(kb: KnowledgeBase) -> None:
    assert assess("I CAN\u2019T PUT WEIGHT ON IT", kb).is_red_flag


@pytest.mark.parametrize(("text", "expected"), [
    ("", False), ("  ", False), ("🏃‍♂️🔥", False), ("<script>alert(1)</script>", False), ("12345", False),
    ("<img src=x onerror=alert(1)>", False), ("ok", True), ("<b>tight calves</b>", True), ("Wade tut weh", True),
])
def test_has_words(text: str, expected: bool) -> None:
    from bot.text import has_words

    assert has_words(text) is expected
