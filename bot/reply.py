"""What the bot says: plain text (no markup, so every channel shows it as is), buttons, and
the sources of the facts it states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from bot.knowledge_base import Fact


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    sources: tuple[str, ...] = field(default=())
    topic: str | None = None  # the knowledge-base topic it answers, for follow-ups about it

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text.strip())


def intent_button(title: str, intent: str, **entities: str) -> Button:
    if not entities:
        return Button(title, f"/{intent}")
    pairs = ", ".join(f'"{k}": "{v}"' for k, v in entities.items())
    return Button(title, f"/{intent}{{{pairs}}}")


def sources_of(facts: Iterable[Fact]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.source for f in facts))
