"""Red-flag triage on warning signs, their edges, and bad input."""

from __future__ import annotations

import pytest

from bot.knowledge_base import KnowledgeBase
from bot.triage import assess, speaks_for_someone

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
    "my anxiety is always worse at night before a race",   # the mind, not a pain, worse at night
    "my calves cramp and it is worse at night",
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

def assert_reading(kb: KnowledgeBase, flag: str, message: str) -> None:
    """The message refers with `flag` among its signs, or ("none") with no sign at all."""
    ids = assess(message, kb).ids
    assert (flag in ids) if flag != "none" else not ids, ids


def _fresh(name: str) -> list[dict[str, object]]:
    import yaml

    from bot.knowledge_base import KNOWLEDGE_DIR

    path = KNOWLEDGE_DIR.parent.parent / "tests" / "triage" / name
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# Measured with `make bench-triage` when the floors were set: 79/83 referred, 0/93 false alarms;
# 83/83 after the recall-by-category work (a floor, not a target: the set is small).
# Regression floors per evaluation set: (warning signs, ordinary) -> recall floor, false-alarm
# ceiling. The first set was read while the rules were written; sets 2 and 3 were written blind
# by others and are only measured (tests/triage/README.md), so their floors sit at the figures
# first measured after the rule change (64/70 and 9/95; 45/60 and 7/73).
FLOORS = [
    ("warning_signs.yml", "ordinary.yml", 0.97, 0.0),
    ("warning_signs_2.yml", "ordinary_2.yml", 0.90, 0.10),
    ("warning_signs_3.yml", "ordinary_3.yml", 0.75, 0.10),
    ("warning_signs_4.yml", "ordinary_4.yml", 0.85, 0.05),
    # set 5: 36/45 and 7/80 measured blind; 39/45 and 4/80 after one round written from a summary
    # of its misses by theme (so no longer blind; tests/triage/README.md)
    ("warning_signs_5.yml", "ordinary_5.yml", 0.85, 0.05),
    # set 6 (session 11): 34/50 and 8/80 blind; 43/50 and 5/80 after a heat-illness sign and one
    # round from a theme summary of its misses
    ("warning_signs_6.yml", "ordinary_6.yml", 0.85, 0.07),
    # set 8 (session 13, long forum posts): 35/40 and 7/60 blind, 35/40 and 6/60 after a theme round
    ("warning_signs_8.yml", "ordinary_8.yml", 0.85, 0.10),
    # set 9 (session 13, half chat, half forum): still blind, 35/40 and 3/60 when measured
    ("warning_signs_9.yml", "ordinary_9.yml", 0.85, 0.06),
    # set 10 (session 14, hedges, slang and typos inside signs): still blind, 35/40 and 1/60 with the
    # session's starting rules; 36/40 after collapse slang was added (its writer was given such words)
    ("warning_signs_10.yml", "ordinary_10.yml", 0.85, 0.05),
    # set 12 (session 15, someone in the writer's care, everyday words, non-native writing): 20/40 and
    # 4/60 blind; 35/40 and 0/60 after one round written from a summary of its misses by theme
    ("warning_signs_12.yml", "ordinary_12.yml", 0.85, 0.03),
    ("warning_signs_14.yml", "ordinary_14.yml", 0.9, 0.02),
    # set 15 (session 17, late updates, "is it normal", older and younger runners): 33/40 and 7/60
    # blind; 39/40 and 3/60 after one round written from a summary of its failures by theme
    ("warning_signs_15.yml", "ordinary_15.yml", 0.95, 0.05),
]
# Each set's size, so a truncated file cannot pass a floor.
SIZES = {"warning_signs.yml": 83, "warning_signs_2.yml": 70, "warning_signs_3.yml": 60, "warning_signs_4.yml": 70,
         "warning_signs_5.yml": 45, "ordinary.yml": 93, "ordinary_2.yml": 95, "ordinary_3.yml": 73,
         "ordinary_4.yml": 95, "ordinary_5.yml": 80, "warning_signs_6.yml": 50, "ordinary_6.yml": 80,
         "warning_signs_8.yml": 40, "ordinary_8.yml": 60, "warning_signs_9.yml": 40, "ordinary_9.yml": 60,
         "warning_signs_10.yml": 40, "ordinary_10.yml": 60, "warning_signs_12.yml": 40, "ordinary_12.yml": 60,
         "warning_signs_14.yml": 40, "ordinary_14.yml": 60, "warning_signs_15.yml": 40, "ordinary_15.yml": 60}


@pytest.mark.parametrize(("signs", "floor"), [(f[0], f[2]) for f in FLOORS])
def test_recall_on_the_fresh_warning_signs_stays_above_the_floor(kb: KnowledgeBase, signs: str, floor: float) -> None:
    items = _fresh(signs)
    assert len(items) == SIZES[signs] and all(item["red_flag"] for item in items)
    referred = sum(assess(str(item["text"]), kb).is_red_flag for item in items)
    assert referred / len(items) >= floor, f"{referred}/{len(items)} referred"


@pytest.mark.parametrize(("ordinary", "ceiling"), [(f[1], f[3]) for f in FLOORS])
def test_false_alarms_on_the_fresh_ordinary_set_stay_under_the_ceiling(kb: KnowledgeBase, ordinary: str,
                                                                       ceiling: float) -> None:
    items = _fresh(ordinary)
    assert len(items) == SIZES[ordinary] and not any(item.get("red_flag") for item in items)
    alarms = sum(assess(str(item["text"]), kb).is_red_flag for item in items)
    assert alarms / len(items) <= ceiling, f"{alarms}/{len(items)} false alarms"


@pytest.mark.parametrize(("name", "sizes", "least_referred", "most_alarms"), [
    # set 7 (session 12), blind: measured when written 29/30 referred, 2/60 false alarms
    ("technique_questions_7.yml", (30, 60), 28, 3),
    # set 11 (session 14, a treatment's after-effects): blind 18/20 and 6/60 with the session's
    # starting rules, then a development set: 20/20 and 0/60
    ("technique_questions_11.yml", (20, 60), 19, 2),
])
def test_questions_about_techniques_that_mention_symptoms(kb: KnowledgeBase, name: str, sizes: tuple[int, int],
                                                          least_referred: int, most_alarms: int) -> None:
    """Questions about massage techniques, tools and their effects that name symptoms."""
    items = _fresh(name)
    signs = [item for item in items if item["red_flag"]]
    ordinary = [item for item in items if not item["red_flag"]]
    assert (len(signs), len(ordinary)) == sizes
    referred = sum(assess(str(item["text"]), kb).is_red_flag for item in signs)
    alarms = sum(assess(str(item["text"]), kb).is_red_flag for item in ordinary)
    assert referred >= least_referred and alarms <= most_alarms, f"{referred} referred, {alarms} false alarms"


def test_the_fresh_set_covers_every_warning_sign_of_the_knowledge_base(kb: KnowledgeBase) -> None:
    covered = {str(item["sign"]) for item in _fresh("warning_signs.yml")}
    # added after the set was written (set 4 has the second as worsening_or_not_improving, sets 4
    # to 6 have head injuries, set 6 heat illness)
    assert set(kb.red_flags) - {"energy_deficiency", "pain_not_improving", "head_injury", "heat_illness"} <= covered


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
    "the balls of my feet ache after the long run",      # "of my feet" is not "off my feet"
    "right quad feels like a rock after the hills",      # hard as a rock, not hit by one
    "my arches feel tight and bruised after the ultra",  # a felt soreness
    "my heart rate zones are all over the place",        # the watch's trouble
    "after graston my shin was bruised for 3 days, is that normal?",  # a bruise fades over days
    "my legs get a bit puffy after long runs in the heat",  # both legs, ordinary
    "woke up stiff and sore again",                      # stiff on waking, not woken by pain
    "I'm so confused about which massage to book, it's so hot today",  # no state in the heat
    "can massage help prevent heat stroke?",             # a general question
    "it was hot but no sweat, easy 5k",                  # an idiom
    "my periods are regular, no injuries, just asking about race weight",
    "had a concussion when i was 15, no issues since",
    "both feet were puffy after the 100k ultra",
    "my watch buzzes down my arm on every lap lol",
    "broke my foot (stress fracture) last year, fully back now",  # an aside in brackets keeps its clause
])
def test_context_keeps_ordinary_talk_quiet(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


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
    # permission for any hands-on work or activity, in a list too; a mild diagnosis
    ("saw the doc, the virus is long gone and she said training and massage are both fine", True),
    ("physio had a look, grade 1 strain, she's happy for me to have soft tissue work", True),
    ("my physio says I can go back to massage and easy running", True),
    ("got the thumbs up from the sports doctor", True),
    ("the osteo said nothing structural, just tight", True),
    # a diagnosis ruled out is no "not yet"
    ("sports doc checked it, not a stress fracture, just bone bruising, and cleared me for massage", True),
    ("physio says it's not a tear, I'm fine to get it worked on", True),
    ("been seeing a counsellor for a month and she suggested a massage might help me unwind", True),
    ("my GP advised against massage for now", False),
    ("hopefully the physio will say it's just a strain", False),
    ("the physio said it's a stress fracture", False),
    ("doctor said no massage for six weeks", False),
    ("my GP said it's not fine to run on yet", False),
    ("the doctor said it's a grade 2 tear", False),
    ("I'm seeing the physio tomorrow", False),
    ("the doctor hasn't cleared me yet", False),
    ("not a fracture I hope, seeing the physio next week", False),
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
    assert foot.holds(["glute"], pushback=True)              # "could I do my glute instead?"


@pytest.mark.parametrize(("message", "argues"), [
    ("could i do trigger point on my glute instead then?", True),
    ("its only a bump tho, a sports massage tomorrow would be fine surely", True),
    ("would it still be ok to book the massage though", True),
    ("fine. can i at least foam roll it gently", True),
    ("it's not that bad, just tell me which massage", True),
    ("honestly it's fine, just book me a deep tissue on the hamstring", True),
    ("felt loads better once i'd eaten something", True),   # playing it down
    ("it's probably just a cold tbh", True),
    ("what about my calf then?", True),
    ("might it only be a tight muscle? deep tissue would sort that", True),
    ("how about working just below it, on the shin", True),
    ("which massage for my calves?", False),
    ("my calf is still tight, what massage?", False),
    ("the physio cleared me, what massage now?", False),
])
def test_pushes_back(message: str, argues: bool) -> None:
    from bot.referral import pushes_back

    assert pushes_back(message) is argues


def test_signs_of_the_whole_person_are_marked_in_the_knowledge_base(kb: KnowledgeBase) -> None:
    whole = {flag.id for flag in kb.red_flags.values() if flag.whole_person}
    assert {"chest_pain_breathless", "heat_illness", "fever", "head_injury", "self_harm", "low_mood",
            "numbness_tingling"} <= whole  # a nerve runs the length of a limb
    assert not whole & {"swelling_bruising", "bone_point_pain", "pop_sudden_pain", "cannot_bear_weight"}


def test_held_reply_explains_and_refers_again_without_a_technique(kb: KnowledgeBase) -> None:
    from bot.referral import Referral, held_reply

    text = held_reply(Referral(("bone_point_pain",), ("foot",)), kb).text.lower()
    assert "stress fracture" in text and "physio" in text
    assert not any(t in text for t in ("swedish", "deep tissue", "sports massage", "myofascial", "trigger point"))
    mood = held_reply(Referral(("low_mood",), ()), kb).text.lower()
    assert "gp" in mood and "crisis line" in mood


# --- recall by category: the wording runners use for the weakest signs ------------------------

@pytest.mark.parametrize(("message", "flag"), [
    # low mood: lasting, global, said of oneself
    ("for about a month now I've felt completely flat, nothing I used to like does anything for me", "low_mood"),
    ("honestly everything feels grey lately, I cry most nights", "low_mood"),
    ("I dont enjoy anything anymore, not even my runs", "low_mood"),
    ("been feeling really empty for weeks, can't be bothered with anything", "low_mood"),
    ("I've lost interest in everything, even the club runs I loved", "low_mood"),
    ("tbh ive felt pretty hopeless for a few weeks now and cant motivate myself to do anything", "low_mood"),
    ("Since the injury I've felt numb about everything for the last couple of months", "low_mood"),
    # night and rest pain
    ("my shin pain wakes me up at 3am, it throbs like mad", "night_rest_pain"),
    ("the top of my foot throbs in bed at night even though I haven't run since Sunday", "night_rest_pain"),
    ("it hurts even sitting at my desk now", "night_rest_pain"),
    ("I can't get comfortable at night because of my knee", "night_rest_pain"),
    ("the pain in my knee keeps me up most nights now", "night_rest_pain"),
    ("my achilles is fine running but throbs when im lying in bed", "night_rest_pain"),
    ("a deep ache in my hip wakes me around 2am, even on days I haven't run", "night_rest_pain"),
    # one spot on a bone, hopping, worse every run, walking hurts too
    ("theres one tender spot on my shinbone, about the size of a coin", "bone_point_pain"),
    ("it hurts to hop on my left leg but not the right", "bone_point_pain"),
    ("the pain in my foot gets worse every run", "bone_point_pain"),
    ("now my foot hurts walking too, not just running", "bone_point_pain"),
    ("the pain is localised to one small area on the bone, sore to touch", "bone_point_pain"),
    ("I can't hop on my right leg", "bone_point_pain"),
    # cannot bear weight: a limp that lasts, walking that is not right
    ("I've been limping for four days since the trail race", "cannot_bear_weight"),
    ("cant walk properly since I twisted it on Tuesday", "cannot_bear_weight"),
    ("still limping around the office a week later", "cannot_bear_weight"),
    ("twisted it on the trail and I can't walk properly, stairs are impossible lol", "cannot_bear_weight"),
    # swelling: forms and misspellings
    ("my ankle swelled right up after I went over on it", "swelling_bruising"),
    ("theres some sweeling around my achilles", "swelling_bruising"),
    ("knee is swolen and looks bigger than the other one", "swelling_bruising"),
    ("my knee swells up after every run", "swelling_bruising"),
    ("my ankle started to swell an hour after the trail race", "swelling_bruising"),
    # numbness: misspellings and other ways of saying it
    ("getting numbess in my big toe on runs over 10k", "numbness_tingling"),
    ("tinglng down the outside of my calf when I run", "numbness_tingling"),
    ("pins n needles in my foot after about 5 miles", "numbness_tingling"),
    ("my foot feels like it's gone to sleep halfway through runs", "numbness_tingling"),
    ("can't feel my big toe after long runs", "numbness_tingling"),
    # chest
    ("my chest feels tight and heavy on easy runs, never had that before", "chest_pain_breathless"),
    ("got a tight feeling across my chest on the hill, went away when I stopped", "chest_pain_breathless"),
    # fainting and dizziness on a run
    ("I felt dizzy halfway through my run and had to hold onto a fence", "fainting_palpitations"),
    ("I keep getting light headed on my runs lately", "fainting_palpitations"),
    ("nearly collapsed at the end of parkrun, my vision went grey", "fainting_palpitations"),
    ("felt feint on the treadmill yesterday", "fainting_palpitations"),
    # more misspellings
    ("sometimes I cant breath properly even sitting down", "chest_pain_breathless"),
    ("can't put any wieght on my foot", "cannot_bear_weight"),
    ("worried it's a stress fracure", "bone_point_pain"),
    ("getting palpatations on easy runs", "fainting_palpitations"),
    ("been feeling sucidal lately", "self_harm"),
    ("my shin is brused and hot", "swelling_bruising"),
])
def test_weak_signs_are_caught_in_runners_words(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids, assess(message, kb).ids


@pytest.mark.parametrize(("message", "flag"), [
    # understated wording for the other signs
    ("Was doing strides and something went in the back of my thigh, like a sharp grab, and I had to walk "
     "home. Massage to get it moving?", "pop_sudden_pain"),
    ("after the ultra my wee was really dark, like coke, and my quads are agony. normal?", "dark_urine"),
    ("my knee keeps sort of collapsing under me on downhills", "joint_giving_way"),
    ("Lower back has been bad for a week and today I can't really feel when I need to pee. Massage for the "
     "back?", "cauda_equina"),
    ("some days I think everyone would be better off if I wasn't around. Anyway, is massage good for stress?",
     "self_harm"),
    ("my foot slaps the ground at the end of long runs, like I can't lift my toes properly", "numbness_tingling"),
    ("weird buzzing down my shin into my foot when I run", "numbness_tingling"),
    ("the ache used to come at mile 6, now it starts after a mile, and walking to work hurts too",
     "bone_point_pain"),
    ("if I press on one bit of my shin it's really sore, the rest is fine", "bone_point_pain"),
    ("I've been hopping around the flat since Sunday, can't really put my heel down", "cannot_bear_weight"),
    ("it's the night pain that worries me, my shin aches through the night", "night_rest_pain"),
    ("Since I got injured in march I've just been really low, not sleeping, not eating much", "low_mood"),
    ("every day feels the same and pointless", "low_mood"),
    ("nothing feels worth it anymore", "low_mood"),
])
def test_understated_signs_are_caught(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids, assess(message, kb).ids


@pytest.mark.parametrize(("message", "flag"), [
    ("Long story, sorry. Training for my first 50k, about 60k a week, new shoes, all good so far. But after "
     "Sunday's trail run my ankle swelled up like a tennis ball and it's still puffy today. Could a massage "
     "sort it out?", "swelling_bruising"),
    ("Quick q for you lot - been upping mileage (probably too fast lol) and there's a spot on my shin bone "
     "that's really sore to press, gets worse every run. thoughts?", "bone_point_pain"),
    ("Anyone had this? on runs over an hour my left foot starts tinglin and then goes numb, like a block of "
     "wood. Shoes are fine, laces loose. Could massage on my calf help?", "numbness_tingling"),
    ("Probably nothing but on my last few runs I've had a weird pressure in the middle of my chest that "
     "spreads to my arm. Usually goes after I stop. Should I get a massage for my upper back?",
     "chest_pain_breathless"),
    ("Background: 28M, 3 years running, big block for Chicago. For the last couple of weeks the outside of my "
     "foot, right on the bony bit, has been sore, and now it's sore at the start of runs not just the end.",
     "bone_point_pain"),
    ("Bit worried. My shin has gone from hurting after runs to hurting all the time, even sat at my desk, and "
     "last night it kept me up. I've got a 10k in two weeks.", "night_rest_pain"),
    ("At parkrun I went really woozy at 4k, everything went a bit grey, and I had to sit down on the grass. "
     "Felt fine after. Worth a massage before next week?", "fainting_palpitations"),
    ("my knee has gone out on me twice this week on the stairs, like it just buckles, no pain really",
     "joint_giving_way"),
    ("Went over my ankle on a trail on Sunday, no pop, but it's Wednesday and I still can't walk on it without "
     "a limp. Massage to get the swelling down?", "cannot_bear_weight"),
])
def test_signs_buried_in_long_posts_are_caught(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


# --- precision by category: what is not a report of one's own sign ----------------------------

@pytest.mark.parametrize("message", [
    # questions about a sign or a technique's effects, in general
    "can deep tissue massage cause bruising?",
    "does massage help with numbness in the feet?",
    "is it normal to feel tingling during a sports massage?",
    "what causes pins and needles in runners?",
    "Can percussion guns cause numbness if you use them too long?",
    "Should a massage therapist work on a bruise or avoid it?",
    "why do some people get tingling in their hands when they run?",
    "I've heard massage can help numbness, is that true?",
    "I was wondering whether deep tissue is ok over a swollen area",
    "can deep tissue massage dislodge a blood clot?",
    "what does massage do for sciatica?",
    "what is a stress fracture exactly?",
    "what causes tingling in some runners' feet?",
])
def test_general_questions_about_a_sign_are_not_reports(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


@pytest.mark.parametrize(("message", "flag"), [
    # safety first: a first-person report inside or beside a general question still refers
    ("does massage help numbness? my left foot has been numb for a week", "numbness_tingling"),
    ("does massage help the numbness in my foot?", "numbness_tingling"),
    ("Does anyone else get numbness in their toes on every run?", "numbness_tingling"),
    ("I heard massage helps swelling, my ankle has been swollen since Sunday", "swelling_bruising"),
    ("I was wondering if massage could help the chest pain I get when running", "chest_pain_breathless"),
    ("can I still get a massage? I've had chest pain since yesterday's run", "chest_pain_breathless"),
    ("is it normal to have pins and needles in my foot after long runs?", "numbness_tingling"),
    ("can a long flight cause a blood clot in my calf?", "calf_after_flight"),
    # "it" in a diagnostic question is the writer's own problem
    ("my shin has been sore for weeks and getting worse. could it be a stress fracture?", "bone_point_pain"),
    ("is it a stress fracture or just shin splints?", "bone_point_pain"),
    ("does this sound like sciatica? it runs down the back of my thigh", "numbness_tingling"),
])
def test_a_report_inside_a_question_still_refers(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


@pytest.mark.parametrize("message", [
    # a treatment's expected after-effects
    "I was a bit sore and a little bruised after deep tissue yesterday, is that normal?",
    "my quads felt slightly bruised for two days after the sports massage",
    "my legs go numb in the ice bath, is that normal?",
    # checked by a professional, or over
    "the physio checked the swelling and said it's just a mild sprain, can I get a massage on it?",
    "The sports doc scanned my shin, no stress fracture, just shin splints. Which massage would help?",
    "had some tingling in my toes last month but it went away once I loosened my laces",
    "My knee was swollen after the fall but the swelling's gone down completely now",
    # someone else, or a hypothetical
    "my running buddy has a stress fracture, what should she avoid?",
    "my partner's knee swells after every run, any tips?",
    "if my ankle ever swells up after a run, should I ice it?",
    # the cold, the laces, the posture
    "my toes go numb in the cold when it's below zero",
    "my foot went numb because I laced my shoes too tight",
    "pins and needles in my arm after sleeping on it",
    "my foot fell asleep while I was sitting cross-legged watching TV",
    # ordinary soreness and slang
    "my calves throb at night after a long run, normal DOMS?",
    "can't walk properly after leg day lol, stairs are hell",
    "I felt a bit flat on today's run, legs heavy",
    "legs feel dead on every run this week",
    "my hands swell up when I run, weird",
    "that was a bruising 20 miler in the wind",
    "my chest strap chafes and my chest is sore and raw after long runs",
    "passed out on the sofa for two hours after the long run",
    "there's a small spot in my calf that's really tender when I press it, a knot?",
    # idioms that are not illness
    "I started running during covid and never stopped",
    "the crowd at mile 20 gave me chills",
    "marathon fever has hit our house",
    "I got my flu jab yesterday, can I still run?",
    "I'm in red hot form before the race",
    # post-race blues
    "two weeks after the marathon I feel a bit flat and have no motivation to run, is that normal?",
    "felt a bit flat after the race, normal post race blues I think",
    # mood words in other senses
    "I was down with covid for two weeks in january, back running now",
    "I've been flat out at work for weeks so my mileage dropped",
    "I can't get out of bed for my 6am runs anymore lol",
    "I'm not enjoying anything longer than 10k at the moment",
    "nothing makes me happy like a muddy trail run",
    "my baby is crying all the time so I'm not sleeping much",
    # muscle aches and morning stiffness, not night or bone pain
    "at night my legs ache a bit, is that a recovery thing?",
    "I wake up with my heel sore every morning, plantar fasciitis?",
    "my calves ache even when I stretch them",
    "my quads hurt to walk down the stairs now",
    "I've got a hot spot on my foot from the new shoes",
    "I've had a sore spot in my glute for weeks, feels like a knot",
    "I can't stand straight after a day at the desk",
    "been hobbling around after the marathon, quads are wrecked",
    "my dog is limping after our trail run",
    "my left calf is bigger than the right, is that normal for runners?",
    "I often get light headed when I stand up too fast",
    "my jaw aches from clenching my teeth when I run hard",
    "during the covid lockdown I ran every day",
    "had my covid booster yesterday, can I run?",
    # more general questions
    "how long does swelling from a sprained ankle usually take to go down?",
    "whats better for sciatica, sports massage or deep tissue?",
    "I've read that massage can cause bruising if you're on blood thinners, is that right?",
    # the understated patterns' look-alikes
    "something went wrong with my pacing and I blew up at 30k",
    "the hill was sharp and I had to stop for a wee halfway up",
    "my legs went from under me at mile 24, total bonk",
    "my knee collapses inwards when I land, is that a form thing?",
    "I drag my feet at the end of long runs",
    "my watch keeps buzzing down my arm every km lol",
    "been hopping around between different shoes this year",
    "life is so hard with a newborn and marathon training",
    "I'm going through the motions on my runs every day, need a new goal",
    "my pee is dark yellow after long runs, am I dehydrated?",
    # idioms, slang and the ordinary lot of runners
    "I had a stress fracture in 2019 but it's been fine since, now training for Berlin",
    "I wanted to die on that last hill lol",
    "at mile 22 I wanted to die, but I finished!",
    "it was chest day at the gym and I was crushing it",
    "I'm on pins and needles waiting for the London ballot",
    "my brain is numb from work this week, need a run",
    "how much fluid on a marathon should I take?",
    "I've been infected with the running bug",
    "there's no period of rest between the reps in this session",
    "my big toenail is bruised and black from the downhill race",
    "I can't breathe through my nose when I run, blocked sinuses",
    "I couldn't bear the wait for the results",
    # technique questions with an aside about the technique's own effects
    "Is it better to foam roll? I sometimes get a bit of tingling in my calves when I use the roller.",
    "Should deep tissue hurt? I couldn't walk properly the next day after the massage, is that normal?",
    "My hamstrings have been tight for weeks and I feel low about missing training, would massage help?",
    "Quick one: would myofascial release help plantar fasciitis? It's sore first thing, no swelling or numbness.",
    "Does massage reduce the risk of stress fractures or is that a myth?",
    # long ordinary posts with asides
    ("Hi all, 34F, 50km/week building for Valencia. My right calf has been tight for about 10 days, feels like a "
     "knot halfway down, sore to press but fine once I'm warmed up. No swelling, no bruising. Massage or foam roll?"),
    ("Shins have been a bit achy after runs since I moved to the track, but it's along the whole inside edge, not "
     "one spot, and it goes after a day. Classic shin splints I think? Is massage any good for that?"),
    ("Stupidly ran a half with a cold, bit dizzy after crossing the line but fine after a sit down and some "
     "water. Recovered now. Massage this week?"),
    ("Left glute has a deep ache after long runs, worse when I sit in the car. Physio says piriformis, not "
     "sciatica, nothing down the leg. Can massage help?"),
    # a vehicle simile is how tired the whole body is, not a blow at one spot
    "hill reps yesterday and my whole body feels like i got hit by a bus, calves and quads wrecked",
    "legs feel like they've been run over by a steamroller after the marathon",
    "lost a lot of weight this year on purpose and my times are better",
    # a past injury dated by its month, feelings rather than nerves, a reaction to news
    "i had a stress fracture in my foot in march, all healed, now my shoulders are tight from work",
    "still tingling with excitement after my first marathon, which massage for recovery?",
    "nearly fainted when i saw the price of the physio lol",
    "we pass out water at the parkrun",
    "i was so confused about which shoes to wear in the heat",
    "i'd pass out if i tried that pace",
    "was short of breath at the top of the climb, back to normal a minute later",
    # race nerves and coffee
    "the night before a race my heart is pounding in bed and I can't sleep",
    "my heart races lying in bed after two coffees",
])
def test_ordinary_talk_by_category_stays_quiet(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


@pytest.mark.parametrize(("message", "flag"), [
    # the exceptions have limits: new after the all-clear, lasting despair after a race,
    # night pain that persists, a limp after a real injury, chest pain that stops when walking
    ("the physio cleared my knee, but now my ankle is swollen", "swelling_bruising"),
    ("a car clipped me on my run, hit by a car basically, and my hip hurts", "pop_sudden_pain"),
    ("felt like someone hit my calf with a stone and had to stop", "pop_sudden_pain"),
    # weight lost without meaning to, with the body's signs of too little fuel
    ("dropped a lot of weight without trying since the build started, and I'm cold all the time", "energy_deficiency"),
    # the limits: a race ahead in a month, a named limb, a faint in the race
    ("pinpoint pain on my shin getting worse every week, race in march", "bone_point_pain"),
    ("my fingers are tingling with excitement", "numbness_tingling"),
    # every form of the verb that says it happened
    ("i did pass out briefly at the finish and still feel rough today", "fainting_palpitations"),
    ("i keep blacking out after hard reps", "fainting_palpitations"),
    ("lost consciousness for a few seconds after the race", "fainting_palpitations"),
    ("got really confused in the heat at mile 20 and a marshal sat me down", "heat_illness"),  # a word between
    ("nearly fainted at the finish when i saw my time, dizzy and my vision went", "fainting_palpitations"),
    ("my shin is bruised and swollen since I fell on the trail", "swelling_bruising"),
    ("after the massage my calf was bruised and it has got worse for two weeks", "swelling_bruising"),
    ("my left leg is swollen after the long run", "swelling_bruising"),
    ("the ache in my shin wakes me up most nights", "night_rest_pain"),
    ("it was 30 degrees and i stopped sweating around mile 10", "heat_illness"),
    ("my periods have stopped since I upped my mileage, is that normal for runners?", "energy_deficiency"),
    ("in the heat i got confused and a marshal sat me down", "heat_illness"),
    ("been saving up my codeine, not for the tooth", "self_harm"),
    ("i've been crawling to the bathroom since yesterday", "cannot_bear_weight"),
    ("smacked the side of my head when i fell and now light hurts my eyes", "head_injury"),
    ("it all feels pointless since the marathon, weeks now, not the usual blues", "low_mood"),
    ("a fizzing feeling down to my fingers since the fall", "numbness_tingling"),
    # "it", the pain asked about, is worse lying still: the answer names no pain word
    ("six weeks or so, and it's worse at night when i'm lying still", "night_rest_pain"),
    ("i bump my head on the cupboard this morning and since then i feel sick and woozy", "head_injury"),
    # a head knock, then its signs a sentence or two later
    ("clipped a kerb and smacked the side of my head. got up and jogged in. since then a headache and "
     "lights are bugging me", "head_injury"),
    ("temp was 38.6 this morning and I'm aching all over", "fever"),
    ("my temperature is 101 and I have a half on sunday", "fever"),
    # missed periods asked about in general words are still the writer's own
    ("is it normal to not have a period for 5 months when your training goes up?", "energy_deficiency"),
    # the "I" dropped before a negative auxiliary: a statement, not a question
    ("haven't had a period in 4 months", "energy_deficiency"),
    ("haven't been able to put weight on it since sunday", "cannot_bear_weight"),
    ("i have not been able to weight bear since the fall", "cannot_bear_weight"),
    ("I keep waking up at 3am with a throbbing knee", "night_rest_pain"),
    ("felt a sharp twang in my calf like a stone hit it", "pop_sudden_pain"),
    ("my heart rate is all over the place on easy runs and I feel faint", "fainting_palpitations"),
    ("rested it two weeks and it still hurts just walking to the shop", "bone_point_pain"),
    ("since the marathon in april I've felt empty every day and can't enjoy anything", "low_mood"),
    ("my shin throbs at night after runs and it's getting worse every week", "night_rest_pain"),
    ("my toes have gone numb on long runs and stay numb for hours", "numbness_tingling"),
    ("the blister has gone red and hot", "fever"),
    ("I've had a fever since Tuesday, can I still go for a run?", "fever"),
    ("caught covid last week and still feel rough, when can I run?", "fever"),
    ("passed out at the finish line and woke up in the medical tent", "fainting_palpitations"),
    ("I can't get out of bed most days and I've stopped caring about everything", "low_mood"),
    ("I've been down for weeks and nothing helps", "low_mood"),
    ("been limping since the race four days ago and it's not getting better", "cannot_bear_weight"),
    ("twisted my ankle after the race and now I can't put weight on it lol", "cannot_bear_weight"),
    ("some days I just want to die", "self_harm"),
    ("constant pins and needles in my left foot", "numbness_tingling"),   # "left" is a side, not a verb
    ("the doctor said there's fluid on my knee", "swelling_bruising"),
    ("I've had no periods since I started marathon training", "energy_deficiency"),
    ("my shin is bruised and swollen where I hit the rock", "swelling_bruising"),
    ("after I rolled my ankle it swelled up, can I massage it?", "swelling_bruising"),   # a rolled ankle
    ("I use the roller most days but my foot has been numb for two weeks now", "numbness_tingling"),
    ("I've felt low about everything for weeks, not just running", "low_mood"),
    ("my heart races for no reason when I'm lying in bed, I'm worried", "fainting_palpitations"),
    # "the swelling", "do you think": a question about one's own sign
    ("Do you think the swelling will go down before Sunday?", "swelling_bruising"),
    ("will massage help the numbness?", "numbness_tingling"),
])
def test_exceptions_do_not_swallow_real_signs(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


def test_contracted_have_is_expanded() -> None:
    from bot.text import normalise

    assert normalise("I've felt low, we've tried") == "i have felt low, we have tried"


@pytest.mark.parametrize(("text", "position", "cleared"), [
    ("my knee swelled, the physio checked it and said it's just a sprain", 3, True),
    ("the physio cleared my knee, but now my ankle is swollen", 40, False),   # the all-clear came before
    ("my knee swelled, I'm seeing the physio tomorrow", 3, False),             # not yet
])
def test_cleared_after(text: str, position: int, cleared: bool) -> None:
    from bot.referral import cleared_after

    assert cleared_after(text, position) is cleared


# --- co-occurrence readings (word families in red_flags.yml): understated, long, misspelt ----
# Written for this design, in our own words; one table per sign.

UNDERSTATED_BY_SIGN = {
    "night_rest_pain": [
        "Not sure if this is worth worrying about but my left shin has started aching when I'm in bed, nothing "
        "dramatic, just a dull throb that wasn't there before.",
        'Hi all, long time lurker. Been upping my mileage for a spring marathon (50-55mpw) and the outside of my '
        'hip has this grumbling ache thats now there on rest days too',
        'the knee is ok on the run itself tbh, its more that it aches when im sat watching tv in the evening',
        "The last week or so my foot has been throbbing while I'm lying down, which seems odd because I haven't run "
        "since Tuesday.",
        'i keep waking up around 3 because my shin is so sore',
        "my groin aches even when i'm doing nothing, weird right?",
        "It's hard to get to sleep with my hip aching like this.",
        "Honestly the worst part is the nights: the heel just nags and nags once I'm in bed.",
        "woke up twice last night with my knee hurting, and I hadn't even run that day",
        'my ankle is painfull at nite even tho i rested it all weekend',
    ],
    "bone_point_pain": [
        "there's a tiny spot on the inside of my shin, maybe the size of a 10p, that hurts when I poke it",
        'Top of my foot is sore right on one little point, and it gets a bit worse each run.',
        'I can put my finger on exactly where it hurts, on the shin bone about a third of the way up',
        'hopping on the right leg is a no-go, my tibia kills',
        "The pain in the shin used to come at mile 5, now it's from the first few steps.",
        'The metatarsel near my second toe is tender when I press it.',
        'there is a sore bit on my heel bone, if i squeeze the sides of the heel it really hurts',
    ],
    "self_harm": [
        "Sometimes I think everyone would be happier if I just wasn't around.",
        "I've started to wonder whether anyone would even notice if I was gone.",
        "Running was the only thing keeping me going and now I can't run I don't really see why I should bother "
        "being here.",
        'i dont want to wake up tomorrow honestly',
        'been having thoughts about ending things, running used to help',
        'Part of me just wants to disappear and not come back.',
        "I've been hurting myself again, the injury made everything worse.",
        'sometimes i think about driving into a wall on the way home from work',
        "Nobody would miss me if I wasn't here anymore.",
        "I'm so tired of being alive, I can't see it getting better.",
        "I've been thinking about suicide a lot since the injury.",
        'i want to kill my self',
        "What's the point of going on at all. I'm done.",
        'lately I wish I could go to sleep and just not wake up',
        # the warning signs crisis services list: affairs put in order, no way out, a plan, not caring to live
        'been sorting out who gets my things lately. anyway tight calves, which massage?',
        'i wrote letters to my kids in case something happens to me',
        "i'd honestly rather not be here anymore",
        "i'd rather not exist tbh",
        "i go to bed hoping i won't wake up in the morning",
        'i keep thinking about driving into a wall on the way to the track',
        "the pain is unbearable and i can't see any way out of this life",
        "nothing matters anymore and i've stopped caring whether i live or die",
        'sometimes i think about not existing',
        "i've been planning to end my life after the race",
    ],
    "pain_not_improving": [
        "my knee pain has been getting worse every week for the last month",
        "took three weeks off running and the pain in my shin is no better",
        "rested it for a month and it still hurts just as much when i jog",
        "the ache in my hip keeps getting worse even though i've cut my mileage right down",
        "been off running for 6 weeks with this achilles pain and it's not improving at all",
    ],
    "chest_pain_breathless": [
        'on my easy runs lately I get this weird squeeze across my chest that eases when I walk, probably nothing',
        'Its not really a pain, more a pressure behind the sternum on uphill bits, and my left arm feels heavy with '
        'it.',
        'I get so winded climbing one flight of stairs now, which never used to happen',
        'my chest feels tight and i get breathless just walking to the car',
    ],
    "cauda_equina": [
        "Back has been bad for a week and now I've noticed it feels a bit numb when I wipe after the loo",
        "lower back pain, and I've wet myself a little twice this week without realising",
        'my back is killing me and both my legs feel weak and kind of wobbly',
    ],
    "cannot_bear_weight": [
        "Rolled the ankle on a trail yesterday and I honestly can't walk on it, hobbling round the house on my heel",
        "Since Sunday I've been limping everywhere, can barely put the foot down",
        "it's agony to put weight through my foot",
    ],
    "pop_sudden_pain": [
        'going up a hill my calf suddenly went, felt like a stone had hit it',
        'I was sprinting for the line and heard something go at the back of my thigh',
        'there was a loud clunk in my knee when I landed and it swelled up',
    ],
    "dark_urine": [
        'after the ultra my wee was the colour of strong tea and my legs are rock hard',
        'peed and it was a dark brownish colour after that brutal session, is that dehydration?',
    ],
    "swelling_bruising": [
        'my ankle has blown up like a grapefruit after I turned it',
        'the knee is noticeably puffier than the other one since the fall',
        "there's a big purple mark down the back of my calf since I felt it go",
    ],
    "fever": [
        "I've been shivery and achy all over with a temperature since Tuesday but want to run Sunday",
        "the blister on my heel has gone angry red and there's yellow stuff coming out of it",
        'the skin round the cut on my shin is red, hot and spreading',
    ],
    "energy_deficiency": [
        "Haven't had a period since I started marathon training in January",
        "I've been eating way less to hit race weight and I'm always cold and tired",
        'my periods have pretty much disappeared since upping the miles',
        'I make myself sick after big meals so I can keep my weight down for racing',
    ],
}


@pytest.mark.parametrize(("flag", "message"), [(f, m) for f, ms in UNDERSTATED_BY_SIGN.items() for m in ms])
def test_understated_signs_are_read_by_co_occurrence(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert flag in assess(message, kb).ids


# Each a category of ordinary talk that shares words with a sign.
QUIET_BY_CATEGORY = {
    "hyperbole": [
        'that interval session made me want to die lol',
        'at mile 22 I honestly wanted to die, the wall is real',
        'we did suicide hills at club tonight and my quads are toast',
        'I wanted to disappear into the ground when I fell over at parkrun',
        'want to end it at 10k next week and walk the rest',
        'I was dying on the last climb lol',
        'after the race I wanted to crawl into a hole and disappear, so embarrassing',
        'I wanted to disappear after that awful parkrun',
        'I could have killed myself laughing at the fancy dress runners',
        'my legs are dead and my lungs are burning after hill sprints',
        'This is killing me, I just want this taper to end',
        "I don't want to be here at 5am for the long run",
        "I'm dead on my feet after the ultra",
        'the last rep made me want to jump off a bridge lol',
        "planning to end it with a fast finish on sunday",
        "i'd rather not do intervals today, legs are cooked",
        "there's no way out of the race now, i've paid the entry",
        "i always carry id in case something happens to me on a long run",
        "hoping i wake up in time for parkrun tomorrow",
        "i'll be around for the race next month, can't wait",
        "giving my old shoes away to the club, i won't need them",
    ],
    "getting_better_or_not_pain": [
        "took a week off and my hamstring feels much better now",
        "my pace is getting worse every week, is that overtraining?",
        "my calves are tight and the tightness keeps getting worse in the build",
        "rested two days and my legs still feel heavy",
        "my sleep keeps getting worse before races",
        "the soreness was worse the second day but it's easing now",
        "took two weeks off after the marathon and now my fitness is no better than before",
    ],
    "negated": [
        "I don't have any pain at night, only when I run fast",
        "I don't want to hurt myself by doing too much too soon",
        'no numbness, no swelling, no pain at night, just a tight calf',
        'I heard a pop in my knee when I squat sometimes, no pain',
        'there was no pop, no swelling, I just felt tight',
    ],
    "cleared": [
        "my physio checked the spot on my shin and said it's just shin splints, can I massage it?",
        "the doctor had a look at my shin and said it's not a stress fracture, just irritated",
        "the physio checked the knee swelling and said it's only a bit of bursitis, so can I get it massaged?",
        "the doctor checked my calf, it's fine, no clot, just a strain",
        "x-ray was clear, no fracture in my metatarsal, physio says it's just bruised",
    ],
    "past_resolved": [
        'my shin hurt for a week last year after a race, fully healed now',
        'the shin pain is gone now, I can hop on it with no pain',
        "I had a stress fracture in my foot in 2019 but it's long healed",
        'my knee swelled up back in March, all settled since',
        'the cut on my shin has healed nicely, no redness',
        'I had a pop in my hamstring two years ago, fully healed',
    ],
    "someone_else": [
        'my friend says her shin aches in bed at night',
        'my running buddy heard a pop in her achilles last week',
        "my husband's lower back is bad and he says he has trouble peeing",
        "my friend's knee swelled up and she can't put weight on it",
        'my sister has lost her periods since she started running',
    ],
    "general_question": [
        'can a sports massage help with night cramps in the calves?',
        'what are the signs of a stress fracture?',
        'does massage help with swelling after a marathon?',
        'I sit at a desk all day and my lower back aches, can massage help?',
        'hurts when I press on my calf knot, normal?',
        'can massage help my shin splints? both shins are sore along the bone',
        'is foam rolling at night good before bed?',
        "What's the best massage technique for tight calves at night?",
        "will massaging my IT band hurt? I'm scared of the pain",
        'what technique should a therapist use on a sore shin, pressing or stroking?',
        'is it safe to get a massage if I have a blister?',
        'I get bad period pain, does massage help?',
        "I'm trying to lose weight by eating less junk, any massage tips?",
        'how do I stop eating so much after long runs?',
        'does a sports massage hurt on the shin?',
        'which massage technique is best for shin splints?',
        'can effleurage help calves that ache at night?',
        'what is the best way to massage the top of the foot?',
    ],
    "treatment": [
        'how hard should I press on my shins with a foam roller?',
        'is it normal for the massage to hurt when the therapist presses on the shin?',
        'I got some bruises from cupping on my hamstrings',
        'got a purple mark on my calf from cupping',
    ],
    "ordinary_aches": [
        'my legs ache at night after a long run, is that normal?',
        "I'd like a massage on my rest day, my calves are sore",
        'slept on my arm funny and now my shoulder aches',
        'the night before my marathon my legs were aching from nerves',
        'my legs feel heavy and achy lying in bed after my long run',
        'I get a tender knot in my calf, pressing on it hurts',
        'my hamstrings are tight when I sit at work all day',
        'that hill session absolutely killed me, legs are dead',
        "my quads are sore sitting at my desk after yesterday's hill reps",
        'my knee aches a bit the evening after long runs, is that normal?',
        'my feet swell in the heat on long runs',
        'my lower back is stiff and both my legs felt dead after the marathon',
    ],
    "other_meanings": [
        'ate beetroot and my pee went pink lol',
        'I just want to be here for my kids and keep running into my 70s',
        "my lungs were burning on the last rep, couldn't catch my breath",
        'I was so out of breath at the end of the 5k sprint',
        'my heart was pounding at the end of the race',
        'I just want to sleep for a week after that marathon',
        'got winded on the stairs after my interval session',
        'I had to pee so badly during the marathon I nearly had an accident',
        'my back aches after long runs, and I leak a bit when I sneeze since having kids',
        "I lost a bit of weight and I can't run as fast",
        "can't put my finger on why my weight is up",
        "my hip pops when I lift my leg, it's been like that for years",
        'popped out for a quick 5k and my calf felt great',
        'my achilles clicks in the morning',
        'my wee was dark yellow after the long run, probably dehydrated',
        'I drank a lot of coffee and my pee was fine',
        'my toenail is black and purple after the marathon',
        'I have a black mark on my shoe from the mud',
        'blister on my heel, popped it, clean and dry now',
        'my period started during the race, annoying',
        'the period between my two marathons is 6 weeks',
        "I'm cycling to work on rest days",
        "my coach says I'm lighter now and running better, eating well",
    ],
}


@pytest.mark.parametrize("message", [m for ms in QUIET_BY_CATEGORY.values() for m in ms])
def test_ordinary_talk_sharing_a_sign_s_words_stays_quiet(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


@pytest.mark.parametrize(("term", "text", "matches"), [
    ("swollen", "my ankle is swolen", True),          # a dropped double letter
    ("tingling", "tinglling toes", True),             # a doubled one
    ("throb*", "it throbbs at night", True),           # any ending
    ("3am", "awake at 3am", True),
    ("shin", "shine on", False),                       # whole words only
    ("weigh", "my weight", False),
    ("i ~ be gone", "if i was just be gone", True),     # `~`: up to two words
    ("i ~ be gone", "the pain should be gone", False),
])
def test_family_terms_tolerate_doubled_letters_and_stay_whole_words(term: str, text: str, matches: bool) -> None:
    from bot.triage import _family_pattern

    assert bool(_family_pattern((term,)).search(text)) is matches


@pytest.mark.parametrize(("text", "fixed"), [
    ("i want to kill my self", "i want to kill myself"),
    ("pian at nite", "pain at night"),
    ("sucidal thoughts", "suicidal thoughts"),
])
def test_common_misspellings_are_corrected_once(kb: KnowledgeBase, text: str, fixed: str) -> None:
    from bot.triage import respell

    assert respell(text, kb) == fixed


@pytest.mark.parametrize(("message", "flag"), [
    ("my foot kind of goes a bit numb after about 8k", "numbness_tingling"),
    ("it went really pop and i stopped dead", "pop_sudden_pain"),
    ("i could barely really walk home after it went", "cannot_bear_weight"),
    ("i've been feeling really really low for weeks", "low_mood"),
    ("got really really confused in the heat on sunday", "heat_illness"),
    ("chest gets really quite tight going up hills lately", "chest_pain_breathless"),
    ("i kind of keeled over just after the line", "fainting_palpitations"),
    ("went down like a sack of spuds at mile 20, came round with medics", "fainting_palpitations"),
    ("my heart goes totally mental on easy runs and i get a bit dizzy", "fainting_palpitations"),
])
def test_hedges_inside_a_sign_do_not_hide_it(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


@pytest.mark.parametrize("message", [
    "been a bit low since my race went badly, which massage helps with stress?",
    "slightly down after the marathon, it's normal i think",
    "therapist went hard on my IT band, a bit bruised this morning, is that ok?",
    "the sports massage dug into my calves yesterday, bruised today but fine",
    "I foam rolled my calves really hard and now they're bruised, should I keep rolling?",
    "had dry needling on my glute and could barely walk the next day, is that how it works?",
])
def test_a_mild_degree_of_mood_and_a_treatment_s_after_effects_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


@pytest.mark.parametrize(("message", "flag"), [
    ("since the dry needling i can't put any weight on my foot", "cannot_bear_weight"),
    ("rolled my ankle and it's bruised, should i foam roll it?", "swelling_bruising"),
])
def test_an_injury_or_lost_weight_bearing_after_a_treatment_still_refers(kb: KnowledgeBase, message: str,
                                                                          flag: str) -> None:
    assert flag in assess(message, kb).ids


@pytest.mark.parametrize("message", [
    "rolled out my quads on the foam roller and there's a yellow bruise now, too hard?",
    "big purple circles on my back. that was the cupping on saturday. do they mean it worked?",
    "both ankles were puffy after the marathon, mostly gone by wednesday, would a flush massage help?",
    "the spot buzzed where the dry needling needles went in, for an hour, then nothing",
    "toes went numb in the cold on my long run but came back once i warmed up",
    "dropped half a stone, been dieting for race weight, is a sports massage worth it?",
    "my friend lost 5kg without trying and she's faster now",
])
def test_a_treatment_s_marks_and_passing_effects_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


@pytest.mark.parametrize("message", [
    "shins ache all the way along, nothing sharp and no single tender point when i press",
    "my shins ache, nothing sharp and no one spot i can poke or press that hurts more",
])
def test_a_denial_covers_the_rest_of_its_clause(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


@pytest.mark.parametrize(("message", "flag"), [
    ("tweaked my calf on a hill and a bruise came up, should i use the massage gun?", "swelling_bruising"),
    ("my wee the day after the ultra was like a dark coke, probably dehydrated", "dark_urine"),
    ("no one spot hurts but it is worse every run and it hurts to hop on my shin", "bone_point_pain"),
    ("laced too tight on saturday and the top of my foot is still numb, will rolling help?", "numbness_tingling"),
    ("my toes went numb for about a week after the cold race and the feeling has not come back", "numbness_tingling"),
    ("honestly there's no point to anything anymore, would massage help?", "low_mood"),
    ("ive lost about 5kg in the last couple of months without trying", "energy_deficiency"),
    ("my mate said i was confused at the finish and i had stopped sweating in the heat", "heat_illness"),
    ("hot race, i was really foggy at the end and out of it for a while", "heat_illness"),
    ("i've dropped half a stone and i'm not dieting, legs feel heavy", "energy_deficiency"),
])
def test_a_sign_beside_a_tool_or_a_benign_cause_still_refers(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


def test_hedges_are_taken_out_whole_words_only(kb: KnowledgeBase) -> None:
    from bot.triage import unsoften

    assert unsoften("my calf is kind of numb, really pretty numb", kb.softeners) == "my calf is numb, numb"
    assert unsoften("a bit of a pop in my quite new shoes", kb.diminishers) == "pop in my quite new shoes"
    assert unsoften("prettyish", kb.softeners) == "prettyish"


def test_a_long_message_stays_fast(kb: KnowledgeBase) -> None:
    import time

    message = ("my shin aches a bit at night and I wonder whether a massage would help, " * 150)[:10_000]
    assess(message, kb)  # patterns compiled
    start = time.perf_counter()
    assess(message, kb)
    assert time.perf_counter() - start < 1.0  # a few ms per ordinary message; generous on a shared machine



# Forum-length posts in a second voice: the readings, not phrase lists, have to find these.
@pytest.mark.parametrize(("flag", "message"), [
    ('night_rest_pain',
     "Right so here's the thing. For about three weeks my right hip has been achey, and now it nags at me even when "
     "I'm just lying on the sofa in the evening. Not crazy painful, just there."),
    ('night_rest_pain', "it's not bad when running tbh but in bed it throbs and i end up lying awake"),
    ('night_rest_pain', "I've taken 10 days off and the knee still aches sitting still at my desk"),
    ('night_rest_pain', 'my foot has started to hurt at night, like a deep ache in the middle of it'),
    ('night_rest_pain', 'waking up at 4am with my shin pounding, which is new'),
    ('bone_point_pain',
     "on the inside of my shin there's a spot about 2 inches up from the ankle that's really tender if I push it"),
    ('bone_point_pain', "the top of my foot hurts in one place and it's a bit puffy, getting worse each run"),
    ('bone_point_pain', 'my hip (the bony bit at the front) hurts when I hop on that leg'),
    ('bone_point_pain', "it's a very specific pain right on the shinbone, not the muscle"),
    ('bone_point_pain', 'I can point to it with one finger, just under the knee on the bone'),
    ('self_harm', "sometimes I think it'd be easier if I just didn't wake up"),
    ('self_harm', "I can't stop thinking about ending it all"),
    ('self_harm', "I've been looking up ways to end my life"),
    ('self_harm', "I feel like everyone would be better off if I wasn't here, even my running club"),
    ('self_harm', "running was all I had. now there's nothing. I don't see the point of being here"),
    ('self_harm', "I've thought about stepping in front of a bus on my way home"),
    ('self_harm', 'i just want it all to stop, permanently'),
    ('self_harm',
     "honestly don't know how much longer I can keep going like this, I've been having some really dark thoughts "
     "about not being here"),
    ('cannot_bear_weight', 'I can barely walk since I went over on my ankle on Saturday'),
    ('cannot_bear_weight', "I've been hobbling around on crutches since the fall"),
    ('pop_sudden_pain', "Mid race something in my calf just gave out, felt like I'd been hit with a stick"),
    ('pop_sudden_pain', 'I felt a sharp twang in the back of my leg sprinting and had to hobble home'),
    ('swelling_bruising', 'my ankle is double its normal size and purple down the side'),
    ('dark_urine', 'my urine was like coca cola after the 100k'),
    ('fever', 'I have a fever and my whole body aches, but my race is Saturday'),
    ('energy_deficiency', "I've not had a period for 5 months but I feel fine, is it ok to keep training?"),
    ('energy_deficiency', 'I restrict what I eat pretty hard to stay light for racing'),
    ('chest_pain_breathless', 'I get a tight band around my chest on easy runs that goes away when I stop'),
    ('cauda_equina', "my back has been really painful and I can't feel the toilet paper when I wipe"),
])
def test_forum_posts_in_another_voice_are_read(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert flag in assess(message, kb).ids


# Questions about massage techniques and their after-effects, ordinary aches said in passing.
@pytest.mark.parametrize("message", [
        'Is it ok to use a massage gun directly on the shin bone or should I stay on the muscle?',
        'My therapist dug into one spot on my calf and it hurt like hell, is that how trigger point is supposed to '
        'feel?',
        'after my first deep tissue massage I could barely walk down the stairs, is that normal?',
        'how long should I press on a trigger point before moving on?',
        "what's the difference between effleurage and petrissage and which is better at night before bed?",
        'will a sports massage leave bruises? I bruised quite a bit last time',
        'I get achy calves whenever I sit for a long time on flights, would compression help?',
        'should I foam roll before bed or in the morning?',
        'my massage therapist said my IT band is really tight and it was sore for 2 days after',
        'my left shin gets sore after speed sessions but is fine by the next morning, should I get it massaged?',
        'Quick one: how hard should the therapist press around the achilles? Mine was pretty painful',
        'sports massage on a rest day or the day before a long run?',
        'my calf felt a bit tender where she worked on the knot yesterday, normal?',
        'the bottom of my foot hurts for the first few steps in the morning then eases off',
        'sore knees going down stairs after a hilly race, is massage useful?',
        "Does massage help with restless legs at night? I can't sleep sometimes",
        "the pain in my glute is only when I run uphill, it's fine sitting",
        "I have a bit of a niggle in my hamstring, it doesn't bother me at night or when walking",
        'I can feel my heart beating in my ears when I lie down after a hard session',
        "heel pain eases once I've warmed up, it's worst when I get out of bed",
])
def test_technique_questions_and_passing_aches_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


# The same context rules for every sign: denied (through a list), cleared (by "she", named before),
# over, someone else's, asked in general ("what to look out for"), exertion and slang.
@pytest.mark.parametrize("message", [
    "Thankfully there's no swelling or bruising at all, it just feels stiff",
    "It doesn't wake me at night and I can hop on it fine, so I'm hoping it's just a strain",
    'Had it scanned, the MRI showed no stress fracture, only a bit of tendon irritation',
    'Went to A&E to be safe, they x-rayed it, nothing broken, told me to rest a few days',
    "GP checked me over for the chest thing and my ECG was normal, so I'm back running",
    'The numbness in my toes went away once I loosened my laces',
    "I had really bad shin pain at night back in 2021 but it's totally sorted now",
    "My knee used to swell up after long runs years ago, hasn't happened since",
    "My teammate's ankle is swollen after netball, glad it's not mine. What massage for my tight calves?",
    'One of the guys at club collapsed at the finish last year, scary stuff',
    'Does a stress fracture hurt at night or only when you run?',
    'How do you tell shin splints from a stress fracture?',
    'What should I look out for with rhabdo after an ultra?',
    'Those hill repeats were brutal, I thought my lungs were going to explode',
    'my calves were screaming on the last climb',
    'I nearly died on that last hill haha',
    'my legs were shaking and I was gasping at the end of my 5k PB',
    'heart was going like the clappers after the sprint finish',
    'I was so breathless after the 400m reps I had to lie down on the track',
    'numb fingers in this cold weather on my morning run',
    'my foot went to sleep in the car on the way to the race',
    "I've never had any numbness or tingling, just tight calves",
    "I've not had any pain at rest, it only hurts at mile 8 or so",
    "no pain when I press on the bone, it's more the muscle next to it",
    "she said it's not a fracture, just a bone bruise, and I'm fine to have a massage now",
    'the swelling went down after a couple of days and it feels normal now',
])
def test_context_rules_apply_to_every_sign(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


@pytest.mark.parametrize(("message", "flag"), [
    ("it is not painful on runs although at night my shin aches", "night_rest_pain"),
    ("no pain on the run, whereas lying in bed my hip throbs", "night_rest_pain"),
    ("I never had any problem with it till now and it hurts when I hop", "bone_point_pain"),
])
def test_a_denial_ends_with_its_clause(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


# Questions about massage techniques that name a sign's words (at night, in bed, tender, a bruise).
@pytest.mark.parametrize("message", [
    'When I use my massage gun on my calves at night before bed it sometimes feels sore, am I pressing too hard?',
    'should I do effleurage on my shins in bed before I sleep? my physio suggested it',
    "what pressure should I use with my foam roller on my IT band? it's agony lol",
    'I want to learn self massage for my calves, any good youtube videos?',
    'Is it bad to massage my calves while lying down watching telly?',
    'my therapist uses her elbow on my glutes and it hurts so much, is that normal?',
    "can I use my lacrosse ball on my arch at my desk? it's a bit tender",
    'how often should I book a sports massage during marathon training? my legs are always a bit sore',
    'trigger point therapy on my hamstring left a bruise, is that ok?',
    'percussion gun on my shin bone: good or bad idea?',
    'my shins ache after runs, which massage is best, and should I do it at night?',
    "can I massage the top of my foot? it's a bit achy after I tie my laces too tight",
    'I fell asleep on the massage table lol, is that normal?',
    'does rolling my foot on a frozen bottle help plantar fasciitis pain in the morning?',
    "I roll my calves every night in bed with a stick and they're less sore",
])
def test_massage_technique_questions_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


# A third voice: texting style, no apostrophes, the sign told sideways.
@pytest.mark.parametrize(("flag", "message"), [
    ('night_rest_pain', 'dont know if its related but ive been sleeping badly cos my hip is sore when i roll over'),
    ('night_rest_pain', "the ache in my foot is there first thing when I'm still in bed and last thing at night"),
    ('night_rest_pain', "knee is grumbling away even on days I'm not running"),
    ('night_rest_pain', "the pain doesn't go when I stop any more, it just sits there all evening"),
    ('night_rest_pain', "honestly the shin throbs more when I'm resting than when I'm out running"),
    ('night_rest_pain', "I've had an ache deep in the thigh that's there 24/7 now, even watching telly"),
    ('night_rest_pain', "at nite my achilles just pulses and i can't drop off"),
    ('bone_point_pain', "there's this really localised pain on my foot, right over one of the long bones"),
    ('bone_point_pain', "my shin has a small bump on it that's super sore to touch"),
    ('bone_point_pain', "I can't hop on my left leg without a jolt of pain in the shin"),
    ('bone_point_pain', "Feels like a bruise on the bone but there's no bruise, just one very sore point"),
    ('bone_point_pain',
     'The ache in my foot has gone from only on long runs to every run, and now walking to work too.'),
    ('bone_point_pain', 'pain right on the front of the shinbone in one spot, tender to touch'),
    ('self_harm', 'I keep thinking my family would be better off without me'),
    ('self_harm', "I've been wondering lately if it would even matter if I wasn't here"),
    ('self_harm', "i'm scared of what i might do to myself"),
    ('self_harm', "some days I just don't want to exist"),
    ('self_harm', 'i feel like giving up on everything, even living'),
    ('self_harm', "I wrote a letter to my partner in case I'm not around"),
    ('self_harm', 'been having thoughts of self harm again since i stopped running'),
    ('self_harm', "Honestly I've thought about taking all my tablets"),
    ('self_harm', "life doesn't feel worth living since the injury"),
    ('self_harm', 'i dont think i can keep doing this, i want to go to sleep and not wake up'),
    ('self_harm', 'I cut myself last night because I was so angry about the injury'),
])
def test_signs_told_sideways_are_read(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert flag in assess(message, kb).ids


# Ordinary forum posts full of the families' words: nights, bed, sitting, pressing, weight, the point.
@pytest.mark.parametrize("message", [
    "Training for my first marathon and I've noticed I sleep terribly the night after long runs, legs feel restless "
    "and achy. Is a massage before bed worth it or is it just a stretching thing?",
    "I'm a night owl so most of my runs are at night, and my calves are always tight the day after. Best self "
    "massage for calves?",
    'I work nights as a nurse and run in the mornings, my hamstrings are sore a lot. Would a monthly massage help?',
    "Had my first sports massage yesterday and this morning my quads feel like I've done a hard session. Is that "
    "normal soreness and how long does it last?",
    'I sit at a desk 9 hours a day and my hips feel tight when I get up. What stretches or massage should I do '
    'before running?',
    'My rest day routine is foam rolling and a bath. Anything else I should add for recovery?',
    'Lying in bed last night I was thinking about my race plan, how long before a half should I get a massage?',
    'My shins were sore for the first couple of weeks when I started running but it went away, is that normal for '
    'beginners?',
    "What's the point of a cool down if I'm foam rolling anyway?",
    "Does anyone else get really tired legs on rest days? I feel worse when I'm not running haha",
    'I want to lose a bit of weight before my race, is it ok to run on an empty stomach?',
    'My watch says my resting heart rate is up and my legs ache, am I overtraining?',
    'Started running at lunchtime instead of after work and my back feels better sitting at my desk in the afternoon',
    "A knot in my calf has been there for weeks, it's tender when I press it and tight when I run. Trigger point or "
    "foam roller?",
    'I get stitches on my side when I run after eating, how long should I wait?',
    'Is it normal for my feet to hurt after a long day on them at work? I run 3x a week',
    'I tend to get a dull ache in my lower back after sitting in the car for long drives to races',
    'Any tips for sleeping better the night before a marathon? I always toss and turn',
    'My knee hurt a bit on my run this morning but it was fine by lunch',
    'I pressed on the sore spot in my calf with my thumb and it released, massage is magic',
    'The hill reps left my glutes sore for two days, I could feel them every time I sat down lol',
    'How much should a sports massage cost in London? My legs are killing me after the 10k block',
    "my kid woke me up at 3am and now I'm too tired to run, should I rest?",
    'The bone broth recipe my coach gave me is great for recovery apparently',
    'I could barely sit down after the leg day session haha',
    "when I lie down after a long run my legs feel like they're buzzing, is that normal?",
])
def test_ordinary_posts_with_the_families_words_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert_reading(kb, "none", message)


# Written as a held-out check after tuning (16/25 referred, 1/20 false alarms before the families grew).
@pytest.mark.parametrize(("flag", "message"), [
    ('night_rest_pain',
     'Anyone else get a toothache-type pain in the shin when trying to sleep? Been like that for a fortnight.'),
    ('night_rest_pain', 'my heel is the worst at bedtime, it aches like mad once i get under the covers'),
    ('night_rest_pain', "the hip pain is constant now, doesn't matter if I'm running or sat down"),
    ('night_rest_pain', "Noticed my knee throbbing when I'm just chilling on the couch, no run that day"),
    ('night_rest_pain', "can't get a decent nights sleep, the ache in my foot keeps me tossing and turning"),
    ('night_rest_pain', "The achilles is sore even on my days off now and it's waking me in the early hours"),
    ('bone_point_pain', "If I tap along my shin there's one bit that makes me wince"),
    ('bone_point_pain', 'a really sore spot on the outside of my foot, right on the bone, hurts to walk on now'),
    ('bone_point_pain', "hopping hurts on the right, it's like a sharp point of pain in the lower shin"),
    ('bone_point_pain', "there's a tender lump on my shinbone that hurts when i press it"),
    ('bone_point_pain', 'my metatarsals ache more every run and one spot is very tender'),
    ('self_harm', "I've been feeling like I shouldn't be here anymore"),
    ('self_harm', "tbh I've had moments where I wanted to just not exist"),
    ('self_harm', 'I keep imagining my funeral and thinking people would cope fine'),
    ('self_harm', "I've got pills saved up just in case"),
    ('self_harm', "I don't want to carry on living like this"),
    ('self_harm', 'sometimes I think about walking into the sea and not coming back'),
    ('chest_pain_breathless', "there's a crushing feeling in my chest when I go up stairs"),
    ('cauda_equina', "back pain and I've noticed I can't feel much when I go to the toilet, down there feels numb"),
    ('cannot_bear_weight', "I can't put my foot on the floor without screaming"),
    ('pop_sudden_pain', 'it felt like someone kicked the back of my ankle but nobody was there'),
    ('dark_urine', 'my pee was the colour of coke after the 24 hour race'),
    ('swelling_bruising', 'the ankle has puffed up like a balloon'),
    ('fever', 'I feel really feverish and shaky and my legs ache all over'),
    ('energy_deficiency',
     "my cycle has been all over the place and now it's stopped completely since marathon training"),
    ('none', 'I sleep like a log after long runs, is massage before bed a good idea?'),
    ('none', 'Night runs are my favourite, any tips for sore calves after them?'),
    ('none', 'my shins ache after track sessions but never at night or at rest'),
    ('none', 'Can pressing on a trigger point near the shin bone be harmful?'),
    ('none', 'Just curious, do stress fractures always hurt when you hop?'),
    ('none', 'I used to get night pain in my hip a few years ago, all good now'),
    ('none', "My training partner's foot has been hurting at night"),
    ('none', 'the doc examined my shin, no fracture, just muscle tightness'),
    ('none', 'I literally died on that tempo run lol'),
    ('none', 'I want to disappear under a blanket after this week of training'),
    ('none', 'my family would be better off if I stopped talking about running all the time haha'),
    ('none', "My calves burn on hills and I'm always out of breath on them"),
    ('none', 'how long does DOMS last after a marathon? my legs ached all night'),
    ('none', 'my legs felt heavy in bed after the long run, normal?'),
    ('none', "I'm going to do a massage course and want to practise on my running club"),
    ('none', 'what should I eat before a long run to avoid hitting the wall?'),
    ('none', "I'm so sore after the massage I can barely sit at my desk, lol"),
    ('none', 'can you recommend a good massage for tight hamstrings after sitting all day?'),
    ('none', "my resting heart rate dropped, that's good right?"),
    ('none', 'best way to massage a knot that aches when I lie on it?'),
])
def test_held_out_posts(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert_reading(kb, flag, message)


# A second held-out check, long posts in a fourth voice (17/22 referred, 0/20 false alarms when first run).
@pytest.mark.parametrize(("flag", "message"), [
    ('night_rest_pain',
     "Long post sorry. 38F, about 30 miles a week. Six weeks ago my right knee started to ache after long runs, "
     "which I ignored. Now it seems to be aching in the evenings when I'm sat reading and sometimes it wakes me "
     "when I turn over. Is this something a massage could sort out?"),
    ('night_rest_pain',
     'Probably overthinking this but my shin has a dull ache most nights now even when I havent run'),
    ('night_rest_pain', 'the pain is now there when im lying on the sofa, its like a deep throbby feeling in the hip'),
    ('night_rest_pain', "I'm getting a gnawing ache in my foot in the wee hours"),
    ('bone_point_pain',
     "Heya, quick q. There's a spot on my lower shin, maybe a thumb width, that is super tender if I poke it. The "
     "muscle either side is fine."),
    ('bone_point_pain', "my foot hurts on top near the second toe when i push on it and it's a tiny bit swollen"),
    ('bone_point_pain', 'its really sore to jump or hop now and the pain is right on the tibia'),
    ('bone_point_pain',
     'pain on the outside of my hip, on the bony bit, hurts when i push there and hurts more each week'),
    ('self_harm', 'some nights i lie there and wish i just wouldnt wake up in the morning'),
    ('self_harm', "I feel like a waste of space and that it'd be easier for everyone if I was gone"),
    ('self_harm', "i've been looking at the bridge on my route differently lately, if you know what i mean"),
    ('self_harm', "Since the injury I've had thoughts about doing something to myself"),
    ('self_harm', 'i honestly dont see a future for myself anymore'),
    ('self_harm', "I'm tired. Not running tired. Tired of everything. I just want to sleep and not wake up."),
    ('chest_pain_breathless',
     "Last two runs I've had this ache in the middle of my chest going into my jaw, stops when I walk"),
    ('cauda_equina', "my sciatica has got worse and now I'm struggling to pee properly"),
    ('cannot_bear_weight',
     "went over on my ankle on a trail, heard a crunch, and I literally can't put any pressure through it"),
    ('pop_sudden_pain', 'was doing strides and my hamstring just went, like a gunshot, had to limp back'),
    ('dark_urine', 'weed after the 50 miler and it was really dark, nearly brown, and my quads are agony'),
    ('swelling_bruising', "the back of my knee has come up in a lump and it's tight and puffy"),
    ('fever', "the graze on my knee from the fall is now hot and there's a red line going up my leg"),
    ('energy_deficiency', "I haven't had my period in about 4 months, I think it's the mileage"),
    ('none',
     "Long post sorry. Just finished my first marathon and my legs were absolutely wrecked, I could hardly get to "
     "sleep with how achy they were. Two days later they're much better. When's the best time for a massage?"),
    ('none', 'does anyone know if massage helps with sleep? I toss and turn the night before races'),
    ('none', "I had a suspected stress fracture last year but the MRI was clear and it's been fine since"),
    ('none', "my mate reckons he's got shin splints, any massage ideas for him?"),
    ('none', 'what are the warning signs of overtraining?'),
    ('none', "my calf knot hurts when I press it but I think that's the point of trigger point therapy"),
    ('none', "I'm so done with this hill training, I want to quit lol"),
    ('none', 'I ran 20 miles and my legs want to die haha'),
    ('none', 'My chest was tight when I got a cold last winter but it cleared up'),
    ('none', 'No pain when walking or hopping, just some stiffness in the morning'),
    ('none', 'my foot goes numb when my laces are tight'),
    ('none', 'is deep tissue or sports massage better for sore legs at night after a hard week?'),
    ('none', 'my quads were throbbing in bed after the ultra but fine the next day'),
    ('none', 'Sat at my desk all day and my glutes ache, any massage ideas?'),
    ('none', "I can't wait for my rest day, my legs are begging for it"),
    ('none', "when I press on my IT band with the roller it's agony, is that normal?"),
    ('none', "I'd like to lose a few pounds before race day, would cutting carbs hurt my running?"),
    ('none', 'my period came early this month, is it ok to get a massage?'),
    ('none', 'I feel a bit flat after the race but looking forward to the next one'),
    ('none', "If I ever get pain at night in my shin I'll stop, but so far so good"),
])
def test_second_held_out_posts(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert_reading(kb, flag, message)


# Emergencies and self-harm stay hard to silence: an all-clear, a denial or a friend nearby does not.
@pytest.mark.parametrize(("flag", "message"), [
    ('self_harm', 'the physio said my knee is fine, but honestly I want to kill myself'),
    ('self_harm', "not sure this is the place, but I've been thinking about ending it all"),
    ('self_harm', "no injury or anything, I just don't want to be alive anymore"),
    ('self_harm', 'my friend says I should talk to someone because I keep saying I want to disappear forever'),
    ('self_harm', "Last year I self harmed and it's started again"),
    ('self_harm', "What's the point of living if I can't run?"),
    ('chest_pain_breathless',
     'the doctor said my heart was fine last year, but today I had crushing chest pain on my run'),
    ('chest_pain_breathless', "can massage help? my chest gets tight and I can't breathe properly on easy runs"),
    ('cauda_equina', "the physio said it's just a disc, but now I can't feel when I need to pee and my back is agony"),
])
def test_emergencies_and_self_harm_are_hard_to_silence(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert flag in assess(message, kb).ids


def test_no_other_training_example_is_flagged(kb: KnowledgeBase) -> None:
    """The training data's ordinary intents are what runners say without a warning sign."""
    import re

    import yaml

    from bot.knowledge_base import KNOWLEDGE_DIR

    flagged = []
    for path in sorted((KNOWLEDGE_DIR.parent.parent / "data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text("utf-8")) or {}).get("nlu") or []:
            if block.get("intent") in (None, "red_flag") or not block.get("examples"):
                continue
            for line in block["examples"].splitlines():
                if line.startswith("- "):
                    text = re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", line[2:]).strip()
                    if assess(text, kb).is_red_flag:
                        flagged.append((path.name, text))
    assert not flagged, flagged


# A third held-out check (12/18 referred, 2/20 false alarms when first run; self-harm 0/5), and
# accidental hurts in sport, which are no self-harm.
@pytest.mark.parametrize(("flag", "message"), [
    ('night_rest_pain',
     'Not a huge deal but the outside of my ankle aches in bed most nights lately, even after a day off'),
    ('night_rest_pain', "my shin is fine running but starts hurting once I'm home and resting which seems backwards?"),
    ('night_rest_pain',
     "been getting this nagging pain in the hip when lying on my back, it's there till I fall asleep"),
    ('bone_point_pain', 'one small area at the bottom of my shin is really tender, hurts to press and hurts to hop'),
    ('bone_point_pain',
     "I've got a sore patch on the top of the foot that hurts more every run and when I walk barefoot"),
    ('bone_point_pain', 'the pain is right on the heel bone when I squeeze it from the sides'),
    ('self_harm', "I've started giving my stuff away, it just feels right"),
    ('self_harm', "everything would be simpler if I wasn't in the picture"),
    ('self_harm', "I sometimes hope I get hit by a car on my run so it's all over"),
    ('self_harm', 'had a really dark night, came close to hurting myself'),
    ('self_harm', "I don't think I want to be around much longer"),
    ('chest_pain_breathless',
     'I get a heavy pressure on my chest and sweat a lot when I jog slowly, it eases with rest'),
    ('cannot_bear_weight', "it gave way and now I physically can't stand on that leg"),
    ('pop_sudden_pain', 'I heard a loud snap from my ankle as I landed off the kerb'),
    ('dark_urine', 'my wee has been brownish since the marathon and my thighs are rock solid and painful'),
    ('swelling_bruising', "my knee is really swollen since I fell on it, can't bend it"),
    ('fever', "I've been running a fever for 3 days and have a sore knee that's red and warm"),
    ('energy_deficiency', 'my periods stopped six months ago when I upped my mileage'),
    ('none', 'my ankle used to ache in bed after I sprained it in 2020, fine since'),
    ('none', "my buddy's shin hurts to hop, should she see someone?"),
    ('none', "physio pressed on my shin bone and said nothing's wrong, it's just tight calves"),
    ('none', 'sometimes I feel like I could run forever lol'),
    ('none', 'we did suicides at football training and my calves are killing me'),
    ('none', 'is it normal to feel heavy legs in bed the night after intervals?'),
    ('none', 'how do you know if shin pain is a stress fracture?'),
    ('none', 'I felt like I was going to die on that hill, best run ever'),
    ('none', "my hip doesn't hurt at night, just a bit stiff when I get up"),
    ('none', 'I want to disappear on a long trail run this weekend, any route ideas?'),
    ('none', 'can massage make bruising worse?'),
    ('none', 'my legs were burning at the end of the 10k, I was gasping'),
    ('none', 'I stepped on a stone and my foot was a bit sore for a minute, all fine now'),
    ('none', 'after my massage yesterday I had some bruising on my calves, is that normal?'),
    ('none', 'my daughter says her shin hurts at night, is that growing pains?'),
    ('none', "I'm bored of my running routine and want something new"),
    ('none', 'I want to hit the wall less in the marathon, what should I eat?'),
    ('none', "I'm over the moon, no pain at all in my shin now"),
    ('none', 'What massage is good after a long run for tired legs?'),
    ('none', 'my period makes my legs ache, can I get a massage then?'),
    ('none', "I'm worried I might hurt myself if I go back to running too soon"),
    ('none', 'I nearly hurt myself tripping on a root on the trail'),
    ('none', 'almost hurt myself on the icy downhill this morning'),
    ('none', 'I was so frustrated I hurt myself doing too much mileage'),
    ('self_harm', 'had a really dark night, came close to hurting myself'),
    ('self_harm', 'I cut myself last night because I was so angry about the injury'),
])
def test_third_held_out_posts(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert_reading(kb, flag, message)


# "should be gone", "won't come back": said of a pain, not of oneself (self-harm needs the writer as subject).
@pytest.mark.parametrize(("flag", "message"), [
    ('none', 'the physio said the soreness should be gone in a couple of weeks'),
    ('none', "I'd be gone for about three hours on my long runs, is that too much?"),
    ('none', 'hopefully the niggle will be gone by race day'),
    ('none', "my toenail should not be around much longer, it's black"),
    ('none', 'the blister should be gone by Sunday I think'),
    ('none', 'I keep thinking the pain will not come back if I rest'),
    ('none', 'the tightness would not come back after the massage'),
    ('none', 'maybe I should not be here at parkrun with this calf'),
    ('swelling_bruising', "I think the swelling should be gone by now, it's been a week"),
    ('none', 'I wish the pain would just disappear'),
])
def test_a_pain_that_should_be_gone_is_no_self_harm(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert_reading(kb, flag, message)


# A fourth held-out check (11/15 referred, 4/15 false alarms when first run).
@pytest.mark.parametrize(("flag", "message"), [
    ('night_rest_pain',
     "So this is a bit odd, my calf/shin area feels achey when I'm in bed and it's stopping me dropping off. Ran "
     "12k on Sunday, nothing since."),
    ('night_rest_pain',
     "Pain in my hip is still there at the end of the day when I'm just sitting around, and it's been 3 weeks off "
     "running."),
    ('night_rest_pain', 'kinda weird but my knee hurts more at rest than when i run?'),
    ('bone_point_pain', 'ive got a really specific sore bit on my shin, like i could circle it with a pen'),
    ('bone_point_pain', 'the top of my foot hurts to touch in one spot, over the bones near the middle toes'),
    ('bone_point_pain',
     'Every run it kicks in a bit sooner, this pain low on the inside of my shin, and now stairs hurt too.'),
    ('self_harm', "I feel like I'm just in the way, everyone would be fine without me"),
    ('self_harm', "I've been thinking it would be nice to just go to sleep and never wake up"),
    ('self_harm', "I don't know how much longer I can pretend I'm ok, I've thought about ending it"),
    ('self_harm', 'sometimes i google ways to die'),
    ('self_harm', "i feel like i'm disappearing and i don't really mind"),
    ('pop_sudden_pain', "Felt a sudden ping in my calf on the hill and now it's tight and sore to walk on"),
    ('cannot_bear_weight', "ankle went over on the kerb and I can't take any weight through it, it's ballooned"),
    ('fever', "feel really run down and hot and cold, aching all over, and I've got a half on Sunday"),
    ('energy_deficiency', 'I only eat about 1200 calories even on long run days because I want to be lighter'),
    ('none', 'Does anyone else find they sleep worse after evening runs?'),
    ('none', 'I love a massage on rest days, my legs feel so light after'),
    ('none', 'can I use a massage ball on my shins before bed?'),
    ('none', 'my coach pointed out the exact spot on my calf where the knot was, amazing'),
    ('none', "I'm hoping to disappear off for a long run tomorrow while the kids are at school"),
    ('none', 'I thought I was going to die on the stairs after that marathon lol'),
    ('none', 'would anyone care if I skipped club tonight? feeling lazy'),
    ('none', "I don't want to be around people at races, too crowded"),
    ('none', 'my wife says my snoring keeps her up at night'),
    ('none', "I tapped on my shin and it didn't hurt, so I think it's just shin splints"),
    ('none', 'my shin pain went away after 2 weeks of rest, can I run again?'),
    ('none', 'my pee is dark yellow in the mornings, should I drink more?'),
    ('none', 'I felt a pop in my ears on the plane, weird'),
])
def test_fourth_held_out_posts(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert_reading(kb, flag, message)


# Expected after-effects of a treatment told in the sign's own clause, for every sign where they apply;
# a lasting sign, an injury or a lost ability to bear weight after a massage still refers.
@pytest.mark.parametrize(("flag", "message"), [
    ('none', 'got cupping on my back and it throbbed all night after'),
    ('none', 'sports massage yesterday and my shin is tender to touch today'),
    ('none', 'had a deep tissue massage yesterday and my calf is really tender today, is that normal?'),
    ('none', 'massage gun on my quads left them tingly for an hour'),
    ('cannot_bear_weight', "since the massage yesterday I can't put any weight on my foot"),
    ('numbness_tingling', 'I use the roller most days but my foot has been numb for two weeks now'),
    ('numbness_tingling', "after the massage my foot has been numb for three days and it's not going away"),
    ('swelling_bruising', 'the bruising from the cupping is still getting worse a week later'),
    ('numbness_tingling', 'does massage help the numbness in my foot?'),
])
def test_treatment_after_effects_by_sign(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert_reading(kb, flag, message)


# An all-clear first, then the sign named as its harmless cause; something new or worse still refers.
@pytest.mark.parametrize(("flag", "message"), [
    ('none', "the physio said it's fine to run on, it's just a bone bruise"),
    ('none', "the physio had a look at my shin pain and said it's just shin splints"),
    ('swelling_bruising', 'the physio cleared my knee, but now my ankle is just really swollen'),
])
def test_all_clear_before_the_sign(kb: KnowledgeBase, flag: str, message: str) -> None:
    assert_reading(kb, flag, message)


@pytest.mark.parametrize(("message", "waiting"), [
    ("the physio can't see me for three weeks", True),
    ("on the waiting list for an mri", True),
    ("gp appointment is 2 weeks away", True),
    ("my race is 3 weeks away", False),
    ("been waiting ages for my new shoes", False),
])
def test_care_far_off_is_told_apart_from_other_waits(message: str, waiting: bool) -> None:
    from bot.referral import waits_for_care

    assert waits_for_care(message) is waiting


# --- session 15: signs in someone in the writer's care, and signs in runners' everyday words ---------

@pytest.mark.parametrize(("message", "flag"), [
    # a parent, a coach, a partner asking what to do for the person they look after
    ("My daughter's ankle is swollen after netball, can I massage it for her?", "swelling_bruising"),
    ("I coach a 15 year old who can't put any weight on her foot since Saturday. How should I massage it?",
     "cannot_bear_weight"),
    ("my husband went down on his long run and was out for a few seconds. can I give him a massage tonight?",
     "fainting_palpitations"),
    ("I'm his coach. His shin has one spot that is agony when he hops, what massage should I do?",
     "bone_point_pain"),
    ("my son has been cutting himself when school gets too much, would a massage help him relax?", "self_harm"),
])
def test_a_sign_in_someone_the_writer_cares_for_is_referred(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


@pytest.mark.parametrize("message", [
    # no one to look after: someone else's problem, told in passing or as a worry about a cause
    "my daughter says her shin hurts at night, is that growing pains?",
    "my mate felt a pop in his calf at parkrun, anyway what massage for my tight hamstrings?",
    "I coach juniors and my own calves are tight after sessions, what massage would you suggest?",
    "my wife's heart swelled with pride at the finish line, what massage for my quads after the marathon?",
])
def test_other_people_s_signs_without_a_request_for_them_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


@pytest.mark.parametrize(("message", "flag"), [
    ("when everything gets too much I cut myself", "self_harm"),
    ("it was a hot day and afterwards I was muddled and kept repeating myself", "heat_illness"),
    ("my heart was going way too fast and everything was spinning so I had to crouch down", "fainting_palpitations"),
    ("heart went mad on the hill and I felt dizzy, then it settled after a minute", "fainting_palpitations"),
    ("my left foot feels fuzzy like after the dentist and it catches on the kerb", "numbness_tingling"),
    ("lower back pain and my bum is numb when I sit", "cauda_equina"),
    ("for many weeks now everything has lost its colour", "low_mood"),
    ("Running, friends, food, none of it gives me any joy. It has been like that for 6 weeks.", "low_mood"),
    ("flew back from Sydney on Monday and my left calf looks bigger than the right one and it's warm",
     "calf_after_flight"),
    ("a heavy pressure in my chest on hills that goes into my left arm", "chest_pain_breathless"),
    ("felt something flick at the back of my ankle like an elastic band, thought someone kicked me", "pop_sudden_pain"),
    ("tried hopping on that leg and it was sharp, no chance", "bone_point_pain"),
    ("I have not run a step for three weeks. The knee is getting worse, not better.", "pain_not_improving"),
])
def test_signs_in_everyday_words_are_caught(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


@pytest.mark.parametrize("message", [
    "I hurt myself doing too much too soon, which massage for my calf?",
    "my toes went numb at mile 5. Laces were too tight, it went within a minute of loosening them",
    "my legs feel like they have been beaten with a bat two days after leg day",
    "my calf went tight on the hill and then it went away after a minute",
    "hopped on the bus after parkrun, quads sore, what massage?",
    "it was hot but no sweat, easy 5k",
    "my nerves are shot and my heart is racing just thinking about the race",
])
def test_everyday_words_in_harmless_senses_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


@pytest.mark.parametrize(("message", "speaks_for"), [
    ("I coach a youth squad, mind if I ask about one of my runners?", True),
    ("asking for my husband, he won't ask himself", True),
    ("coaching question: one of my lads is sore all over", True),
    ("my mate's calf is tight, funny that", False),
    ("my calves are tight after the long run", False),
])
def test_the_writer_says_whom_they_look_after(message: str, speaks_for: bool) -> None:
    assert speaks_for_someone(message) is speaks_for


def test_a_sign_told_a_turn_after_the_care_is_read_for_that_person(kb: KnowledgeBase) -> None:
    """"I coach a junior" one turn, "she felt a pop" the next: the conversation says whose sign it is."""
    message = "she felt a pop at the back of her thigh on the last rep and had to stop"
    assert not assess(message, kb).is_red_flag
    assert "pop_sudden_pain" in assess(message, kb, carer=True).ids
    assert not assess("she says her new shoes are great", kb, carer=True).is_red_flag


@pytest.mark.parametrize(("earlier", "message", "flag"), [
    # the journey and the leg a turn before, the change now, said of "the left one"
    (["Flew home from Perth on Sunday, 17 hours. Left calf has been achy since."],
     "the left one is warm now and bigger than the other", "calf_after_flight"),
    (["back from a work trip, long drive on friday", "my calf is tight"],
     "it feels hot now and looks bigger than the other", "calf_after_flight"),
    (["fell on the trail and banged my head on a rock"], "since then a headache and I feel sick",
     "head_injury"),
    (["I've stopped enjoying anything, running included"], "a couple of months", "low_mood"),
    (["my knee hurts on the outside", "I haven't run for three weeks"], "and it's getting worse", "pain_not_improving"),
])
def test_a_sign_told_over_several_turns_is_read_whole(kb: KnowledgeBase, earlier: list[str], message: str,
                                                      flag: str) -> None:
    assert not assess(message, kb).is_red_flag
    assert flag in assess(message, kb, earlier=earlier).ids


def test_an_all_clear_now_closes_a_sign_told_before(kb: KnowledgeBase) -> None:
    earlier = ["back from a long haul flight yesterday", "my right calf is warm and puffy now"]
    assert assess("the physio scanned it, not a clot, just a tight calf, massage is fine", kb,
                  earlier=earlier).ids == ()
    assert "calf_after_flight" in assess("the calf is still warm and bigger than the other", kb, earlier=earlier).ids


@pytest.mark.parametrize(("earlier", "message"), [
    (["flew in for the marathon, calves are sore"], "should I have a hot bath or a massage tonight?"),
    (["flew in for the marathon, calves are sore"], "is a sports massage a good idea?"),
    (["my calf is tight after the long run"], "it feels warm after my warm up, is that normal?"),
    (["fell over on the trail yesterday, grazed my knee"], "legs are sore, and a headache from the heat"),
    # the sign was told before and referred then; "thanks" repeats nothing
    (["flew back sunday, my left calf is swollen and warm"], "ok thanks, will do"),
    # a professional checked it: what came before no longer counts
    (["flew back, calf swollen and warm", "the doctor scanned it, no clot, just a strain"],
     "can I have a sports massage on my calf now?"),
])
def test_what_came_before_does_not_make_an_ordinary_turn_a_sign(kb: KnowledgeBase, earlier: list[str],
                                                               message: str) -> None:
    assert not assess(message, kb, earlier=earlier).is_red_flag


@pytest.mark.parametrize(("message", "flag"), [
    # a compound written with a hyphen reads as its words
    ("pee has been coke-coloured since the trail ultra", "dark_urine"),
    ("went over on my ankle at the trail race, bottom-shuffling round the house since", "cannot_bear_weight"),
    # the injury a sentence before the stairs
    ("twisted my knee on sunday. I can't manage one step on it, stairs are impossible", "cannot_bear_weight"),
    ("been hopping round the flat since I twisted my knee", "cannot_bear_weight"),
    # a number in words wherever a number goes
    ("stopped enjoying anything at all, six weeks now", "low_mood"),
    ("i have not enjoyed anythng for months", "low_mood"),
    ("low for weeks now, can't be bothered with anything", "low_mood"),
    ("was out for maybe 10 seconds after I collapsed at the finish", "fainting_palpitations"),
    ("I went down at mile 20 and next thing I knew the medics were over me", "fainting_palpitations"),
    ("my heart was flapping around in my chest mid run and I felt woozy", "fainting_palpitations"),
    ("my temp has been 38-39 every evening this week and my legs ache", "fever"),
    ("I don't see the point in sticking around any more", "self_harm"),
    ("my calf is swollen and warm, and I'm six weeks postpartum", "calf_after_flight"),
    ("since we landed on sunday my left calf has gone puffy and warm", "calf_after_flight"),
])
def test_signs_told_in_compounds_numbers_and_plain_stories(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


@pytest.mark.parametrize("message", [
    "my legs always feel heavy and puffy-ish after a long flight, gone by the next day",
    "toes went numb in the frost on my long run but fine after 5 mins in the car",
    "my feet went numb on a chilly morning run, back to normal after a hot shower",
    "honestly don't see the point in sticking around this club any more, the coach ignores me",
    "the swelling went down and next thing I knew I was back running",
    "the temperature was 38 at the race, brutal",
    "low mileage for weeks, legs feel fresh",
    "down for three weeks with a cold, legs heavy",
    "Down for 2 weeks after the injury, can I start massage?",
    "my watch's heart rate went haywire on the tempo, I felt fine, probably the sensor",
    "gave away most of my old running kit when I moved, now need new shoes",
    "had knee surgery in march, calves tight now, is massage ok?",
])
def test_compounds_numbers_and_stories_in_harmless_senses_stay_quiet(kb: KnowledgeBase, message: str) -> None:
    assert not assess(message, kb).is_red_flag


@pytest.mark.parametrize(("message", "flag"), [
    ("my ticker was going like the clappers on an easy run and then I went woozy", "fainting_palpitations"),
    ("my heart felt all over the shop sat at my desk last night, no idea why", "fainting_palpitations"),
    ("properly breathless at chatting pace this week, which has never happened", "chest_pain_breathless"),
    ("I collapsed in the finish funnel and honestly do not remember any of it", "fainting_palpitations"),
    ("thermometer says 38.7 tonight and every muscle aches", "fever"),
    ("the pain is every week more, already 5 weeks of rest and it is more worse", "pain_not_improving"),
    ("nothing's fun any more and it has been like this for months", "low_mood"),
    ("clashed heads with a guy at the water station and I've been dizzy and sick since", "head_injury"),
    ("his wife here, taking over the typing: after the hot race he got confused and stopped sweating. "
     "can I massage his legs?", "heat_illness"),
])
def test_signs_in_nicknames_learners_english_and_handovers(kb: KnowledgeBase, message: str, flag: str) -> None:
    assert flag in assess(message, kb).ids


@pytest.mark.parametrize("message", [
    "ankle puffed up after rolling it on the trail. UPDATE: all good now, swelling gone, back running",
    "walking like an old man after the Manchester marathon, hobbling down the stairs, normal right?",
    "drove back from the race with a bad back, and I need the bathroom a lot after all the gels",
    "foot went numb on the coach journey home from the race, fine once I walked about",
    "fever-free for a week now after that cold, can I get a massage before Sunday?",
])
def test_updates_old_people_s_walks_directions_journeys_and_free_of_stay_quiet(kb: KnowledgeBase,
                                                                               message: str) -> None:
    assert not assess(message, kb).is_red_flag
