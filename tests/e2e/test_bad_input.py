"""Bad input through the REST channel (channels/rest.py): every request gets the bot's
reply or a 4xx with a reason, the server stays up, other conversations carry on.

The action server + Rasa server (through our launcher, as `make run` starts it) are the
run's shared public stack (conftest.py).
"""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.bad_inputs import LONG_LIMIT, MESSAGES, BadMessage, check_refusal, check_replies, texts
from tests.e2e.rest_client import JSON, post_raw
from tests.e2e.servers import Stack

WITNESS = "bad-input-witness"
# The form's answers as the web page's buttons send them: independent of NLU changes.
DURATION_NEW, NO_RACE = '/inform{"duration": "new"}', "/deny"
_witnesses = itertools.count()


def post(stack: Stack, body: bytes, content_type: str | None = JSON) -> tuple[int, Any]:
    """POSTs raw bytes to the REST webhook; returns the status and the decoded JSON body."""
    return post_raw(stack.rasa.url, body, content_type)


def say(stack: Stack, sender: str, message: str) -> tuple[int, Any]:
    return post(stack, json.dumps({"sender": sender, "message": message}).encode())


def another_user_is_answered(stack: Stack) -> None:
    """A normal question from a new user gets its normal answer."""
    status, replies = say(stack, f"bad-input-other-{next(_witnesses)}", "my calves are really tight after runs")
    assert status == 200 and "how long" in " ".join(texts(replies)).lower(), replies


def test_witness_conversation_starts(stack: Stack) -> None:
    status, replies = say(stack, WITNESS, "my calves are really tight after runs")
    assert status == 200 and "how long" in " ".join(texts(replies)).lower(), replies


@pytest.mark.parametrize("message", MESSAGES, ids=[m.name for m in MESSAGES])
def test_unusual_message_gets_a_reply_or_a_reason(stack: Stack, message: BadMessage) -> None:
    status, body = say(stack, f"bad-{message.name.replace(' ', '-')}", message.text)
    if status == 200:
        check_replies(message, body)
        assert all(reply.get("recipient_id") == f"bad-{message.name.replace(' ', '-')}" for reply in body)
    else:
        assert message.may_be_refused, f"{message.name}: HTTP {status} {body}"
        check_refusal(message.name, status, body)
    another_user_is_answered(stack)


def test_the_longest_accepted_message_and_one_more_character(stack: Stack) -> None:
    assert say(stack, "bad-limit", "a" * LONG_LIMIT)[0] == 200
    status, body = say(stack, "bad-limit", "a" * (LONG_LIMIT + 1))
    assert status == 413 and str(LONG_LIMIT) in body["reason"], body


BAD_REQUESTS = [
    # (id, body, content type, expected status)
    ("malformed JSON", b'{"sender": "x", "message": ', JSON, 400),
    ("empty body", b"", JSON, 400),
    ("plain text", b"my calves hurt", "text/plain", 415),
    ("form encoded", b"sender=x&message=hi", "application/x-www-form-urlencoded", 415),
    ("XML", b"<message>hi</message>", "application/xml", 415),
    ("JSON array", b'[{"sender": "x", "message": "hi"}]', JSON, 400),
    ("JSON string", b'"hi"', JSON, 400),
    ("missing sender", b'{"message": "hi"}', JSON, 400),
    ("empty sender", b'{"sender": "  ", "message": "hi"}', JSON, 400),
    ("sender is an object", b'{"sender": {"id": 1}, "message": "hi"}', JSON, 400),
    ("sender too long", json.dumps({"sender": "s" * 300, "message": "hi"}).encode(), JSON, 400),
    ("missing message", b'{"sender": "x"}', JSON, 400),
    ("message is a number", b'{"sender": "x", "message": 42}', JSON, 400),
    ("message is null", b'{"sender": "x", "message": null}', JSON, 400),
    ("metadata is a list", b'{"sender": "x", "message": "hi", "metadata": [1]}', JSON, 400),
    ("invalid UTF-8", b'{"sender": "x", "message": "\xff\xfe"}', JSON, 400),
    ("deeply nested JSON", b'{"sender": "x", "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", JSON, 400),
    ("nested past the depth limit", b'{"sender": "x", "message": "hi", "metadata": ' + b'{"a": ' * 40 + b"1"
     + b"}" * 41, JSON, 400),
    ("sender with a newline", b'{"sender": "a\\nb", "message": "hi"}', JSON, 400),
    ("several megabytes", json.dumps({"sender": "x", "message": "calf " * 1_000_000}).encode(), JSON, 413),
]


@pytest.mark.parametrize(("body", "content_type", "expected"), [r[1:] for r in BAD_REQUESTS],
                         ids=[r[0] for r in BAD_REQUESTS])
def test_bad_request_gets_a_4xx_with_a_reason(stack: Stack, body: bytes, content_type: str, expected: int) -> None:
    status, reply = post(stack, body, content_type)
    assert status == expected, (status, reply)
    check_refusal(f"{status}", status, reply)
    another_user_is_answered(stack)


def test_json_without_content_type_is_accepted(stack: Stack) -> None:
    """`curl -d '{...}'` (form content type, JSON body) is how the README's example talks to the bot."""
    status, replies = post(stack, b'{"sender": "bad-curl", "message": "hi"}', "application/x-www-form-urlencoded")
    assert status == 200 and replies, replies


def test_http_api_is_off_without_a_token(stack: Stack) -> None:
    for path in ("/status", "/version", "/conversations/bad-curl/tracker", "/domain"):
        try:
            with urllib.request.urlopen(stack.rasa.url + path, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == 404, (path, status)


def test_flood_of_bad_requests_does_not_disturb_a_conversation(stack: Stack) -> None:
    big = json.dumps({"sender": "flood", "message": "x " * 2_000_000}).encode()
    junk = [(big, JSON)] * 4 + [(b"{not json", JSON)] * 20 + [(b"hello", "text/plain")] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        refusals = [pool.submit(post, stack, body, kind) for body, kind in junk]
        status, replies = say(stack, WITNESS, DURATION_NEW)
        statuses = [future.result()[0] for future in refusals]
    assert all(400 <= s < 500 for s in statuses), statuses
    assert status == 200 and "race" in " ".join(texts(replies)).lower(), replies


def test_server_is_up_and_the_witness_conversation_finishes(stack: Stack) -> None:
    with urllib.request.urlopen(stack.rasa.url + "/", timeout=10) as response:
        assert response.status == 200
    status, replies = say(stack, WITNESS, NO_RACE)
    assert status == 200 and "your calf" in " ".join(texts(replies)).lower(), replies
