"""Loading and validating the knowledge base, including broken files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest

from bot.kb_ids import REQUIRED_IDS
from bot.knowledge_base import EDITORIAL, KnowledgeBase, KnowledgeBaseError, load_knowledge_base

SEED_TECHNIQUES = {"swedish", "deep_tissue", "sports", "myofascial_release", "trigger_point"}
SEED_METHODS = {"static_pressure", "stripping", "pin_and_stretch", "active_release"}
SEED_BENEFITS = {
    "circulation",
    "tension_soreness",
    "flexibility_rom",
    "inflammation",
    "sleep",
    "stress_wellbeing",
    "performance",
}
SLEEP_MECHANISMS = {"relaxation_stress", "parasympathetic", "pain_tension", "serotonin", "circadian_rhythm"}
RUNNER_BODY_PARTS = {
    "calf",
    "hamstring",
    "it_band",
    "shin",
    "plantar_fascia",
    "achilles",
    "quad",
    "glute",
    "hip_flexor",
    "hip",
    "lower_back",
    "knee",
    "foot",
    "neck",
    "shoulder",
}


def test_holds_every_seed_technique_method_and_benefit(kb: KnowledgeBase) -> None:
    assert set(kb.techniques) >= SEED_TECHNIQUES
    assert set(kb.methods()) == SEED_METHODS
    assert set(kb.benefits) >= SEED_BENEFITS
    assert {m.id for m in kb.benefits["sleep"].mechanisms} == SLEEP_MECHANISMS
    assert {"licensed_therapist", "sports_massage_focus_areas"} <= set(kb.topics)


def test_every_technique_has_what_how_helps_and_ideal_for(kb: KnowledgeBase) -> None:
    for technique in kb.techniques.values():
        assert technique.summary.text and technique.how and technique.helps and technique.ideal_for
        assert technique.indications, technique.id


def test_every_fact_cites_a_known_source(kb: KnowledgeBase) -> None:
    facts = [f for t in kb.techniques.values() for f in (t.summary, *t.how, *t.helps, *t.ideal_for)]
    facts += [f for b in kb.benefits.values() for f in b.facts]
    facts += [f for t in kb.topics.values() for f in t.facts]
    assert facts and all(f.source in kb.sources for f in facts)
    seeds = {f.source for f in facts} - {EDITORIAL}
    assert len(seeds) == 2, "both articles are carried over"


def test_vocabulary_covers_what_runners_name(kb: KnowledgeBase) -> None:
    assert set(kb.vocabulary["body_parts"]) >= RUNNER_BODY_PARTS
    terms = kb.entity_terms()
    assert {"calves", "itb", "iliotibial band", "shin splints", "heel", "quads", "glutes"} <= {
        term for ids in terms["body_part"].values() for term in ids
    }
    technique_terms = {term for ids in terms["technique"].values() for term in ids}
    assert {"mfr", "art", "deep-tissue", "myofacial"} <= technique_terms


BROKEN: list[tuple[str, Callable[[Any], None], str]] = [
    ("techniques.yml", lambda d: d["techniques"][0].pop("summary"), r"techniques\[0\]\.summary: is required"),
    ("techniques.yml", lambda d: d["techniques"][1].update(source="wikipedia"), r"unknown source 'wikipedia'"),
    (
        "techniques.yml",
        lambda d: d["techniques"][0].update(how="not a list"),
        r"techniques\[0\]\.how: expected a non-empty list",
    ),
    ("techniques.yml", lambda d: d["techniques"][0].update(colour="blue"), r"unknown key\(s\) \['colour'\]"),
    (
        "techniques.yml",
        lambda d: d["techniques"][0]["indications"][0].update(weight="high"),
        r"indications\[0\]\.weight: expected an integer",
    ),
    (
        "techniques.yml",
        lambda d: d["techniques"][0]["indications"][0]["when"].update(symptom="hiccups"),
        r"unknown id\(s\) \['hiccups'\]",
    ),
    ("techniques.yml", lambda d: d["techniques"][1].update(id=d["techniques"][0]["id"]), r"duplicate id"),
    ("benefits.yml", lambda d: d.update(benefits=[]), r"benefits: expected a non-empty list"),
    ("red_flags.yml", lambda d: d["red_flags"][0].update(urgency="whenever"), r"urgency: expected one of"),
    ("red_flags.yml", lambda d: d["red_flags"][0].update(patterns=["(unclosed"]), r"valid regular expression"),
    ("red_flags.yml", lambda d: d["red_flags"][0].update(whole_person="yes"), r"whole_person: expected true or false"),
    (
        "red_flags.yml",
        lambda d: d["red_flags"][0].update(cooccur=[{"all": ["pain", "no_such_family"]}]),
        r"cooccur\[0\]: unknown word famil",
    ),
    ("red_flags.yml", lambda d: d["red_flags"][0].update(cooccur=[{"all": ["pain"], "within": "page"}]),
     r"within: expected one of"),
    ("vocabulary.yml", lambda d: d["body_parts"][0]["terms"].append("Calves"), r"expected lower case"),
    (
        "vocabulary.yml",
        lambda d: d["symptoms"][0]["terms"].append(d["body_parts"][0]["terms"][0]),
        r"listed under both",
    ),
]


@pytest.mark.parametrize(("name", "change", "message"), BROKEN)
def test_broken_file_names_file_key_and_expectation(
    edit_yaml: Callable[[str, Callable[[Any], None]], Path],
    kb_copy: Path,
    name: str,
    change: Callable[[Any], None],
    message: str,
) -> None:
    edit_yaml(name, change)
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge_base(kb_copy)
    assert name in str(error.value)
    assert re.search(message, str(error.value)), str(error.value)


# Every id the code names (bot/kb_ids.py), as (file, section, id).
CODE_IDS = sorted((file, section, i) for (file, section), ids in REQUIRED_IDS.items() for i in ids)


def _rename(section: str, old: str) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        entry = next(e for e in data[section] if e["id"] == old)
        entry["id"] = f"{old}_renamed"
    return change


@pytest.mark.parametrize(("name", "section", "entry_id"), CODE_IDS)
def test_renaming_an_id_the_code_uses_stops_loading(
    edit_yaml: Callable[[str, Callable[[Any], None]], Path], kb_copy: Path, name: str, section: str, entry_id: str
) -> None:
    edit_yaml(name, _rename(section, entry_id))
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge_base(kb_copy)
    assert (error.value.file, error.value.key) == (str(kb_copy / name), f"{section}[{entry_id}]")
    assert "the code uses it" in str(error.value)


def test_a_vocabulary_id_may_not_be_a_sentinel(edit_yaml: Callable[[str, Callable[[Any], None]], Path],
                                                kb_copy: Path) -> None:
    edit_yaml("vocabulary.yml", lambda d: d["durations"].append({"id": "unknown", "name": "Unknown",
                                                                 "source": "editorial", "terms": ["dunno"]}))
    with pytest.raises(KnowledgeBaseError, match=r"vocabulary\.yml: durations\[unknown\]: 'unknown' is reserved"):
        load_knowledge_base(kb_copy)


def test_invalid_yaml_reports_line(kb_copy: Path) -> None:
    (kb_copy / "topics.yml").write_text("topics:\n  - id: x\n   title: [oops\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"topics\.yml: is not valid YAML \(line \d+"):
        load_knowledge_base(kb_copy)


def test_missing_file_is_reported(kb_copy: Path) -> None:
    (kb_copy / "red_flags.yml").unlink()
    with pytest.raises(KnowledgeBaseError, match=r"red_flags\.yml: cannot be read"):
        load_knowledge_base(kb_copy)


def test_empty_file_is_reported(kb_copy: Path) -> None:
    (kb_copy / "benefits.yml").write_text("", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"benefits\.yml: expected a mapping, got nothing"):
        load_knowledge_base(kb_copy)
