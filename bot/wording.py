"""Small wording helpers for replies: sentences, bullet lists, name lists, varied phrasing."""

from __future__ import annotations

from typing import Iterable, Sequence

from bot.knowledge_base import Fact


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


def pick(options: Sequence[str], variant: int) -> str:
    """Vary wording deterministically (the caller passes e.g. the turn number)."""
    return options[variant % len(options)]
