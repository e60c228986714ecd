"""Answers to each kind of question, composed only from knowledge-base facts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kb_ids import (
    AFTER_LONG_RUN,
    AFTER_RACE,
    BEFORE_RACE,
    FOAM_ROLLING,
    GENERAL,
    GENTLER_OR_FIRMER,
    LICENSED_THERAPIST,
    MOOD_SIGNS,
    PAIN,
    PRE_RACE_TIMINGS,
    REST_AND_OTHER_HELP,
    RUNNING_AFTER_MASSAGE,
    RUNNING_ON_A_NIGGLE,
    SLEEP,
    SLEEP_BENEFIT,
    STRESS,
    STRESS_BENEFIT,
    TECHNIQUE_QUESTION_TOPICS,
    TIMING_TOPICS,
    TRAINING_BLOCK_FREQUENCY,
    WARNING_SIGNS,
)
from bot.knowledge_base import Fact, KnowledgeBase, Technique, Topic
from bot.recommender import Recommendation, Situation, recommend
from bot.reply import Button, Reply, intent_button, sources_of
from bot.text import normalise, phrase_pattern
from bot.triage import Triage
from bot.wording import bullets, join_names, lower_first, pick, sentence

URGENCY_OPENERS = {
    "emergency": "Please stop and get help now: this needs emergency care, not a massage.",
    "urgent": "This sounds like it needs a doctor today rather than a massage.",
    "prompt": "Please get this checked by a doctor or physiotherapist before any massage.",
}


def _therapist_fact(kb: KnowledgeBase) -> list[Fact]:
    return [kb.topics[LICENSED_THERAPIST].facts[0]]


def follow_up_buttons() -> tuple[Button, ...]:
    return (
        intent_button("Why this one?", "ask_why"),
        intent_button("Will it hurt?", "ask_technique"),
        intent_button("How often?", "ask_timing"),
        intent_button("What else could help?", "ask_recommendation"),
    )


def need_more_reply() -> Reply:
    return Reply("Tell me a bit more so I can help: where do you feel it, how long has it been going on, "
                 "or is it more about sleep or stress?", topic_buttons())


def for_someone_reply() -> Reply:
    """"I'm asking for my daughter": an invitation to say what is going on with them."""
    return Reply("Happy to help with them. Tell me what's going on: where they feel it, how long it has been "
                 "going on, and whether a race is coming up, or whether it's more about sleep or stress. If "
                 "there's swelling, numbness, a pop, pain at night or they can't put weight on it, get it "
                 "checked before any massage.", topic_buttons())


def topic_buttons() -> tuple[Button, ...]:
    return (
        intent_button("Sore or tight muscles", "report_pain"),
        intent_button("Sleeping badly", "ask_sleep"),
        intent_button("Stress and race nerves", "ask_stress"),
        intent_button("Which massage is which?", "ask_technique"),
    )


# --- recommendation ------------------------------------------------------------


def _about(situation: Situation, kb: KnowledgeBase) -> str:
    parts = [kb.name_of(p) for p in sorted(situation.body_parts)]
    if parts:
        return f"your {join_names(parts)}"
    if SLEEP in situation.concerns:
        return "sleeping better"
    if STRESS in situation.concerns:
        return "stress"
    return "you"


def describe_recommendation(rec: Recommendation, situation: Situation, kb: KnowledgeBase, variant: int = 0) -> Reply:
    opener = pick(("{name} is what I'd suggest for {about}.", "{name} looks like the best fit for {about}.",
                   "My pick for {about}: {name}."), variant)
    lines = [opener.format(about=_about(situation, kb), name=rec.name)]
    lines.append(f"Why: {sentence(lower_first(rec.technique.summary.text))}")
    lines.append(bullets(rec.reasons))
    if rec.method:
        lines.append(f"How it's done: {sentence(lower_first(rec.method.how.text))}")
    if rec.cautions:
        lines.append(f"Good to know: {' '.join(sentence(c.text) for c in rec.cautions)}")
    therapist = _therapist_fact(kb)
    lines.extend(sentence(f.text) for f in therapist)
    facts = [rec.technique.summary, *rec.reasons, *rec.cautions, *therapist]
    if rec.method:
        facts.append(rec.method.how)
    return Reply("\n".join(lines), follow_up_buttons(), sources_of(facts))


def general_pick_reply(kb: KnowledgeBase) -> Reply:
    """"Which massage should I get?" with nothing said yet: the pick for any runner, first,
    before the question of where it is felt."""
    rec = recommend(Situation(), kb)
    text = (f"For most runners, {rec.name.lower()} is a good place to start: "
            f"{sentence(lower_first(rec.technique.summary.text))}\n"
            "Tell me where you feel it, and I can be more specific.")
    return Reply(text, (), sources_of([rec.technique.summary]))


def recommendation_reply(situation: Situation, kb: KnowledgeBase, variant: int = 0) -> Reply:
    return describe_recommendation(recommend(situation, kb), situation, kb, variant)


def why_reply(rec: Recommendation) -> Reply:
    facts = [*rec.reasons, *rec.technique.helps[:2]]
    text = f"I picked {rec.name} because:\n{bullets(dict.fromkeys(facts))}"
    return Reply(text, (), sources_of(facts))


def alternatives_reply(rec: Recommendation, kb: KnowledgeBase) -> Reply:
    lines, facts = [], []
    if rec.alternatives:
        alt = rec.alternatives[0]
        lines.append(f"{alt.name} would also suit you: {lower_first(sentence(alt.summary.text))}")
        facts.append(alt.summary)
    foam, rest = kb.topics[FOAM_ROLLING], kb.topics[REST_AND_OTHER_HELP]
    lines.append(f"Between sessions: {bullets(foam.facts[:2])}")
    facts.extend(foam.facts[:2])
    lines.append(bullets(rest.facts[:2]))
    facts.extend(rest.facts[:2])
    return Reply("\n".join(lines), (), sources_of(facts))


def pick_so_far(rec: Recommendation) -> Reply:
    """The pick from what the form knows, given before its last question (answer first)."""
    reason = rec.reasons[0]
    return Reply(f"From what you've said so far, {rec.technique.name} looks like the best fit: "
                 f"{lower_first(sentence(reason.text))}", (), (reason.source,))


def pick_for(rec: Recommendation, situation: Situation, kb: KnowledgeBase) -> Reply:
    """The pick in one line, for the area or concern told beside another question."""
    reason = rec.reasons[0]
    return Reply(f"For {_about(situation, kb)}, {rec.technique.name} would be my pick: "
                 f"{lower_first(sentence(reason.text))}", follow_up_buttons(), (reason.source,))


def merge(first: Reply, second: Reply) -> Reply:
    """Two answers in one reply, the second after "Also:" (unless the first already gives it)."""
    if second.text in first.text or (second.topic and second.topic == first.topic):
        return first
    return Reply(f"{first.text}\n\nAlso: {second.text}", first.buttons or second.buttons,
                 tuple(dict.fromkeys((*first.sources, *second.sources))), first.topic or second.topic)


def concerns_reply(situation: Situation, rec: Recommendation, kb: KnowledgeBase, variant: int = 0) -> Reply:
    """Answer every concern the runner raised: pain first, then sleep, then stress.
    `rec` is `recommend(situation, kb)`, passed in so the caller computes it once."""
    replies = []
    if PAIN in situation.concerns or GENERAL in situation.concerns:
        replies.append(describe_recommendation(rec, situation, kb, variant))
    if SLEEP in situation.concerns:
        replies.append(sleep_reply(rec, kb) if not replies else sleep_mechanisms_reply(kb))
    if STRESS in situation.concerns:
        replies.append(stress_reply(rec, kb) if not replies else stress_short(kb))
    if not replies:
        replies.append(describe_recommendation(rec, situation, kb, variant))
    reply = replies[0]
    for extra in replies[1:]:
        reply = merge(reply, extra)
    return reply


def stress_short(kb: KnowledgeBase) -> Reply:
    facts = list(kb.benefits[STRESS_BENEFIT].facts[:2])
    return Reply(f"For stress and nerves:\n{bullets(facts)}", (), sources_of(facts))


def warning_signs_reply(text: str, kb: KnowledgeBase) -> Reply | None:
    """"Which signs mean a doctor, not a massage?": the signs by urgency, asked in any state."""
    topic = find_topic(text, kb, among=(WARNING_SIGNS,)) if is_question(text) else None
    return topic_reply(topic) if topic else None


def question_reply(text: str, kb: KnowledgeBase) -> Reply | None:
    """A topic answer when the question matches a topic's cues, else None."""
    topic = find_topic(text, kb)
    return topic_reply(topic) if topic else None


# --- safety ----------------------------------------------------------------------


def referral_reply(triage: Triage) -> Reply:
    """A referral to a medical professional; never a massage suggestion."""
    if not triage.is_red_flag:
        raise ValueError("referral_reply needs at least one red flag")
    lines = [URGENCY_OPENERS[triage.urgency or "prompt"]]
    lines.extend(sentence(flag.advice) for flag in triage.flags[:2])
    if MOOD_SIGNS & set(triage.ids):
        lines.append("You don't have to carry this alone. I'm only a bot, but I'm still here if you want to talk.")
    else:
        lines.append("I can only give general information, not a diagnosis, and massage is not the right "
                     "first step here. Once a professional has checked you, I'm happy to talk recovery.")
    return Reply("\n".join(lines), (), tuple(dict.fromkeys(s for f in triage.flags for s in f.sources)))


# --- questions about techniques and topics ------------------------------------


def find_topic(text: str, kb: KnowledgeBase, *, among: tuple[str, ...] = ()) -> Topic | None:
    """The topic whose cues match the most (longest first); None without a cue."""
    clean = normalise(text)
    asked = is_question(text)
    best: tuple[int, Topic] | None = None
    for topic in kb.topics.values():
        if among and topic.id not in among:
            continue
        score = sum(len(cue) for cue in topic.cues if _said(phrase_pattern(cue), clean, asked))
        if score and (best is None or score > best[0]):
            best = (score, topic)
    return best[1] if best else None


# "not injured or anything": in a statement, a cue right after a denial is not what it is about
# ("should I not run after it?" still asks about running after a massage)
_DENIED = re.compile(r"\b(not|no|never|nothing|without)\s+(\w+\s+)?$")


def _said(cue: re.Pattern[str], text: str, asked: bool) -> bool:
    return any(asked or not _DENIED.search(text[max(0, m.start() - 20):m.start()]) for m in cue.finditer(text))


# Words that say nothing about which fact a follow-up asks for
_GENERIC = frozenset([
    "about", "after", "also", "and", "any", "are", "been", "before", "being", "but", "can", "could", "did",
    "does", "doing", "done", "each", "every", "for", "from", "get", "getting", "good", "got", "had", "has",
    "have", "how", "into", "its", "just", "like", "make", "massage", "massages", "more", "much", "need",
    "not", "off", "one", "only", "really", "run", "runner", "runners", "running", "same", "should", "some",
    "than", "that", "the", "them", "then", "there", "these", "they", "this", "those", "too", "very", "want",
    "was", "were", "what", "when", "where", "which", "while", "who", "why", "will", "with", "would", "you",
    "your", "it's", "is", "do", "it", "on", "in", "of", "to", "a", "an", "i", "my", "me", "so", "or", "be",
    "at", "by", "as", "if", "we", "our", "keep", "day", "days", "time", "thing", "things", "way",
    "lot", "bit", "right", "okay", "now", "still", "ever", "use", "using", "used", "try", "tell", "know",
    "think", "say", "safe", "fine", "anything", "something", "everything",
])


# What a question word asks for, in the words facts use ("how long?" is answered in minutes)
_ASKS_FOR = (
    (re.compile(r"\bhow (long|many (minutes|seconds))\b"), {"minute", "second", "hour"}),
    (re.compile(r"\bhow (hard|firm|deep)\b|\bpressure\b"), {"pressure", "firm", "gentle"}),
    (re.compile(r"\bhow (often|many times)\b"), {"week", "often", "regular"}),
)


def _stems(text: str) -> set[str]:
    clean = normalise(text)
    words = (w for w in re.findall(r"[a-z]+", clean) if len(w) > 2 and w not in _GENERIC)
    stems = {re.sub(r"(ing|ed|es|s)$", "", w) or w for w in words}
    return stems.union(*(concepts for pattern, concepts in _ASKS_FOR if pattern.search(clean)))


def topic_follow_up(text: str, topic: Topic, kb: KnowledgeBase) -> Reply | None:
    """A short question after a topic's answer ("and how long on each spot?"): the fact that
    shares the most words with it: the topic's own facts first, then any topic's if two words
    are shared (one word in common with some fact of thirty topics is chance); else None."""
    asked = _stems(text)
    for topics, least in (([topic], 1), ([t for t in kb.topics.values() if t.id != topic.id], 2)):
        scored = [(len(asked & _stems(fact.text)), t, fact) for t in topics for fact in t.facts]
        best = max(scored, key=lambda s: s[0], default=None)
        if best and best[0] >= least:
            _, found, fact = best
            return Reply(f"{found.title}: {sentence(fact.text)}", (), (fact.source,), found.id)
    return None


def topic_reply(topic: Topic, extra: list[Fact] | None = None) -> Reply:
    facts = [*topic.facts, *(extra or [])]
    return Reply(f"{topic.title}:\n{bullets(facts)}", (), sources_of(facts), topic.id)


def technique_reply(technique: Technique, question: str, kb: KnowledgeBase) -> Reply:
    topic = find_topic(question, kb, among=TECHNIQUE_QUESTION_TOPICS)
    if topic:  # named first, so a question about one technique is answered about that one
        reply = topic_reply(topic, list(technique.expect[:1]))
        return Reply(f"{technique.name} — {lower_first(reply.text)}", reply.buttons, reply.sources, reply.topic)
    facts = [technique.summary, *technique.how[:2], *technique.helps[:2], *technique.ideal_for[:1]]
    lines = [f"{technique.name}: {sentence(technique.summary.text)}",
             f"How it's done:\n{bullets(technique.how[:2])}",
             f"What it helps:\n{bullets(technique.helps[:2])}",
             f"Best for: {lower_first(sentence(technique.ideal_for[0].text))}"]
    if technique.methods:
        names = join_names([m.name.lower() for m in technique.methods])
        lines.append(f"Therapists use a few methods: {names}.")
    buttons = tuple(intent_button(f"What is {m.name.lower()}?", "ask_technique", technique=m.id)
                    for m in technique.methods)
    return Reply("\n".join(lines), buttons, sources_of(facts))


def method_reply(method_id: str, kb: KnowledgeBase) -> Reply:
    method = kb.methods()[method_id]
    facts = [method.how, method.reason]
    text = (f"{method.name} is one of the trigger point therapy methods. "
            f"{sentence(method.how.text)} {sentence(method.reason.text)}")
    return Reply(text, (), sources_of(facts))


def techniques_overview(kb: KnowledgeBase) -> Reply:
    facts = [t.summary for t in kb.techniques.values()]
    lines = [f"- {t.name}: {lower_first(sentence(t.summary.text))}" for t in kb.techniques.values()]
    buttons = tuple(intent_button(t.name, "ask_technique", technique=t.id) for t in kb.techniques.values())
    return Reply("Here are the main massage types for runners:\n" + "\n".join(lines), buttons, sources_of(facts))


def tool_reply(tool_id: str, kb: KnowledgeBase, also: list[str] | None = None) -> Reply:
    """The honest answer about a tool or method no seed covers (its editorial topic), plus a
    one-line summary of any technique of ours asked about in the same breath."""
    reply = topic_reply(kb.topics[kb.tools[tool_id].topic])
    techniques = [kb.techniques[i] for i in dict.fromkeys(also or []) if i in kb.techniques][:2]
    # "my physio offers cupping or dry needling": the second tool named gets its own short answer
    others = [kb.topics[kb.tools[i].topic] for i in dict.fromkeys(also or []) if i in kb.tools and i != tool_id][:1]
    if not techniques and not others:
        return reply
    lines = [f"{t.name}: {sentence(t.summary.text)}" for t in techniques]
    facts = [t.summary for t in techniques]
    for topic in others:
        lines.append(f"{topic.title}: " + " ".join(sentence(f.text) for f in topic.facts[:2]))
        facts.extend(topic.facts[:2])
    return Reply(f"{reply.text}\n\n" + "\n".join(lines), reply.buttons,
                 tuple(dict.fromkeys((*reply.sources, *sources_of(facts)))), reply.topic)


def _named_line(entity_id: str, kb: KnowledgeBase) -> tuple[str, Fact] | None:
    """One line on a technique, method or tool, with the fact it states."""
    if entity_id in kb.techniques:
        technique = kb.techniques[entity_id]
        return f"{technique.name}: {sentence(technique.summary.text)}", technique.summary
    method = kb.methods().get(entity_id)
    if method:
        return f"{method.name}: {sentence(method.how.text)}", method.how
    tool = kb.tools.get(entity_id)
    if tool:
        fact = kb.topics[tool.topic].facts[0]
        return f"{tool.name[:1].upper()}{tool.name[1:]}: {sentence(fact.text)}", fact
    return None


def naming(reply: Reply, asked: list[str], kb: KnowledgeBase) -> Reply:
    """The reply, plus a line on each technique, method or tool the question named that the
    reply does not mention ("is deep tissue worth it before a race?" is about deep tissue too)."""
    shown = reply.text.lower()
    lines: list[str] = []
    facts: list[Fact] = []
    for entity_id in list(dict.fromkeys(asked))[:2]:
        if kb.name_of(entity_id).lower() in shown:
            continue
        named = _named_line(entity_id, kb)
        if named:
            lines.append(named[0])
            facts.append(named[1])
    if not lines:
        return reply
    return Reply(f"{reply.text}\n\n" + "\n".join(lines), reply.buttons,
                 tuple(dict.fromkeys((*reply.sources, *sources_of(facts)))), reply.topic)


def compare_reply(ids: list[str], kb: KnowledgeBase) -> Reply:
    techniques = [kb.techniques[i] for i in dict.fromkeys(ids) if i in kb.techniques][:3]
    tools = [i for i in ids if i in kb.tools]
    if tools and len(techniques) < 2:  # two of ours named: compare those, the tool was an aside
        return tool_reply(tools[0], kb, ids)
    if len(techniques) < 2:
        return techniques_overview(kb)
    facts: list[Fact] = []
    lines = []
    for technique in techniques:
        pair = [technique.summary, technique.ideal_for[0]]
        facts.extend(pair)
        lines.append(f"{technique.name}: {sentence(pair[0].text)} Best for: "
                     f"{lower_first(sentence(pair[1].text))}")
    lines.append("Tell me what's bothering you and I'll say which fits you best.")
    return Reply("\n".join(lines), (), sources_of(facts))


def benefits_reply(question: str, kb: KnowledgeBase) -> Reply:
    topic = find_topic(question, kb)
    if topic:
        return topic_reply(topic)
    facts = [b.facts[0] for b in kb.benefits.values()]
    lines = [f"- {b.name}: {lower_first(sentence(b.facts[0].text))}" for b in kb.benefits.values()]
    return Reply("Massage can help runners in several ways:\n" + "\n".join(lines), (), sources_of(facts))


def timing_reply(timing: str | None, question: str, kb: KnowledgeBase) -> Reply:
    # a question about when: "foam rolling isn't doing much" in it is an aside
    topic = find_topic(question, kb, among=tuple(dict.fromkeys(TIMING_TOPICS.values()))) or find_topic(question, kb)
    if topic is None and timing in TIMING_TOPICS:
        topic = kb.topics[TIMING_TOPICS[timing]]
    if topic is None and asks_when(question):
        return _when_in_general(kb)
    return topic_reply(topic or kb.topics[TRAINING_BLOCK_FREQUENCY])


def _when_in_general(kb: KnowledgeBase) -> Reply:
    """Asked when, with no race or run known: the rule of thumb for each, not how often to book."""
    facts = [kb.topics[topic].facts[0] for topic in (BEFORE_RACE, AFTER_RACE, AFTER_LONG_RUN)]
    return Reply(f"When to book it depends on what's coming or just done:\n{bullets(facts)}\n"
                 "Tell me about your race or run and I'll be more specific.", (), sources_of(facts))


# --- sleep and stress ---------------------------------------------------------


def _concern_reply(benefit_id: str, rec: Recommendation, intro: str, kb: KnowledgeBase) -> Reply:
    benefit = kb.benefits[benefit_id]
    facts: list[Fact] = [*benefit.facts[:2]]
    lines = [intro, bullets(benefit.facts[:2])]
    if benefit.mechanisms:
        names = join_names([m.name.lower() for m in benefit.mechanisms])
        lines.append(f"It works through {names}.")
    lines.append(f"The gentlest fit is {rec.name}: {lower_first(sentence(rec.reasons[0].text))}")
    facts.append(rec.reasons[0])
    therapist = _therapist_fact(kb)
    lines.extend(sentence(f.text) for f in therapist)
    facts.extend(therapist)
    buttons = (intent_button("How does it help sleep?", "ask_benefits"), *follow_up_buttons()[:2])
    return Reply("\n".join(lines), buttons, sources_of(facts))


def sleep_reply(rec: Recommendation, kb: KnowledgeBase) -> Reply:
    return _concern_reply(SLEEP_BENEFIT, rec, "Massage can help with sleep:", kb)


def stress_reply(rec: Recommendation, kb: KnowledgeBase) -> Reply:
    return _concern_reply(STRESS_BENEFIT, rec, "Massage can take the edge off stress:", kb)


def sleep_mechanisms_reply(kb: KnowledgeBase) -> Reply:
    sleep = kb.benefits[SLEEP_BENEFIT]
    facts = [m.facts[0] for m in sleep.mechanisms]
    lines = [f"- {m.name}: {lower_first(sentence(m.facts[0].text))}" for m in sleep.mechanisms]
    return Reply("How massage helps sleep:\n" + "\n".join(lines), (), sources_of(facts))


# --- follow-ups that use what the conversation already knows ---------------------

# "How many days should I wait?", "can I get deep tissue tomorrow?": asked about
# *when*, so the answer depends on the race or run already mentioned.
WHEN_CUES = ("how many days", "how long should i wait", "how long do i wait", "how long do i have to wait",
             "how soon", "when can i", "when could i", "when should i", "tomorrow", "too soon",
             # "wait" as a verb, not the "wait, what's myofascial release?" of surprise
             "should i wait", "do i wait", "to wait", "wait before", "wait after", "wait until", "wait till",
             "wait for", "wait a", "i wait", "worth waiting",
             "too early", "this week", "right away", "straight away", "yet", "how long to leave",
             "how long between", "how close to", "how far out", "too close")
SAME_AS_CUES = ("same as", "same thing as", "instead of", "difference", "different from", "versus", "vs",
                "better than", "or just", "replace")
TIMING_TOPIC_IDS = frozenset(TIMING_TOPICS.values())
CONTEXT_TOPIC_IDS = TIMING_TOPIC_IDS | {FOAM_ROLLING, RUNNING_ON_A_NIGGLE, RUNNING_AFTER_MASSAGE, GENTLER_OR_FIRMER}


@dataclass(frozen=True)
class Context:
    """What the conversation already knows, for answering a follow-up."""

    timing: str | None = None
    technique: str | None = None  # named now, else recommended last
    pain: bool = True  # a pain or a sore place is known ("can I still run on it?" needs one)


QUESTION_OPENERS = ("what", "how", "can", "could", "is", "are", "should", "does", "do", "will", "would", "why",
                    "when", "which", "where", "any", "and", "but", "so", "ok", "okay", "also")


_WHICH_MASSAGE = re.compile(r"\b((what|which)( kind| type| sort| style)?( of)? massages?|"
                            r"best (kind of |type of )?massages?|"
                            r"which (one|of (them|those|these|the two))( would| should| do| will| is)? ?(you|i|be)\b|"
                            r"which (one )?(would|will|is|should) (be )?(better|best)\b|"
                            r"massages? (would|will|should|could) (help|suit|work)|"
                            r"what (would|do|will|should) (you|u|i) (actually |really |personally )?"
                            r"((recommend|suggest|pick|choose|go for|opt for)\b|(book|ask for|get)\b(?=[\s?.!]*$|"
                            r" (for|on) (it|this|that|them|my|me|tight|sore|the|a|an|tired|heavy)\b))|"
                            # at the start: "...foam roller vs gun? which would you go for?" is about tools
                            # or after a lead-in clause ("for my tight calves, which would you pick")
                            r"(^|, )which (one |of them |of those )?(would|do|will|should) (you|u) "
                            r"(actually |really |personally )?"
                            r"(recommend|suggest|book|pick|choose|go for|opt for|get)\b|"
                            # "which one?", "which one then?" and "what would you do in my shoes?" said on their own
                            r"^which (one|of (them|those|these|the two))( again| was (it|that)( again)?)?(?=[\s?.!]*$)|"
                            # "and for me, which one again and how often?"
                            r"which (one|of (them|those|these|the two))( was (it|that))? again\b|"
                            # "which for me, then?", "which one for someone like me?"
                            r"^which (one |of (them|those|these|the two) )?(is (better |best )?)?for "
                            r"(me|my|someone|somebody|a)\b|"
                            r"what would (you|u) do( in my (shoes|place|position))?"
                            r"(?=[\s?.!]*$)|"
                            r"which (one )?(makes (more )?sense|suits|fits|is right|would suit)\b|"
                            # "which type would you book?", "what kind then?" (not "what kind of shoes")
                            r"(what|which) (kind|type|sort|style)( of (one|massage))?"
                            r"(?=( would| should| do| is| then| for)\b|[\s?.!]*$)|"
                            # "any massage recommendations for this?", "what's your suggestion?"
                            r"(?<!for )\b(any|your|some) (massage )?(recommendations?|suggestions?|recs)\b"
                            r"(?=( for (it|this|that|me|my)\b|[\s?.!]*$))|"
                            # "could you recommend a massage for my first ultra?"
                            r"(recommend|suggest) (me )?(a |an |any |some )?(good |decent |particular )?"
                            r"(kind of |type of |sort of )?massages?\b|"
                            # said at the end: "...so what would help?" (not "what would help more, X or Y")
                            r"what (would|will|could|might) help( me| it| them| with (it|this|that|them|the \w+))?"
                            r"(?=[\s?.!]*$)|what (is|would be) (good|best) for (it|this|that|them)(?=[\s?.!]*$))")
_AND_AFTER = re.compile(r"^(and|so|ok|okay|what about|how about|and what about)?[ ,]*(after|afterwards|after that|"
                        r"after it|post race)[ ?!.]*$")
_MASSAGE_WORD = re.compile(r"\bmassages?\b")
_ABOUT_MASSAGE = re.compile(r"\b(massages?|masseuse|masseur|massage therapist|therapist)\b")


def asks_when(text: str) -> bool:
    """"How many days should I leave before the race?": asked about when, not which."""
    return _has_cue(normalise(text), WHEN_CUES)


# Said around a question without changing it: "fair. which one then mate?", "ok cool, what would you get lol"
_ACKNOWLEDGED = re.compile(r"^((hi|hey|hello|fair( enough)?|right|ok|okay|cool|sure|gotcha|got it|thanks|thank you|"
                           r"ta|cheers|nice|great|hm+|ah+|oh+|yeah|yep|yes|no|nah|alright|understood|makes sense|"
                           r"interesting|sweet|perfect|good to know|noted|i see|ahh ok|ok so|so)\b[ ,.!:;-]*)+")
_FILLER_END = re.compile(r"([ ,]*\b(then|tho|though|mate|lol|haha|ha|eh|innit|ta|pls|please|thanks|cheers|"
                         r"do you think|you reckon|in your opinion)\b[ ,]*)+(?=[?.!\s]*$)")


def bare_question(text: str) -> str:
    """The question without the acknowledgement before it or the filler after it."""
    return _FILLER_END.sub("", _ACKNOWLEDGED.sub("", normalise(text))).strip()


def asks_which_massage(text: str) -> bool:
    """"What kind of massage would help me relax?": a request for a recommendation,
    whatever intent the classifier gave it."""
    return bool(_WHICH_MASSAGE.search(bare_question(text)))


def about_massage(text: str) -> bool:
    """The message is about massage itself (so never off-topic for us)."""
    return bool(_ABOUT_MASSAGE.search(normalise(text)))


_THANKS = re.compile(r"\b(thanks|thank you|thank u|thankyou|thx|ty|cheers|ta|many thanks|appreciate it|"
                     r"much appreciated|legend|you are a star|you are the best|super helpful|really helpful|"
                     r"that helps|that helped|very helpful)\b")


# the whole question is about the assistant ("what can you help with?"), not "how can you help my calves?"
_WHAT_I_DO = re.compile(r"^(what (can|do|could) (you|u) (actually |really |even )?(help( me)?( with)?|do)|"
                        r"what are (you|u) (for|able to do)|how (can|could) (you|u) help( me)?|what do (you|u) know|"
                        r"what (is|are) (you|u) good (at|for))( exactly| then| here| for me)?[\s?.!]*$")


def asks_what_i_do(text: str) -> bool:
    """"What can you help with?": the assistant's scope, asked."""
    return bool(_WHAT_I_DO.search(bare_question(text)))


def thanks(text: str) -> bool:
    """Gratitude, however it is wrapped ("cheers, that's really helpful, off to book one")."""
    return bool(_THANKS.search(normalise(text)))


def other_subject(text: str, kb: KnowledgeBase) -> str | None:
    """The subject of ours it is not ("what should I eat before my race?": food and drink), unless
    it is about massage too ("should I eat before a massage?"); None when it names none."""
    if about_massage(text):
        return None
    clean = normalise(text)
    return next((s.id for s in kb.other_subjects.values() if any(phrase_pattern(t).search(clean) for t in s.terms)),
                None)


def says_massage(text: str) -> bool:
    """The word massage itself ("therapist" alone may be any kind of therapist)."""
    return bool(_MASSAGE_WORD.search(normalise(text)))


# words that tie a message to what a runner tells us ("is it the shoes?", "since the race?")
_RUNNING_TALK = re.compile(r"\b(it|pain|hurts?|hurting|sore\w*|ache|aching|tight\w*|started|began|since|"
                           r"injur\w*|race|races|racing|massage|run|running|ran|leg|legs|training|pace|marathon|"
                           r"half|5k|10k|miles?|km|parkrun|ultra)\b")
_SENTENCE_BREAK = re.compile(r"[.!?;]\s+\S")


def refers_to_running(text: str) -> bool:
    """Does the message say anything about running, a complaint or massage at all?"""
    return bool(_RUNNING_TALK.search(normalise(text)))


_SIDE = re.compile(r"\b(left|right|both|other)( one| side| leg| foot| calf| knee| ankle| hip)?\b")


def names_a_side(text: str) -> bool:
    """"the right one", "left side": which side, a detail of the place already named."""
    return bool(_SIDE.search(normalise(text)))


def has_answer_part(text: str) -> bool:
    """"about 2 weeks. btw what's a good pace?": a sentence before the question may be an answer."""
    return bool(_SENTENCE_BREAK.search(text.strip()))


def is_question(text: str) -> bool:
    """A question rather than an answer: a question mark, or a question word up front."""
    clean = bare_question(text)
    if "?" in clean:  # "would it help my back? desk job + running": the aside comes after
        return True
    # "what's good for…", "whats the best…": a contraction still opens a question
    words = [re.sub(r"^(what|how|where|who)'?s$", r"\1", w) for w in clean.split()[:3]]
    return any(w in ("what", "how", "can", "should", "does", "is", "will", "when", "why", "which", "would", "do",
                     "are")
               for w in words[:1]) or (
        len(words) > 1 and words[0] in QUESTION_OPENERS
        and words[1] in ("what", "how", "can", "should", "is", "which", "would", "does", "do"))


def _has_cue(clean: str, cues: tuple[str, ...]) -> bool:
    return any(phrase_pattern(cue).search(clean) for cue in cues)


def _not_the_same(technique: Technique, topic: Topic) -> Reply:
    facts = [technique.summary, *topic.facts[:3]]
    text = (f"Not quite. {technique.name}: {sentence(technique.summary.text)}\n"
            f"{topic.title}:\n{bullets(topic.facts[:3])}")
    return Reply(text, (), sources_of(facts))


def asks_about_context(text: str, kb: KnowledgeBase) -> bool:
    """Asks when ("tomorrow?", "before my race"), or how one thing compares with another: the
    conversation's context answers it even when the message names a technique."""
    clean = normalise(text)
    topic = find_topic(clean, kb)
    return (_has_cue(clean, WHEN_CUES) or _has_cue(clean, SAME_AS_CUES)
            or (topic is not None and topic.id in TIMING_TOPIC_IDS))


def follow_up_reply(text: str, context: Context, kb: KnowledgeBase) -> Reply | None:
    """An answer that needs the conversation's context, or None when the question
    does not depend on it (the caller then answers as usual)."""
    clean = normalise(text)
    # "which one makes more sense for a weekly parkrunner?" asks for a pick, not a topic
    if asks_which_massage(clean):
        return None
    # "and after?" when a race is coming: after the race
    if context.timing in PRE_RACE_TIMINGS and _AND_AFTER.match(clean):
        return topic_reply(kb.topics[AFTER_RACE])
    topic = find_topic(clean, kb)
    timing_id = TIMING_TOPICS.get(context.timing or "")
    timing_topic = kb.topics[timing_id] if timing_id else None
    explicit_timing = topic is not None and topic.id in TIMING_TOPIC_IDS
    if timing_topic and not explicit_timing and _has_cue(clean, WHEN_CUES):
        return topic_reply(timing_topic)
    if topic is None or topic.id not in CONTEXT_TOPIC_IDS or (topic.id == RUNNING_ON_A_NIGGLE and not context.pain):
        return None
    technique = kb.techniques.get(context.technique or "")
    if topic.id == FOAM_ROLLING and technique and _has_cue(clean, SAME_AS_CUES):
        return _not_the_same(technique, topic)
    return topic_reply(topic)
