"""What the load run's conversations say (profiles) and how to tell whose a reply is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

# "... for your calf." / "For your calf, ..." / "My pick for your calf: ...": the wording may change,
# the phrase "for your <body part>" is what ties a recommendation to one conversation.
FOR_YOUR = re.compile(r"\bfor your ([a-z' -]+?)(?=[.,:;!?\n]|$)", re.IGNORECASE)


DURATION_BUTTON = '/inform{{"duration": "new"}}'  # "A few days" (braces doubled for str.format)
TIMING_BUTTON = "/deny"  # "No race soon"


@dataclass(frozen=True)
class Profile:
    """What the conversations say, and how to tell whose a reply is."""

    script: tuple[str, ...]
    parts: tuple[tuple[str, str], ...] = ()  # (what the user says, name in the reply)


PROFILES = {
    # Greeting, the recommendation form (custom validation action; its two answers
    # as the button payloads the web page sends), the custom recommendation action,
    # a follow-up custom action, thanks.
    "runner": Profile(
        script=("hi", "my {part} are really tight after runs", DURATION_BUTTON, TIMING_BUTTON, "why?", "thanks"),
        parts=(("calves", "calf"), ("hamstrings", "hamstrings"), ("shins", "shins"), ("quads", "quads"),
               ("glutes", "glutes"), ("achilles", "achilles"), ("knees", "knee"), ("feet", "foot"),
               ("ankles", "ankle"), ("neck", "neck"), ("shoulders", "shoulders"), ("groin", "groin"),
               ("lower back", "lower back"), ("upper back", "upper back"), ("piriformis", "piriformis"),
               ("IT band", "it band"), ("hip flexors", "hip flexors")),
    ),
    # The `rasa init` assistant (moodbot): responses only, no custom actions.
    "moodbot": Profile(script=("hello", "I am feeling sad", "yes", "great, thanks", "are you a bot?", "bye")),
}


@dataclass
class Conversation:
    sender: str
    messages: list[str]
    part_name: str | None
    known_parts: tuple[str, ...] = ()


def conversations_for(profile: Profile, count: int, turns: int, channel: str, run_id: str) -> list[Conversation]:
    result = []
    for index in range(count):
        said, name = profile.parts[index % len(profile.parts)] if profile.parts else ("", None)
        messages = [profile.script[t % len(profile.script)].format(part=said) for t in range(turns)]
        known = tuple(reply_name for _, reply_name in profile.parts)
        result.append(Conversation(f"load-{run_id}-{channel}-{index}", messages, name, known))
    return result


def misattributed(conversation: Conversation, texts: Sequence[str], known: Sequence[str] = ()) -> bool:
    """True if a reply says "for your <part>" about a body part of another conversation."""
    if conversation.part_name is None:
        return False
    others = {name for name in known if name != conversation.part_name}
    return any(m.group(1).strip().lower() in others for text in texts for m in FOR_YOUR.finditer(text))
