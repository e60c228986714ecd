"""bench/conversations.py: how turns and conversations are tallied (the stack itself is e2e)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.conversation_checks import check_turn, load_conversations
from bench.conversations import EMPTY, problem_kind, summary

FRESH = Path(__file__).resolve().parents[2] / "bench" / "sets" / "conversations_fresh.yml"


def _turn(*problems: str) -> dict[str, Any]:
    return {"user": "hi", "reply": "hello", "problems": list(problems)}


@pytest.mark.parametrize(
    ("problem", "kind"),
    [
        ("does not name deep tissue massage", "does not name"),
        ("does not name swedish", "does not name"),
        ("mentions none of ['wait', 'gentle']", "mentions none of"),
        ("mentions 'doctor'", "mentions"),
        ("is not a referral", "is not a referral"),
        ("asks about duration again", "asks about duration again"),
    ],
)
def test_problems_of_one_kind_are_counted_together(problem: str, kind: str) -> None:
    assert problem_kind(problem) == kind


def test_a_conversation_holds_only_when_every_turn_passes() -> None:
    results = [
        {"name": "a", "turns": [_turn(), _turn()]},
        {"name": "b", "turns": [_turn(), _turn("is not a referral")]},
        {"name": "c", "turns": [_turn(EMPTY, "names no technique")]},
    ]
    tally = summary(results)
    assert (tally["conversations"], tally["held"], tally["held_share"]) == (3, 1, 0.333)
    assert (tally["turns"], tally["turns_passed"], tally["empty_replies"]) == (5, 3, 1)
    assert tally["problems_by_kind"] == {"is not a referral": 1, EMPTY: 1, "names no technique": 1}


def test_the_fresh_set_uses_only_known_expectations() -> None:
    if not FRESH.exists():
        pytest.skip("no fresh conversation set in bench/sets")
    conversations = load_conversations([FRESH])
    assert len(conversations) >= 30
    for conversation in conversations:
        for turn in conversation["turns"]:
            assert not [p for p in check_turn(turn, "") if p.startswith("unknown expectation keys")], turn


@pytest.mark.parametrize(("reply", "understood"), [
    ("i didn't quite get that. could you say it another way?", False),
    ("sorry, i didn't catch that.", False),  # the form's reply to an answer it could not read
    ("that's outside what i know, i'm afraid.", False),
    ("got it, thanks. how long has it been going on?", True),
])
def test_understood_fails_on_every_kind_of_not_understanding(reply: str, understood: bool) -> None:
    assert (not check_turn({"user": "x", "understood": True}, reply)) is understood
