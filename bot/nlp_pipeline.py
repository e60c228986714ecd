"""Build the project's own spaCy pipeline: blank English, lookup lemmatizer and an
entity ruler whose patterns come from the knowledge base's vocabulary.

No pretrained English pipeline can be installed offline, and we only need
tokens, lemmas and rule-based entities from our own vocabulary anyway.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from bot.knowledge_base import KnowledgeBase
from bot.time_spans import ruler_patterns

PIPELINE_DIR = Path(__file__).resolve().parent.parent / "build" / "spacy_runner_en"
PATTERNS_META = "kb_patterns.json"


def entity_patterns(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One phrase pattern per surface term, labelled with the entity and the term's id,
    then the numeric time-span patterns."""
    phrases = [
        {"label": entity, "pattern": term, "id": entry_id}
        for entity, ids in sorted(kb.entity_terms().items())
        for entry_id, terms in sorted(ids.items())
        for term in terms
    ]
    return phrases + ruler_patterns()


def build_pipeline(kb: KnowledgeBase) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    nlp.initialize()  # loads the lookup tables; it also empties the ruler, so patterns come after
    ruler.add_patterns(entity_patterns(kb))  # type: ignore[attr-defined]
    return nlp


def save_pipeline(kb: KnowledgeBase, directory: Path = PIPELINE_DIR) -> Path:
    """Write the pipeline and a copy of its patterns (for staleness checks)."""
    nlp = build_pipeline(kb)
    directory.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(directory)
    (directory / PATTERNS_META).write_text(json.dumps(entity_patterns(kb), indent=1), encoding="utf-8")
    return directory


def pipeline_is_current(kb: KnowledgeBase, directory: Path = PIPELINE_DIR) -> bool:
    meta = directory / PATTERNS_META
    if not meta.exists():
        return False
    return json.loads(meta.read_text(encoding="utf-8")) == entity_patterns(kb)
