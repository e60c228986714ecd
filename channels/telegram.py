"""Telegram channel: configurable Bot API server and a secret-checked webhook.

Differences from Rasa 3.6.21's ``TelegramInput``:
- every setting comes from credentials (filled from environment variables),
  including ``api_base_url`` (a self-hosted Bot API server, or a test stand-in);
- start-up never calls Telegram synchronously: the webhook is registered in the
  background once the server runs, and a failure is only logged;
- the aiogram ``Bot`` (and its aiohttp session) is created inside the running
  loop, not during start-up on a loop that is then closed ("Event loop is closed");
- a secret token is required (start-up fails without one: a webhook without it
  accepts fake updates from anyone), and updates must carry it in
  ``X-Telegram-Bot-Api-Secret-Token``;
- no ``/set_webhook`` route (Rasa's has no authentication): the webhook is
  registered at start-up, so re-registering means restarting;
- non-text messages get a polite text-only answer without touching Rasa NLU;
- malformed, deeply nested or oversized bodies get a 4xx with a reason instead of
  a 500 (the shared input policy, rasa_extensions/input_guard.py, which also checks
  every message's text and namespaces the chat id as "telegram:<chat id>").
"""

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from aiogram.utils.exceptions import NetworkError, TelegramAPIError, ValidationError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_extensions.input_guard import MAX_BODY_BYTES, TEXT_ONLY_REPLY, BadInputError, load_json

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_ENV = "TELEGRAM_SECRET_TOKEN"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# Telegram: secret_token is 1-256 of A-Z a-z 0-9 _ -; callback_data <= 64 bytes.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_CALLBACK_BYTES = 64
LONG_PAYLOAD_PREFIX = "#p:"
WEBHOOK_TIMEOUT_SECONDS = 15.0
RECENT_UPDATES = 1000

# Button payloads too long for callback_data, by the short key sent instead.
_long_payloads: dict[str, str] = {}


class BadUpdateError(ValueError):
    """The webhook body is not a usable Telegram update."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def callback_data_for(payload: str) -> str:
    """Returns callback_data for a button payload (short keys for long ones)."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES:
        return payload
    key = LONG_PAYLOAD_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:24]
    _long_payloads[key] = payload
    return key


def payload_for_callback(query: CallbackQuery) -> str:
    """Maps a pressed button back to the payload or, if unknown, its title."""
    data = query.data or ""
    if not data.startswith(LONG_PAYLOAD_PREFIX):
        return data
    if data in _long_payloads:
        return _long_payloads[data]
    # Key from before a restart: the message still holds the button's title.
    markup = query.message.reply_markup if query.message else None
    for row in (markup.inline_keyboard if markup else None) or []:
        for button in row:
            if button.callback_data == data:
                return str(button.text)
    return data


def parse_update(body: bytes) -> Update:
    """Parses a webhook body into an ``Update`` or raises ``BadUpdateError``."""
    if body and len(body) > MAX_BODY_BYTES:
        raise BadUpdateError(f"the body has {len(body)} bytes; the limit is {MAX_BODY_BYTES}", 413)
    try:
        data = load_json(body or b"")
        if isinstance(data, str):  # double-encoded JSON (Rasa accepted it too)
            data = load_json(data)
    except BadInputError as error:
        raise BadUpdateError(error.reason) from error
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise BadUpdateError("body is not a Telegram Update (no integer update_id)")
    try:
        return Update(**data)
    except Exception as error:  # aiogram raises assorted errors on bad shapes
        raise BadUpdateError(f"invalid Telegram Update: {error}") from error


def chat_id_of(message: Message | None) -> int:
    """Returns the chat id of a message or raises ``BadUpdateError``."""
    chat_id = message.chat.id if message and message.chat else None
    if not isinstance(chat_id, int):
        raise BadUpdateError("message has no chat id")
    return chat_id


def text_of(message: Message) -> str | None:
    """Returns the text to hand to Rasa, or None for non-text messages."""
    text = message.text
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    # "/start@MyBot payload" -> "/start"; other "/cmd@MyBot" lose the "@MyBot".
    if re.match(r"^/start(@\w+)?(\s|$)", text):
        return "/start"
    return re.sub(r"^(/\w+)@\w+", r"\1", text)


def metadata_of(user: User | None) -> dict[str, Any]:
    """Message metadata: the user's interface language, like the web chat's."""
    code = user.language_code if user else None
    return {"language": code} if code else {}


def check_settings(access_token: str | None, secret_token: str | None) -> None:
    """Fails start-up on a malformed token, or a missing or malformed secret (not on
    network errors)."""
    try:
        if access_token:
            check_token(access_token)
    except ValidationError as error:
        raise RasaException("Telegram access_token is malformed") from error
    if access_token and not secret_token:
        raise RasaException(
            f"Telegram needs a secret token: without one anyone can post fake updates to the webhook. "
            f"Set {SECRET_ENV} (1-256 characters of A-Z, a-z, 0-9, _ -), for example "
            f"`export {SECRET_ENV}=$(openssl rand -hex 32)`, and start again."
        )
    if secret_token and not SECRET_PATTERN.match(secret_token):
        raise RasaException("Telegram secret_token must be 1-256 characters of A-Z, a-z, 0-9, _ -")


class TelegramOutput(RasaTelegramOutput):
    """Rasa's Telegram output pointed at a configurable Bot API server."""

    def __init__(self, access_token: str, api_base_url: str) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_base_url))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = "inline",
        **kwargs: Any,
    ) -> None:
        """Sends buttons as an inline keyboard, one button per row."""
        if button_type == "reply":
            await super().send_text_with_buttons(recipient_id, text, buttons, button_type, **kwargs)
            return
        markup = InlineKeyboardMarkup()
        for button in buttons:
            data = callback_data_for(str(button.get("payload") or button["title"]))
            markup.row(InlineKeyboardButton(button["title"], callback_data=data))
        await self.send_message(recipient_id, text, reply_markup=markup)

    async def close_session(self) -> None:
        """Closes the aiohttp session if one was opened."""
        if self._session is not None and not self._session.closed:
            await self._session.close()


class TelegramInput(RasaTelegramInput):
    """Telegram input channel configured entirely from credentials."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "TelegramInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None

        def setting(key: str) -> str:
            value = str(credentials.get(key) or "").strip()
            if value.startswith("${"):  # Rasa only expands unquoted ${VAR}
                raise RasaException(f"Telegram {key}: write {value} without quotes in credentials.yml")
            return value

        return cls(
            access_token=setting("access_token"),
            verify=setting("verify"),
            webhook_url=setting("webhook_url"),
            api_base_url=setting("api_base_url") or DEFAULT_API_BASE_URL,
            secret_token=setting("secret_token"),
        )

    def __init__(
        self,
        access_token: str | None,
        verify: str | None,
        webhook_url: str | None,
        api_base_url: str = DEFAULT_API_BASE_URL,
        secret_token: str | None = None,
        debug_mode: bool = False,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        check_settings(access_token, secret_token)
        self.api_base_url = api_base_url.rstrip("/")
        self.secret_token = secret_token or None
        self._bot: TelegramOutput | None = None
        self._bot_loop: asyncio.AbstractEventLoop | None = None
        self._verified = False
        self._recent: deque[int] = deque(maxlen=RECENT_UPDATES)
        if not access_token:
            logger.warning("Telegram channel has no access_token: it stays disabled.")

    def get_output_channel(self) -> TelegramOutput | None:  # type: ignore[override]
        """Returns a Bot bound to the running loop (one per loop)."""
        if not self.access_token:
            return None
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._bot is None or self._bot_loop is not loop:
            self._bot = TelegramOutput(self.access_token, self.api_base_url)
            self._bot_loop = loop
        return self._bot

    async def register_webhook(self) -> bool:
        """Calls setWebhook with our URL and secret; logs instead of raising."""
        bot = self.get_output_channel()
        if bot is None or not self.webhook_url:
            return False
        params: dict[str, Any] = {
            "url": self.webhook_url,
            "allowed_updates": json.dumps(ALLOWED_UPDATES),
        }
        if self.secret_token:
            params["secret_token"] = self.secret_token
        try:
            await asyncio.wait_for(bot.request("setWebhook", params), WEBHOOK_TIMEOUT_SECONDS)
        # asyncio.TimeoutError is not the builtin TimeoutError before 3.11.
        except (asyncio.TimeoutError, TelegramAPIError, OSError) as error:
            logger.warning(f"Telegram setWebhook at {self.api_base_url} failed: {error}")
            return False
        logger.info(f"Telegram webhook registered: {self.webhook_url}")
        return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: health and webhook."""
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def start(app: Sanic, _: Any) -> None:
            app.add_task(self.register_webhook())

        @telegram_webhook.listener("before_server_stop")
        async def stop(_: Sanic, __: Any) -> None:
            if self._bot is not None:
                await self._bot.close_session()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.handle_webhook(request, on_new_message)

        return telegram_webhook

    def secret_ok(self, header: str | None) -> bool:
        """True if the header matches the configured secret."""
        if not self.secret_token:
            return False
        return header is not None and hmac.compare_digest(header.encode(), self.secret_token.encode())

    async def handle_webhook(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Checks, parses and dispatches one webhook call."""
        if not self.secret_ok(request.headers.get(SECRET_HEADER)):
            return reply(403, "missing or wrong secret token")
        bot = self.get_output_channel()
        if bot is None:
            return reply(503, "telegram channel is not configured")
        try:
            update = parse_update(request.body)
        except BadUpdateError as error:
            return reply(error.status, str(error))
        if update.update_id in self._recent:
            return reply(200, "duplicate update ignored")
        if not await self.bot_verified(bot):
            return reply(503, "cannot verify the bot with the Bot API")
        self._recent.append(update.update_id)
        try:
            await self.dispatch(update, bot, on_new_message)
        except BadUpdateError as error:
            return reply(400, str(error))
        except Exception:  # Telegram would resend the update forever on 5xx
            logger.exception(f"Telegram update {update.update_id} failed")
        return reply(200, "success")

    async def bot_verified(self, bot: TelegramOutput) -> bool:
        """Checks once that the token belongs to the bot named in `verify`."""
        if self._verified or not self.verify:
            return True
        try:
            me = await bot.get_me()
        except (TelegramAPIError, NetworkError, OSError) as error:
            logger.warning(f"Telegram getMe failed: {error}")
            return False
        if me.username != self.verify:
            logger.error(f"Token is for @{me.username}, credentials say {self.verify}")
            return False
        self._verified = True
        return True

    async def dispatch(
        self,
        update: Update,
        bot: TelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Sends the update's text to Rasa, or answers non-text directly."""
        if update.callback_query:
            await self.on_button(update.callback_query, bot, on_new_message)
            return
        message = update.message or update.edited_message
        if message is None:
            return  # an update type we did not ask for: acknowledge, ignore
        chat_id = chat_id_of(message)
        text = text_of(message)
        if text is None:
            await bot.send_message(chat_id, TEXT_ONLY_REPLY)
            return
        await on_new_message(self.user_message(text, bot, chat_id, message.from_user))

    async def on_button(
        self,
        query: CallbackQuery,
        bot: TelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Stops the button's spinner, then continues with its payload."""
        if query.message:
            chat_id = chat_id_of(query.message)
        elif query.from_user and isinstance(query.from_user.id, int):
            chat_id = query.from_user.id  # button on an inline-mode message
        else:
            raise BadUpdateError("callback query has neither message nor user")
        try:
            await bot.answer_callback_query(query.id)
        except TelegramAPIError as error:  # e.g. query too old: keep going
            logger.warning(f"answerCallbackQuery failed: {error}")
        text = payload_for_callback(query)
        await on_new_message(self.user_message(text, bot, chat_id, query.from_user))

    def user_message(self, text: str, bot: TelegramOutput, chat_id: int, user: User | None) -> UserMessage:
        """Builds the UserMessage for Rasa."""
        return UserMessage(
            text,
            bot,
            str(chat_id),
            input_channel=self.name(),
            metadata=metadata_of(user),
        )


def reply(status: int, reason: str) -> HTTPResponse:
    """JSON answer for the webhook caller."""
    return response.json({"ok": status == 200, "description": reason}, status=status)
