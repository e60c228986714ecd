"""The NLU data: enough varied examples, a held-out test set that really is held out,
and entity annotations the knowledge-base vocabulary knows."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.knowledge_base import KnowledgeBase
from bot.nlu_data import training_nlu_files
from bot.triage import assess
from bot.vocabulary import resolve

ROOT = Path(__file__).resolve().parents[2]
CORE_INTENTS = ("report_pain", "ask_sleep", "ask_stress", "ask_technique", "ask_benefits", "ask_timing")
ALL_INTENTS = (
    *CORE_INTENTS,
    "compare_techniques",
    "ask_recommendation",
    "inform",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
    "red_flag",
)
_MARKUP = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|\{[^}]*\"entity\":\s*\"([^\"]+)\"[^}]*\})")
_APOSTROPHE = re.compile(r"['\u2019`]")
_NON_WORD = re.compile(r"[^\w\s]|_")
SHARED_RUN = 6
NEAR_COPY = 0.8  # difflib similarity of normalised text at which a sentence is a near-copy


def _examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu", []):
        if "intent" in block and isinstance(block["examples"], list):  # data/nlu/reviewed.yml's form
            out.extend((block["intent"], item["text"]) for item in block["examples"])
        elif "intent" in block:
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
            out.extend((block["intent"], line) for line in lines)
    return out


def _plain(text: str) -> str:
    return _MARKUP.sub(lambda m: m.group(1), text)


def _normal(text: str) -> str:
    """Case, apostrophes, punctuation, emoji and spacing ignored: "Yep, that's it!" == "yep thats it"."""
    text = unicodedata.normalize("NFKC", _plain(text)).lower()
    return " ".join(_NON_WORD.sub(" ", _APOSTROPHE.sub("", text)).split())


def _nearest(text: str, others: list[str]) -> str | None:
    """The first of `others` at least NEAR_COPY similar to `text` (difflib ratio), if any."""
    for other in others:
        total = len(text) + len(other)
        if not total or 2 * min(len(text), len(other)) / total < NEAR_COPY:
            continue  # the ratio can't reach the bar: skip the costly comparison
        matcher = difflib.SequenceMatcher(None, text, other, autojunk=False)
        if matcher.quick_ratio() >= NEAR_COPY and matcher.ratio() >= NEAR_COPY:
            return other
    return None


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _normal(text).split()
    return {tuple(words[i : i + SHARED_RUN]) for i in range(len(words) - SHARED_RUN + 1)}


@pytest.fixture(scope="module")
def training() -> list[tuple[str, str]]:
    return [e for path in training_nlu_files() for e in _examples(path)]


@pytest.fixture(scope="module")
def test_set() -> list[tuple[str, str]]:
    return _examples(ROOT / "tests" / "nlu" / "test_nlu.yml")


def test_enough_training_examples(training: list[tuple[str, str]]) -> None:
    counts = Counter(intent for intent, _ in training)
    for intent in CORE_INTENTS:
        assert counts[intent] >= 60, (intent, counts[intent])
    assert set(ALL_INTENTS) <= set(counts)


def test_held_out_set_covers_every_intent(test_set: list[tuple[str, str]]) -> None:
    assert len(test_set) >= 150
    assert set(ALL_INTENTS) <= {intent for intent, _ in test_set}


def test_held_out_set_shares_no_sentence_with_training(
    training: list[tuple[str, str]], test_set: list[tuple[str, str]]
) -> None:
    """No held-out sentence is a training sentence once case, punctuation, emoji and spacing
    are ignored (short ones and commands included), nor shares a run of six words with one."""
    seen = {_normal(text) for _, text in training}
    train_runs = set().union(*(_runs(text) for _, text in training))
    copies = [text for _, text in test_set if _normal(text) in seen]
    assert not copies, f"held-out sentences that are in the training data: {copies}"
    for _, text in test_set:
        shared = _runs(text) & train_runs
        assert not shared, f"{text!r} shares {' '.join(next(iter(shared)))!r} with the training data"


@pytest.mark.parametrize("dev_set", sorted((ROOT / "bench" / "sets").glob("forum_intents_*.yml")), ids=lambda p: p.stem)
def test_benchmark_sets_are_not_in_the_training_data(training: list[tuple[str, str]], dev_set: Path) -> None:
    """The blind intent sets of bench/sets measure NLU changes only while no training sentence
    copies one. (They were written apart from the data, so short queries, "race day nerves",
    and common phrases are shared by chance: only sentences of eight words or more count.)"""
    seen = {_normal(text) for _, text in training}
    texts = [_normal(str(item["text"])) for item in yaml.safe_load(dev_set.read_text(encoding="utf-8"))]
    copies = [text for text in texts if len(text.split()) >= 8 and text in seen]
    assert not copies, f"{dev_set.name}: sentences copied into the training data: {copies}"


def test_held_out_set_has_no_near_copies(training: list[tuple[str, str]], test_set: list[tuple[str, str]]) -> None:
    """A held-out sentence a character edit or a word away from a training sentence of the
    same intent ("hi friend" / "hey friend", "my left achilles" / "my achilles") only
    measures memory."""
    by_intent: dict[str, list[str]] = {}
    for intent, text in training:
        by_intent.setdefault(intent, []).append(_normal(text))
    near = []
    for intent, text in test_set:
        twin = _nearest(_normal(text), by_intent.get(intent, []))
        if twin:
            near.append((text, twin))
    assert not near, "near-copies of training sentences (held-out, training): " + repr(near)


def test_annotated_entities_are_in_the_vocabulary(
    kb: KnowledgeBase, training: list[tuple[str, str]], test_set: list[tuple[str, str]]
) -> None:
    unknown = set()
    for _, text in training + test_set:
        for match in _MARKUP.finditer(text):
            entity = match.group(2) or match.group(3)
            entity = entity.split(":")[0]
            if resolve(entity, match.group(1), kb) is None:
                unknown.add((entity, match.group(1)))
    assert not unknown, sorted(unknown)


def _messages(name: str) -> list[dict[str, str] | str]:
    return yaml.safe_load((ROOT / "tests" / "nlu" / name).read_text(encoding="utf-8"))["messages"]


def test_every_red_flag_message_is_referred(kb: KnowledgeBase) -> None:
    messages = _messages("red_flag_messages.yml")
    assert len(messages) >= 30
    missed = [m["text"] for m in messages if not assess(m["text"], kb).is_red_flag]  # type: ignore[index]
    assert not missed, missed


def test_ordinary_pain_rarely_raises_a_false_alarm(kb: KnowledgeBase) -> None:
    messages = [m if isinstance(m, str) else m["text"] for m in _messages("false_alarm_pain.yml")]
    assert len(messages) >= 60
    alarms = [m for m in messages if assess(m, kb).is_red_flag]
    assert len(alarms) / len(messages) < 0.05, alarms
