"""The input policy of every channel, applied in one place.

Rasa 3.6.21 hands every input channel the same `on_new_message` handler
(`rasa.core.channels.channel.register`). `install()` replaces `register` so that
this handler is wrapped by `guard()`; every channel's `UserMessage` (REST,
socket.io, Telegram, `rasa shell`, any channel added later) then passes through
`check_user_message` before Rasa sees it:

- text that is not a string gets a friendly "text only" reply; NUL and other
  control characters are dropped and lone surrogates replaced;
- text longer than `MAX_MESSAGE_CHARS` gets a friendly "too long" reply instead of
  reaching NLU (one 200,000-character message grew the server to 24 GB);
- the sender id is checked, then namespaced by channel ("telegram:12345"), so no
  channel can read or write another channel's conversations; replies go through
  `NamespacedOutput`, which maps the id back for the channel's own output;
- a text starting with "/" skips NLU in Rasa (intent and entities are read from
  it), so it is accepted only when it is a payload the assistant's own buttons
  send (domain responses, or buttons sent earlier in this conversation) or one of
  `COMMANDS`; anything else is read as plain text without its slash;
- `parse_data` from a channel is dropped: only Rasa's NLU decides intents.

Transport-level checks stay in the channels but use the constants and functions
here: request body size, JSON parsing (`load_json`: malformed or deeply nested
JSON is a `BadInputError` with a reason), engine.io's packet size.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from typing import Any, Awaitable, Callable, Dict, Iterable, Sequence
from urllib.parse import urljoin

from rasa.core.channels import channel as rasa_channel
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4096  # Telegram's limit: the same message fits every channel
# JSON bodies: a maximal message of 4-byte characters, JSON-escaped, plus metadata fits.
MAX_BODY_BYTES = 256 * 1024
# One engine.io packet (a socket.io event): a maximal message escaped as \uXXXX pairs fits.
MAX_SOCKET_PACKET_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32  # a Telegram update with an inline keyboard nests about 8 deep
# The SQL tracker store's sender_id column holds 255; the channel prefix needs room.
MAX_SENDER_CHARS = 200
KEPT_CONTROL_CHARS = "\n\t"
NAMESPACE_SEPARATOR = ":"
# Slash commands the channels themselves send: Telegram's /start, the widget's
# initPayload, and Rasa's /restart (answered by `utter_restart`, then a reset).
COMMANDS = frozenset({"/start", "/restart", "/greet"})

TOO_LONG_REPLY = (f"That message is too long for me: I can read up to {MAX_MESSAGE_CHARS:,} characters. "
                  "Could you send a shorter version, for example where it hurts and since when?")
TEXT_ONLY_REPLY = ("Sorry, I can only read text messages. Please type your question, "
                   "for example where you feel sore after running.")
BAD_SENDER_REPLY = "Sorry, I can't continue this conversation: its id is not valid. Please reload and try again."

Handler = Callable[[UserMessage], Awaitable[Any]]
ALLOWED_ORIGINS: list[str] = []  # set by install() from Rasa's --cors


class BadInputError(ValueError):
    """A request or message that cannot be handled, with the HTTP status to say so."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason

    def as_json(self) -> Dict[str, str]:
        return {"error": self.error, "reason": self.reason}


# --- text, ids and JSON: plain functions the channels share ---------------------


def clean_text(text: str) -> str:
    """Drops control characters (NUL breaks PostgreSQL text columns) and replaces
    lone surrogates, which cannot be encoded as UTF-8."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(c for c in text if c in KEPT_CONTROL_CHARS or unicodedata.category(c) != "Cc")


def sender_problem(value: Any) -> str | None:
    """Why `value` is not a usable conversation id, or None if it is."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return "the conversation id must be a string"
    sender = str(value)
    if not sender.strip():
        return "the conversation id must not be empty"
    if len(sender) > MAX_SENDER_CHARS:
        return f"the conversation id is longer than {MAX_SENDER_CHARS} characters"
    if clean_text(sender) != sender or any(c in KEPT_CONTROL_CHARS for c in sender):
        return "the conversation id must not contain control characters"
    return None


def json_depth(value: Any) -> int:
    """Nesting depth of decoded JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def load_json(body: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decodes JSON; malformed, or nested deeper than `max_depth` (Python's parser
    raises RecursionError long before memory runs out), is a `BadInputError`."""
    try:
        data = json.loads(body)
    except RecursionError as error:
        raise BadInputError(400, "json_too_deep", f"the JSON is nested more than {max_depth} levels deep") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise BadInputError(400, "malformed_json", f"the body is not valid JSON: {error}") from error
    if json_depth(data) > max_depth:
        raise BadInputError(400, "json_too_deep", f"the JSON is nested more than {max_depth} levels deep")
    return data


# --- slash payloads ---------------------------------------------------------------


def canonical_payload(payload: str) -> str:
    """`/intent{...}` with its JSON re-serialised, so spacing does not matter."""
    payload = payload.strip()
    match = re.match(r"^(/[^{\s]+)\s*(\{.*\})?\s*$", payload, re.DOTALL)
    if not match or not match.group(2):
        return payload
    try:
        entities = json.loads(match.group(2))
    except (ValueError, RecursionError):
        return payload
    return match.group(1) + json.dumps(entities, sort_keys=True, ensure_ascii=False)


def button_payloads(buttons: Any) -> set[str]:
    """Canonical slash payloads of a list of button dicts."""
    found: set[str] = set()
    for button in buttons if isinstance(buttons, list) else []:
        payload = button.get("payload") if isinstance(button, dict) else None
        if isinstance(payload, str) and payload.startswith("/"):
            found.add(canonical_payload(payload))
    return found


def domain_payloads(responses: Dict[str, Any]) -> set[str]:
    """Slash payloads of the domain's response buttons (`{{`/`}}` are escaped braces)."""
    found: set[str] = set()
    for variants in responses.values():
        for variant in variants or []:
            buttons = variant.get("buttons") if isinstance(variant, dict) else None
            for button in buttons or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    unescaped = button["payload"].replace("{{", "{").replace("}}", "}")
                    found |= button_payloads([{"payload": unescaped}])
    return found


def offered_payloads(events: Iterable[Any]) -> set[str]:
    """Slash payloads of the buttons the bot sent in a conversation (its own actions' too)."""
    found: set[str] = set()
    for event in events:
        if isinstance(event, BotUttered):
            found |= button_payloads(event.data.get("buttons"))
            found |= button_payloads(event.data.get("quick_replies"))
    return found


def as_plain_text(text: str) -> str:
    """A user-typed "/..." that is not a known payload, as text for NLU."""
    return text.lstrip("/").strip()


# --- namespaced conversations -------------------------------------------------------


def namespaced(channel: str, sender: str) -> str:
    return f"{channel}{NAMESPACE_SEPARATOR}{sender}"


class NamespacedOutput(OutputChannel):
    """The channel's output channel, addressed with the channel's own ids.

    Rasa sends replies to the tracker's sender id ("telegram:12345"); the channel
    needs its own ("12345": the chat, the socket.io room, the REST sender)."""

    def __init__(self, inner: OutputChannel, prefix: str) -> None:
        self.inner, self.prefix = inner, prefix

    def name(self) -> str:  # type: ignore[override]  # channel-specific responses keep working
        return self.inner.name()

    def local_id(self, recipient_id: str) -> str:
        return recipient_id[len(self.prefix):] if recipient_id.startswith(self.prefix) else recipient_id

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        await self.inner.send_response(self.local_id(recipient_id), message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.inner.send_text_message(self.local_id(recipient_id), text, **kwargs)

    def __getattr__(self, item: str) -> Any:  # e.g. a collector's `messages`
        if item == "inner":  # not set yet (copying): no endless recursion
            raise AttributeError(item)
        return getattr(self.inner, item)


# --- the guard ------------------------------------------------------------------------


def channel_of(message: UserMessage) -> str:
    name = message.input_channel or (message.output_channel.name() if message.output_channel else "") or "unknown"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))


class InputGuard:
    """Checks each `UserMessage` and hands Rasa a cleaned, namespaced one."""

    def __init__(self, handler: Handler, agent: Callable[[], Any]) -> None:
        self.handler, self.agent = handler, agent
        self._domain: Any = None  # the domain `_domain_payloads` was read from
        self._domain_payloads: set[str] = set()

    async def __call__(self, message: UserMessage) -> Any:
        channel = channel_of(message)
        prefix = channel + NAMESPACE_SEPARATOR
        output = NamespacedOutput(message.output_channel, prefix)
        local_sender = message.sender_id
        problem = sender_problem(local_sender)
        if problem:
            logger.info(f"{channel} message refused: {problem}")
            return await self.refuse(message, BAD_SENDER_REPLY)
        text = message.text
        if text is not None and not isinstance(text, str):
            logger.info(f"{channel} message from {local_sender!r} refused: text is a {type(text).__name__}")
            return await self.refuse(message, TEXT_ONLY_REPLY)
        text = clean_text(text or "").strip()
        if len(text) > MAX_MESSAGE_CHARS:
            logger.info(f"{channel} message from {local_sender!r} refused: {len(text)} characters")
            return await self.refuse(message, TOO_LONG_REPLY)
        sender = namespaced(channel, local_sender)
        if text.startswith("/") and not await self.allowed_payload(text, sender):
            logger.info(f"{channel} message from {local_sender!r}: unknown payload read as text")
            text = as_plain_text(text)
        metadata = message.metadata if isinstance(message.metadata, dict) else None
        checked = UserMessage(text, output, sender, input_channel=message.input_channel,
                              message_id=message.message_id, metadata=metadata)
        return await self.handler(checked)

    @staticmethod
    async def refuse(message: UserMessage, reply: str) -> None:
        """Answers on the channel's own output, without involving Rasa."""
        try:
            await message.output_channel.send_text_message(str(message.sender_id), reply)
        except Exception:  # an unreachable recipient must not take the handler down
            logger.exception("Could not send a refusal")

    async def allowed_payload(self, text: str, sender: str) -> bool:
        payload = canonical_payload(text)
        if payload in COMMANDS:
            return True
        agent = self.agent()
        if agent is None:
            return False
        if agent.domain is not None and agent.domain is not self._domain:  # a new model was loaded
            self._domain_payloads = domain_payloads(agent.domain.responses)
            self._domain = agent.domain
        if payload in self._domain_payloads:
            return True
        tracker = await agent.tracker_store.retrieve(sender) if agent.tracker_store is not None else None
        return tracker is not None and payload in offered_payloads(tracker.events)


def guard(handler: Handler, agent: Callable[[], Any]) -> Handler:
    return InputGuard(handler, agent)


def guarded_register(input_channels: list[Any], app: Any, route: str | None) -> None:
    """Rasa 3.6.21's `register`, with the one handler every channel gets guarded."""

    async def handler(message: UserMessage) -> None:
        await app.ctx.agent.handle_message(message)

    on_new_message = guard(handler, lambda: getattr(app.ctx, "agent", None))
    for input_channel in input_channels:
        prefix = urljoin(route, input_channel.url_prefix()) if route else None
        app.blueprint(input_channel.blueprint(on_new_message), url_prefix=prefix)
    app.ctx.input_channels = input_channels


def cors_origins(argv: Sequence[str]) -> list[str]:
    """The values of Rasa's `--cors` option (it takes several) in `argv`."""
    origins: list[str] = []
    for index, arg in enumerate(argv):
        if arg.startswith("--cors="):
            origins.append(arg.split("=", 1)[1])
        elif arg == "--cors":
            for value in argv[index + 1:]:
                if value.startswith("-"):
                    break
                origins.append(value)
    return origins


def install(argv: Sequence[str] = ()) -> None:
    """Makes Rasa register every input channel with the guarded handler, and
    records the browser origins Rasa is started with (`--cors`) for socket.io."""
    ALLOWED_ORIGINS[:] = cors_origins(argv)
    rasa_channel.register = guarded_register  # type: ignore[assignment]


def origin_allowed(origin: str | None, environ: Dict[str, Any]) -> bool:
    """May a browser page at `origin` talk to us? No Origin header: not a browser
    page (a script, an app), so yes. Otherwise it must be one of Rasa's `--cors`
    origins ("*" allows all), or, with none given, this server itself."""
    if not origin:
        return True
    if "*" in ALLOWED_ORIGINS:
        return True
    if ALLOWED_ORIGINS:
        return origin in ALLOWED_ORIGINS
    host = environ.get("HTTP_HOST")
    return bool(host) and origin == f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


def installed() -> bool:
    return rasa_channel.register is guarded_register
