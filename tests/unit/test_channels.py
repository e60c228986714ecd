"""Unit tests for the channels package: the REST channel's request checks (no servers, no model)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from channels.rest import MAX_MESSAGE_CHARS, BadInputError, clean_text, parse_request


def body(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def test_a_good_request_is_parsed() -> None:
    message = parse_request("application/json", body(sender=" u1 ", message="hi", metadata={"a": 1}))
    assert (message.sender, message.text, message.metadata) == ("u1", "hi", {"a": 1})


@pytest.mark.parametrize(("content_type", "raw", "status", "error"), [
    ("application/json", b"{", 400, "malformed_json"),
    ("text/plain", b"hello", 415, "unsupported_media_type"),
    ("application/json", b"[]", 400, "invalid_body"),
    ("application/json", body(message="hi"), 400, "missing_sender"),
    ("application/json", body(sender=True, message="hi"), 400, "missing_sender"),
    ("application/json", body(sender="u"), 400, "missing_message"),
    ("application/json", body(sender="u", message=["hi"]), 400, "invalid_message"),
    ("application/json", body(sender="u", message="x" * (MAX_MESSAGE_CHARS + 1)), 413, "message_too_long"),
    ("application/json", body(sender="u\x00", message="hi"), 400, "invalid_sender"),
    ("application/json", body(sender="u", message="hi", metadata="x"), 400, "invalid_metadata"),
])
def test_bad_requests_are_refused_with_a_reason(content_type: str, raw: bytes, status: int, error: str) -> None:
    with pytest.raises(BadInputError) as refused:
        parse_request(content_type, raw)
    assert (refused.value.status, refused.value.error) == (status, error) and refused.value.reason


def test_clean_text_drops_control_characters_and_lone_surrogates() -> None:
    assert clean_text("a\x00b\x07c\n\td") == "abc\n\td"
    assert clean_text("x\ud83dy") == "x?y"
    assert clean_text("🏃 émoji") == "🏃 émoji"
