"""The words the assistant was trained on (data/), and those in runners' messages it never saw."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from bot.nlu_data import training_nlu_files
from bot.text import normalise
from review.settings import ROOT

WORD = re.compile(r"[^\W\d_][\w'-]*")


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


@lru_cache(maxsize=4)
def training_words(data: Path = ROOT / "data") -> frozenset[str]:
    """Every word in the NLU training examples (entity marks removed), lower case."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [m for path in training_nlu_files(data) for m in load_data(str(path)).training_examples]
    return frozenset(w for message in examples for w in words(message.get("text") or ""))


def intents(domain: Path = ROOT / "domain.yml") -> list[str]:
    """The domain's intents, in its order."""
    listed = yaml.safe_load(domain.read_text(encoding="utf-8")).get("intents") or []
    return [next(iter(item)) if isinstance(item, dict) else str(item) for item in listed]


def unknown_words(texts: Iterable[str], known: frozenset[str]) -> Counter[str]:
    """How often each word the training data never had appears in `texts` (one count per message)."""
    counts: Counter[str] = Counter()
    for text in texts:
        if text.lstrip().startswith("/"):
            continue
        counts.update({w for w in words(text) if w not in known and len(w) > 2})
    return counts
