"""Decisions become valid Rasa NLU data and triage test cases, each with its comment; nothing else changes."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.knowledge_base import KnowledgeBase
from review.decisions import Labelled, Paths, discard, label, red_flag
from review.entities import annotate, kb_marks
from review.queue import build_queue
from review.state import ReviewState
from review.store import read_conversations
from tests.unit.review_events import action, bot, user, write_store
from tests.unit.test_nlu_data import _examples, _plain

T = 1_764_500_000.0
EMPTY = '# header comment\nversion: "3.1"\nnlu: []\n'


def setup(tmp_path: Path) -> tuple[list, ReviewState, Paths]:
    url = write_store(tmp_path / "c.db", {
        "runner-1": [user("my calfs are tight after the long run", "report_pain", 0.4, T), bot("Hmm", T + 1),
                     user("sharp pain in my chest on hills", "red_flag", 1.0, T + 2),
                     action("action_refer_medical", T + 3), bot("See a doctor now", T + 3),
                     user("my shins swelled a bit after the race", "red_flag", 1.0, T + 4),
                     action("action_refer_medical", T + 5), bot("See a doctor", T + 5),
                     user("zxq blorp", "nlu_fallback", 0.25, T + 6), bot("Sorry?", T + 7)],
    })
    (tmp_path / "reviewed.yml").write_text(EMPTY)
    paths = Paths(tmp_path / "reviewed.yml", tmp_path / "triage" / "warning_signs.yml",
                  tmp_path / "triage" / "ordinary.yml")
    state = ReviewState.load(tmp_path / "state.json")
    return build_queue(read_conversations(url), state), state, paths


def test_decisions_are_rasa_training_data_with_a_comment_each(tmp_path: Path, kb: KnowledgeBase) -> None:
    groups, state, paths = setup(tmp_path)
    by_text = {g.texts[0]: g for g in groups}
    calves = by_text["my calfs are tight after the long run"]
    text = calves.texts[0]
    marked = annotate(text, kb_marks(text, kb), kb)
    label(calves, "report_pain", [Labelled(text, text, marked)], state, paths)
    chest = by_text["sharp pain in my chest on hills"]
    red_flag(chest, True, [Labelled(chest.texts[0], chest.texts[0], chest.texts[0])], state, paths)
    shins = by_text["my shins swelled a bit after the race"]
    red_flag(shins, False, [Labelled(shins.texts[0], shins.texts[0], shins.texts[0])], state, paths, "report_pain")
    discard(by_text["zxq blorp"], state)

    written = paths.reviewed_nlu.read_text()
    assert written.startswith("# header comment\n")
    data = load_data(str(paths.reviewed_nlu))
    examples = sorted((m.get("intent"), m.get("text")) for m in data.intent_examples)
    assert examples == [("red_flag", "sharp pain in my chest on hills"),
                        ("report_pain", "my calfs are tight after the long run"),
                        ("report_pain", "my shins swelled a bit after the race")]
    calf = next(m for m in data.intent_examples if "calfs" in m.get("text"))
    # Knowledge-base terms marked as written; the generated synonyms map them to ids at training time.
    assert [(e["entity"], e["value"]) for e in calf.get("entities")] == [("body_part", "calfs"), ("symptom", "tight"),
                                                                         ("timing", "after the long run")]
    comments = [line.strip() for line in written.splitlines() if line.strip().startswith("# reviewed")]
    assert len(comments) == 3
    assert all("conversation " in c and "reason: " in c for c in comments)
    assert "runner-1" not in written and "zxq" not in written

    signs = yaml.safe_load(paths.warning_signs.read_text())
    ordinary = yaml.safe_load(paths.ordinary.read_text())
    assert signs == [{"text": "sharp pain in my chest on hills"}]
    assert ordinary == [{"text": "my shins swelled a bit after the race"}]
    assert "# reviewed" in paths.ordinary.read_text() and "false alarm" in paths.ordinary.read_text()
    assert len(state.messages) == 4
    # The leak test's reader (held-out set vs training data) reads this file too.
    assert sorted((intent, _plain(text)) for intent, text in _examples(paths.reviewed_nlu)) == examples


def test_an_existing_triage_file_is_appended_to(tmp_path: Path) -> None:
    groups, state, paths = setup(tmp_path)
    paths.warning_signs.parent.mkdir(parents=True)
    paths.warning_signs.write_text("# written by hand\n# a known sign\n- text: can't put weight on my foot\n")
    chest = next(g for g in groups if g.texts[0].startswith("sharp"))
    red_flag(chest, True, [Labelled(chest.texts[0], chest.texts[0], chest.texts[0])], state, paths)
    assert yaml.safe_load(paths.warning_signs.read_text()) == [{"text": "can't put weight on my foot"},
                                                               {"text": "sharp pain in my chest on hills"}]
