"""Apply a maintainer's decision on a group: write the examples and test cases, then mark it reviewed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from review import settings
from review.queue import Group
from review.similarity import key_text
from review.state import ReviewState
from review.writer import Example, add_nlu_examples, add_triage_cases


@dataclass(frozen=True)
class Paths:
    reviewed_nlu: Path = settings.REVIEWED_NLU
    warning_signs: Path = settings.WARNING_SIGNS
    ordinary: Path = settings.ORDINARY


@dataclass(frozen=True)
class Labelled:
    """A text of the group as it will be saved (redacted and annotated as the maintainer chose)."""

    original: str
    plain: str  # redacted if chosen, no entity marks (for the triage test cases)
    saved: str  # `plain` with entity marks (for the NLU examples)


def _comment(group: Group, original: str, what: str) -> str:
    items = [i for i in group.items if key_text(i.turn.text) == key_text(original)] or group.items
    latest = max(items, key=lambda i: i.turn.timestamp)
    reasons = sorted({r.value for i in items for r in i.reasons})
    return f"reviewed {date.today().isoformat()}; {what}; reason: {', '.join(reasons)}; " \
           f"conversation {latest.turn.conversation}"


def label(group: Group, intent: str, texts: list[Labelled], state: ReviewState, paths: Paths,
          decision: str = "labelled") -> None:
    """NLU examples of `intent` for `texts`; the group's messages are then reviewed."""
    examples = [Example(t.saved, _comment(group, t.original, f"{decision} as {intent}")) for t in texts]
    add_nlu_examples(paths.reviewed_nlu, intent, examples)
    state.record(group.keys, group.texts, f"{decision}:{intent}", group.main_reason.value)


def red_flag(group: Group, confirmed: bool, texts: list[Labelled], state: ReviewState, paths: Paths,
             intent: str | None = None) -> None:
    """A confirmed warning sign (test case + `red_flag` example) or a false alarm (test case + `intent` example)."""
    what = "confirmed warning sign" if confirmed else "false alarm"
    cases = [Example(t.plain, _comment(group, t.original, what)) for t in texts]
    if confirmed:
        add_triage_cases(paths.warning_signs, cases, "Warning signs the triage must catch (one per item).")
        label(group, "red_flag", texts, state, paths, decision="confirmed")
        return
    add_triage_cases(paths.ordinary, cases, "Ordinary messages the triage must not flag (one per item).")
    if intent:
        label(group, intent, texts, state, paths, decision="false alarm, labelled")
    else:
        state.record(group.keys, group.texts, "false_alarm", group.main_reason.value)


def discard(group: Group, state: ReviewState) -> None:
    state.record(group.keys, group.texts, "discarded", group.main_reason.value)
