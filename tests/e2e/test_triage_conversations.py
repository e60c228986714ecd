"""Safety triage through the real servers (REST channel, action server, trained model):
a warning sign inside the form, a massage request after a referral, and a clearance."""

from __future__ import annotations

import pytest

from tests.e2e.servers import Stack
from tests.e2e.test_rest import TECHNIQUES, say, text_of

FORM_QUESTIONS = ("where do you feel it", "how long has it been", "race coming up")
HELD = "can't suggest a massage"


def names_technique(reply: str) -> bool:
    return any(t in reply for t in TECHNIQUES)


@pytest.mark.parametrize(("answer", "expected"), [
    ("it's more of a chest pain actually", "emergency"),
    ("I've felt low for weeks", "gp"),
])
def test_a_warning_sign_given_as_a_form_answer_wins_over_the_form(stack: Stack, answer: str, expected: str) -> None:
    sender = f"triage-form-{expected}"
    first = text_of(say(stack, sender, "can you recommend a massage for me?"))
    assert any(q in first for q in FORM_QUESTIONS), first  # the form is asking
    reply = text_of(say(stack, sender, answer))
    assert expected in reply, reply
    assert not names_technique(reply) and not any(q in reply for q in FORM_QUESTIONS), reply
    # The form is over: the next turn is not one of its questions.
    after = text_of(say(stack, sender, "ok thanks"))
    assert not any(q in after for q in FORM_QUESTIONS), after


def test_a_massage_request_after_a_referral_gets_the_referral_again_until_cleared(stack: Stack) -> None:
    sender = "triage-remembered"
    referral = text_of(say(stack, sender, "there's pain on one spot of the bone on top of my foot"))
    assert "stress fracture" in referral and not names_technique(referral), referral
    for request in ("can't I just get a sports massage on it instead?", "please just recommend a massage for my foot"):
        held = text_of(say(stack, sender, request))
        assert HELD in held and "stress fracture" in held, held
        assert not names_technique(held) and not any(q in held for q in FORM_QUESTIONS), held
    say(stack, sender, "the physio cleared me, it was just a strained muscle")
    reply = text_of(say(stack, sender, "so can I get a massage on my foot now?"))
    for answer in ("a few weeks", "no race coming up"):
        if names_technique(reply):
            break
        assert HELD not in reply, reply
        reply = text_of(say(stack, sender, answer))
    assert names_technique(reply) and HELD not in reply, reply
