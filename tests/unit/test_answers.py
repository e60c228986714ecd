"""bot/answers.py as tables: a question (or situation) -> what the reply starts with and says,
always from knowledge-base facts with their sources."""

from __future__ import annotations

from typing import Callable

import pytest

from bot import answers
from bot.knowledge_base import EDITORIAL, KnowledgeBase
from bot.recommender import Situation, recommend
from bot.reply import Reply
from bot.triage import assess

CALF = Situation(concerns=frozenset({"pain"}), body_parts=frozenset({"calf"}), duration="chronic")
CALF_AND_SLEEP = Situation(concerns=frozenset({"pain", "sleep"}), body_parts=frozenset({"calf"}))
STRESS = Situation(concerns=frozenset({"stress"}))


def concerns(situation: Situation) -> Callable[[KnowledgeBase], Reply]:
    return lambda kb: answers.concerns_reply(situation, recommend(situation, kb), kb)


# name, reply from the knowledge base -> starts with, says (ignoring case), has buttons
REPLIES: list[tuple[str, Callable[[KnowledgeBase], Reply], str, tuple[str, ...], bool]] = [
    ("pain", concerns(CALF), "Deep tissue massage is what I'd suggest for your calf.", ("why:", "therapist"), True),
    ("pain and sleep", concerns(CALF_AND_SLEEP), "Swedish massage", ("\n\nAlso: How massage helps sleep:",), True),
    ("stress", concerns(STRESS), "Massage can take the edge off stress:", ("the gentlest fit is",), True),
    ("why", lambda kb: answers.why_reply(recommend(CALF, kb)), "I picked Deep tissue massage because:", ("\n- ",),
     False),
    ("alternatives", lambda kb: answers.alternatives_reply(recommend(CALF, kb), kb), "",
     ("would also suit you", "between sessions:"), False),
    ("overview", answers.techniques_overview, "Here are the main massage types for runners:",
     ("swedish", "deep tissue", "sports", "myofascial", "trigger point"), True),
    ("technique", lambda kb: answers.technique_reply(kb.techniques["trigger_point"], "", kb),
     "Trigger point therapy:", ("how it's done:", "what it helps:", "best for:", "therapists use a few methods"),
     True),
    ("technique question", lambda kb: answers.technique_reply(kb.techniques["deep_tissue"], "should it hurt?", kb),
     "Deep tissue massage — ", ("\n- ",), False),
    ("method", lambda kb: answers.method_reply("pin_and_stretch", kb),
     "Pin and stretch is one of the trigger point therapy methods.", (), False),
    ("tool with a technique", lambda kb: answers.tool_reply("cupping", kb, ["cupping", "swedish"]), "",
     ("cupping", "\n\nswedish massage:"), False),
    ("compare two", lambda kb: answers.compare_reply(["deep_tissue", "sports"], kb), "Deep tissue massage:",
     ("sports massage:", "best for:", "which fits you best"), False),
    ("compare two and a tool", lambda kb: answers.compare_reply(["foam_roller", "sports", "deep_tissue"], kb),
     "Sports massage:", ("deep tissue massage:",), False),
    ("compare one", lambda kb: answers.compare_reply(["deep_tissue"], kb),
     "Here are the main massage types for runners:", (), True),
    ("benefits", lambda kb: answers.benefits_reply("is massage good for me", kb),
     "Massage can help runners in several ways:", ("sleep",), False),
    ("benefits topic", lambda kb: answers.benefits_reply("is foam rolling as good", kb),
     "Foam rolling and self-massage:", (), False),
    ("timing of a race", lambda kb: answers.timing_reply("pre_race", "when?", kb), "Massage before a race:", (),
     False),
    ("timing asked", lambda kb: answers.timing_reply("pre_race", "how often should I get a massage", kb),
     "How often to get a massage:", (), False),
    ("timing with a tool aside", lambda kb: answers.timing_reply(
        "pre_race", "foam rolling isn't doing much, is it too close to the race for a massage?", kb),
     "Massage before a race:", (), False),
    ("timing unknown", lambda kb: answers.timing_reply(None, "hmm", kb), "How often to get a massage:", (), False),
    ("benefits naming a technique", lambda kb: answers.naming(
        answers.benefits_reply("is deep tissue worth it", kb), ["deep_tissue"], kb),
     "Why massage helps runners:", ("\n\ndeep tissue massage: ",), False),
    ("timing naming a method and a tool", lambda kb: answers.naming(
        answers.timing_reply("pre_race", "effleurage or a massage gun before a race?", kb),
        ["swedish", "massage_gun"], kb),
     "Massage before a race:", ("\n\nswedish massage: ", "\nmassage guns: "), False),
    ("sleep mechanisms", answers.sleep_mechanisms_reply, "How massage helps sleep:", ("\n- ",), False),
    ("stress short", answers.stress_short, "For stress and nerves:", ("\n- ",), False),
    ("emergency", lambda kb: answers.referral_reply(assess("chest pain when running", kb)),
     answers.URGENCY_OPENERS["emergency"], ("not a diagnosis",), False),
    ("low mood", lambda kb: answers.referral_reply(assess("I've been feeling low for weeks and have no energy", kb)),
     "", ("you don't have to carry this alone",), False),
    ("follow-up on a race", lambda kb: answers.follow_up_reply("how soon can I book one?",
                                                             answers.Context(timing="post_race"), kb) or Reply(""),
     "Massage after a race:", (), False),
    ("same as foam rolling", lambda kb: answers.follow_up_reply(
        "is that the same as foam rolling?", answers.Context(technique="myofascial_release"), kb) or Reply(""),
     "Not quite. Myofascial release", ("foam rolling and self-massage:",), False),
    ("a gentler one, asked as a follow-up", lambda kb: answers.follow_up_reply(
        "anything softer to start with?", answers.Context(technique="sports_massage"), kb) or Reply(""),
     "Swedish versus deep tissue:", ("without much discomfort",), False),
    ("need more", lambda kb: answers.need_more_reply(), "Tell me a bit more so I can help", ("sleep or stress",),
     True),
]


@pytest.mark.parametrize(("make", "starts", "says", "buttons"), [r[1:] for r in REPLIES], ids=[r[0] for r in REPLIES])
def test_reply(kb: KnowledgeBase, make: Callable[[KnowledgeBase], Reply], starts: str, says: tuple[str, ...],
               buttons: bool) -> None:
    reply = make(kb)
    assert reply.text.startswith(starts) and all(s.lower() in reply.text.lower() for s in says), reply.text
    assert bool(reply.buttons) == buttons
    assert set(reply.sources) <= {*kb.sources, EDITORIAL} and (reply.sources or not reply.text.count("\n- "))


# question -> topic id (None: no topic's cue matches)
TOPICS = [
    ("how often should I get a massage", "training_block_frequency"),
    ("what should I wear", "what_to_wear"),
    ("what if i can't afford a therapist on a student budget", "foam_rolling"),
    ("is it ok to roll it tonight", "foam_rolling"),
    ("how long should i keep the gun on each calf", "percussion_massage"),
    ("is foam rolling as good", "foam_rolling"),
    ("should it hurt", "should_it_hurt"),
    ("can I run after a massage", "running_after_massage"),
    ("how many days should I wait before a hard session after it?", "running_after_massage"),
    ("how long after a massage can I do a hard workout?", "running_after_massage"),
    ("wait does a parkrun count as a race?", "what_counts_as_race"),
    ("is a club time trial a race for this?", "what_counts_as_race"),
    ("hello there", None),
]


@pytest.mark.parametrize(("question", "topic_id"), TOPICS)
def test_find_topic(kb: KnowledgeBase, question: str, topic_id: str | None) -> None:
    topic = answers.find_topic(question, kb)
    assert (topic.id if topic else None) == topic_id
    reply = answers.question_reply(question, kb)
    assert (reply.text.startswith(f"{topic.title}:\n- ") if topic and reply else reply is None), reply


# message -> is a question, asks which massage, is about massage
MESSAGES = [
    ("can I run tomorrow", True, False, False),
    ("my calf hurts", False, False, False),
    ("so what now", True, False, False),
    ("sore legs?", True, False, False),
    ("what kind of massage would help me relax?", True, True, True),
    ("which massage is best for tired legs?", True, True, True),
    ("does massage help sleep", True, False, True),
    ("my therapist says rest", False, False, True),
    ("what's good for tight calves", True, False, False),
    ("whats the best thing for shin splints", True, False, False),
    ("which stretches for hamstrings", True, False, False),
    # which massage, asked the short way once the talk has a concern
    ("which type would you book?", True, True, False),
    ("what kind then", True, True, False),
    ("ok so what would you actually recommend for tight hamstrings then", True, True, False),
    # an acknowledgement before, a filler after, an opinion asked
    ("fair. what would you go for on my calf", True, True, False),
    ("which one tho lol", True, True, False),
    ("which one was it again?", True, True, False),
    ("right, which would you pick", True, True, False),
    ("what would you get for christmas", True, False, False),
    ("so which for me then, marathon in 3 weeks?", True, True, False),
    ("what kind of shoes should i buy", True, False, False),
    ("what kind of pain is normal after a marathon?", True, False, False),
    ("foam roller vs massage gun, if I can only buy one? which would you go for?", True, False, True),
    ("for my tight calves, which would you pick", False, True, False),  # after a lead-in clause
    ("and which type for the day after?", True, True, False),
    ("which one makes more sense for a beginner", True, True, False),
    ("no race, just training. what would you book?", True, True, False),
    ("that's my left calf", False, False, False),
    ("would it help my tight back? office job + running", True, False, False),  # the aside after the question
    ("do you think a massage gun is worth it", True, False, True),
    ("could you recommend a massage for my first ultra?", True, True, True),
    ("can you suggest any good stretches", True, False, False),
    # the request as a noun, and "which one again" beside another question
    ("calves tight after the block, any massage recommendations?", True, True, True),
    ("thanks for your suggestion!", False, False, False),
    ("ok and for me, which one again and how often?", True, True, False),
]


@pytest.mark.parametrize(("text", "question", "which", "about"), MESSAGES)
def test_reading_a_message(text: str, question: bool, which: bool, about: bool) -> None:
    assert (answers.is_question(text), answers.asks_which_massage(text), answers.about_massage(text)) == (
        question, which, about)


def test_follow_up_needs_context_or_a_topic(kb: KnowledgeBase) -> None:
    assert answers.follow_up_reply("what's the weather", answers.Context(timing="post_race"), kb) is None


def test_a_referral_needs_a_warning_sign(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="at least one red flag"):
        answers.referral_reply(assess("my calves are tight", kb))


def test_naming_adds_nothing_the_reply_already_names(kb: KnowledgeBase) -> None:
    reply = answers.compare_reply(["deep_tissue", "sports"], kb)
    assert answers.naming(reply, ["sports", "deep_tissue"], kb) == reply
    assert answers.naming(reply, [], kb) == reply


def test_running_on_a_niggle_needs_a_pain_in_the_conversation(kb: KnowledgeBase) -> None:
    from bot.answers import Context

    asked = "or should I just keep running through it?"
    assert answers.follow_up_reply(asked, Context(pain=True), kb).topic == "running_on_a_niggle"
    assert answers.follow_up_reply(asked, Context(pain=False), kb) is None  # after stress advice: no pain to run on


@pytest.mark.parametrize(("text", "subject"), [
    ("what should I eat before my race?", "food_and_drink"),
    ("best shoes for a marathon?", "gear"),
    ("what pace should my long runs be?", "training_plan"),
    ("should I eat before a massage?", None),  # about massage too: ours
    ("my calves are tight", None),
])
def test_other_subjects_come_from_the_knowledge_base(kb: KnowledgeBase, text: str, subject: str | None) -> None:
    assert answers.other_subject(text, kb) == subject


def test_two_tools_named_are_both_answered(kb: KnowledgeBase) -> None:
    text = answers.tool_reply("cupping", kb, ["cupping", "dry_needling"]).text.lower()
    assert "cupping" in text and "dry needling" in text and "therapist" in text


@pytest.mark.parametrize(("text", "scope"), [
    ("ok so what can you actually help with?", True),
    ("hi, what are you for", True),
    ("what do you know about cupping?", False),   # a question about cupping
    ("how can you help my calves?", False),        # a question about the calves
])
def test_a_question_about_the_assistant_itself(text: str, scope: bool) -> None:
    assert answers.asks_what_i_do(text) is scope


@pytest.mark.parametrize("text", ["how long should a massage be?", "how long should I book for my back?"])
def test_how_long_a_session_should_be_is_its_topic(kb: KnowledgeBase, text: str) -> None:
    topic = answers.find_topic(text, kb)
    assert topic is not None and topic.id == "session_length"


@pytest.mark.parametrize(("text", "topic"), [
    ("not injured or anything, just wrecked", None),  # a denied cue in a statement
    ("I am injured, can I get a massage?", "fresh_injury"),
    ("should I not run after a massage?", "running_after_massage"),  # a question still asks it
])
def test_a_denied_cue_in_a_statement_finds_no_topic(kb: KnowledgeBase, text: str, topic: str | None) -> None:
    found = answers.find_topic(text, kb)
    assert (found.id if found else None) == topic
