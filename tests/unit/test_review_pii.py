"""Personal data in messages: found (tables of what is and is not), highlighted spans, redacted copies."""

from __future__ import annotations

import pytest

from review.pii import find, redact, without

KNOWN = frozenset({"sore", "tired", "training", "new", "running", "a"})


@pytest.mark.parametrize(("text", "kinds", "found"), [
    ("email me at jo.runner+test@mail.co.uk please", ["email"], ["jo.runner+test@mail.co.uk"]),
    ("call me on +44 7700 900123", ["phone"], ["+44 7700 900123"]),
    ("my number is (555) 123-4567", ["phone"], ["(555) 123-4567"]),
    ("I live at 22 Baker Street near the park", ["address"], ["22 Baker Street"]),
    ("my name is Sarah and my calves hurt", ["name"], ["Sarah"]),
    ("Hi, I'm Tom Walker, training for Boston", ["name"], ["Tom Walker"]),
    # Not personal data:
    ("I'm sore after 10 km", [], []),
    ("I'm Tired after my run", [], []),  # a word the training data knows is not a name
    ("I ran 5 miles down the road yesterday", [], []),
    ("race on 2026-04-12, 3 weeks away", [], []),
    ("did 6x800m intervals in 3:05 each", [], []),
    ("my half marathon PB is 1:45:30", [], []),
])
def test_personal_data_is_found(text: str, kinds: list[str], found: list[str]) -> None:
    spans = find(text, KNOWN)
    assert [s.kind for s in spans] == kinds
    assert [s.text(text) for s in spans] == found


def test_redaction_replaces_each_part_with_a_neutral_stand_in() -> None:
    text = "I'm Sarah, reach me at sarah@example.org or 07700 900123, I live at 5 Elm Road"
    redacted = redact(text, find(text, KNOWN))
    assert redacted == ("I'm Sam, reach me at runner@example.com or 000 000 0000, I live at 1 High Street")


def test_text_without_personal_data_is_unchanged() -> None:
    text = "tight calves after the long run"
    assert redact(text, find(text, KNOWN)) == text


def test_counting_words_leaves_personal_data_out() -> None:
    assert without("Hi, I'm Tom Walker, mail tom@x.org about my calves", KNOWN) == "Hi, I'm , mail about my calves"
