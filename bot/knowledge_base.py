"""The curated massage knowledge base: typed model, loading and validation.

The YAML files in `bot/knowledge/` are the single source of truth for facts,
vocabulary and red flags; see `bot/knowledge/SCHEMA.md` for their layout. Loading also
checks every id the code names (`bot/kb_ids.py`). Functions in `bot/` take the loaded base
as an argument; `default_knowledge_base()` is for entry points (actions, NLU components).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from bot.kb_ids import CONCERNS, REQUIRED_IDS, SENTINELS, WARNING_SIGNS
from bot.yaml_nodes import KnowledgeBaseError, Node, read_yaml

KNOWLEDGE_DIR = Path(__file__).parent / "knowledge"
EDITORIAL = "editorial"
VOCABULARY_KINDS = ("body_parts", "symptoms", "durations", "timings", "experience")
# Entity name (as NLU uses it) for each vocabulary list.
ENTITY_OF_KIND = {
    "body_parts": "body_part",
    "symptoms": "symptom",
    "durations": "duration",
    "timings": "timing",
    "experience": "experience",
}
URGENCIES = ("emergency", "urgent", "prompt")
INDICATION_FIELDS = ("concern", "symptom", "duration", "timing", "experience", "body_part")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Fact:
    text: str
    source: str


@dataclass(frozen=True)
class Indication:
    when: Mapping[str, frozenset[str]]
    weight: int
    reason: Fact


@dataclass(frozen=True)
class Method:
    id: str
    name: str
    sources: tuple[str, ...]
    terms: tuple[str, ...]
    how: Fact
    suits: frozenset[str]
    reason: Fact


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    sources: tuple[str, ...]
    terms: tuple[str, ...]
    summary: Fact
    how: tuple[Fact, ...]
    helps: tuple[Fact, ...]
    ideal_for: tuple[Fact, ...]
    expect: tuple[Fact, ...]
    cautions: tuple[Fact, ...]
    indications: tuple[Indication, ...]
    methods: tuple[Method, ...] = ()


@dataclass(frozen=True)
class Mechanism:
    id: str
    name: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Benefit:
    id: str
    name: str
    sources: tuple[str, ...]
    facts: tuple[Fact, ...]
    mechanisms: tuple[Mechanism, ...] = ()


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    sources: tuple[str, ...]
    facts: tuple[Fact, ...]
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    """A vocabulary entry: one canonical id and every way runners write it."""

    id: str
    name: str
    sources: tuple[str, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Tool:
    """A tool or method runners ask about that no seed covers (foam roller, cupping...):
    its names, and the editorial topic that answers for it."""

    id: str
    name: str
    sources: tuple[str, ...]
    terms: tuple[str, ...]
    topic: str


@dataclass(frozen=True)
class RedFlag:
    id: str
    name: str
    urgency: str
    sources: tuple[str, ...]
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    advice: str
    # co-occurrence readings: word families (red_flags.yml `word_families`) that must meet in one
    # clause or sentence; the code composes them into patterns (bot/triage.py)
    cooccur: tuple[CoRule, ...] = ()
    # a sign of the whole person (chest pain, fever, low mood...): a referral for it holds back
    # every massage, not only one on the area it was told about
    whole_person: bool = False
    # "a bit low" is not low mood: the knowledge base's diminishers are kept for this sign
    degree_matters: bool = False
    # a sign that comes in episodes (a faint, a racing heart): one that has passed still counts
    episodic: bool = False


@dataclass(frozen=True)
class CoRule:
    """A sign read as word families meeting in one clause or sentence, unless an exception family is there."""

    all: tuple[str, ...]
    unless: tuple[str, ...] = ()
    within: str = "sentence"


@dataclass(frozen=True)
class KnowledgeBase:
    sources: Mapping[str, str]
    techniques: Mapping[str, Technique]
    benefits: Mapping[str, Benefit]
    topics: Mapping[str, Topic]
    vocabulary: Mapping[str, Mapping[str, Term]]
    red_flags: Mapping[str, RedFlag]
    # red_flags.yml: word families (concept -> terms) and common misspellings (wrong -> right)
    word_families: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    spellings: Mapping[str, str] = field(default_factory=dict)
    # hedges and intensifiers every rule is also tried without ("kind of", "really"), and
    # diminishers ("a bit") every rule of a sign whose degree does not matter
    softeners: tuple[str, ...] = ()
    diminishers: tuple[str, ...] = ()
    concern_cues: Mapping[str, Term] = field(default_factory=dict)
    other_subjects: Mapping[str, Term] = field(default_factory=dict)
    tools: Mapping[str, Tool] = field(default_factory=dict)
    files: tuple[Path, ...] = field(default=())

    def methods(self) -> dict[str, Method]:
        return {m.id: m for t in self.techniques.values() for m in t.methods}

    @cached_property
    def term_index(self) -> dict[str, dict[str, str]]:
        """Entity name -> surface term (or id) -> canonical id, for fast lookups."""
        index: dict[str, dict[str, str]] = {}
        for entity, ids in self.entity_terms().items():
            lookup = index.setdefault(entity, {})
            for entry_id, terms in ids.items():
                lookup.update({term: entry_id for term in terms})
                lookup[entry_id] = entry_id
        return index

    def entity_terms(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Entity name -> canonical id -> surface terms, for NLU generation."""
        out: dict[str, dict[str, tuple[str, ...]]] = {
            ENTITY_OF_KIND[kind]: {e.id: e.terms for e in entries.values()}
            for kind, entries in self.vocabulary.items()
        }
        technique_terms = {t.id: t.terms for t in self.techniques.values()}
        technique_terms.update({m.id: m.terms for m in self.methods().values()})
        technique_terms.update({t.id: t.terms for t in self.tools.values()})  # runners ask about them alike
        out["technique"] = technique_terms
        return out

    def name_of(self, entity_id: str) -> str:
        """Readable name of any technique, method or vocabulary id."""
        if entity_id in self.techniques:
            return self.techniques[entity_id].name
        methods = self.methods()
        if entity_id in methods:
            return methods[entity_id].name
        if entity_id in self.tools:
            return self.tools[entity_id].name
        for entries in self.vocabulary.values():
            if entity_id in entries:
                return entries[entity_id].name
        return entity_id.replace("_", " ")


# --- reading entries ---------------------------------------------------------


class _Context:
    """Known source ids, shared by every entry reader."""

    def __init__(self, sources: Iterable[str]) -> None:
        self.sources = frozenset(sources)

    def source_list(self, node: Node) -> tuple[str, ...]:
        values = node.text_or_texts()
        for value in values:
            if value not in self.sources:
                raise node.fail(f"unknown source {value!r}; expected one of {sorted(self.sources)}")
        return values

    def fact(self, node: Node, default_sources: tuple[str, ...]) -> Fact:
        if isinstance(node.value, dict):
            node.check_keys({"text", "source"})
            source = self.source_list(node.get("source"))
            return Fact(node.get("text").text(), source[0])
        return Fact(node.text(), default_sources[0])

    def facts(self, node: Node, sources: tuple[str, ...], *, allow_empty: bool = True) -> tuple[Fact, ...]:
        return tuple(self.fact(item, sources) for item in node.items(allow_empty=allow_empty))


def _entry_id(node: Node, seen: set[str]) -> str:
    value = node.get("id").text()
    if not _ID.match(value):
        raise node.child("id", value).fail("expected a lower-case id of letters, digits and _")
    if value in seen:
        raise node.child("id", value).fail(f"duplicate id {value!r}")
    seen.add(value)
    return value


def _terms(node: Node) -> tuple[str, ...]:
    terms = node.texts()
    for i, term in enumerate(terms):
        if term != term.lower():
            raise node.child(i, term).fail(f"expected lower case, got {term!r}")
    return terms


def _optional(node: Node, name: str) -> Node:
    return node.get(name, required=False)


def _read_technique(ctx: _Context, node: Node, seen: set[str]) -> Technique:
    node.check_keys({"id", "name", "source", "terms", "summary", "how", "helps", "ideal_for",
                     "expect", "cautions", "indications", "methods"})
    tid = _entry_id(node, seen)
    sources = ctx.source_list(node.get("source"))
    return Technique(
        id=tid,
        name=node.get("name").text(),
        sources=sources,
        terms=_terms(node.get("terms")),
        summary=ctx.fact(node.get("summary"), sources),
        how=ctx.facts(node.get("how"), sources, allow_empty=False),
        helps=ctx.facts(node.get("helps"), sources, allow_empty=False),
        ideal_for=ctx.facts(node.get("ideal_for"), sources, allow_empty=False),
        expect=ctx.facts(_optional(node, "expect"), sources),
        cautions=ctx.facts(_optional(node, "cautions"), sources),
        indications=tuple(_read_indication(ctx, n, sources) for n in node.get("indications").items()),
        methods=tuple(_read_method(ctx, n, seen) for n in _optional(node, "methods").items(allow_empty=True)),
    )


def _read_indication(ctx: _Context, node: Node, sources: tuple[str, ...]) -> Indication:
    node.check_keys({"when", "weight", "reason"})
    when_node = node.get("when")
    when_node.check_keys(set(INDICATION_FIELDS))
    when = {
        name: frozenset(when_node.get(name).text_or_texts()) for name in when_node.mapping()
    }
    if not when:
        raise when_node.fail("expected at least one condition")
    return Indication(when, node.get("weight").integer(), ctx.fact(node.get("reason"), sources))


def _read_method(ctx: _Context, node: Node, seen: set[str]) -> Method:
    node.check_keys({"id", "name", "source", "terms", "how", "suits", "reason"})
    mid = _entry_id(node, seen)
    sources = ctx.source_list(node.get("source"))
    return Method(
        id=mid,
        name=node.get("name").text(),
        sources=sources,
        terms=_terms(node.get("terms")),
        how=ctx.fact(node.get("how"), sources),
        suits=frozenset(node.get("suits").texts()),
        reason=ctx.fact(node.get("reason"), sources),
    )


def _read_benefit(ctx: _Context, node: Node, seen: set[str]) -> Benefit:
    node.check_keys({"id", "name", "source", "facts", "mechanisms"})
    bid = _entry_id(node, seen)
    sources = ctx.source_list(node.get("source"))
    mechanisms = tuple(
        Mechanism(_entry_id(m, seen), m.get("name").text(), ctx.facts(m.get("facts"), sources, allow_empty=False))
        for m in _optional(node, "mechanisms").items(allow_empty=True)
    )
    return Benefit(bid, node.get("name").text(), sources,
                   ctx.facts(node.get("facts"), sources, allow_empty=False), mechanisms)


def _read_topic(ctx: _Context, node: Node, seen: set[str]) -> Topic:
    node.check_keys({"id", "title", "source", "cues", "facts"})
    sources = ctx.source_list(node.get("source"))
    cues_node = _optional(node, "cues")
    cues = _terms(cues_node) if cues_node.value is not None else ()
    return Topic(_entry_id(node, seen), node.get("title").text(), sources,
                 ctx.facts(node.get("facts"), sources, allow_empty=False), cues)


def _read_term(ctx: _Context, node: Node, seen: set[str]) -> Term:
    node.check_keys({"id", "name", "source", "terms"})
    return Term(_entry_id(node, seen), node.get("name").text(),
                ctx.source_list(node.get("source")), _terms(node.get("terms")))


def _read_tool(ctx: _Context, node: Node, seen: set[str]) -> Tool:
    node.check_keys({"id", "name", "source", "terms", "topic"})
    return Tool(_entry_id(node, seen), node.get("name").text(), ctx.source_list(node.get("source")),
                _terms(node.get("terms")), node.get("topic").text())


def _compile(node: Node) -> re.Pattern[str]:
    try:
        return re.compile(node.text(), re.IGNORECASE)
    except re.error as error:
        raise node.fail(f"expected a valid regular expression ({error})") from error


def _read_red_flag(ctx: _Context, node: Node, seen: set[str]) -> RedFlag:
    node.check_keys({"id", "name", "urgency", "whole_person", "degree_matters", "episodic", "source", "phrases",
                     "patterns", "cooccur", "advice"})
    urgency = node.get("urgency").text()
    if urgency not in URGENCIES:
        raise node.child("urgency", urgency).fail(f"expected one of {list(URGENCIES)}, got {urgency!r}")
    return RedFlag(
        id=_entry_id(node, seen),
        name=node.get("name").text(),
        urgency=urgency,
        sources=ctx.source_list(node.get("source")),
        phrases=_terms(node.get("phrases")),
        patterns=tuple(_compile(n) for n in _optional(node, "patterns").items(allow_empty=True)),
        advice=node.get("advice").text(),
        cooccur=tuple(_read_corule(n) for n in _optional(node, "cooccur").items(allow_empty=True)),
        whole_person=node.get("whole_person").boolean() if node.has("whole_person") else False,
        degree_matters=node.get("degree_matters").boolean() if node.has("degree_matters") else False,
        episodic=node.get("episodic").boolean() if node.has("episodic") else False,
    )


_SCOPES = ("clause", "sentence", "message", "conversation")


def _read_corule(node: Node) -> CoRule:
    node.check_keys({"all", "unless", "within"})
    within = _optional(node, "within").text() if node.has("within") else "sentence"
    if within not in _SCOPES:
        raise node.child("within", within).fail(f"expected one of {list(_SCOPES)}, got {within!r}")
    unless = _optional(node, "unless")
    return CoRule(_terms(node.get("all")), _terms(unless) if unless.value is not None else (), within)


def _read_families(root: Node) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """red_flags.yml's `word_families` (name -> terms) and `spellings` (right word -> misspellings)."""
    families: dict[str, tuple[str, ...]] = {}
    if root.has("word_families"):
        node = root.get("word_families")
        families = {name: _terms(node.child(name, terms)) for name, terms in node.mapping().items()}
    spellings: dict[str, str] = {}
    if root.has("spellings"):
        node = root.get("spellings")
        for right, wrongs in node.mapping().items():
            for wrong in _terms(node.child(right, wrongs)):
                spellings[wrong] = right
    return families, spellings


def _check_families(kb: KnowledgeBase, file: Path) -> None:
    for flag in kb.red_flags.values():
        for i, rule in enumerate(flag.cooccur):
            unknown = sorted(set(rule.all + rule.unless) - set(kb.word_families))
            if unknown:
                raise KnowledgeBaseError(file, f"red_flags[{flag.id}].cooccur[{i}]",
                                         f"unknown word famil(y/ies) {unknown}; expected a key of word_families")


# --- whole-base checks -------------------------------------------------------


def _check_unique_terms(kb: KnowledgeBase, file: Path) -> None:
    """A surface term must map to exactly one id, or entity values become ambiguous."""
    owner: dict[str, str] = {}
    for entity, ids in kb.entity_terms().items():
        for entry_id, terms in ids.items():
            for term in terms:
                label = f"{entity}:{entry_id}"
                if term in owner and owner[term] != label:
                    raise KnowledgeBaseError(file, f"terms {term!r}", f"listed under both {owner[term]} and {label}")
                owner[term] = label


def _check_references(kb: KnowledgeBase, file: Path) -> None:
    known = {
        "concern": set(CONCERNS),
        **{ENTITY_OF_KIND[k]: set(v) for k, v in kb.vocabulary.items()},
    }
    for tool in kb.tools.values():
        if tool.topic not in kb.topics:
            raise KnowledgeBaseError(file.with_name("vocabulary.yml"), f"tools[{tool.id}].topic",
                                     f"unknown topic {tool.topic!r}; expected an id from topics.yml")
    for technique in kb.techniques.values():
        for i, indication in enumerate(technique.indications):
            for name, values in indication.when.items():
                unknown = sorted(values - known.get(name, set()))
                if unknown:
                    key = f"techniques[{technique.id}].indications[{i}].when.{name}"
                    raise KnowledgeBaseError(file, key, f"unknown id(s) {unknown}")
        for method in technique.methods:
            unknown = sorted(method.suits - known["symptom"])
            if unknown:
                key = f"techniques[{technique.id}].methods[{method.id}].suits"
                raise KnowledgeBaseError(file, key, f"unknown symptom id(s) {unknown}")


def _section(kb: KnowledgeBase, name: str) -> Mapping[str, object]:
    if name in kb.vocabulary:
        return kb.vocabulary[name]
    return getattr(kb, name)


def _check_code_ids(kb: KnowledgeBase, directory: Path) -> None:
    """Every id the code names (bot/kb_ids.py) exists, and no vocabulary id is a sentinel."""
    for (filename, section), ids in REQUIRED_IDS.items():
        missing = sorted(ids - set(_section(kb, section)))
        if missing:
            raise KnowledgeBaseError(directory / filename, f"{section}[{missing[0]}]",
                                     "no entry with this id; the code uses it (bot/kb_ids.py)")
    for kind, entries in kb.vocabulary.items():
        reserved = sorted(set(entries) & set(SENTINELS))
        if reserved:
            raise KnowledgeBaseError(directory / "vocabulary.yml", f"{kind}[{reserved[0]}]",
                                     f"{reserved[0]!r} is reserved for answers that name no id")


# --- loading -----------------------------------------------------------------

_SECTIONS = {
    "techniques.yml": ("techniques", _read_technique),
    "benefits.yml": ("benefits", _read_benefit),
    "topics.yml": ("topics", _read_topic),
    "red_flags.yml": ("red_flags", _read_red_flag),
}


def _read_sources(directory: Path) -> dict[str, str]:
    root = read_yaml(directory / "sources.yml")
    seen: set[str] = set()
    return {_source_id(n, seen): n.get("title").text() for n in root.get("sources").items()}


def _source_id(node: Node, seen: set[str]) -> str:
    value = node.get("id").text()
    if value in seen:
        raise node.child("id", value).fail(f"duplicate source {value!r}")
    seen.add(value)
    return value


_BY_URGENCY = {
    "emergency": "Call your local emergency number for",
    "urgent": "See a doctor today for",
    "prompt": "Have these checked by a doctor or physiotherapist before any massage",
}


def _with_warning_signs(topic: Topic, red_flags: Mapping[str, RedFlag]) -> Topic:
    """The warning-signs topic: the signs of red_flags.yml by urgency, then the topic's own facts."""
    facts = []
    for urgency, opener in _BY_URGENCY.items():
        flags = [flag for flag in red_flags.values() if flag.urgency == urgency]
        if flags:
            names = "; ".join(flag.name[0].lower() + flag.name[1:] for flag in flags)
            sources = tuple(dict.fromkeys(source for flag in flags for source in flag.sources))
            facts.append(Fact(f"{opener}: {names}", sources[0] if len(sources) == 1 else EDITORIAL))
    return replace(topic, facts=(*facts, *topic.facts))


def load_knowledge_base(directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Read and validate every knowledge-base file in `directory`."""
    directory = Path(directory)
    sources = _read_sources(directory)
    ctx = _Context(sources)
    sections: dict[str, dict[str, object]] = {}
    families: dict[str, tuple[str, ...]] = {}
    spellings: dict[str, str] = {}
    softeners: tuple[str, ...] = ()
    diminishers: tuple[str, ...] = ()
    seen: set[str] = set()
    for filename, (key, reader) in _SECTIONS.items():
        root = read_yaml(directory / filename)
        if filename == "red_flags.yml":
            root.check_keys({key, "word_families", "spellings", "softeners", "diminishers"})
            families, spellings = _read_families(root)
            softeners, diminishers = (_terms(root.get(k)) if root.has(k) else () for k in ("softeners", "diminishers"))
        else:
            root.check_keys({key})
        sections[key] = {e.id: e for e in (reader(ctx, n, seen) for n in root.get(key).items())}
    vocab_root = read_yaml(directory / "vocabulary.yml")
    vocab_root.check_keys({*VOCABULARY_KINDS, "concern_cues", "tools", "other_subjects"})
    vocabulary = {
        kind: {t.id: t for t in (_read_term(ctx, n, seen) for n in vocab_root.get(kind).items())}
        for kind in VOCABULARY_KINDS
    }
    tool_nodes = _optional(vocab_root, "tools").items(allow_empty=True)
    tools = {t.id: t for t in (_read_tool(ctx, n, seen) for n in tool_nodes)}
    cue_nodes = _optional(vocab_root, "concern_cues").items(allow_empty=True)
    cues = {t.id: t for t in (_read_term(ctx, n, set()) for n in cue_nodes)}
    subject_nodes = _optional(vocab_root, "other_subjects").items(allow_empty=True)
    other_subjects = {t.id: t for t in (_read_term(ctx, n, set()) for n in subject_nodes)}
    unknown = sorted(set(cues) - set(CONCERNS))
    if unknown:
        expected = f"unknown concern id(s) {unknown}; expected {list(CONCERNS)}"
        raise KnowledgeBaseError(directory / "vocabulary.yml", "concern_cues", expected)
    topics = sections["topics"]
    if WARNING_SIGNS in topics:
        topics[WARNING_SIGNS] = _with_warning_signs(topics[WARNING_SIGNS], sections["red_flags"])  # type: ignore[arg-type]
    kb = KnowledgeBase(
        sources=sources,
        techniques=sections["techniques"],  # type: ignore[arg-type]
        benefits=sections["benefits"],  # type: ignore[arg-type]
        topics=sections["topics"],  # type: ignore[arg-type]
        vocabulary=vocabulary,
        red_flags=sections["red_flags"],  # type: ignore[arg-type]
        word_families=families,
        spellings=spellings,
        softeners=softeners,
        diminishers=diminishers,
        concern_cues=cues,
        other_subjects=other_subjects,
        tools=tools,
        files=tuple(sorted(directory.glob("*.yml"))),
    )
    _check_unique_terms(kb, directory / "vocabulary.yml")
    _check_families(kb, directory / "red_flags.yml")
    _check_code_ids(kb, directory)  # first: a renamed id is reported where the code needs it
    _check_references(kb, directory / "techniques.yml")
    return kb


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """The project's knowledge base, loaded once per process: from $RUNNER_KB_DIR
    if set (e.g. a reviewed copy, or a broken one in tests), else `bot/knowledge/`."""
    return load_knowledge_base(Path(os.environ.get("RUNNER_KB_DIR") or KNOWLEDGE_DIR))
