"""Red-flag triage on warning signs, their edges, and bad input."""

from __future__ import annotations

import pytest

from bot.knowledge_base import KnowledgeBase
from bot.triage import assess

WARNINGS = [
    ("I can't put any weight on my foot since the race", "cannot_bear_weight", "urgent"),
    ("I heard a pop in my calf and now it's swollen", "pop_sudden_pain", "urgent"),
    ("my ankle is really swollen and bruised after I rolled it", "swelling_bruising", None),
    ("numbness and tingling down my leg when I run", "numbness_tingling", None),
    ("I get chest pain and can't catch my breath on hills", "chest_pain_breathless", "emergency"),
    ("my calf is swollen and painful since my long-haul flight yesterday", "calf_after_flight", "emergency"),
    ("I've had a fever and my knee is red and hot", "fever", None),
    ("honestly I've been thinking about ending my life", "self_harm", "emergency"),
    ("there's one spot on my shin bone that really hurts when I press it", "bone_point_pain", None),
]


@pytest.mark.parametrize(("message", "flag", "urgency"), WARNINGS)
def test_warning_signs_are_flagged(kb: KnowledgeBase, message: str, flag: str, urgency: str | None) -> None:
    result = assess(message, kb)
    assert result.is_red_flag
    assert flag in result.ids
    if urgency:
        assert result.urgency == urgency


@pytest.mark.parametrize("message", [
    "my calves are always tight after long runs",
    "sore quads two days after a marathon, normal DOMS I think",
    "tight hip flexors from sitting at a desk all day",
    "I have a knot in my shoulder",
    "no swelling, no bruising, just a tight achilles",
    "it's not numb or tingling, just stiff",
    "I bruise easily, so will deep tissue leave marks?",
    "so trigger point work is basically pressing on one spot until the knot lets go?",
    "I can't stop crying watching marathon finish line videos",
    "I can't sleep before races, nerves",
    "",
    "   ",
    "🏃‍♀️🔥",
    "<script>alert(1)</script>",
    "x" * 10_000,
])
def test_ordinary_or_odd_messages_are_not_flagged(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


def test_most_urgent_flag_comes_first(kb: KnowledgeBase) -> None:
    result = assess("my knee is swollen and I have chest pain", kb)
    assert result.urgency == "emergency"
    assert result.ids[0] == "chest_pain_breathless"


def test_curly_apostrophes_and_case_are_normalised(kb: KnowledgeBase) -> None:
    assert assess("I CAN\u2019T PUT WEIGHT ON IT", kb).is_red_flag


@pytest.mark.parametrize(("text", "expected"), [
    ("", False), ("  ", False), ("🏃‍♂️🔥", False), ("<script>alert(1)</script>", False), ("12345", False),
    ("<img src=x onerror=alert(1)>", False), ("ok", True), ("<b>tight calves</b>", True), ("Wade tut weh", True),
])
def test_has_words(text: str, expected: bool) -> None:
    from bot.text import has_words

    assert has_words(text) is expected


# --- the fresh evaluation sets: regression floors (accuracy, not timing) ---------------------

def _fresh(name: str) -> list[dict[str, object]]:
    import yaml

    from bot.knowledge_base import KNOWLEDGE_DIR

    path = KNOWLEDGE_DIR.parent.parent / "tests" / "triage" / name
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# Measured with `make bench-triage` when the floors were set: 79/83 referred, 0/93 false alarms.
RECALL_FLOOR = 0.95
FALSE_ALARM_CEILING = 0.0


def test_recall_on_the_fresh_warning_signs_stays_above_the_floor(kb: KnowledgeBase) -> None:
    items = _fresh("warning_signs.yml")
    assert len(items) >= 60 and all(item["red_flag"] for item in items)
    referred = sum(assess(str(item["text"]), kb).is_red_flag for item in items)
    assert referred / len(items) >= RECALL_FLOOR, f"{referred}/{len(items)} referred"


def test_false_alarms_on_the_fresh_ordinary_set_stay_under_the_ceiling(kb: KnowledgeBase) -> None:
    items = _fresh("ordinary.yml")
    assert len(items) >= 80 and not any(item.get("red_flag") for item in items)
    alarms = sum(assess(str(item["text"]), kb).is_red_flag for item in items)
    assert alarms / len(items) <= FALSE_ALARM_CEILING, f"{alarms}/{len(items)} false alarms"


def test_the_fresh_set_covers_every_warning_sign_of_the_knowledge_base(kb: KnowledgeBase) -> None:
    covered = {str(item["sign"]) for item in _fresh("warning_signs.yml")}
    assert set(kb.red_flags) - {"energy_deficiency"} <= covered  # added after the set was written


def test_every_red_flag_example_in_the_training_data_is_caught(kb: KnowledgeBase) -> None:
    import re

    import yaml

    from bot.knowledge_base import KNOWLEDGE_DIR

    data = yaml.safe_load((KNOWLEDGE_DIR.parent.parent / "data" / "nlu" / "red_flags.yml").read_text("utf-8"))
    examples = [re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", line[2:]).strip()
                for block in data["nlu"] if block.get("intent") == "red_flag"
                for line in block["examples"].splitlines() if line.startswith("- ")]
    assert len(examples) >= 50
    missed = [e for e in examples if not assess(e, kb).is_red_flag]
    assert not missed, missed


# --- context: what a match does not count for ------------------------------------------------

@pytest.mark.parametrize("message", [
    "went out at suicide pace and paid for it",          # slang
    "coach had us doing suicides and my calves are toast",
    "that last hill nearly gave me a heart attack",
    "I could barely walk after the marathon, stairs are a joke",
    "my friend heard a pop in his knee last week",       # someone else
    "I had a stress fracture three years ago, fully healed now",  # over
    "how do I know if it's a stress fracture?",          # a question about a sign
    "no numbness or tingling, just tight",               # denied
    "the doctor ruled out a stress fracture",
    "a dull ache along the muscle, not on the bone",     # the match would cross a clause
    "cupping left round bruises on my back",             # a treatment's after-effect
    "my feet swell a bit on long runs in the heat",      # both feet, ordinary
    "I get short of breath on the hills",                # hard effort
    "feeling a bit down after a bad race",               # a low day is not low mood
    "I don't see the point of easy runs",
    "I feel numb after that DNF",
])
def test_context_keeps_ordinary_talk_quiet(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag, assess(message, kb).ids


@pytest.mark.parametrize(("message", "flag"), [
    ("I've been really low for weeks and don't see the point", "low_mood"),
    ("I feel hopeless about everything", "low_mood"),
    ("I can't go on like this, I don't want to be here", "self_harm"),
    ("it went pop and now I can barely walk", "pop_sudden_pain"),
    ("I had a stress fracture last year and the same spot hurts again", "bone_point_pain"),
    ("I'm short of breath even sitting on the sofa", "chest_pain_breathless"),
    ("my toes go numb on long runs", "numbness_tingling"),
    ("suicidal thoughts since the injury", "self_harm"),
    ("ever since the stress fracture I've been in a really dark place", "low_mood"),
    ("my hip throbs lying in bed and it's getting worse", "night_rest_pain"),
    ("I can't sleep because of the pain in my knee", "night_rest_pain"),
])
def test_paraphrases_and_recurrences_are_caught(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


# --- remembered referrals (bot/referral.py) ----------------------------------------------------

@pytest.mark.parametrize(("message", "cleared"), [
    ("the physio cleared me", True),
    ("doctor said it's fine", True),
    ("my GP says it is nothing serious, just a strain", True),
    ("the x-ray came back clear", True),
    ("I've had it checked and it's all fine", True),
    ("the osteo had a look, it's only a minor sprain", True),
    ("my sports doctor told me that running is ok again", True),
    ("hopefully the physio will say it's just a strain", False),
    ("I'm seeing the physio tomorrow", False),
    ("the doctor hasn't cleared me yet", False),
    ("it's fine, I don't need a doctor", False),
    ("can't I just get a sports massage on it instead?", False),
])
def test_says_cleared(message: str, cleared: bool) -> None:
    from bot.referral import says_cleared

    assert says_cleared(message) is cleared


def test_a_referral_holds_for_its_area_until_cleared() -> None:
    from bot.referral import Referral

    foot = Referral().with_signs(["bone_point_pain"], ["foot"])
    assert foot.holds([]) and foot.holds(["foot"])          # "it", or the foot by name
    assert not foot.holds(["shoulder"])                      # another area
    assert not foot.holds([], about_body=False)              # sleep or stress advice
    assert not Referral(foot.signs, foot.areas, cleared=True).holds(["foot"])
    whole = foot.with_signs(["low_mood"], [])                # no area: the whole person
    assert whole.holds(["shoulder"]) and whole.holds([], about_body=False)


def test_held_reply_explains_and_refers_again_without_a_technique(kb: KnowledgeBase) -> None:
    from bot.referral import Referral, held_reply

    text = held_reply(Referral(("bone_point_pain",), ("foot",)), kb).text.lower()
    assert "stress fracture" in text and "physio" in text
    assert not any(t in text for t in ("swedish", "deep tissue", "sports massage", "myofascial", "trigger point"))
    mood = held_reply(Referral(("low_mood",), ()), kb).text.lower()
    assert "gp" in mood and "crisis line" in mood
