"""Rasa NLU files generated from the knowledge base (synonyms to canonical ids)."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge_base import KnowledgeBase

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SYNONYMS_FILE = DATA_DIR / "generated" / "synonyms.yml"
_HEADER = (
    "# GENERATED from bot/knowledge/*.yml by `python -m bot generate`: do not edit.\n"
    "# Maps every surface term the entity ruler finds to its knowledge-base id.\n"
)


def training_nlu_files(data: Path = DATA_DIR) -> list[Path]:
    """The hand-written NLU files: data/nlu.yml (the conversation's own intents) first, then
    data/nlu/<topic>.yml (generated synonyms excluded)."""
    return [data / "nlu.yml", *sorted((data / "nlu").glob("*.yml"))]


def render_synonyms(kb: KnowledgeBase) -> str:
    lines = [_HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    for _entity, ids in sorted(kb.entity_terms().items()):
        for entry_id, terms in sorted(ids.items()):
            others = [t for t in terms if t != entry_id]
            if not others:
                continue
            lines.append(f"- synonym: {entry_id}")
            lines.append("  examples: |")
            lines.extend(f"    - {term}" for term in others)
    return "\n".join(lines) + "\n"


def write_synonyms(kb: KnowledgeBase, path: Path = SYNONYMS_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_synonyms(kb), encoding="utf-8")
    return path


def synonyms_are_current(kb: KnowledgeBase, path: Path = SYNONYMS_FILE) -> bool:
    return path.exists() and path.read_text(encoding="utf-8") == render_synonyms(kb)
