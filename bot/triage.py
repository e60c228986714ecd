"""Red-flag triage: warning signs that need a medical professional, not a massage.

Design (precision on purpose; measured by `make bench-triage`, recall and false alarms apart):

- The knowledge base decides. A referral happens only when a warning sign of
  bot/knowledge/red_flags.yml matches: its phrases (whole words) or patterns (regular
  expressions), on normalised text. Every sign, its wording and its advice live there once.
- A classifier never refers on its own. DIET's `red_flag` intent, learned from ~80 examples,
  fires on long, unfamiliar messages ("my nerves are shot before my first half"). When DIET
  says `red_flag` and these rules find nothing, nlu_components/red_flags.py hands the message
  to the next intent, and the answer carries a gentle check line (actions/advice_action.py)
  instead of a referral. Missing wording is fixed here, by category, never by trusting DIET.
- Context. A match does not count when, in its own clause (clauses end at . , ; ! ? and at
  "but"/"though"/"however"):
  * it is denied: a negation just before it ("no swelling", "didn't pop", "ruled out a
    stress fracture");
  * it belongs to someone else ("my friend heard a pop", "my mate has bruises");
  * it is in the past and over ("a stress fracture two years ago, fully healed"), unless the
    message says it is back ("the same spot hurts again");
  * it is a hypothetical or a general question ("what if", "signs of", "to prevent");
  * it is the expected after-effect of a treatment (bruises from cupping, tingling under dry
    needling), for the bruising and tingling signs only;
  * swelling is a general topic ("does massage reduce swelling?") or both feet swell on long,
    hot runs.
  A pattern match that runs across a clause break is not one finding ("a dull ache along the
  muscle, not on the bone").
- Slang is handled in the sign's own rules, where it is known: "suicide pace", "suicides"
  (a drill), "it nearly gave me a heart attack", "could barely walk after the marathon".
  Words like "killer", "dead legs", "dying" or "sore" alone are never signs.
- Conversation state is not kept here: bot/referral.py remembers a referral across turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.kb_ids import NUMBNESS_TINGLING, SWELLING_BRUISING
from bot.knowledge_base import URGENCIES, KnowledgeBase, RedFlag
from bot.text import normalise, phrase_pattern

# bot.text.phrase_pattern's whole-word guards, shared by a sign's combined phrase pattern.
_PHRASE_START, _PHRASE_END = r"(?<![\w-])", r"(?![\w-])"
# A sign just after one of these (same clause) is being denied, not reported.
_NEGATIONS = frozenset({"no", "not", "without", "never", "nor", "zero", "nothing", "neither", "none"})
_NEGATION_WINDOW = 3
_NEGATION_PHRASES = re.compile(
    r"\b(ruled out|rules out|rule out|no sign of|no signs of|free of|free from|not any|no more|not had any|"
    r"never had|not have any|do not have|did not have|does not have|not got)\W*(\w+\W+){0,2}$"
)
_CLAUSE_BREAK = re.compile(r"[.,;:!?()](?=\s|$)|\bbut\b|\bthough\b|\bhowever\b|\band now\b|\banyway\b")
_INSIDE_BREAK = re.compile(r"[.,;:!?](?=\s|$)")
# Someone else's problem: the subject of the clause is another person.
_OTHER_PERSON = re.compile(
    r"\b(friend|friends|mate|mates|partner|wife|husband|boyfriend|girlfriend|son|daughter|brother|sister|"
    r"dad|mum|mom|father|mother|colleague|teammate|clubmate|club mate|club mates|coach|he|she|his|her|"
    r"someone i know|a guy|a girl|a runner|people)\b"
)
# Over and done with, unless the message says it is back.
_PAST = re.compile(
    r"\b((\d+|a|one|two|three|four|five|six|a few|few|several|some|many) (years?|months?|seasons?) ago|"
    r"last (year|season|spring|summer|autumn|fall|winter)|years back|used to|in the past|back in (19|20)\d\d|"
    r"fully healed|all healed|has healed|have healed|long gone|cleared up|recovered from|recovering from|"
    r"getting over|got over)\b"
)
_BACK_AGAIN = re.compile(
    r"\b(again|same (spot|place|pain|area|side)|come back|came back|coming back|returned|recurr\w*|"
    r"flar(e|ed|ing) up|back again|still|ever since|not healed|never healed|keeps)\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(what if|in case|signs of|symptoms of|how (do|would|can|could) (i|you) (know|tell)|to prevent|"
    r"to avoid|risk of|chance of|worried i might|afraid i might)\b"
)
# Bruises after cupping or Graston, tingling under dry needling: expected after-effects of a
# treatment, not injuries (a request to massage a swollen calf still counts).
# Both feet or hands swelling on long or hot runs is common and harmless; one swollen joint is not.
_BENIGN_SWELLING = re.compile(
    r"\b(feet|hands|fingers)\b[^.;!?]{0,60}\b(long runs?|long run|marathons?|heat|hot|shoes?|size up|half size)\b|"
    r"\b(long runs?|marathons?|heat|hot)\b[^.;!?]{0,60}\b(feet|hands|fingers)\b"
)
# Swelling as a general topic ("does massage reduce swelling?") is a question, not a report.
_GENERAL_SWELLING = re.compile(
    r"\b(reduce|reduces|reducing|reduced|prevent|prevents|decrease|decreases|limit|minimi[sz]e|flush|flushes|"
    r"drain|drains|help|helps|help with|helps with|for|with|good for|against|lymphatic|lymph|"
    r"inflammation and|inflammation or|inflammation,)\s+$"
)
_TREATMENT_EFFECT_SIGNS = frozenset({SWELLING_BRUISING, NUMBNESS_TINGLING})
_TREATMENT = (r"(cupping|cups?|graston|scraping|gua sha|iastm|dry needling|needling|needles|acupuncture|"
              r"massage guns?|percussion|theraguns?|foam roll\w*|deep tissue|sports massages?|massages?|"
              r"therapists?|tools?)")
_TREATMENT_EFFECT = re.compile(
    rf"\b(from|after|by|during)\b.{{0,25}}\b{_TREATMENT}\b|\b{_TREATMENT}\b.{{0,30}}"
    r"\b(left|leaves|leave|gave me|gives me|give you|causes?|caused|feels like|felt like)\b"
)


@dataclass(frozen=True)
class Triage:
    """The warning signs found in one message, most urgent first."""

    flags: tuple[RedFlag, ...]

    @property
    def is_red_flag(self) -> bool:
        return bool(self.flags)

    @property
    def urgency(self) -> str | None:
        return self.flags[0].urgency if self.flags else None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(flag.id for flag in self.flags)


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 120):start]
    return _CLAUSE_BREAK.split(before)[-1]


def _is_negated(clause: str) -> bool:
    words = re.findall(r"[\w']+", clause)[-_NEGATION_WINDOW:]
    return any(word in _NEGATIONS for word in words) or bool(_NEGATION_PHRASES.search(clause))


def _counts(text: str, match: re.Match[str], flag: RedFlag) -> bool:
    """Is this match a sign the writer reports for themselves, now?"""
    if not match.group():  # a whole-message pattern made of lookaheads
        return True
    if _INSIDE_BREAK.search(match.group()):
        return False
    clause = _clause_before(text, match.start())
    if _is_negated(clause) or _OTHER_PERSON.search(clause) or _HYPOTHETICAL.search(clause):
        return False
    whole_clause = clause + match.group() + _CLAUSE_BREAK.split(text[match.end():match.end() + 120])[0]
    if flag.id in _TREATMENT_EFFECT_SIGNS and _TREATMENT_EFFECT.search(whole_clause):
        return False
    if flag.id == SWELLING_BRUISING and (_BENIGN_SWELLING.search(whole_clause) or _GENERAL_SWELLING.search(clause)):
        return False
    return not (_PAST.search(whole_clause) and not _BACK_AGAIN.search(text))


@lru_cache(maxsize=256)
def _phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """All of a sign's phrases in one pattern (one scan of the text, not one per phrase)."""
    if not phrases:
        return None
    bodies = [phrase_pattern(p).pattern.removeprefix(_PHRASE_START).removesuffix(_PHRASE_END)
              for p in sorted(phrases, key=len, reverse=True)]
    return re.compile(_PHRASE_START + "(?:" + "|".join(bodies) + ")" + _PHRASE_END)


def _matches(flag: RedFlag, text: str) -> bool:
    phrases = _phrases_pattern(flag.phrases)
    if phrases and any(_counts(text, match, flag) for match in phrases.finditer(text)):
        return True
    return any(_counts(text, match, flag) for pattern in flag.patterns for match in pattern.finditer(text))


def assess(message: str, kb: KnowledgeBase) -> Triage:
    """Find every red flag in `message`; empty when there is none."""
    text = normalise(message)
    if not text:
        return Triage(())
    found = [flag for flag in kb.red_flags.values() if _matches(flag, text)]
    found.sort(key=lambda flag: URGENCIES.index(flag.urgency))
    return Triage(tuple(found))
