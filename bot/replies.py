"""Chat replies: plain text (no markup, so every channel shows it as is) and buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text.strip())


def sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def bullets(facts: Iterable[Fact]) -> str:
    """A list, then a blank line: without it, chat widgets that render markdown fold
    the next line into the last item."""
    return "\n".join(f"- {sentence(f.text)}" for f in facts) + "\n"


def join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def sources_of(facts: Iterable[Fact]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.source for f in facts))


def pick(options: Sequence[str], variant: int) -> str:
    """Vary wording deterministically (the caller passes e.g. the turn number)."""
    return options[variant % len(options)]


def intent_button(title: str, intent: str, **entities: str) -> Button:
    if not entities:
        return Button(title, f"/{intent}")
    pairs = ", ".join(f'"{k}": "{v}"' for k, v in entities.items())
    return Button(title, f"/{intent}{{{pairs}}}")
