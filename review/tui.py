"""`make review`: the inbox in a terminal, one group of near-duplicates at a time (rich + prompt_toolkit)."""

from __future__ import annotations

from dataclasses import dataclass, field

import questionary
from rich.console import Console
from rich.console import Group as RichGroup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.knowledge_base import KnowledgeBase
from review import decisions, pii
from review.decisions import Labelled, Paths
from review.entities import Mark, annotate, kb_marks, term_pattern
from review.keys import QUIT, choose_key
from review.queue import Group, describe
from review.reasons import Reason
from review.state import ReviewState

PII_STYLE = "bold white on red"


@dataclass
class Summary:
    decided: int = 0
    skipped: int = 0
    quit: bool = False
    left: int = 0


@dataclass
class Chosen:
    """Entities the maintainer marked for a group: (words as written, entity, knowledge-base id)."""

    marks: list[tuple[str, str, str]] = field(default_factory=list)


def highlighted(text: str, known_words: frozenset[str]) -> Text:
    shown = Text(text, style="bold")
    for span in pii.find(text, known_words):
        shown.stylize(PII_STYLE, span.start, span.end)
    return shown


def render(group: Group, position: int, total: int, known_words: frozenset[str]) -> Panel:
    item = group.representative
    turn, reading = item.turn, item.turn.reading
    parts: list[object] = []
    for speaker, said in turn.before:
        parts.append(Text(f"{'runner' if speaker == 'user' else 'bot':>7}: {said}", style="dim"))
    parts.append(Text.assemble(Text(" runner: ", style="bold"), highlighted(turn.text, known_words),
                               Text("   <- this message", style="yellow")))
    for other in group.texts:
        if other != turn.text:
            parts.append(Text.assemble(Text("   also: ", style="dim"), highlighted(other, known_words)))
    table = Table.grid(padding=(0, 1))
    table.add_column(style="cyan", justify="right")
    table.add_column()
    table.add_row("read as", f"{reading.intent} ({reading.confidence:.2f})")
    if reading.runner_up:
        table.add_row("runner-up", f"{reading.runner_up[0]} ({reading.runner_up[1]:.2f})")
    if reading.diet or reading.ngram:
        table.add_row("models", f"DIET {reading.diet}, n-gram {reading.ngram}")
    entities = ", ".join(f"{surface} = {entity}:{value}" for entity, surface, value in reading.entities)
    table.add_row("entities", entities or "none")
    table.add_row("replied", " / ".join(turn.replies) or "(nothing)")
    reasons = ", ".join(f"{describe(r)} x{n}" for r, n in group.reasons.most_common())
    table.add_row("why here", reasons)
    times, conversations = len(group.items), group.conversations
    table.add_row("seen", f"{times} time{'s' * (times != 1)} in {conversations} "
                          f"conversation{'s' * (conversations != 1)} (impact {group.impact:.1f})")
    title = f"[{position}/{total}] {describe(group.main_reason)}"
    return Panel(RichGroup(*parts, Text(""), table), title=title, title_align="left")


def pick_intent(intents: list[str], default: str | None, exclude: tuple[str, ...] = ()) -> str | None:
    options = [i for i in intents if i not in exclude]
    answer = questionary.select("Which intent is it? (number or letter, then Enter)", choices=options,
                                default=default if default in options else None, use_shortcuts=True).ask()
    return str(answer) if answer else None


def mark_entities(group: Group, chosen: Chosen, kb: KnowledgeBase) -> None:
    """Tick the knowledge-base terms found in the texts. (A word the knowledge base lacks belongs in
    its vocabulary, the one source of names and synonyms, not in an annotation here.)"""
    found: dict[str, tuple[str, str, str]] = {}
    for text in group.texts:
        for mark in kb_marks(text, kb):
            surface = text[mark.start:mark.end]
            found.setdefault(f"{surface} -> {mark.entity}: {mark.value}", (surface.lower(), mark.entity, mark.value))
    if not found:
        print("No knowledge-base terms in this message; add new words to bot/knowledge/vocabulary.yml.")
        return
    ticked = questionary.checkbox("Entities (Space ticks, Enter confirms):", choices=list(found)).ask() or []
    chosen.marks = [found[t] for t in ticked]


def prepare(group: Group, chosen: Chosen, known_words: frozenset[str], kb: KnowledgeBase,
            console: Console) -> list[Labelled] | None:
    """Each text as it will be saved: redacted where the maintainer says so, entities marked. None = cancel."""
    prepared = []
    for text in group.texts:
        plain = text
        spans = pii.find(text, known_words)
        if spans:
            redacted = pii.redact(text, spans)
            console.print(Text.assemble("Personal data? ", highlighted(text, known_words)))
            console.print(Text.assemble("Redacted:       ", Text(redacted, style="green")))
            key = choose_key("Save which version?", {"r": "the redacted one", "k": "as written",
                                                     "x": "leave this text out", "c": "cancel"})
            if key in ("c", QUIT):
                return None
            if key == "x":
                continue
            plain = redacted if key == "r" else text
        marks = [Mark(m.start(), m.end(), entity, value) for surface, entity, value in chosen.marks
                 for m in term_pattern(surface).finditer(plain)]
        prepared.append(Labelled(text, plain, annotate(plain, _without_overlaps(marks), kb)))
    return prepared


def _without_overlaps(marks: list[Mark]) -> list[Mark]:
    kept: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(mark.start < o.end and o.start < mark.end for o in kept):
            kept.append(mark)
    return kept


def run(groups: list[Group], state: ReviewState, intents: list[str], known_words: frozenset[str], kb: KnowledgeBase,
        paths: Paths | None = None, console: Console | None = None) -> Summary:
    console = console or Console(highlight=False)
    paths = paths or Paths()
    summary = Summary()
    if not groups:
        console.print("Nothing to review: every message that needed a look has been decided.")
        return summary
    console.print(f"{len(groups)} groups to review ({sum(len(g.items) for g in groups)} messages). "
                  "Every decision is saved at once; q quits, the next run resumes.")
    for position, group in enumerate(groups, start=1):
        outcome = review_group(group, position, len(groups), state, intents, known_words, kb, paths, console)
        if outcome == QUIT:
            summary.quit = True
            summary.left = len(groups) - position + 1
            break
        if outcome == "skipped":
            summary.skipped += 1
        else:
            summary.decided += 1
    console.print(f"Decided {summary.decided}, skipped {summary.skipped}"
                  + (f", {summary.left} left for next time." if summary.quit else "."))
    return summary


def review_group(group: Group, position: int, total: int, state: ReviewState, intents: list[str],
                 known_words: frozenset[str], kb: KnowledgeBase, paths: Paths, console: Console) -> str:
    chosen = Chosen()
    reading = group.representative.turn.reading
    guess = reading.best_guess or reading.intent
    is_red_flag = Reason.RED_FLAG in group.reasons
    while True:
        console.print(render(group, position, total, known_words))
        if chosen.marks:
            console.print("Entities to mark: " + ", ".join(f"{s} -> {e}:{v}" for s, e, v in chosen.marks))
        options = ({"c": "confirm: a real warning sign", "f": "false alarm: pick the right intent"} if is_red_flag
                   else {"a": f"accept: {guess}", "i": "another intent"})
        options.update({"e": "mark entities", "d": "discard", "s": "skip for now", "q": "quit (resume later)"})
        key = choose_key("Decision?", options)
        if key == QUIT:
            return QUIT
        if key == "s":
            return "skipped"
        if key == "d":
            decisions.discard(group, state)
            console.print("discarded", style="dim")
            return "decided"
        if key == "e":
            mark_entities(group, chosen, kb)
            continue
        intent = guess if key == "a" else None
        if key in ("i", "f"):
            intent = pick_intent(intents, None if is_red_flag else guess, exclude=("red_flag",) if key == "f" else ())
            if intent is None:
                continue
        texts = prepare(group, chosen, known_words, kb, console)
        if texts is None:
            continue
        if key == "c":
            decisions.red_flag(group, True, texts, state, paths)
        elif key == "f":
            decisions.red_flag(group, False, texts, state, paths, intent)
        else:
            decisions.label(group, str(intent), texts, state, paths)
        console.print(f"saved {len(texts)} example(s)" + (f" as {intent}" if intent else ""), style="green")
        return "decided"
