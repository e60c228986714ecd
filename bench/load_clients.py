"""The load run's two clients: REST (with optional at-least-once retries) and socket.io.
Each plays conversations and returns one `Turn` per message."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from bench.load_profiles import Conversation, misattributed
from bench.load_report import Turn

# --- REST ---------------------------------------------------------------------------


RETRYABLE_STATUS = (502, 503, 504)  # a proxy saying the instance behind it went away


async def rest_post(session: aiohttp.ClientSession, url: str, payload: dict[str, str]) -> tuple[int, str]:
    async with session.post(url, json=payload) as response:
        return response.status, await response.text()


async def rest_turn(session: aiohttp.ClientSession, url: str, conversation: Conversation, text: str,
                    retries: int = 0) -> Turn:
    """One message and its replies; with `retries`, a 502/503/504 or refused connection is sent again
    (at-least-once: what a client behind a load balancer does when an instance dies)."""
    started = time.perf_counter()
    for attempt in range(retries + 1):
        try:
            status, body = await rest_post(session, url, {"sender": conversation.sender, "message": text})
            if status in RETRYABLE_STATUS and attempt < retries:
                await asyncio.sleep(0.5)
                continue
            latency = time.perf_counter() - started
            if status != 200:
                return Turn(latency, error=f"HTTP {status}: {body[:120]}", retries=attempt)
            replies = json.loads(body)
            break
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError, aiohttp.ClientError, ValueError) as error:
            if isinstance(error, aiohttp.ClientConnectionError) and attempt < retries:
                await asyncio.sleep(0.5)
                continue
            waited = time.perf_counter() - started
            return Turn(error=f"{type(error).__name__} after {waited:.0f} s, attempt {attempt + 1}, "
                              f"{conversation.sender}: {error}"[:200], retries=attempt)
    texts = [str(r.get("text") or "") for r in replies]
    wrong_recipient = any(r.get("recipient_id") != conversation.sender for r in replies)
    return Turn(latency, len(replies), lost=not replies, retries=attempt,
                misattributed=wrong_recipient or misattributed(conversation, texts, conversation.known_parts))


async def rest_conversation(session: aiohttp.ClientSession, base_url: str, conversation: Conversation,
                            deadline: float, retries: int = 0) -> list[Turn]:
    url = f"{base_url}/webhooks/rest/webhook"
    turns = []
    for text in conversation.messages:
        if time.monotonic() > deadline:
            turns.append(Turn(error="not sent: --max-seconds reached"))
            continue
        turns.append(await rest_turn(session, url, conversation, text, retries))
    return turns


async def run_rest(base_url: str, conversations: list[Conversation], timeout: float, deadline: float,
                   retries: int = 0) -> list[Turn]:
    limits = aiohttp.TCPConnector(limit=len(conversations) + 1)
    async with aiohttp.ClientSession(connector=limits, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        per_conversation = await asyncio.gather(*(rest_conversation(session, base_url, c, deadline, retries)
                                                  for c in conversations))
    return [turn for turns in per_conversation for turn in turns]


# --- socket.io ----------------------------------------------------------------------


async def socketio_conversation(base_url: str, conversation: Conversation, timeout: float,
                                deadline: float) -> list[Turn]:
    import socketio  # python-socketio: only needed for this channel

    client = socketio.AsyncClient(reconnection=False)
    inbox: list[dict[str, Any]] = []
    confirmed = asyncio.Event()
    client.on("bot_uttered", lambda data: inbox.append(data if isinstance(data, dict) else {"text": str(data)}))
    client.on("session_confirm", lambda *_: confirmed.set())
    turns: list[Turn] = []
    try:
        # Rasa pins aiohttp < 3.10; python-socketio's websocket client needs newer: poll.
        await client.connect(base_url, transports=["polling"], socketio_path="socket.io", wait_timeout=timeout)
        await client.emit("session_request", {"session_id": conversation.sender})
        await asyncio.wait_for(confirmed.wait(), timeout)
        for text in conversation.messages:
            if time.monotonic() > deadline:
                turns.append(Turn(error="not sent: --max-seconds reached"))
                continue
            turns.append(await socketio_turn(client, inbox, conversation, text, timeout))
    except (socketio.exceptions.SocketIOError, asyncio.TimeoutError, OSError) as error:
        message = f"{type(error).__name__}: {error}"[:160]
        turns += [Turn(error=message) for _ in range(len(conversation.messages) - len(turns))]
    finally:
        # A plain disconnect waits for the pending long-poll (up to the 25 s ping interval).
        await client.eio.disconnect(abort=True)
    return turns


async def socketio_turn(client: Any, inbox: list[dict[str, Any]], conversation: Conversation, text: str,
                        timeout: float) -> Turn:
    import socketio

    inbox.clear()
    started = time.perf_counter()
    try:
        # The acknowledgement comes after Rasa has sent every message of this turn.
        await client.call("user_uttered", {"message": text, "session_id": conversation.sender}, timeout=timeout)
    except (socketio.exceptions.SocketIOError, asyncio.TimeoutError) as error:
        return Turn(error=f"{type(error).__name__}: {error}"[:160])
    latency = time.perf_counter() - started
    texts = [str(m.get("text") or "") for m in inbox]
    return Turn(latency, len(inbox), lost=not inbox,
                misattributed=misattributed(conversation, texts, conversation.known_parts))


async def run_socketio(base_url: str, conversations: list[Conversation], timeout: float,
                       deadline: float, retries: int = 0) -> list[Turn]:
    per_conversation = await asyncio.gather(*(socketio_conversation(base_url, c, timeout, deadline)
                                              for c in conversations))
    return [turn for turns in per_conversation for turn in turns]
