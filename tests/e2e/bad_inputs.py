"""Bad and unusual user input, shared by the channel tests (REST, socket.io, Telegram).

Every channel must answer each of `MESSAGES` with a clear reply, or refuse it with
a 4xx and a reason, and keep serving other conversations (each channel's sweep
asks a normal question as another user after each case). Messages over the limit
get a friendly "too long" reply on socket.io and Telegram, a 413 on REST. Use `check_replies`
on what the bot sent back; `LONG_LIMIT` is the longest message every channel
accepts (Telegram's own limit; channels/rest.py refuses longer ones with 413).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LONG_LIMIT = 4096


@dataclass(frozen=True)
class BadMessage:
    name: str
    text: str
    may_be_refused: bool = False  # a 4xx with a reason is as good as a reply


MESSAGES: tuple[BadMessage, ...] = (
    BadMessage("empty", ""),
    BadMessage("whitespace only", "   \n\t  "),
    BadMessage("longest accepted", ("my calves are tight " * 300)[:LONG_LIMIT]),
    BadMessage("10,000 characters", "calf pain after long runs " * 400, may_be_refused=True),
    BadMessage("200,000 characters", "calf pain after long runs " * 8000, may_be_refused=True),
    BadMessage("emoji only", "\U0001f3c3\u200d\u2640\ufe0f\U0001f525\U0001f62d"),
    BadMessage("German", "Meine Waden sind nach dem Laufen immer verspannt"),
    BadMessage("Japanese", "走った後、ふくらはぎが痛い"),
    BadMessage("Arabic", "عضلات ساقي مشدودة"),
    BadMessage("script tag", "<script>alert('x')</script>"),
    BadMessage("img onerror", '<img src=x onerror="alert(1)">my calves hurt'),
    BadMessage("SQL-looking", "calves'); DROP TABLE events; --"),
    BadMessage("control characters", "my calves\u0000 are \u0007tight"),
    BadMessage("NUL only", "\u0000\u0000\u0000"),
    BadMessage("forged slash payload", '/inform{"body_part": "calf", "x": 1}'),
    BadMessage("lone surrogate", "calves \ud83d tight"),
    BadMessage("template braces", "{0.__class__} {slot} {{body_part}} %s %(x)s"),
)

UNSAFE_MARKUP = ("<script", "onerror", "<img")


def texts(replies: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(reply.get("text") or "") for reply in replies]


def check_replies(message: BadMessage, replies: list[Mapping[str, Any]]) -> None:
    """A clear reply: at least one non-empty text, and no user markup echoed back."""
    said = texts(replies)
    assert any(text.strip() for text in said), f"{message.name}: no reply ({replies!r})"
    for text in said:
        lowered = text.lower()
        assert not any(markup in lowered for markup in UNSAFE_MARKUP), f"{message.name}: markup echoed: {text!r}"


def check_refusal(message: str, status: int, body: Mapping[str, Any]) -> None:
    """A refusal: a 4xx whose JSON body says why."""
    assert 400 <= status < 500, f"{message}: expected a 4xx, got {status} {body!r}"
    reason = body.get("reason") or body.get("message") or body.get("description")
    assert reason, f"{message}: a {status} without a reason: {body!r}"
