"""End-to-end: Telegram updates -> our connector in `rasa run` -> stub Bot API.

Starts a stand-in Bot API (telegram_stub.py), the action server and Rasa with
`channels.telegram.TelegramInput` configured through environment variables,
posts real-format Update JSON to the webhook and checks what the bot sent.
"""

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram.types import CallbackQuery, Message
from rasa.shared.exceptions import RasaException

from channels.telegram import DEFAULT_API_BASE_URL as DEFAULT_API
from channels.telegram import TelegramInput, callback_data_for, payload_for_callback, text_of
from launch.run import TELEGRAM_CREDENTIALS
from tests.e2e.servers import Stack, free_port, rasa_stack
from tests.e2e.telegram_stub import UPDATE_IDS, Call, TelegramStub, stub_fixture

TOKEN = "123456789:AAE_e2e-test-token"
USERNAME = "runner_recovery_test_bot"
SECRET = "e2e_secret-0123456789"
WEBHOOK = "/webhooks/telegram/webhook"
TECHNIQUE = re.compile(r"swedish|deep tissue|sports massage|myofascial|trigger point", re.IGNORECASE)
GREETING = re.compile(r"\b(hi|hello|hey|welcome)\b", re.IGNORECASE)
# The same Telegram section `make run` adds when TELEGRAM_TOKEN is set.
CREDENTIALS = TELEGRAM_CREDENTIALS

_ids = UPDATE_IDS


stub = stub_fixture(TOKEN, USERNAME)


@pytest.fixture(scope="module")
def stack(stub: TelegramStub) -> Iterator[Stack]:
    env = {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_BOT_USERNAME": USERNAME,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.test/webhooks/telegram/webhook",
        "TELEGRAM_API_BASE_URL": stub.base_url,
        "TELEGRAM_SECRET_TOKEN": SECRET,
    }
    with rasa_stack(CREDENTIALS, env=env) as running:
        yield running


def post(stack: Stack, body: bytes, secret: str | None = SECRET) -> tuple[int, Any]:
    """POSTs a raw body to the webhook; returns (status, parsed JSON)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(stack.rasa.url + WEBHOOK, body, headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def send(stack: Stack, update: dict[str, Any], secret: str | None = SECRET) -> int:
    status, _ = post(stack, json.dumps(update).encode(), secret)
    return status


def user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}


def message(chat_id: int, **content: Any) -> dict[str, Any]:
    """A private-chat Message as Telegram sends it."""
    return {
        "message_id": next(_ids) % 100000,
        "from": user(chat_id),
        "chat": {"id": chat_id, "first_name": "Ada", "type": "private"},
        "date": int(time.time()),
        **content,
    }


def text_update(chat_id: int, text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        length = len(text.split()[0])
        content["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return {"update_id": next(_ids), "message": message(chat_id, **content)}


def replies_to(stub: TelegramStub, chat_id: int, count: int = 1) -> list[Call]:
    """Waits for ``count`` sendMessage calls to ``chat_id``."""
    return stub.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == chat_id, count)


def texts(calls: list[Call]) -> str:
    return "\n".join(str(c.params.get("text", "")) for c in calls)


def first_with_buttons(calls: list[Call]) -> Call:
    return next(c for c in calls if "reply_markup" in c.params)


def test_webhook_registered_with_secret(stack: Stack, stub: TelegramStub) -> None:
    (call,) = stub.wait_for("setWebhook")[:1]
    assert call.params["url"].endswith(WEBHOOK)
    assert call.params["secret_token"] == SECRET
    assert "callback_query" in call.params["allowed_updates"]


def test_start_command_greets(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    assert send(stack, text_update(chat, "/start")) == 200
    assert GREETING.search(texts(replies_to(stub, chat)))


def test_text_greeting_has_inline_keyboard(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    assert send(stack, text_update(chat, "hello")) == 200
    calls = replies_to(stub, chat)
    assert GREETING.search(texts(calls))
    keyboard = first_with_buttons(calls).params["reply_markup"]["inline_keyboard"]
    buttons = [button for row in keyboard for button in row]
    assert buttons and all(b["text"] and b["callback_data"] for b in buttons)
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)


def test_pain_question_names_a_technique(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    send(stack, text_update(chat, "hi"))
    before = len(replies_to(stub, chat))
    assert send(stack, text_update(chat, "my calves are always tight after long runs")) == 200
    calls = replies_to(stub, chat, before + 1)[before:]
    assert TECHNIQUE.search(texts(calls)), texts(calls)
    assert any("reply_markup" in call.params for call in calls), "the recommendation offers buttons"


def test_button_press_continues_conversation(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    send(stack, text_update(chat, "/start"))
    shown = first_with_buttons(replies_to(stub, chat))
    button = shown.params["reply_markup"]["inline_keyboard"][0][0]
    before = len(replies_to(stub, chat))
    query_id = str(next(_ids))
    bot_message = message(chat, text=shown.params["text"])
    bot_message["from"] = {"id": 123456789, "is_bot": True, "first_name": "Bot"}
    bot_message["reply_markup"] = shown.params["reply_markup"]
    update = {
        "update_id": next(_ids),
        "callback_query": {
            "id": query_id,
            "from": user(chat),
            "message": bot_message,
            "chat_instance": "-4242",
            "data": button["callback_data"],
        },
    }
    assert send(stack, update) == 200
    stub.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
    after = replies_to(stub, chat, before + 1)[before:]
    assert texts(after).strip()


def test_edited_message_is_answered_as_new_text(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    edited = message(chat, text="hello there", edit_date=int(time.time()))
    assert send(stack, {"update_id": next(_ids), "edited_message": edited}) == 200
    assert GREETING.search(texts(replies_to(stub, chat)))


def test_sticker_gets_text_only_reply(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    sticker = {
        "file_id": "CAACAgIAAxkBAAIBW2Vx",
        "file_unique_id": "AgADxQADVp29Cg",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
        "emoji": "\U0001f44d",
    }
    assert send(stack, {"update_id": next(_ids), "message": message(chat, sticker=sticker)}) == 200
    assert "only read text" in texts(replies_to(stub, chat))


def test_photo_and_voice_get_text_only_reply(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    photo = [{"file_id": "AgAD1", "file_unique_id": "u1", "width": 90, "height": 90}]
    voice = {"file_id": "AwAD2", "file_unique_id": "u2", "duration": 3}
    for content in ({"photo": photo, "caption": "my calf"}, {"voice": voice}):
        update = {"update_id": next(_ids), "message": message(chat, **content)}
        assert send(stack, update) == 200
    assert texts(replies_to(stub, chat, 2)).count("only read text") == 2


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_missing_or_wrong_secret_is_rejected(stack: Stack, stub: TelegramStub, secret: str | None) -> None:
    chat = next(_ids)
    status, body = post(stack, json.dumps(text_update(chat, "hello")).encode(), secret)
    assert status == 403 and "secret" in body["description"]
    time.sleep(1)
    assert not [c for c in stub.calls("sendMessage") if int(c.params["chat_id"]) == chat]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'{"message": {"text": "no update_id"}}',
        b'{"update_id": 5, "message": {"text": "no chat"}}',
    ],
)
def test_malformed_body_is_400(stack: Stack, body: bytes) -> None:
    status, reply = post(stack, body)
    assert status == 400 and reply["description"]


def test_duplicate_update_is_answered_once(stack: Stack, stub: TelegramStub) -> None:
    chat = next(_ids)
    update = text_update(chat, "hello")
    assert send(stack, update) == 200
    count = len(replies_to(stub, chat))
    assert send(stack, update) == 200
    time.sleep(1)
    assert len(replies_to(stub, chat)) == count


def test_verify_uses_get_me_once(stack: Stack, stub: TelegramStub) -> None:
    send(stack, text_update(next(_ids), "hello"))
    assert len(stub.calls("getMe")) == 1


# --- connector pieces that need no servers ------------------------------------


def test_long_button_payload_fits_callback_data() -> None:
    payload = '/report_pain{"body_part": "calves", "duration": "two weeks", "timing": "pre_race"}'
    data = callback_data_for(payload)
    assert len(data.encode()) <= 64 and callback_data_for("/greet") == "/greet"
    assert payload_for_callback(CallbackQuery(id="1", chat_instance="1", data=data)) == payload


def test_unknown_long_key_falls_back_to_button_title() -> None:
    keyboard = {"inline_keyboard": [[{"text": "Sore legs", "callback_data": "#p:0123456789abcdef01234567"}]]}
    bot_message = message(1, text="Pick one", reply_markup=keyboard)
    query = CallbackQuery(id="2", chat_instance="1", data="#p:0123456789abcdef01234567", message=bot_message)
    assert payload_for_callback(query) == "Sore legs"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/start", "/start"), ("/start@runner_bot ref42", "/start"), ("/help@runner_bot", "/help"), ("  hi ", "hi")],
)
def test_commands_are_normalised(text: str, expected: str) -> None:
    assert text_of(Message(**message(1, text=text))) == expected


def test_non_text_has_no_text() -> None:
    assert text_of(Message(**message(1, sticker={"file_id": "x", "file_unique_id": "y"}))) is None


def test_unreachable_bot_api_does_not_raise() -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"
    channel = TelegramInput(TOKEN, USERNAME, "https://bot.example.test/hook", unreachable, SECRET)

    async def register() -> bool:
        try:
            return await channel.register_webhook()
        finally:
            bot = channel.get_output_channel()
            assert bot is not None
            await bot.close_session()

    assert asyncio.run(register()) is False


@pytest.mark.parametrize("secret", [None, ""])
def test_a_bot_without_a_secret_token_refuses_to_start(secret: str | None) -> None:
    with pytest.raises(RasaException, match="TELEGRAM_SECRET_TOKEN"):
        TelegramInput(TOKEN, USERNAME, "https://bot.example.test/hook", DEFAULT_API, secret)
    credentials = {"access_token": TOKEN, "verify": USERNAME, "webhook_url": "https://bot.example.test/hook",
                   "secret_token": secret}
    with pytest.raises(RasaException, match="TELEGRAM_SECRET_TOKEN"):
        TelegramInput.from_credentials(credentials)


def test_no_token_no_secret_stays_disabled() -> None:
    """Without a token the channel is off (make run without Telegram); no secret needed."""
    assert TelegramInput(None, None, None, DEFAULT_API, None).get_output_channel() is None
