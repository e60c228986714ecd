"""Socket.IO channel: the web widget's, with persistence, origin and size checks.

Differences from Rasa 3.6.21's ``SocketIOInput`` (its blueprint is kept; handlers
are re-registered):

- ``session_request``: Rasa calls ``AsyncServer.enter_room`` without awaiting it;
  since python-socketio 5.10 that is a coroutine, so with ``session_persistence``
  the client never joins its session room and replies are lost (rasa#13027).
  Session ids the client asks for are checked like every conversation id.
- ``connect``: Rasa creates the server with ``cors_allowed_origins=[]``, which
  turns engine.io's origin check off, so any web page could drive the assistant
  from its visitors' browsers. A connection from a browser page is accepted only
  from Rasa's ``--cors`` origins (``input_guard.origin_allowed``).
- engine.io packets are limited to ``MAX_SOCKET_PACKET_BYTES`` (python-socketio's
  default is 1 MB; one 200,000-character message took the server down). Engine.io
  would drop the connection of a client that sends a longer one; instead the
  client is told, in the chat, that its message is too long.
- ``user_uttered``: any payload shape (not an object, metadata that is not JSON,
  a message that is not a string) gets a friendly reply instead of an exception;
  the message itself is checked by the input guard every channel shares.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from rasa_extensions.input_guard import (
    MAX_SOCKET_PACKET_BYTES,
    TEXT_ONLY_REPLY,
    TOO_LONG_REPLY,
    BadInputError,
    load_json,
    origin_allowed,
    sender_problem,
)

logger = logging.getLogger(__name__)

BAD_SESSION_REPLY = "Sorry, I lost track of this chat. Please reload the page to start again."


def session_id_from(data: Any) -> str:
    """Returns the session id the client asked for if it is valid, or a new one."""
    if isinstance(data, dict) and data.get("session_id") and not sender_problem(data["session_id"]):
        return str(data["session_id"])
    return uuid.uuid4().hex


def metadata_from(value: Any) -> dict[str, Any] | None:
    """The message's metadata: an object, or JSON text of one; anything else is dropped."""
    if isinstance(value, str):
        try:
            value = load_json(value)
        except BadInputError as error:
            logger.info(f"socket.io metadata ignored: {error.reason}")
            return None
    return value if isinstance(value, dict) else None


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io input channel with the fixes above."""

    @classmethod
    def name(cls) -> str:
        # Same name as Rasa's channel: webhook paths and tracker
        # `input_channel` values stay "socketio".
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Builds Rasa's blueprint, then replaces its handlers and limits."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by the parent's blueprint()
        sio.eio.max_http_buffer_size = MAX_SOCKET_PACKET_BYTES
        # Read when the blueprint is attached to the app, after this method.
        sio.eio.handle_request = self._oversize_handler(sio)
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not origin_allowed(origin, environ):
                logger.warning(f"socket.io connection from origin {origin!r} refused (not in --cors)")
                return False
            return bool(await rasa_connect(sid, environ, auth))

        # `on` replaces the handler Rasa registered for this event/namespace.
        sio.on("connect", connect, namespace=self.namespace)
        sio.on("session_request", self._session_handler(sio), namespace=self.namespace)
        sio.on(self.user_message_evt, self._message_handler(sio, on_new_message), namespace=self.namespace)
        return socketio_webhook

    def _oversize_handler(self, sio: AsyncServer) -> Callable[..., Awaitable[Any]]:
        """Engine.io's request handler, answering an oversized POST in the chat."""
        handle_request = sio.eio.handle_request

        async def handle(request: Request, *args: Any, **kwargs: Any) -> Any:
            if request.method == "POST" and len(request.body or b"") > MAX_SOCKET_PACKET_BYTES:
                eio_sid = request.args.get("sid")
                sid = sio.manager.sid_from_eio_sid(eio_sid, self.namespace or "/") if eio_sid else None
                logger.info(f"socket.io packet of {len(request.body)} bytes refused (limit {MAX_SOCKET_PACKET_BYTES})")
                if sid is None:
                    return response.text("payload too large", status=413)
                await sio.emit(self.bot_message_evt, {"text": TOO_LONG_REPLY}, room=sid, namespace=self.namespace)
                return response.text("ok")  # engine.io's answer to an accepted POST
            return await handle_request(request, *args, **kwargs)

        return handle

    def _session_handler(self, sio: AsyncServer) -> Callable[..., Awaitable[None]]:
        """Creates the `session_request` handler bound to ``sio``."""

        async def session_request(sid: str, data: Any = None) -> None:
            session_id = session_id_from(data)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug(f"Socket {sid} joined session {session_id}.")

        return session_request

    def _message_handler(
        self, sio: AsyncServer, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[..., Awaitable[None]]:
        """Creates the user message handler: any payload shape, never an exception."""

        async def say_to_socket(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Any = None) -> None:
            if not isinstance(data, dict):
                await say_to_socket(sid, TEXT_ONLY_REPLY)
                return
            if self.session_persistence:
                session_id = data.get("session_id")
                if not session_id or sender_problem(session_id):
                    await say_to_socket(sid, BAD_SESSION_REPLY)
                    return
                sender_id = str(session_id)
            else:
                sender_id = sid
            message = UserMessage(None, SocketIOOutput(sio, self.bot_message_evt), sender_id,
                                  input_channel=self.name(), metadata=metadata_from(data.get(self.metadata_key)))
            # The raw text, whatever its type: the input guard answers what it cannot use.
            message.text = data.get("message")
            await on_new_message(message)

        return handle_message
