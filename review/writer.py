"""Decisions written as files people and Rasa read: NLU examples and triage test cases.

Every write rewrites the whole file atomically (temporary file, then rename), keeping what
was there, so an interrupted run never leaves half a file. Each example carries a YAML comment:
review date, reason and a short hash of the conversation (never a sender id).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

NLU_HEADER = 'version: "3.1"\nnlu:\n'
EMPTY_LIST = re.compile(r"^(nlu:)\s*\[\s*\]\s*$", re.MULTILINE)
EMPTY_TOP_LIST = re.compile(r"^\[\s*\]\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    """One reviewed text, entities already marked (`[calfs](body_part)`)."""

    text: str
    comment: str


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def comment_line(comment: str) -> str:
    return "# " + " ".join(comment.split())


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def add_nlu_examples(path: Path, intent: str, examples: list[Example]) -> None:
    """Appends one `- intent:` block with `examples` (list form, so each can have a comment)."""
    if not examples:
        return
    current = path.read_text(encoding="utf-8") if path.exists() else NLU_HEADER
    current = EMPTY_LIST.sub(r"\1", current)
    if not current.endswith("\n"):
        current += "\n"
    lines = [f"- intent: {intent}", "  examples:"]
    for example in examples:
        lines += [f"  {comment_line(example.comment)}", f"  - text: {quoted(example.text)}"]
    write_atomically(path, current + "\n".join(lines) + "\n")


def add_triage_cases(path: Path, examples: list[Example], title: str) -> None:
    """Appends `- text: ...` items (a YAML list), each after its comment; creates the file with `title`."""
    if not examples:
        return
    current = path.read_text(encoding="utf-8") if path.exists() else f"# {title}\n"
    current = EMPTY_TOP_LIST.sub("", current)
    if not current.endswith("\n"):
        current += "\n"
    lines = []
    for example in examples:
        lines += [comment_line(example.comment), f"- text: {quoted(example.text)}"]
    write_atomically(path, current + "\n".join(lines) + "\n")
