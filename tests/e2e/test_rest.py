"""The REST channel end to end: real action server, real Rasa server, trained model."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.rest_client import reply_text, send
from tests.e2e.servers import Stack

TECHNIQUES = ("swedish", "deep tissue", "sports massage", "myofascial release", "trigger point")


def say(stack: Stack, sender: str, message: str) -> list[dict[str, Any]]:
    return send(stack.rasa.url, sender, message)


text_of = reply_text


def test_pain_message_gets_a_technique_and_why(stack: Stack) -> None:
    reply = text_of(say(stack, "rest-pain", "my calves are always tight after long runs"))
    assert any(t in reply for t in TECHNIQUES), reply
    assert "why" in reply and "therapist" in reply


FORUM_POST = (
    "Hi all, long time lurker. I'm 38, running about 35 miles a week in Novablast 4s, training for my "
    "first half marathon in 3 weeks. For the last couple of weeks both my calfs have been realy tight and "
    "sore after every run, especially the long run on sunday, and foam rolling isnt doing much. Would a "
    "sports massage or deep tissue be better before the race, or should I leave it? Any advice apreciated!"
)


def test_a_long_misspelt_forum_post_ends_in_a_recommendation_with_reasons(stack: Stack) -> None:
    reply = text_of(say(stack, "rest-forum", FORUM_POST))
    # The form may still ask what it could not read; answer as a runner would.
    for answer in ("a couple of weeks", "yes, a half marathon in 3 weeks"):
        if any(t in reply for t in TECHNIQUES):
            break
        reply = text_of(say(stack, "rest-forum", answer))
    assert any(t in reply for t in TECHNIQUES), reply
    assert "why" in reply and "calf" in reply, reply
    assert "race" in reply, reply  # the pre-race caution: nothing deep in the last days


def test_red_flag_gets_a_referral_and_no_massage(stack: Stack) -> None:
    reply = text_of(say(stack, "rest-flag", "I heard a pop in my calf and now it's swollen"))
    assert "doctor" in reply or "medical" in reply, reply
    assert not any(t in reply for t in TECHNIQUES), reply


def test_thin_slice_conversation(stack: Stack) -> None:
    sender = "rest-slice"
    assert "recovery assistant" in text_of(say(stack, sender, "hi there"))
    assert "fascia" in text_of(say(stack, sender, "what is myofascial release?"))
    goodbye = text_of(say(stack, sender, "ok bye"))
    assert "bye" in goodbye or "happy running" in goodbye, goodbye


@pytest.mark.parametrize(("message", "names"), [
    ("what is cupping?", ("cupping", "my sources")),  # a tool no seed covers: the honest answer
    ("what's ischemic compression", ("static pressure", "trigger point")),  # a runner's name for a method
])
def test_tool_and_method_names_get_a_knowledge_base_answer(stack: Stack, message: str,
                                                           names: tuple[str, ...]) -> None:
    reply = text_of(say(stack, f"rest-names-{names[0]}", message))
    assert all(name in reply for name in names), reply
