"""Socket.IO channel that keeps conversations across page reloads.

Rasa 3.6.21 calls ``AsyncServer.enter_room`` without awaiting it; since
python-socketio 5.10 that is a coroutine, so with ``session_persistence: true``
the client never joins its session room and replies are lost (rasa#13027).
This subclass keeps Rasa's blueprint and replaces only ``session_request``.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint
from socketio import AsyncServer

logger = logging.getLogger(__name__)


def session_id_from(data: Any) -> str:
    """Returns the session id the client asked for, or a new one."""
    if isinstance(data, dict) and data.get("session_id"):
        return str(data["session_id"])
    return uuid.uuid4().hex


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io input channel with the session room fix."""

    @classmethod
    def name(cls) -> str:
        # Same name as Rasa's channel: webhook paths and tracker
        # `input_channel` values stay "socketio".
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Builds Rasa's blueprint, then re-registers `session_request`."""
        socketio_webhook = super().blueprint(on_new_message)
        assert self.sio is not None  # set by the parent's blueprint()
        # `on` replaces the handler Rasa registered for this event/namespace.
        self.sio.on("session_request", self._session_handler(self.sio), namespace=self.namespace)
        return socketio_webhook

    def _session_handler(self, sio: AsyncServer) -> Callable[[str, Any], Awaitable[None]]:
        """Creates the `session_request` handler bound to ``sio``."""

        async def session_request(sid: str, data: Any = None) -> None:
            session_id = session_id_from(data)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug(f"Socket {sid} joined session {session_id}.")

        return session_request
