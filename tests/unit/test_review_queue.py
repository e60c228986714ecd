"""Review queue: reasons, near-duplicate groups, order, reviewed messages never coming back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review.queue import build_queue, group, listing, queued_messages
from review.reasons import Reason, is_correction, is_rephrasing, reasons_by_turn
from review.similarity import similarity
from review.state import ReviewState
from review.store import Conversation, read_conversations
from review.turns import turns_of
from tests.unit.review_events import action, bot, slot, user, write_store

T = 1_764_500_000.0


def reasons_of(*events: dict) -> list[set[Reason]]:
    turns = turns_of(Conversation("someone", list(events)), "salt")
    return reasons_by_turn(turns)


@pytest.mark.parametrize(("events", "expected"), [
    ([user("hello", "greet", 0.98, T), bot("Hi!", T + 1)], set()),
    ([user("zxq blorp", "nlu_fallback", 0.25, T), action("action_default_fallback", T + 1)], {Reason.FALLBACK}),
    ([user("legs feel odd", "report_pain", 0.31, T)], {Reason.LOW_CONFIDENCE}),
    ([user("legs feel odd", "report_pain", 0.9, T, diet="report_pain", ngram="ask_sleep")], {Reason.DISAGREEMENT}),
    ([user("chest pain on my run", "red_flag", 1.0, T), action("action_refer_medical", T + 1)], {Reason.RED_FLAG}),
    ([user("best trail shoes?", "out_of_scope", 0.9, T), bot("I only know recovery.", T + 1, "utter_out_of_scope")],
     {Reason.OUT_OF_SCOPE}),
    # A button press is never a rephrasing or a correction target.
    ([user('/inform{"duration": "new"}', "inform", 1.0, T)], set()),
])
def test_a_message_is_queued_for_its_own_reasons(events: list[dict], expected: set[Reason]) -> None:
    assert reasons_of(*events)[0] == expected


def test_a_correction_marks_the_message_before_it() -> None:
    found = reasons_of(user("how long should I rest my calves", "ask_timing", 0.9, T), bot("Massage 2 days", T + 1),
                       user("no, I meant running, not massage", "deny", 0.8, T + 2), bot("ok", T + 3))
    assert found[0] == {Reason.CORRECTED}


def test_a_rephrasing_right_after_a_reply_marks_the_first_message() -> None:
    found = reasons_of(user("hamstrings feel tight after intervals", "ask_sleep", 0.8, T), bot("Sleep tips", T + 1),
                       user("my hamstrings are tight after interval sessions", "report_pain", 0.9, T + 2))
    assert found[0] == {Reason.REPHRASED} and found[1] == set()


@pytest.mark.parametrize(("text", "correction"), [
    ("that's not what I asked", True), ("That is not what i meant!", True), ("no i meant my knee", True),
    ("you misunderstood me", True), ("that's wrong", True), ("my calves are tight", False),
    ("no swelling at all", False), ("what do you mean", False),
])
def test_corrections(text: str, correction: bool) -> None:
    assert is_correction(text) is correction


@pytest.mark.parametrize(("first", "second", "rephrased"), [
    ("tight calves after long run", "my calves are tight after the long run", True),
    ("can't sleep before races", "trouble sleeping the night before a race", False),  # different words entirely
    ("yes", "yes", False),  # too short to tell
    ("hi there", "what is deep tissue massage", False),
])
def test_rephrasings(first: str, second: str, rephrased: bool) -> None:
    assert is_rephrasing(first, second) is rephrased


@pytest.mark.parametrize(("first", "second", "near"), [
    ("my calfs are killing me", "my calfs are killing me!!", True),
    ("my calfs are killing me", "my calves are killing me", True),
    ("can massage help with sleep", "can massage help me sleep?", True),
    ("my calfs are killing me", "what is myofascial release", False),
])
def test_near_duplicates(first: str, second: str, near: bool) -> None:
    assert (similarity(first, second) >= 0.55) is near


def store(tmp_path: Path) -> tuple[Path, object]:
    url = write_store(tmp_path / "conversations.db", {
        "telegram-123456": [
            user("my calfs are killing me", "report_pain", 0.41, T + 1, runner_up=("ask_recommendation", 0.3)),
            bot("Where does it hurt?", T + 2),
            user("I felt a pop in my ankle and cannot walk", "red_flag", 1.0, T + 3),
            action("action_refer_medical", T + 4), bot("Please see a doctor today.", T + 4),
        ],
        "web-abc": [
            user("my calves are killing me!", "report_pain", 0.44, T + 10), bot("Which muscles?", T + 11),
            user("zxq blorp", "nlu_fallback", 0.25, T + 12), bot("Sorry, I didn't get that.", T + 13),
            user("hello", "greet", 0.99, T + 14), bot("Hi!", T + 15), slot("concern", "pain", T + 15),
        ],
    })
    return tmp_path / "state.json", url


def test_the_queue_groups_near_duplicates_and_puts_the_most_useful_first(tmp_path: Path) -> None:
    state_path, url = store(tmp_path)
    groups = build_queue(read_conversations(url), ReviewState.load(state_path))
    assert [g.main_reason for g in groups] == [Reason.RED_FLAG, Reason.LOW_CONFIDENCE, Reason.FALLBACK]
    calves = groups[1]
    assert sorted(calves.texts) == ["my calfs are killing me", "my calves are killing me!"]
    assert calves.conversations == 2 and calves.impact == 4.0  # two runners x low confidence
    assert calves.representative.turn.before == [] and calves.representative.turn.replies == ["Where does it hurt?"]


def test_the_listing_has_the_fields_scripts_need_and_no_sender_ids(tmp_path: Path) -> None:
    state_path, url = store(tmp_path)
    records = list(listing(build_queue(read_conversations(url), ReviewState.load(state_path))))
    assert [r["group"] for r in records] == [1, 2, 2, 3]
    first = records[0]
    assert set(first) >= {"text", "reason", "intent", "confidence", "times_seen", "first_seen"}
    assert first["reason"] == "red_flag" and first["intent"] == "red_flag" and first["times_seen"] == 1
    assert first["first_seen"].startswith("2025-11-30T")
    dumped = json.dumps(records)
    assert "telegram-123456" not in dumped and "web-abc" not in dumped


def test_reviewed_messages_and_texts_never_come_back(tmp_path: Path) -> None:
    state_path, url = store(tmp_path)
    state = ReviewState.load(state_path)
    groups = build_queue(read_conversations(url), state)
    state.record(groups[1].keys, groups[1].texts, "labelled:report_pain", "low_confidence")
    again = build_queue(read_conversations(url), ReviewState.load(state_path))  # as a new run would
    assert [g.main_reason for g in again] == [Reason.RED_FLAG, Reason.FALLBACK]
    # The same words from another runner later are not asked about again either.
    later = Conversation("someone-else", [user("My calfs are killing me", "report_pain", 0.4, T + 99)])
    assert queued_messages([later], ReviewState.load(state_path)) == []
    assert "telegram-123456" not in state_path.read_text() and "calfs" not in state_path.read_text()


def test_grouping_an_empty_queue() -> None:
    assert group([]) == []
