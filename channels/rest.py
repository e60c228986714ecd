"""REST channel that answers every request: the bot's reply, or a 4xx with a reason.

Measured with Rasa 3.6.21's own `RestInput` (`POST /webhooks/rest/webhook`):
a missing sender silently joins the shared conversation "default"; a JSON body
that is not an object gives HTTP 500; a non-JSON body gives an HTML 400 page; a
missing or non-string message, or one longer than spaCy's limit, gives 200 and
no reply at all. This subclass keeps Rasa's routes, channel name and streaming,
and checks the request first, with the limits and functions of the input policy
every channel shares (rasa_extensions/input_guard.py, which then checks the message
itself, as it does for every channel). A message over the limit gets a 413 here,
before it is even decoded into a message.

credentials.yml:

    channels.rest.RestInput:
      max_message_chars: 4096   # optional; Telegram's own limit
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from rasa_extensions.input_guard import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    BadInputError,
    clean_text,
    load_json,
    sender_problem,
)

logger = logging.getLogger(__name__)

ERROR_REPLY = "Sorry, something went wrong on my side. Please try again in a minute."


@dataclass(frozen=True)
class IncomingMessage:
    sender: str
    text: str
    metadata: Dict[str, Any] | None


def check_message(value: Any, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """The message text, cleaned; empty and whitespace-only text is allowed (the bot
    asks the user to rephrase)."""
    if value is None:
        raise BadInputError(400, "missing_message", 'the JSON body needs a "message" string')
    if not isinstance(value, str):
        raise BadInputError(400, "invalid_message", f'"message" must be a string, not {type(value).__name__}')
    if len(value) > max_chars:
        reason = f"the message has {len(value)} characters; the limit is {max_chars}"
        raise BadInputError(413, "message_too_long", reason)
    return clean_text(value)


def check_sender(value: Any) -> str:
    """The conversation id: a non-empty string (or number), see `input_guard.sender_problem`."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadInputError(400, "missing_sender", 'the JSON body needs a "sender" string identifying the conversation')
    sender = str(value).strip()
    problem = sender_problem(sender)
    if problem:
        raise BadInputError(400, "invalid_sender" if sender else "missing_sender", f'"sender": {problem}')
    return sender


def parse_body(content_type: str, body: bytes) -> Dict[str, Any]:
    """The JSON object in `body`. Any content type is accepted if the body is JSON
    (plain `curl -d` sends form encoding); otherwise the error names what was expected."""
    if len(body) > MAX_BODY_BYTES:
        reason = f"the request body has {len(body)} bytes; the limit is {MAX_BODY_BYTES}"
        raise BadInputError(413, "body_too_large", reason)
    try:
        data = load_json(body)
    except BadInputError as error:
        if error.error == "malformed_json" and "json" not in content_type.lower():
            expected = f"expected a JSON body with Content-Type: application/json, got {content_type or 'none'}"
            raise BadInputError(415, "unsupported_media_type", expected) from error
        raise
    if not isinstance(data, dict):
        raise BadInputError(400, "invalid_body", f"the JSON body must be an object, not {type(data).__name__}")
    return data


def parse_request(content_type: str, body: bytes, max_chars: int = MAX_MESSAGE_CHARS) -> IncomingMessage:
    """Checks a REST request; raises `BadInputError` with status and reason."""
    data = parse_body(content_type, body)
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadInputError(400, "invalid_metadata", '"metadata" must be a JSON object')
    return IncomingMessage(check_sender(data.get("sender")), check_message(data.get("message"), max_chars), metadata)


class RestInput(RasaRestInput):
    """Rasa's REST channel with request checks and an apology instead of silence."""

    def __init__(self, max_message_chars: int = MAX_MESSAGE_CHARS) -> None:
        self.max_message_chars = int(max_message_chars)

    @classmethod
    def name(cls) -> str:
        # Rasa's name: the webhook stays /webhooks/rest/webhook, trackers say "rest".
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(max_message_chars=credentials.get("max_message_chars", MAX_MESSAGE_CHARS))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            try:
                message = parse_request(request.headers.get("content-type", ""), request.body or b"",
                                        self.max_message_chars)
            except BadInputError as bad:
                logger.info(f"REST request refused ({bad.status} {bad.error}): {bad.reason}")
                return response.json(bad.as_json(), status=bad.status)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                stream = self.stream_response(on_new_message, message.text, message.sender, self.name(),
                                              message.metadata)
                return response.stream(stream, content_type="text/event-stream")
            return response.json(await self._reply(on_new_message, message))

        return webhook

    async def _reply(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     message: IncomingMessage) -> list[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(message.text, collector, message.sender,
                                             input_channel=self.name(), metadata=message.metadata))
        except CancelledError:
            logger.error(f"Reply to {message.sender!r} timed out.")
        except Exception:
            # Rasa's channel would answer 200 with nothing; the user should hear something.
            logger.exception(f"Failed to handle a message from {message.sender!r}.")
            return [*collector.messages, {"recipient_id": message.sender, "text": ERROR_REPLY}]
        return collector.messages
