"""Generated NLU files and the spaCy pipeline must match the knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge_base import KnowledgeBase
from bot.nlp_pipeline import build_pipeline, entity_patterns, pipeline_is_current, save_pipeline
from bot.nlu_data import SYNONYMS_FILE, render_synonyms, synonyms_are_current


def test_committed_synonyms_are_current(kb: KnowledgeBase) -> None:
    assert synonyms_are_current(kb), f"{SYNONYMS_FILE} is stale: run `make generate`"


def test_stale_synonyms_are_detected(kb: KnowledgeBase, tmp_path: Path) -> None:
    stale = tmp_path / "synonyms.yml"
    stale.write_text(render_synonyms(kb).replace("- calves\n", ""), encoding="utf-8")
    assert not synonyms_are_current(kb, stale)


def test_every_term_becomes_a_pattern(kb: KnowledgeBase) -> None:
    patterns = {(p["label"], p["pattern"]) for p in entity_patterns(kb) if isinstance(p["pattern"], str)}
    assert ("body_part", "itb") in patterns
    assert ("technique", "mfr") in patterns


@pytest.mark.parametrize(("text", "label", "value"), [
    ("my calves are tight", "body_part", "calves"),
    ("is MFR good for my ITB?", "technique", "MFR"),
    ("Pin-and-stretch on my hamstrings", "technique", "Pin-and-stretch"),
    ("shin splints for months", "duration", "for months"),
])
def test_pipeline_finds_vocabulary(kb: KnowledgeBase, text: str, label: str, value: str) -> None:
    doc = build_pipeline(kb)(text)
    assert (label, value) in {(e.label_, e.text) for e in doc.ents}


def test_saved_pipeline_staleness(kb: KnowledgeBase, tmp_path: Path) -> None:
    save_pipeline(kb, tmp_path / "nlp")
    assert pipeline_is_current(kb, tmp_path / "nlp")
    (tmp_path / "nlp" / "kb_patterns.json").write_text("[]", encoding="utf-8")
    assert not pipeline_is_current(kb, tmp_path / "nlp")
