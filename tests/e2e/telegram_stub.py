"""A local stand-in for the Telegram Bot API, for tests.

Serves ``/bot<token>/<method>`` on 127.0.0.1 with Telegram's JSON shapes
(``{"ok": true, "result": ...}``), accepts parameters as query string,
form data or JSON like the real API, and records every call.

Run alone: ``python tests/e2e/telegram_stub.py --port 8081``.
"""

import argparse
import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON_FIELDS = {"reply_markup", "allowed_updates", "entities"}


# Unique Telegram ids (updates, messages, chats) across this run's modules.
UPDATE_IDS = itertools.count(int(time.time()) % 100000 * 1000)


@dataclass
class Call:
    """One recorded Bot API call."""

    method: str
    token: str
    params: dict[str, Any]


@dataclass
class StubState:
    """What the stub knows and has seen."""

    token: str
    username: str
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_message_id: int = 1

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Recovery Test Bot",
            "username": self.username,
        }


def decode(params: dict[str, Any]) -> dict[str, Any]:
    """Decodes JSON-serialised fields, as Telegram does."""
    out = dict(params)
    for key in JSON_FIELDS & out.keys():
        if isinstance(out[key], str):
            out[key] = json.loads(out[key])
    return out


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string, then form or JSON body."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        params.update({k: str(v) for k, v in (await request.post()).items()})
    return decode(params)


def sent_message(state: StubState, params: dict[str, Any]) -> dict[str, Any]:
    """The Message object Telegram returns for sendMessage."""
    with state.lock:
        message_id = state.next_message_id
        state.next_message_id += 1
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": state.bot_user(),
        "chat": {"id": int(params["chat_id"]), "type": "private"},
        "date": int(time.time()),
        "text": params.get("text", ""),
    }
    if "reply_markup" in params:
        message["reply_markup"] = params["reply_markup"]
    return message


def result_for(state: StubState, method: str, params: dict[str, Any]) -> Any:
    """Result of a known method, or None if the method is unknown."""
    results: dict[str, Callable[[], Any]] = {
        "getme": state.bot_user,
        "setwebhook": lambda: True,
        "deletewebhook": lambda: True,
        "getwebhookinfo": lambda: {"url": "", "pending_update_count": 0},
        "sendmessage": lambda: sent_message(state, params),
        "answercallbackquery": lambda: True,
        "editmessagereplymarkup": lambda: True,
    }
    make = results.get(method.lower())
    return make() if make else None


def error(code: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=code)


def make_app(state: StubState) -> web.Application:
    """The aiohttp application answering Bot API calls."""

    async def handle(request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if token != state.token:
            return error(401, "Unauthorized")
        try:
            params = await read_params(request)
        except ValueError as exc:
            return error(400, f"Bad Request: {exc}")
        with state.lock:
            state.calls.append(Call(method, token, params))
        if method.lower() == "sendmessage" and not params.get("chat_id"):
            return error(400, "Bad Request: chat_id is empty")
        result = result_for(state, method, params)
        if result is None:
            return error(404, "Not Found")
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", handle)
    return app


class TelegramStub:
    """Runs the stub in a background thread; use as a context manager."""

    def __init__(self, token: str, username: str, port: int = 0) -> None:
        self.state = StubState(token, username)
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "TelegramStub":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> None:
        self._runner = web.AppRunner(make_app(self.state))
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, optionally only those of one method."""
        with self.state.lock:
            calls = list(self.state.calls)
        return [c for c in calls if method is None or c.method.lower() == method.lower()]

    def wait_for(
        self,
        method: str,
        match: Callable[[Call], bool] = lambda _: True,
        count: int = 1,
        timeout: float = 30.0,
    ) -> list[Call]:
        """Waits until ``count`` matching calls arrived; returns them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [c for c in self.calls(method) if match(c)]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        seen = [(c.method, c.params) for c in self.calls()]
        raise AssertionError(f"no {count}x {method} within {timeout}s; calls: {seen}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-token")
    parser.add_argument("--username", default="recovery_test_bot")
    args = parser.parse_args()
    web.run_app(make_app(StubState(args.token, args.username)), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()


def stub_fixture(token: str, username: str) -> Any:
    """A module-scoped pytest fixture running the stand-in for `token`'s bot."""
    import pytest

    @pytest.fixture(scope="module")
    def stub() -> Iterator[TelegramStub]:
        with TelegramStub(token, username) as running:
            yield running

    return stub
