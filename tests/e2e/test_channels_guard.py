"""The input guard on every channel (rasa_extensions/input_guard.py), end to end.

One stack for the module: the action server and Rasa through our launcher with
REST, socket.io (the widget's settings) and Telegram (against the local Bot API
stand-in), `--cors` set to the page's origin and the HTTP API on with a token (to
read trackers). The Rasa server's address space is capped once it is up, so a
regression that lets a huge message reach NLU fails the test instead of taking
the machine down.

- bad-input sweeps on socket.io and Telegram: after each case a normal question,
  sent as another user, must still be answered (REST's: test_bad_input.py);
- socket.io origins: a foreign page is refused, the page's origin accepted;
- conversations are namespaced per channel;
- user-typed slash payloads: only the assistant's own buttons' payloads skip NLU;
  `/restart` answers "Starting over…" and resets the conversation.
"""

from __future__ import annotations

import json
import queue
import re
import resource
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.e2e.bad_inputs import MESSAGES, BadMessage, check_replies
from tests.e2e.servers import Stack, rasa_stack
from tests.e2e.telegram_stub import UPDATE_IDS, TelegramStub, stub_fixture

PAGE_ORIGIN = "http://127.0.0.1:8765"  # the web page's origin, as `make run` passes it in --cors
FOREIGN_ORIGIN = "http://evil.example"
API_TOKEN = "guard-test-token"
TOKEN = "123456789:AAE_guard-test-token"
USERNAME = "runner_guard_test_bot"
SECRET = "guard_secret-0123456789"
WEBHOOK = "/webhooks/telegram/webhook"
CREDENTIALS = f"""
channels.rest.RestInput:
channels.socketio.SocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
  metadata_key: customData
channels.telegram.TelegramInput:
  access_token: {TOKEN}
  verify: {USERNAME}
  webhook_url: https://bot.example.test{WEBHOOK}
  api_base_url: ${{TELEGRAM_API_BASE_URL}}
  secret_token: {SECRET}
"""
QUESTION = "my calves are really tight after long runs"
ASKS_DURATION = re.compile(r"how long", re.IGNORECASE)
TOO_LONG = re.compile(r"too long", re.IGNORECASE)
# Headroom over the server's address space once it is up: far more than a normal
# turn needs, far less than the 24 GB one unchecked 200,000-character message took.
MEMORY_HEADROOM = 3 * 1024**3

_ids = UPDATE_IDS


stub = stub_fixture(TOKEN, USERNAME)


@pytest.fixture(scope="module")
def stack(stub: TelegramStub) -> Iterator[Stack]:
    env = {"TELEGRAM_API_BASE_URL": stub.base_url, "RASA_API_TOKEN": API_TOKEN}
    with rasa_stack(CREDENTIALS, cors=PAGE_ORIGIN, env=env) as running:
        cap_memory(running.rasa.process.pid)
        yield running


def cap_memory(pid: int) -> None:
    """Caps the running server's address space (the launcher runs Rasa in-process)."""
    status = Path(f"/proc/{pid}/status").read_text()
    size_kb = int(re.search(r"VmSize:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    limit = size_kb * 1024 + MEMORY_HEADROOM
    resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))


# --- clients ------------------------------------------------------------------------


def http(stack: Stack, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(stack.rasa.url + path, body, headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rest_say(stack: Stack, sender: str, message: str) -> list[dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    status, raw = http(stack, "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    assert status == 200, (status, raw)
    return json.loads(raw)


def tracker(stack: Stack, conversation: str) -> dict[str, Any]:
    path = f"/conversations/{urllib.parse.quote(conversation, safe=':')}/tracker?token={API_TOKEN}"
    status, raw = http(stack, path)
    assert status == 200, (status, raw)
    return json.loads(raw)


def latest_user_event(conversation: dict[str, Any]) -> dict[str, Any]:
    return [event for event in conversation["events"] if event["event"] == "user"][-1]


def joined(replies: list[dict[str, Any]]) -> str:
    return " ".join(str(reply.get("text") or "") for reply in replies)


class Widget:
    """A web page's socket.io client (polling, like the widget before its upgrade)."""

    def __init__(self, stack: Stack, origin: str | None = PAGE_ORIGIN, wait: float = 30) -> None:
        self.session_id = uuid.uuid4().hex
        self.replies: queue.Queue[Any] = queue.Queue()
        self.confirmed = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("bot_uttered", self.replies.put)
        self.sio.on("session_confirm", lambda _: self.confirmed.set())
        headers = {"Origin": origin} if origin else {}
        self.sio.connect(stack.rasa.url, headers=headers, transports=["polling"], wait_timeout=wait)
        self.sio.emit("session_request", {"session_id": self.session_id})
        assert self.confirmed.wait(30), "no session_confirm"

    def send(self, data: Any) -> None:
        self.sio.emit("user_uttered", data)

    def say(self, message: Any) -> None:
        self.send({"message": message, "session_id": self.session_id, "customData": {"language": "en"}})

    def collect(self, first_within: float = 90, quiet: float = 1.5) -> list[dict[str, Any]]:
        """Replies: waits for the first, then until none comes for `quiet` seconds."""
        got: list[dict[str, Any]] = []
        try:
            got.append(self.replies.get(timeout=first_within))
            while True:
                got.append(self.replies.get(timeout=quiet))
        except queue.Empty:
            return got

    def close(self) -> None:
        # Engine.io's close packet, without waiting up to a ping interval for the
        # pending long-poll to return (the client's reader thread ends with it).
        self.sio.eio.disconnect(abort=True)


def widget_witness_answered(stack: Stack) -> None:
    """Another user asks a normal question on the widget and is answered."""
    witness = Widget(stack)
    try:
        witness.say(QUESTION)
        replies = witness.collect()
        assert ASKS_DURATION.search(joined(replies)), replies
    finally:
        witness.close()


# --- socket.io ---------------------------------------------------------------------------

SOCKET_MESSAGES = (*MESSAGES, BadMessage("10,000 characters exactly", "a" * 10_000))


@pytest.mark.parametrize("message", SOCKET_MESSAGES, ids=[m.name for m in SOCKET_MESSAGES])
def test_socketio_unusual_message_gets_a_reply(stack: Stack, message: BadMessage) -> None:
    client = Widget(stack)
    try:
        client.say(message.text)
        replies = client.collect()
        check_replies(message, replies)
        if len(message.text) > 4096:
            assert TOO_LONG.search(joined(replies)), replies
    finally:
        client.close()
    widget_witness_answered(stack)


@pytest.mark.parametrize("data", [
    pytest.param({"message": 42}, id="message is a number"),
    pytest.param({"message": {"text": "hi"}}, id="message is an object"),
    pytest.param({"message": None}, id="message is null"),
    pytest.param("just a string", id="payload is a string"),
    pytest.param([1, 2, 3], id="payload is a list"),
    pytest.param({"message": "hi", "session_id": "x" * 500}, id="session id too long"),
    pytest.param({"message": "hi", "customData": "{not json"}, id="metadata is not JSON"),
])
def test_socketio_odd_payload_gets_a_reply(stack: Stack, data: Any) -> None:
    client = Widget(stack)
    try:
        if isinstance(data, dict):
            data = {"session_id": client.session_id, **data}
        client.send(data)
        replies = client.collect()
        assert joined(replies).strip(), replies
    finally:
        client.close()
    widget_witness_answered(stack)


def test_socketio_200000_characters_get_a_friendly_reply(stack: Stack) -> None:
    """Over engine.io's packet limit: told in the chat, and the server stays small."""
    client = Widget(stack)
    try:
        client.say("calf pain after long runs " * 8000)
        replies = client.collect()
        assert TOO_LONG.search(joined(replies)), replies
        client.say("hello")  # the same connection still works
        assert joined(client.collect()).strip()
    finally:
        client.close()
    widget_witness_answered(stack)


def engineio_session(stack: Stack) -> str:
    """A raw engine.io polling session connected to the default namespace."""
    status, raw = http(stack, "/socket.io/?EIO=4&transport=polling", headers={"Origin": PAGE_ORIGIN})
    assert status == 200, raw
    sid = json.loads(raw.decode()[1:])["sid"]
    post_packet(stack, sid, b"40")
    return sid


def post_packet(stack: Stack, sid: str, packet: bytes) -> int:
    headers = {"Content-Type": "text/plain;charset=UTF-8", "Origin": PAGE_ORIGIN}
    return http(stack, f"/socket.io/?EIO=4&transport=polling&sid={sid}", packet, headers)[0]


@pytest.mark.parametrize("packet", [
    pytest.param(b'42["user_uttered", {"message": "hi", ', id="malformed JSON"),
    pytest.param(b'42["user_uttered", ' + b"[" * 20_000 + b"]" * 20_000 + b"]", id="deeply nested JSON"),
    pytest.param(b"4\x00\xff garbage", id="not a packet"),
])
def test_socketio_malformed_packet_leaves_the_server_serving(stack: Stack, packet: bytes) -> None:
    sid = engineio_session(stack)
    status = post_packet(stack, sid, packet)
    assert status in (200, 400), status
    widget_witness_answered(stack)


def test_socketio_foreign_origin_is_refused(stack: Stack) -> None:
    # an accepted connection takes well under a second here: no need to wait 30 s for a refusal
    with pytest.raises(socketio.exceptions.ConnectionError):
        Widget(stack, origin=FOREIGN_ORIGIN, wait=5)


def test_socketio_page_origin_and_no_origin_are_accepted(stack: Stack) -> None:
    for origin in (PAGE_ORIGIN, None):  # no Origin header: a script or an app, not a browser page
        Widget(stack, origin=origin).close()


# --- Telegram ---------------------------------------------------------------------------


def telegram_post(stack: Stack, body: bytes) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    status, raw = http(stack, WEBHOOK, body, headers)
    return status, json.loads(raw or b"null")


def text_update(chat_id: int, text: Any) -> dict[str, Any]:
    message = {"message_id": next(_ids) % 100000, "date": int(time.time()), "text": text,
               "from": {"id": chat_id, "is_bot": False, "first_name": "Ada", "language_code": "en"},
               "chat": {"id": chat_id, "first_name": "Ada", "type": "private"}}
    return {"update_id": next(_ids), "message": message}


def telegram_replies(stub: TelegramStub, chat_id: int, count: int = 1) -> list[dict[str, Any]]:
    calls = stub.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == chat_id, count, timeout=90)
    return [{"text": call.params.get("text", "")} for call in calls]


def telegram_witness_answered(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    assert telegram_post(stack, json.dumps(text_update(chat, QUESTION)).encode())[0] == 200
    assert ASKS_DURATION.search(joined(telegram_replies(stub, chat)))


TELEGRAM_MESSAGES = (*MESSAGES, BadMessage("10,000 characters exactly", "a" * 10_000))


@pytest.mark.parametrize("message", TELEGRAM_MESSAGES, ids=[m.name for m in TELEGRAM_MESSAGES])
def test_telegram_unusual_message_gets_a_reply(stack: Stack, stub: TelegramStub, message: BadMessage) -> None:
    chat = next(_ids)
    status, _ = telegram_post(stack, json.dumps(text_update(chat, message.text)).encode())
    assert status == 200
    replies = telegram_replies(stub, chat)
    check_replies(message, replies)
    if len(message.text) > 4096:
        assert TOO_LONG.search(joined(replies)), replies
    telegram_witness_answered(stack, stub)


def test_telegram_non_string_text_gets_a_reply(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    assert telegram_post(stack, json.dumps(text_update(chat, 42)).encode())[0] == 200
    assert "only read text" in joined(telegram_replies(stub, chat))
    telegram_witness_answered(stack, stub)


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param(b'{"update_id": 1, "message": ', 400, id="malformed JSON"),
    pytest.param(b'{"update_id": 2, "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", 400,
                 id="deeply nested JSON"),
    pytest.param(b'{"update_id": 3, "x": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}", 400,
                 id="nested past the depth limit"),
    pytest.param(json.dumps(text_update(1, "calf " * 200_000)).encode(), 413, id="oversized body"),
])
def test_telegram_bad_body_gets_a_4xx_with_a_reason(stack: Stack, stub: TelegramStub, body: bytes,
                                                     expected: int) -> None:
    status, reply = telegram_post(stack, body)
    assert status == expected and reply["description"], (status, reply)
    telegram_witness_answered(stack, stub)


def test_set_webhook_route_is_gone(stack: Stack, stub: TelegramStub) -> None:
    before = len(stub.calls("setWebhook"))
    for body in (None, b"{}"):
        status, _ = http(stack, "/webhooks/telegram/set_webhook", body)
        assert status in (404, 405), status
    assert len(stub.calls("setWebhook")) == before


# --- conversations are namespaced per channel ---------------------------------------------


def test_rest_cannot_reach_a_telegram_conversation(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    assert telegram_post(stack, json.dumps(text_update(chat, QUESTION)).encode())[0] == 200
    assert ASKS_DURATION.search(joined(telegram_replies(stub, chat)))
    mine = tracker(stack, f"telegram:{chat}")
    assert mine["slots"]["body_part"] == "calf", mine["slots"]
    for impostor in (str(chat), f"telegram:{chat}"):
        replies = rest_say(stack, impostor, "a few days")
        # Sharing the conversation, the form would move on to its next question.
        assert "race coming up" not in joined(replies).lower(), replies
        assert all(reply["recipient_id"] == impostor for reply in replies)
        assert tracker(stack, f"rest:{impostor}")["slots"]["body_part"] is None
    after = tracker(stack, f"telegram:{chat}")
    assert after["slots"]["body_part"] == "calf" and after["slots"]["duration"] is None
    assert len(after["events"]) == len(mine["events"])


def test_widget_conversation_is_namespaced_and_replies_reach_the_socket(stack: Stack) -> None:
    client = Widget(stack)
    try:
        client.say(QUESTION)
        assert ASKS_DURATION.search(joined(client.collect()))
    finally:
        client.close()
    assert tracker(stack, f"socketio:{client.session_id}")["slots"]["body_part"] == "calf"


# --- slash payloads -----------------------------------------------------------------------


def test_typed_intent_with_entities_is_read_as_text(stack: Stack) -> None:
    sender = f"slash-{next(_ids)}"
    replies = rest_say(stack, sender, '/inform{"body_part": "calf", "x": 1}')
    assert joined(replies).strip()
    event = latest_user_event(tracker(stack, f"rest:{sender}"))
    assert event["text"] == 'inform{"body_part": "calf", "x": 1}', event["text"]
    assert not any(entity["entity"] == "x" for entity in event["parse_data"]["entities"]), event
    assert event["parse_data"]["intent"]["confidence"] < 1.0  # NLU's guess, not a payload's certainty


def test_unknown_intent_payload_is_read_as_text(stack: Stack) -> None:
    sender = f"slash-{next(_ids)}"
    rest_say(stack, sender, "/red_flag")
    event = latest_user_event(tracker(stack, f"rest:{sender}"))
    assert event["text"] == "red_flag"


def test_domain_button_payload_is_accepted(stack: Stack) -> None:
    sender = f"slash-{next(_ids)}"
    rest_say(stack, sender, "/ask_sleep")
    event = latest_user_event(tracker(stack, f"rest:{sender}"))
    assert event["text"] == "/ask_sleep" and event["parse_data"]["intent"]["name"] == "ask_sleep"


def test_action_button_payload_is_accepted_once_offered(stack: Stack) -> None:
    """Buttons built by custom actions are accepted in the conversation that was offered them."""
    sender = f"slash-{next(_ids)}"
    offered = [reply for reply in rest_say(stack, sender, "/ask_technique") if reply.get("buttons")]
    payloads = [b["payload"] for reply in offered for b in reply["buttons"] if "{" in b["payload"]]
    assert payloads, offered
    payload = payloads[0]
    stranger = f"slash-{next(_ids)}"
    rest_say(stack, stranger, payload)
    assert latest_user_event(tracker(stack, f"rest:{stranger}"))["text"] == payload.lstrip("/")
    rest_say(stack, sender, payload)
    event = latest_user_event(tracker(stack, f"rest:{sender}"))
    assert event["text"] == payload and event["parse_data"]["intent"]["confidence"] == 1.0


def test_restart_says_starting_over_and_resets(stack: Stack) -> None:
    sender = f"restart-{next(_ids)}"
    assert ASKS_DURATION.search(joined(rest_say(stack, sender, QUESTION)))
    assert tracker(stack, f"rest:{sender}")["slots"]["body_part"] == "calf"
    replies = rest_say(stack, sender, "/restart")
    assert "starting over" in joined(replies).lower(), replies
    assert any(reply.get("buttons") for reply in replies), replies
    assert tracker(stack, f"rest:{sender}")["slots"]["body_part"] is None


def test_telegram_restart_and_start(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    assert telegram_post(stack, json.dumps(text_update(chat, "/start")).encode())[0] == 200
    greeting = telegram_replies(stub, chat)
    assert re.search(r"\bhi\b", joined(greeting), re.IGNORECASE), greeting
    assert telegram_post(stack, json.dumps(text_update(chat, "/restart")).encode())[0] == 200
    after = telegram_replies(stub, chat, len(greeting) + 1)[len(greeting):]
    assert "starting over" in joined(after).lower(), after


def test_server_survived_the_sweep(stack: Stack) -> None:
    assert stack.rasa.process.poll() is None, stack.rasa.log_tail()
