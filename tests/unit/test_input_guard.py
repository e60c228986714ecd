"""The input policy (rasa_extensions/input_guard.py) without servers: a real Rasa
`UserMessage`, `CollectingOutputChannel`, `Domain` and tracker store."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels import channel as rasa_channel
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_extensions import input_guard
from rasa_extensions.input_guard import (
    MAX_JSON_DEPTH,
    MAX_MESSAGE_CHARS,
    BadInputError,
    InputGuard,
    canonical_payload,
    load_json,
    origin_allowed,
    sender_problem,
)

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, inform, ask_technique]
responses:
  utter_ask_duration:
    - text: "How long?"
      buttons:
        - title: "A few days"
          payload: '/inform{{"duration": "new"}}'
""")


def run_guard(message: UserMessage, events: list[Any] | None = None,
              conversation: str = "rest:ada") -> tuple[list[UserMessage], Any]:
    """Passes `message` through the guard; returns what Rasa got and the channel's output."""
    seen: list[UserMessage] = []

    async def handler(checked: UserMessage) -> None:
        seen.append(checked)
        await checked.output_channel.send_response(checked.sender_id, {"text": "reply"})

    store = InMemoryTrackerStore(DOMAIN)
    if events:
        asyncio.run(store.save(DialogueStateTracker.from_events(conversation, events)))
    agent = SimpleNamespace(domain=DOMAIN, tracker_store=store)
    asyncio.run(InputGuard(handler, lambda: agent)(message))
    return seen, message.output_channel


def rest_message(text: Any, sender: Any = "ada") -> UserMessage:
    message = UserMessage(None, CollectingOutputChannel(), "x", input_channel="rest")
    message.text, message.sender_id = text, sender
    return message


def test_clean_text_reaches_rasa_namespaced_and_replies_come_back_to_the_channel_id() -> None:
    seen, output = run_guard(rest_message("  my calves\x00 are \x07tight \ud83d "))
    assert seen[0].text == "my calves are tight ?"  # the lone surrogate replaced
    assert seen[0].sender_id == "rest:ada" and seen[0].input_channel == "rest"
    assert output.messages == [{"recipient_id": "ada", "text": "reply"}]


def test_too_long_message_gets_a_friendly_reply_and_never_reaches_rasa() -> None:
    seen, output = run_guard(rest_message("a" * (MAX_MESSAGE_CHARS + 1)))
    assert not seen
    assert "too long" in output.messages[0]["text"] and output.messages[0]["recipient_id"] == "ada"
    assert run_guard(rest_message("a" * MAX_MESSAGE_CHARS))[0]


@pytest.mark.parametrize("text", [42, {"text": "hi"}, ["hi"], b"hi"])
def test_non_string_text_gets_a_text_only_reply(text: Any) -> None:
    seen, output = run_guard(rest_message(text))
    assert not seen and "only read text" in output.messages[0]["text"]


@pytest.mark.parametrize("sender", ["", "   ", "s" * 201, "a\x00b", None, True, 1.5])
def test_bad_sender_is_refused(sender: Any) -> None:
    seen, output = run_guard(rest_message("hi", sender))
    assert not seen and output.messages


def test_typed_payloads_are_read_as_text_unless_the_bot_sends_them() -> None:
    assert run_guard(rest_message('/inform{"body_part": "calf", "x": 1}'))[0][0].text == \
        'inform{"body_part": "calf", "x": 1}'
    assert run_guard(rest_message("/inform"))[0][0].text == "inform"
    # Domain buttons (braces unescaped, spacing ignored) and the channels' commands.
    assert run_guard(rest_message('/inform{"duration":"new"}'))[0][0].text == '/inform{"duration":"new"}'
    for command in ("/restart", "/start", "/greet"):
        assert run_guard(rest_message(command))[0][0].text == command


def test_action_buttons_are_accepted_in_the_conversation_that_was_offered_them() -> None:
    payload = '/ask_technique{"technique": "swedish"}'
    offered = [UserUttered("hi"), BotUttered("Pick one", {"buttons": [{"title": "Swedish", "payload": payload}]})]
    assert run_guard(rest_message(payload), offered)[0][0].text == payload
    assert run_guard(rest_message(payload, "someone-else"), offered)[0][0].text == payload.lstrip("/")


def test_parse_data_from_a_channel_is_dropped() -> None:
    message = rest_message("hello")
    message.parse_data = {"intent": {"name": "red_flag", "confidence": 1.0}, "entities": []}
    assert run_guard(message)[0][0].parse_data is None


TOO_DEEP = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a": ' * 5000, TOO_DEEP])
def test_deeply_nested_json_is_a_400_with_a_reason(body: bytes) -> None:
    with pytest.raises(BadInputError) as refused:
        load_json(body)
    assert refused.value.status == 400 and "nested" in refused.value.reason


def test_json_at_the_depth_limit_and_malformed_json() -> None:
    assert load_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    with pytest.raises(BadInputError) as refused:
        load_json(b'{"a": ')
    assert refused.value.error == "malformed_json"


def test_sender_problem() -> None:
    assert sender_problem("ada") is None and sender_problem(12345) is None
    assert sender_problem("x" * 201) and sender_problem("a\nb") and sender_problem(False)


def test_canonical_payload() -> None:
    assert canonical_payload('/inform{"b": 1,   "a": "x"}') == canonical_payload('/inform {"a": "x", "b": 1}')
    assert canonical_payload("/greet") == "/greet"


def test_cors_origins_and_origin_check() -> None:
    argv = ["run", "--cors", "http://a.test", "http://b.test", "--port", "1", "--cors=http://c.test"]
    assert input_guard.cors_origins(argv) == ["http://a.test", "http://b.test", "http://c.test"]
    environ = {"HTTP_HOST": "bot.test:5005", "wsgi.url_scheme": "http"}
    saved = list(input_guard.ALLOWED_ORIGINS)
    try:
        input_guard.ALLOWED_ORIGINS[:] = ["http://a.test"]
        assert origin_allowed("http://a.test", environ) and not origin_allowed("http://evil.test", environ)
        assert origin_allowed(None, environ)  # not a browser page
        input_guard.ALLOWED_ORIGINS[:] = []
        assert origin_allowed("http://bot.test:5005", environ) and not origin_allowed("http://a.test", environ)
        input_guard.ALLOWED_ORIGINS[:] = ["*"]
        assert origin_allowed("http://evil.test", environ)
    finally:
        input_guard.ALLOWED_ORIGINS[:] = saved


def test_install_guards_every_channel_rasa_registers() -> None:
    saved = rasa_channel.register
    try:
        input_guard.install(["run"])
        assert input_guard.installed()
        handlers: list[Any] = []

        class AnyChannel(rasa_channel.InputChannel):
            def blueprint(self, on_new_message: Any) -> Any:
                handlers.append(on_new_message)
                from sanic import Blueprint
                return Blueprint(f"any_{len(handlers)}")

        app = SimpleNamespace(ctx=SimpleNamespace(), blueprint=lambda *a, **k: None)
        rasa_channel.register([AnyChannel(), AnyChannel()], app, "/webhooks/")
        assert len(handlers) == 2 and all(isinstance(h, InputGuard) for h in handlers)
    finally:
        rasa_channel.register = saved
