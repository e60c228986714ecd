"""Red-flag triage: warning signs that need a medical professional, not a massage.

Design (precision on purpose; measured by `make bench-triage`, recall and false alarms apart):

- The knowledge base decides. A referral happens only when a warning sign of
  bot/knowledge/red_flags.yml matches: its phrases (whole words), patterns (regular
  expressions) or co-occurrence readings, on normalised text with the knowledge base's common
  misspellings corrected (`spellings`). Every sign, its wording and its advice live there once.
- Co-occurrence readings generalise where phrase lists do not. A sign is read as concepts
  meeting in one clause, sentence or message: night pain is a pain word and a rest/night word
  in one sentence ("the heel just nags once I'm in bed"), bone pain a bone, a localising cue and
  a pain word, self-harm a wish and a way of not being ("part of me wants to disappear"). The
  concepts are word families (`word_families`, written once) that this module composes into
  patterns tolerant of doubled or dropped double letters; a rule's `unless` families name the
  ordinary look-alikes (DOMS, night runs, cramps, a massage gun on the shin, "made me want to
  die lol"). Each family word must speak for the writer (not denied, not someone else's, not
  hypothetical; another family's words just before it, "do not want to | be alive", are not
  its negation), and the reading as a whole then passes every context rule below.
- A classifier never refers on its own. DIET's `red_flag` intent, learned from ~80 examples,
  fires on long, unfamiliar messages ("my nerves are shot before my first half"). When DIET
  says `red_flag` and these rules find nothing, nlu_components/red_flags.py hands the message
  to the next intent, and the answer carries a gentle check line (actions/advice_action.py)
  instead of a referral. Missing wording is fixed here, by category, never by trusting DIET.
- Context, the same for every sign. A match does not count when, in its own clause (clauses
  end at . , ; ! ? and at "but"/"though"/"however"/"although"/"whereas"/"except"):
  * it is denied: a negation just before it ("no swelling", "didn't pop", "ruled out a
    stress fracture"), through a list ("never had any numbness or tingling"), or a denied pain
    just before it ("no pain when I press on the bone");
  * it belongs to someone else ("my friend heard a pop", "my mate has bruises"), unless it is
    a thought of self-harm that names the writer ("my family would be better off without me");
  * it is in the past and over ("a stress fracture two years ago, fully healed"), unless the
    message says it is back ("the same spot hurts again");
  * it is a hypothetical or a general question ("what if", "signs of", "to prevent");
  * it is the expected after-effect of a treatment (bruises from cupping, tingling under dry
    needling), for the bruising and tingling signs; and, for those signs, tenderness on a bone
    and night throbbing, when the treatment is told earlier in the sign's own clause ("sports
    massage yesterday and my shin is tender") with no injury and nothing that lasts ("for days",
    "still") and not asked about ("does massage help the numbness?"); a lost ability to bear
    weight after a massage always refers;
  * swelling is a general topic ("does massage reduce swelling?") or both feet swell on long,
    hot runs.
  In its sentence (bot/triage.py `_is_context_exception`), a match does not count either when:
  * it sits in a general question that says nothing of the writer ("can deep tissue cause
    bruising?", "I've heard massage helps numbness, true?"); a first-person word in the question
    ("does massage help the numbness in my foot?", "anyone else get ...?") makes it a report,
    and so do "the swelling", "do you think" and "could it be a stress fracture?" ("it" is the
    writer's). Emergencies are referred even then (except a clot named in a question, whose
    symptoms-and-travel pattern refers regardless), and so is low mood;
  * a professional's all-clear comes after it, or before it with the sign named as its harmless cause
    ("it's fine to run on, it's just a bone bruise"), ("the physio checked it, just a sprain", "she said
    it's not a fracture, just a bruise"), unless
    the sign is new, worse or still there; emergencies are always referred;
  * it is over, in its clause or the next ("tingly toes for a week, gone now"), unless back;
    emergencies are always referred ("chest tightness that went away when I walked");
  * numbness comes with the cold, tight laces or a limb sat or slept on; chest pain with chafing
    under a strap; a limp with leg-day jokes and no injury; a tender spot in a muscle (a knot),
    not on a bone; low mood tied to a race without despair (post-race blues); throbbing the
    night after a long run that does not persist; a heart pounding with race nerves or coffee;
    a bruised toenail; "at mile 22 I wanted to die".
  A pattern match that runs across a clause break is not one finding ("a dull ache along the
  muscle, not on the bone"); the pattern is tried again from the break ("not really a pain, more
  a pressure behind the sternum"); a comma before "even" or "like" joins ("aches constantly,
  even at rest", "dark, like cola"). A bruise or tingling just after a question about a
  treatment's after-effects ("will a massage leave bruises? I bruised a lot last time") is that.
- Slang is handled in the sign's own rules, where it is known: "suicide pace", "suicides"
  (a drill), "it nearly gave me a heart attack", "could barely walk after the marathon".
  Words like "killer", "dead legs", "dying" or "sore" alone are never signs.
- Conversation state is not kept here: bot/referral.py remembers a referral across turns.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Sequence

from bot.kb_ids import (
    BONE_POINT_PAIN,
    CALF_AFTER_FLIGHT,
    CANNOT_BEAR_WEIGHT,
    CHEST_PAIN,
    ENERGY_DEFICIENCY,
    FAINTING_PALPITATIONS,
    HEAT_ILLNESS,
    LOW_MOOD,
    NIGHT_REST_PAIN,
    NUMBNESS_TINGLING,
    SELF_HARM,
    SWELLING_BRUISING,
)
from bot.knowledge_base import URGENCIES, CoRule, KnowledgeBase, RedFlag
from bot.referral import cleared_after, says_cleared
from bot.text import normalise, phrase_pattern
from bot.time_spans import MONTH_NAMES

# bot.text.phrase_pattern's whole-word guards, shared by a sign's combined phrase pattern.
_PHRASE_START, _PHRASE_END = r"(?<![\w-])", r"(?![\w-])"
# A sign just after one of these (same clause) is being denied, not reported.
_NEGATIONS = frozenset({"no", "not", "without", "never", "nor", "zero", "nothing", "neither", "none"})
_NEGATION_WINDOW = 3
_NEGATION_PHRASES = re.compile(
    r"\b(ruled out|rules out|rule out|no sign of|no signs of|free of|free from|not any|no more|not had any|"
    r"never had|not have any|do not have|did not have|does not have|not got)\W*(\w+\W+){0,2}$|"
    # a denial runs on through a list ("never had any numbness or tingling")
    r"\b(no|not|never|without|nor|any)\b(\W+\w+){0,4}\W+(or|nor)\W*$|"
    # "no pain when I press on the bone": a denied pain covers its clause
    r"\b(no|not|never|without|zero) (\w+ ){0,2}(pain|painful|hurts?|hurting|ache|aches|aching|tender|sore|problems?|"
    r"issues?|trouble)\b(\W+\w+){0,4}\W*$"
)
# Brackets are no break: "broke my foot (stress fracture) last year" keeps its time with it.
_CLAUSE_BREAK = re.compile(r"[.,;:!?](?=\s|$)|\bbut\b|\bthough\b|\bhowever\b|\band now\b|\banyway\b|\balthough\b|"
                           r"\bwhereas\b|\bexcept\b")
# A comma before "even" or "like" joins ("aches constantly, even when resting", "dark, like
# cola"); "but" and "and now" part.
_INSIDE_BREAK = re.compile(r"[.;:!?](?=\s|$)|,(?=\s|$)(?! (even|like)\b)|\bbut\b|\band now\b|\balthough\b|\bwhereas\b")
# Someone else's problem: the subject of the clause is another person.
_OTHER_PERSON = re.compile(
    r"\b(friend|friends|mate|mates|partner|wife|husband|boyfriend|girlfriend|son|daughter|brother|sister|"
    r"dad|mum|mom|father|mother|colleague|teammate|clubmate|club mate|club mates|(?<!\bi )(?<!\bwe )coach|"
    r"he|she|his|her|"
    r"someone i know|a guy|a girl|a runner|people|kid|kids|child|children|client|clients|athlete|athletes|"
    r"running buddy|running partner|training partner|somebody|someone|a man|a woman|a lady|baby|toddler|newborn|"
    r"dog|puppy|some runners|other runners|many runners|lots of runners|most runners|athletes|buddy|pal|"
    r"flatmate|housemate|roommate|neighbou?r|cousin|uncle|aunt|auntie|gran|grandma|grandad|grandpa|nan|"
    r"fianc\w*|spouse|other half|hubby|missus)\b"
)
# A state that began at a time and lasts: "stopped", "lost", "disappeared" dated with "ago".
_STATE_BEGAN = re.compile(r"\b(stopped|lost|disappeared|vanished|dried up|went away|gone|not had|have not had)\b")
# Over and done with, unless the message says it is back.
_PAST = re.compile(
    r"\b((\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|a few|few|"
    r"several|some|many) (years?|yrs?|months?|seasons?) ago|a decade ago|decades ago|back (at|in) uni|"
    r"when i was (at school|at uni|a student|younger|a teenager|a kid|\d+)|as a (teenager|kid|child)|"
    r"in my (student|uni|school|teenage) days|"
    r"last (year|season|spring|summer|autumn|fall|winter)|years back|used to|in the past|(back )?in (19|20)\d\d|"
    # a month named with a past verb ("I had a stress fracture in March"); "my race in March" is ahead,
    # and "since I got injured in March" goes on
    rf"(?<!since )(?<!since i )(?<!ever since i )(had|got|was|were|broke|fractured|diagnosed)\b[^.;!?]{{0,40}}"
    rf"\b(back )?in ({MONTH_NAMES})(?![^.;!?]{{0,40}}\b(still|ever since|since then|been|now|again|every)\b)|"
    rf"(back )?in ({MONTH_NAMES}),? (i|it) (had|was|got|broke|fractured)|"
    r"fully healed|all healed|has healed|have healed|long gone|cleared up|recovered from|recovering from|"
    r"getting over|got over)\b"
)
# "again" is the sign coming back ("it hurts again"), not running again
_BACK_AGAIN = re.compile(
    r"\b((hurt\w*|pain\w*|ach\w*|sore|swell\w*|swollen|flar\w*|playing up|niggl\w*|happen\w*|started|"
    r"it is|it has|it was|it) again|same (spot|place|pain|area|side)|come back|came back|coming back|returned|"
    r"recurr\w*|"
    r"flar(e|ed|ing) up|back again|still|(?<!fine )(?<!okay )(?<!ok )(?<!good )(?<!well )ever since|not healed|"
    r"never healed|keeps)\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(what if|in case|signs of|symptoms of|look out for|watch out for|what to look for|be aware of|"
    r"how (do|would|can|could) (i|you) (know|tell)|to prevent|"
    r"to avoid|risk of|chance of|worried i might|afraid i might|what happens if|if it ever|if you ever|"
    r"when (to|should (i|you)|do (i|you)) (worry|see|stop|go to)|warning signs?|red flags?|if (\w+ ){0,2}ever)\b"
)
# Bruises after cupping or Graston, tingling under dry needling: expected after-effects of a
# treatment, not injuries (a request to massage a swollen calf still counts).
# Both feet, hands or legs swelling on long or hot runs is common and harmless; one swollen joint is not.
_BENIGN_SWELLING = re.compile(
    r"\b(feet|hands|fingers|legs|ankles|lower legs)\b[^.;!?]{0,100}"
    r"\b(long runs?|long run|marathons?|ultras?|races?|heat|hot|shoes?|"
    r"size up|half size|runs?|running|hikes?|walks?|hours on (them|my feet))\b|"
    r"\b(long runs?|marathons?|ultras?|heat|hot|running|when i run|hours on my feet)\b[^.;!?]{0,60}"
    r"\b(feet|hands|fingers|legs|ankles|lower legs)\b"
)
# Swelling as a general topic ("does massage reduce swelling?") is a question, not a report.
_GENERAL_SWELLING = re.compile(
    r"\b(reduce|reduces|reducing|reduced|prevent|prevents|decrease|decreases|limit|minimi[sz]e|flush|flushes|"
    r"drain|drains|help|helps|help with|helps with|for|with|good for|against|lymphatic|lymph|"
    r"inflammation and|inflammation or|inflammation,)\s+$"
)
_TREATMENT_EFFECT_SIGNS = frozenset({SWELLING_BRUISING, NUMBNESS_TINGLING})
# Tender, bruised, tingly or throbbing the night after a massage, foam rolling, cupping or needling,
# the treatment told earlier in the same sentence: an after-effect, unless it lasts or an injury is told.
_AFTER_EFFECT_SIGNS = frozenset({SWELLING_BRUISING, NUMBNESS_TINGLING, BONE_POINT_PAIN, NIGHT_REST_PAIN})
_LASTING = (r"weeks|months|not going away|won't go|will not go|getting worse|worse|spread\w*|can't|cannot|can not|"
            r"ever since")
_LASTS = re.compile(rf"\b(days|still|every night|{_LASTING})\b")
# A bruise from deep pressure takes days to fade: only weeks, or worse, is more than an after-effect.
_BRUISE_LASTS = re.compile(rf"\b({_LASTING})\b")
# "pins and needles" is no treatment; "left" is a side as often as a verb ("needles in my left foot").
_TREATMENT = (r"(cupping|cups?|graston|scraping|gua sha|iastm|dry needling|needling|(?<!pins and )(?<!pins n )needles|"
              r"acupuncture|trigger point\w*|therapy|treatment|physio session|massage session|kinesio tape|taping|"
              r"massage guns?|percussion|theraguns?|foam roll\w*|deep tissue|sports massages?|massages?|"
              r"therapists?|tools?|ice baths?|ice|icing|cold plunge|cold water|deep heat|tiger balm|biofreeze|"
              r"menthol|cream|rub|compression boots|normatec|(foam )?roller|massage ball|lacrosse ball|spiky ball|"
              r"massage stick)")
_TREATMENT_EFFECT = re.compile(
    rf"\b(from|after|by|during|under)\b.{{0,25}}\b{_TREATMENT}\b|"
    rf"\b(in|with|using|use|used) (the |an? |my )?{_TREATMENT}\b|"
    rf"\bwhere (the |my )?(\w+ )?{_TREATMENT}\b|"
    rf"\b{_TREATMENT}\b.{{0,30}}"
    r"\b(left(?! (foot|feet|leg|side|knee|calf|ankle|hip|arm|hand|shin|thigh|toes?|heel|hamstring|quad|glute|"
    r"achilles|shoulder|big toe|buttock|cheek))|leaves|leave|gave me|gives me|give you|causes?|caused|feels like|"
    # the treatment's own force told: "the therapist went hard on my IT band, bruised this morning"
    r"felt like|went (in )?(hard|deep|to town)|dug (in|into)|worked (on|into)|got stuck in)\b"
)


# Over now: said in the sign's clause or the next one ("tingly toes for a week, gone now").
# "went away when I stopped" is a pattern of the sign (chest pain on effort), not its end;
# "has gone red" is no recovery.
_RESOLVED = re.compile(
    r"(?<!not )(?<!never )(?<!not really )\b(went away|gone away|go away by itself|"
    r"(been )?(completely |totally )?fine (for|ever since|since)|no (issues|problems|trouble) (since|ever since)|"
    r"(has|have|is|are) gone(?= *($|[.,;!?]| now| away| completely))|gone now|disappeared|resolved|"
    r"settled( down)?|cleared up|healed( up)?|fine now|all good now|better now|"
    r"(?<!should be )(?<!should have )(?<!would be )((mostly|all|completely|largely) )?(gone|down) by(?! now)|"
    r"then nothing|then (it )?(stopped|faded|settled)|"
    r"(is|are|all|everything) back to normal|sorted itself out|eased off|"
    r"(swelling|it|bruising|bruise|puffiness)('s| has| had| is)? (gone|went|come|going) down|"
    r"(swelling|bruising|bruise|puffiness|numbness|tingling)( all| completely| totally)? gone|"
    r"(bruise|bruising|it)('s| is| has been) (fading|going yellow|turning yellow|yellow now))\b"
    r"(?! (when|once|as soon as|whenever|if|after) (i|we) (stop\w*|walk\w*|rest\w*|slow\w*|sat|sit))"
)
# New or worse since a professional's all-clear: still a sign.
_NEWER = re.compile(r"\b(again|worse|worsening|new|now|since then|still|spread\w*|started|starting)\b")
# A generic question about a sign or a treatment's effects, not a report: "can deep tissue cause
# bruising?", "does massage help numbness?". Only when the question says nothing of the writer:
# a first-person word anywhere in it ("does massage help the numbness in my foot?") is a report.
_QUESTION_START = re.compile(
    r"^\s*(so |and |also |just |quick question |question |genuine question |out of interest )?"
    r"(can|could|does|do|will|would|is|are|should|how|what|what's|whats|why|which|when|has|have|is it|are there|"
    r"any (tips|advice|ideas|suggestions|thoughts))\b"
)
# "haven't had a period in 4 months", "can't feel my toes": a statement whose "I" was dropped,
# not a question ("can't I just get a massage?" names its subject).
_DROPPED_SUBJECT = re.compile(
    r"^\s*(so |and |also |just )?(can|could|does|do|did|will|would|is|are|should|has|have|had) not "
    r"(?!(i|you|we|it|they|he|she|anyone|anybody|there|this|that|massage)\b)"
)
# "does anyone else get ...?" is a report in question form.
_FIRST_PERSON = re.compile(r"\b(i|me|my|mine|myself|anyone else|anybody else|just me)\b")
# "could it be a stress fracture?", "does this sound like sciatica?": "it" is the writer's own
# problem, so the question is a report.
# "do you think the swelling will go down?": "the swelling" is one the writer has.
_SELF_DIAGNOSIS = re.compile(
    r"(\b(could|might|may|would|can|is|was|does|do) (it|this|that|these|they) (be |have |sound like |mean |is |are )?|"
    r"\b(it's|its|it is|sounds like|sound like|probably|maybe) )(a |an |some |the start of (a |an )?)?(\w+ )?$|"
    r"\b(the|this|that|these|those) $|\b(do you think|would you say|you reckon|do you reckon)\b"
)
# "she said it's not a fracture, just a bruise": an all-clear from someone named before (the physio, the GP)
_PRONOUN_CLEARED = re.compile(
    r"\b(she|he|they) (said|says|told me|reckons|thinks|confirmed)\b[^.!?]{0,20}\b(it is|it's|its|it was) "
    r"(not (a |an )?(fracture|break|tear|clot|broken|serious)|(just|only) (a|an|some) \w+|fine|nothing serious)"
)
# A professional's all-clear that comes back to the sign ("it", "this") in the next sentence.
_REFERS_BACK = re.compile(r"\b(it|this|that|them|they|these|those)\b")
_SENTENCE_BREAK = re.compile(r"[.!?\n]+(?=\s|$)")
# Numb or tingling toes in the cold, in laces done up too tight or in a leg sat on: the cold,
# the shoe or the posture, not a nerve.
_BENIGN_NUMB = re.compile(
    r"\b(cold|freezing|frozen|frost|frosty|icy|snow\w*|sleet|hail|chilly|wind ?chill|winter|wintry|sub[- ]?zero|"
    r"below (zero|freezing)|minus \d+|numb with cold|"
    r"-\d+ ?(c|degrees)|raynaud\w*|gloves|laces|lacing|laced|too tight|toe box|"
    r"(sleep|slept|sleeping|lying|lay|lie|sitting|sat|sit|kneeling|leaning) on (it|them|my \w+)|cross[- ]legged|"
    r"crossed legs|legs crossed|on the (toilet|loo)|in the car|on the bike|saddle|"
    r"on the (coach|bus|train|plane)|(coach|bus|train|car) (journey|ride|trip))\b"
)
# Numb from tight laces or the cold that has not come back for days is a nerve's business.
_NUMB_LASTS = re.compile(
    r"\b(numb\w*|tingl\w*|no feeling|pins and needles)\b[^.,;!?]{0,20}\b(for|about|nearly|over) "
    r"(a|one|two|three|several|a few|\d+) (days|weeks?)\b|"
    r"\b(feeling|sensation) (has not|have not|never|not) (come|came) back\b|"
    r"\bstill (numb|tingl\w*|there|happens|happening)\b|"
    r"\b(did not|does not|has not|have not) (help|fix it|make (a|any) difference)\b|\bmade no difference\b|"
    r"\beven (after|with|when) (i )?(loosen\w*|changing|changed|new)\b")
_NUMB_PASSED = re.compile(
    r"\b(went|went away|gone|disappeared|stopped|eased|fine|back to normal|came back)\b[^.!?]{0,30}\b(straight away|"
    r"right away|at once|in (a|one) (minute|min|second|sec)|in (a few|\d+|two|thirty) (minutes|mins|seconds|secs)|"
    r"within (a |one )?(minute|min|seconds?|few minutes)|as soon as|once i|the moment|the second|"
    r"(after|within) (a few|\d+|two|five|ten|a couple of) (minutes?|mins?|seconds?|secs?)|"
    r"after a (warm|hot) (shower|bath|drink))\b|"
    r"\b(has not|have not|never) (returned|recurred|come back|happened again)\b")
# Chafing under a strap or a bra, sore nipples: skin, not the heart.
_CHEST_SKIN = re.compile(r"\b(chaf\w*|nipples?|strap|bra|rash|skin|blisters?|vaseline|body ?glide|sunburn\w*)\b")
# Walking like a penguin after a race or leg day, laughed about: soreness, not a lost ability to walk.
_SORENESS = re.compile(
    r"\b(doms|lol|haha\w*|lmao|like a (penguin|cowboy|zombie|baby giraffe|newborn \w+|\d+ year old|pensioner)|"
    r"like an? (old|elderly|little old) (man|woman|lady|person|granny|grandad)|like my (gran|granny|grandad|nan)|"
    r"jelly legs|legs (are|were) jelly|legs? day|stairs|massage|deep tissue|"
    # walking funny the day after needling or rolling is the treatment's soreness too
    r"dry needling|needling|needled|cupping|foam roll\w*|massage gun|graston|scraping|acupuncture|"
    # a race may be named with its place or its year ("after the london marathon")
    r"after (the |my |a |that |this |yesterday's |sunday's |saturday's )?(\w+ ){0,2}(marathon|ultra|half|50k|100k|"
    r"ironman|race|massage|deep tissue))\b|😂|🤣"
)
# A tender spot in a muscle is a knot, a massage's own business; on a bone it may be a fracture.
_MUSCLE = re.compile(
    r"\b(calf|calves|hamstrings?|quads?|glutes?|muscles?|knots?|trigger points?|shoulders?|neck|piriformis|it band|"
    r"itb|hip flexors?|bum|butt|buttocks?|upper back|lower back|traps?|arch|plantar|fascia|belly of)\b"
)
_BONE = re.compile(
    r"\b(bone|bones|bony|shin|shins|shinbone|tibia|fibula|metatarsals?|navicular|femur|heel|top of (my|the) foot|"
    r"hip bone|pelvis|sacrum|toe|toes|fracture\w*|hop|hopping)\b"
)
_BONE_OR_JOINT = re.compile(_BONE.pattern[:-3] + r"|knee|knees|hip|hips|ankle|ankles|foot|feet|achilles|spine|groin)\b")
# "at mile 22 I wanted to die", "on that last hill I wanted to die": race hyperbole.
_RACE_PLACE = re.compile(
    r"\b((at|by|around|after) (mile|km|k) ?\d+|(on|up) (the|that|this) (last |final |big |steep )?(hill|climb)|"
    r"(in|during) the (last|final) (mile|km|rep|lap|stretch))\b"
)
_WRITER = re.compile(r"\b(i|i am|i was|i had|i have)\b")
# Someone in the writer's care: a child, an athlete or client they coach or treat, or anyone they ask
# how to help ("can I massage her calf", "how do I help him"). Their signs need a professional as the
# writer's own would; gossip about a friend's injury does not.
_CHARGE = (r"(son|daughter|kid|kids|child|teen|teenager|lad|boy|girl|\d+ ?(-|year|yr)[- ]?(year[- ])?old|"
           r"athletes?|clients?|runners? i coach|swimmers?|juniors?|pupils?|students?)")
_AGE_WORD = "(young |teenage |teen |eldest |youngest |little )?"
_IN_CARE = re.compile(
    rf"\b(my|our) {_AGE_WORD}{_CHARGE}\b|"
    r"\b(asking|ask|asking you|question|writing|here) (for|about|on behalf of) (my|our) (husband|wife|partner|"
    r"boyfriend|girlfriend|fianc\w*|spouse|other half|hubby|mum|mom|dad|brother|sister|friend)\b|\bon behalf of\b|"
    r"\bone of my (lads|girls|boys|athletes|runners|kids|swimmers|juniors|clients|squad)\b|"
    r"\b(coaching|parent|parenting|mum|mom|dad) question\b|"
    # the keyboard handed over ("his wife here", "taking over the typing")
    r"\b(his|her|their) (wife|husband|partner|mum|mom|dad|brother|sister|friend|other half) (here|typing|writing)\b|"
    r"\b(taking|took|taken) over (the )?(keyboard|typing|phone|message)\b|"
    r"\bi (coach|train|look after|care for|work with|am (a |her |his )?(coach|parent|trainer|therapist))\b|"
    r"\b(a|the) (client|athlete|junior)\b|"
    r"\b(massage|help|treat|show|teach|give|work on|rub|recommend for|advise|tell|get|look after) "
    r"(him|her|his|my (husband|wife|partner|boyfriend|girlfriend|fianc\w*|spouse|other half|hubby))\b|"
    r"\b(for|on) (him|her)\b[^.!?]{0,40}\?"
)
_ASKS_WHAT_TO_DO = re.compile(
    r"\b(can|could|should|shall|would|do) (i|we)\b|\bhow (do|can|should|would) (i|we)\b|"
    r"\bwhat (do|can|should) (i|we)\b|"
    r"\b(massage|rub|treat|work on|help|recommend\w*|advice|advise|tips|best way)\b")
# "I am his coach", "as her mum": the writer's role, not another person
_CARER_ROLE = re.compile(r"\b(i am|as) (a |an |the |his |her |their )?(coach|trainer|parent|mum|mom|dad|therapist|"
                         r"physio|partner|husband|wife)\b")
# The carer's reading puts the person in their care in the writer's place.
_THIRD_TO_FIRST = (
    (_CARER_ROLE, "i am"),
    (re.compile(r"\b(himself|herself)\b"), "myself"),
    (re.compile(r"\b(he|she)\b"), "i"),
    (re.compile(r"\bhim\b"), "me"),
    (re.compile(r"\b(his|her)\b"), "my"),
    (re.compile(rf"\b(my|our|the) {_AGE_WORD}{_CHARGE}'s\b"), "my"),
    (re.compile(rf"\b(my|our|the) {_AGE_WORD}{_CHARGE}\b"), "i"),
    (re.compile(r"\bmy (husband|wife|partner|boyfriend|girlfriend|fianc\w*|spouse|other half|hubby)\b"), "i"),
)
_SELF_HARM_OWN = re.compile(r"\b(i|me|myself|my life|without me|i am|i was)\b")
_SELF_WORDS = re.compile(r"\b(myself|my life|suicid\w*|alive|exist\w*|it all|everything)\b")
_DIE_HYPERBOLE = re.compile(r"\b(want|wanted|wanting|wanna) to die\b")
# Feelings, not nerves: "tingling with excitement", "goosebumps at the start line"
_EMOTION_TINGLE = re.compile(r"\b(excit\w*|anticipation|goose ?bumps|goose-bumps|shivers|spine[- ]tingling|"
                             r"emotional|pride|proud|joy|happiness|buzzing)\b")
# Pride, not a swelling: "my heart swelled", "swelling with pride at the finish"
_SWELL_FEELING = re.compile(r"\b(swell\w*|swollen) (up )?with (pride|joy|emotion|happiness|love|gratitude)\b|"
                            r"\b(heart|chest)\b(\s\w+){0,2}\s(swell\w*|swollen)\b")
# "nearly fainted when I saw my time", "almost passed out at the price": a reaction, not a faint
_NEARLY_AT_NEWS = re.compile(r"\b(nearly|almost)\b[^.!?]{0,25}\b(when|at|after) (i )?(saw|see|seeing|read|reading|"
                             r"heard|hearing|got|opened|checked|the (price|bill|cost|result|results|time|email|news|"
                             r"photos?|ballot|draw))\b")
_LIMB = re.compile(r"\b(hands?|fingers?|arms?|feet|foot|toes?|legs?|face|lips?|cheeks?|thighs?|calf|calves|shins?|"
                   r"knees?|hips?|back|neck|shoulders?|side|jaw)\b")
_EXERTION = re.compile(r"\b(run\w*|ran|race\w*|mile\w*|km|finish\w*|sprint\w*|hill\w*|heat|hot|dizz\w*|"
                       r"light ?headed|vision|chest|heart)\b")
# A heart that pounds in bed the night before a race, or after three coffees: nerves or caffeine.
_NERVES = re.compile(
    r"\b(nerves|nervous|excit\w+|caffeine|coffees?|espresso|energy drinks?|pre[- ]?race|"
    r"night before (a |the |my )?(race|marathon)|before (a |the |my )?(race|marathon|start))\b"
)
# A bruised or black toenail is a runner's ordinary lot, not an injury to refer.
_TOENAIL = re.compile(r"\b(toe ?nails?|nails?)\b")
# Cannot put weight on it, stand or walk on it: never soreness, whatever the jokes around it.
_NO_WEIGHT = re.compile(r"\b(weight|walk on|stand on|crutches|crawl\w*|carried|hop|step|shuffl\w*)\b")
_INJURY = re.compile(
    # "rolled my calves on a lacrosse ball" is a tool, not a rolled ankle
    r"\b(twist\w*|(?<!foam )rolled(?! (out )?(my |both |the )?(\w+ ){0,2}(on|with|over|out) (a |an |the |my )?(\w+ )?"
    r"(ball|roller|stick|bottle|foam))|tweak\w*|pulled|strained|knocked|tripped|kicked|collided|went over|"
    r"sprain\w*|pop\w*|fell|fall|swollen|swelling|bruised|fracture\w*|snap\w*|tore|torn)\b"
)
# "I heard/read that massage helps numbness" and "I was wondering whether ..." frame a general
# question; what follows the frame is read as the question.
_FRAME = re.compile(
    r"^\s*(so |and |just |also )?i (have |had )?(heard|read|seen|was told|been told|wonder|wondered|was wondering|"
    r"am wondering|want to know|would like to know|am curious|was curious)( somewhere| online| on here)?"
    r"( that| if| whether| about)?\s+"
)
# Post-race blues: a dip tied to a race or the end of a season, said without despair or "everything".
_RACE_DIP = re.compile(
    r"\b(post[- ]?(race|marathon|ultra)|"
    r"(after|since|finished) (my |the |a |that |this |our )?(\w+ ){0,2}(race|marathon|ultra|ironman|season|a race)|"
    r"nothing to train for|off[- ]?season|taper\w*|race blues|marathon blues)\b"
)
_DESPAIR = re.compile(
    r"\b(hopeless|hopless|worthless|everything|anything|life|crying|cry|tears|get out of bed|burden|dark|every day|"
    r"every single day|months|not eating|cannot sleep|self|die|dead|pointless|"
    r"not (just )?(the )?(normal|usual|ordinary) (blues|dip|slump)|different from|"
    r"worse than (the )?(normal|usual|ordinary))\b"
)
# Throbbing the night after a long run or race is soreness; night pain that persists is not.
_AFTER_TRAINING = re.compile(
    r"\bafter (my |a |the |that |this |today's |yesterday's |long |hard |big |tough |hilly )*(long run|long runs|runs?|"
    r"races?|marathons?|half|ultra|sessions?|workouts?|intervals|training|speed ?work|hills|parkrun|track)\b"
)
_FELT_BRUISED = re.compile(r"\b(feel|feels|felt|feeling)\s+([\w']+\s+){0,4}bruised?$")
_PERSISTS = re.compile(
    r"\b(every night|most nights|each night|nightly|weeks|months|rest days?|days off|still|constant\w*|even|"
    r"not just|getting worse|all the time|kept me|keeps me|gone from)\b"
)


@lru_cache(maxsize=64)
def _sentence_bounds(text: str) -> tuple[int, ...]:
    """Where the sentences of `text` start (once per message, not once per match)."""
    return (0, *(m.end() for m in _SENTENCE_BREAK.finditer(text)), len(text))


def _sentences(text: str, start: int, end: int) -> tuple[int, int, str]:
    """Start and end of the sentence holding text[start:end], and the sentence after it."""
    bounds = _sentence_bounds(text)
    for i in range(len(bounds) - 1):
        if bounds[i] <= start < bounds[i + 1]:
            after = text[bounds[i + 1]:bounds[i + 2]] if i + 2 < len(bounds) else ""
            return bounds[i], max(bounds[i + 1], end), after
    return 0, len(text), ""


def _is_generic_question(before: str, sign: str) -> bool:
    """Is this clause (`before` the sign, then the sign and the rest of the clause) a question about
    signs or treatments in general, not about the writer?"""
    if _SELF_DIAGNOSIS.search(before) or _DROPPED_SUBJECT.match(before + sign):
        return False
    question = before + sign
    framed = _FRAME.match(question)
    if framed:
        question = question[framed.end():]
    return bool(framed or _QUESTION_START.search(question)) and not _FIRST_PERSON.search(question)


def _is_context_exception(text: str, match: re.Match[str] | _Span, flag: RedFlag, clause: str, rest: str,
                          kb: KnowledgeBase | None = None) -> bool:
    """Sentence-level reasons a match is not a report: cleared, over, a question, a known benign pattern."""
    start, end, after = _sentences(text, match.start(), match.end())
    sentence = text[start:end]
    # the question is read from its own clause, which starts inside this sentence
    before = _CLAUSE_BREAK.split(text[start:match.start()])[-1]
    # emergencies are referred even when asked about in general, except a clot or heat stroke named
    # in a question ("can massage dislodge a clot?", "can massage prevent heat stroke?"): their
    # symptom readings refer regardless; "is it normal to not have a period for 5 months?" is
    # asked about oneself however it is worded
    period_words = kb.word_families.get("period_words") if kb is not None else None
    periods_asked = (flag.id == ENERGY_DEFICIENCY and bool(period_words)
                     and bool(_family_pattern(period_words).search(before + match.group() + rest)))
    asked_generally = not periods_asked and (flag.urgency != "emergency"
                                             or flag.id in (CALF_AFTER_FLIGHT, HEAT_ILLNESS))
    if asked_generally and flag.id != LOW_MOOD and _is_generic_question(before, match.group() + rest):
        return True
    # an all-clear given after the sign was told, in its sentence or the next ("the physio checked it")
    cleared = (cleared_after(sentence, match.start() - start) or bool(_PRONOUN_CLEARED.search(sentence))
               or (says_cleared(after) and _REFERS_BACK.search(after))
               # the all-clear first, the sign then named as its harmless cause ("the physio said it's
               # fine to run on, it's just a bone bruise", "said the swelling is just from my new shoes")
               or (says_cleared(sentence) and bool(re.search(r"\b(just|only)\b", clause + match.group() + rest))))
    if flag.urgency != "emergency" and cleared and not _NEWER.search(clause + match.group() + rest):
        return True
    next_clause = _CLAUSE_BREAK.split(text[match.end():match.end() + 200])[1:2]
    # a co-occurrence reading's own words ("my periods have disappeared") are the sign, not its end
    own = match.between() if isinstance(match, _Span) else match.group()
    if (flag.urgency != "emergency" and not flag.episodic
            and _RESOLVED.search(clause + own + rest + " " + " ".join(next_clause)) and not _BACK_AGAIN.search(text)):
        return True
    # the cause and its quick end may come a sentence later ("...toes went numb. Laces, gone in a minute")
    if (flag.id == NUMBNESS_TINGLING and not _NUMB_LASTS.search(f"{sentence} {after}")
            and (_BENIGN_NUMB.search(sentence)
                 or (_BENIGN_NUMB.search(after) and _NUMB_PASSED.search(f"{sentence} {after}")))):
        return True
    # a tingle of feeling where no body part is named
    if flag.id == NUMBNESS_TINGLING and _EMOTION_TINGLE.search(sentence) and not _LIMB.search(sentence):
        return True
    if flag.id == SWELLING_BRUISING and _SWELL_FEELING.search(sentence) and not _LIMB.search(sentence):
        return True
    if (flag.id == FAINTING_PALPITATIONS and _NEARLY_AT_NEWS.search(sentence)
            and not _EXERTION.search(_NEARLY_AT_NEWS.sub(" ", sentence))):
        return True
    if flag.id == CHEST_PAIN and _CHEST_SKIN.search(sentence):
        return True
    if flag.id == SELF_HARM and _DIE_HYPERBOLE.search(match.group()) and _RACE_PLACE.search(clause):
        return True
    # "that session made me want to die lol", "want to end it at 10k": running talk, unless the
    # words name oneself or life
    session_talk = kb.word_families.get("session_talk") if kb is not None else None
    if (flag.id == SELF_HARM and session_talk and _family_pattern(session_talk).search(sentence)
            and not _SELF_WORDS.search(match.group()) and re.search(r"\b(die|end|ending)\b", match.group())):
        return True
    if (flag.id == FAINTING_PALPITATIONS and re.search(r"\b(rac\w+|pound\w*|hammer\w*|thump\w*)\b", match.group())
            and _NERVES.search(sentence)):
        return True
    if flag.id == SWELLING_BRUISING and "brui" in match.group() + rest and _TOENAIL.search(sentence):
        return True
    # "my arches feel tight and bruised", "feels like a deep bruise": a felt soreness, not a bruise seen
    if flag.id == SWELLING_BRUISING and _FELT_BRUISED.search(before + match.group()):
        return True
    # a sting or bite swells where it went in (the knowledge base's `sting_bite` family)
    sting_bite = kb.word_families.get("sting_bite") if kb is not None else None
    if flag.id == SWELLING_BRUISING and sting_bite and _family_pattern(sting_bite).search(sentence):
        return True
    if flag.id == BONE_POINT_PAIN and _MUSCLE.search(sentence) and not _BONE.search(sentence):
        return True
    # the injury may have been told a sentence or two before the walking
    if (flag.id == CANNOT_BEAR_WEIGHT and _SORENESS.search(sentence) and not _INJURY.search(text[:end])
            and not _NO_WEIGHT.search(match.group())):
        return True
    if flag.id == LOW_MOOD and _RACE_DIP.search(text) and not _DESPAIR.search(sentence):
        return True
    return flag.id == NIGHT_REST_PAIN and bool(_AFTER_TRAINING.search(sentence)) and not _PERSISTS.search(sentence)


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


def _after_treatment_question(text: str, match: re.Match[str] | _Span) -> bool:
    """"will a sports massage leave bruises? I bruised a lot last time": the sign follows a question
    about a treatment's after-effects, and no injury is told."""
    bounds = _sentence_bounds(text)
    i = bisect_right(bounds, match.start()) - 1
    if i < 1:
        return False
    previous, sentence = text[bounds[i - 1]:bounds[i]], text[bounds[i]:bounds[i + 1]]
    told = sentence.replace(match.group(), " ")  # the sign's own word ("bruised") is no injury told
    return "?" in previous and bool(_TREATMENT_EFFECT.search(previous)) and not _INJURY.search(told)


def _after_treatment_same_sentence(text: str, match: re.Match[str] | _Span) -> bool:
    """"foam rolled my IT band and now it's bruised", "got cupping and it throbbed all night after":
    a treatment earlier in the sign's sentence, no injury told, nothing that lasts."""
    start, end, _ = _sentences(text, match.start(), match.end())
    sentence = text[start:end]
    before = _CLAUSE_BREAK.split(text[start:match.start()])[-1]  # told in the sign's own clause
    # a bruise is deep pressure's known mark: the treatment may be told anywhere before it in the sentence
    told_before = text[start:match.start()] if "brui" in match.group() else before
    told = sentence.replace(match.group(), " ")
    # "does massage help the numbness?" asks about a treatment, it tells none
    asked = _QUESTION_START.search(before) or re.search(r"\b(help|helps|will|would|should|could|can)\b", before)
    lasts = _BRUISE_LASTS if "brui" in match.group() else _LASTS
    return (bool(re.search(rf"\b{_TREATMENT}\b", told_before)) and not asked and not _INJURY.search(told)
            and not lasts.search(sentence))


# Treatments that leave marks: "dark marks. that's where the cups sat" is the cups' doing.
_MARKING = re.compile(r"\b(cupping|cups?|cupped|graston|scraping|scraped|gua sha|iastm|deep tissue|massage guns?|"
                      r"theraguns?|foam roll\w*|(foam )?roller|lacrosse ball|massage ball|spiky ball)\b")


def _marks_of_a_treatment(text: str, match: re.Match[str] | _Span) -> bool:
    """A bruise or a mark (not a swelling) in a message that names a treatment that leaves marks,
    with no injury told anywhere and nothing that lasts weeks or worsens."""
    if re.search(r"swell|swollen|puff|balloon", match.group()):
        return False
    rest = text.replace(match.group(), " ")
    return bool(_MARKING.search(text)) and not _INJURY.search(rest) and not _BRUISE_LASTS.search(text)


def _counts(text: str, match: re.Match[str] | _Span, flag: RedFlag, joined: bool = False,
            kb: KnowledgeBase | None = None) -> bool:
    """Is this match a sign the writer reports for themselves, now?

    `joined`: a co-occurrence reading spans its sentence on purpose, clause breaks and all.
    """
    if not match.group():  # a whole-message pattern made of lookaheads
        return True
    if not joined and _INSIDE_BREAK.search(match.group()):
        return False
    clause = _clause_before(text, match.start())
    rest = _CLAUSE_BREAK.split(text[match.end():match.end() + 120])[0]
    if _is_negated(clause) or _someone_else(clause, match.group() + rest, flag) or _HYPOTHETICAL.search(clause):
        return False
    whole_clause = clause + match.group() + rest
    if _is_context_exception(text, match, flag, clause, rest, kb):
        return False
    # an after-effect passes; one that lasts ("numb for three days since the massage") is a sign
    if flag.id in _TREATMENT_EFFECT_SIGNS and not _LASTS.search(whole_clause) and (
            _TREATMENT_EFFECT.search(whole_clause) or _after_treatment_question(text, match)):
        return False
    if flag.id in _AFTER_EFFECT_SIGNS and _after_treatment_same_sentence(text, match):
        return False
    if flag.id == SWELLING_BRUISING and _marks_of_a_treatment(text, match):
        return False
    if flag.id == SWELLING_BRUISING and (_BENIGN_SWELLING.search(whole_clause) or _GENERAL_SWELLING.search(clause)):
        return False
    # the sign's own words are not its time frame ("nothing i used to love"); a state that began
    # long ago is still there ("my periods stopped six months ago")
    past = _PAST.search(clause + " " + rest)
    if past and past.group().endswith(" ago") and _STATE_BEGAN.search(match.group() + rest):
        return True
    return not (past and not _BACK_AGAIN.search(text))


@lru_cache(maxsize=256)
def _phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """All of a sign's phrases in one pattern (one scan of the text, not one per phrase)."""
    if not phrases:
        return None
    bodies = [phrase_pattern(p).pattern.removeprefix(_PHRASE_START).removesuffix(_PHRASE_END)
              for p in sorted(phrases, key=len, reverse=True)]
    return re.compile(_PHRASE_START + "(?:" + "|".join(bodies) + ")" + _PHRASE_END)


# --- co-occurrence readings: word families meeting in one clause or sentence -----------------

@dataclass(frozen=True)
class _Span:
    """A stretch of text standing for a match: where a co-occurrence reading found its families."""

    text: str
    begin: int
    finish: int
    words: tuple[tuple[int, int], ...] = ()

    def between(self) -> str:
        """The span with its families' own words blanked out: what is said around them."""
        out = list(self.group())
        for start, end in self.words:
            out[start - self.begin:end - self.begin] = " " * (end - start)
        return "".join(out)

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish

    def group(self) -> str:
        return self.text[self.begin:self.finish]


_EXACT_WORD_LENGTH = 4
_COUNT = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"


def _term_regex(term: str) -> str:
    """One family term as a pattern tolerant of doubled or dropped double letters ("swolen",
    "tinglling"): letters are deduplicated, then each may repeat. `*` ends a word, `#` is a number,
    `~` stands for up to two words. Words of four letters or fewer are spelt as written: dropping
    their double letter makes another word ("off" -> "of", "bee" -> "be", "all" -> "al")."""
    pattern = ""
    for word in term.split():
        if word == "~":  # up to two words of any kind ("i ~ be gone": "i would just be gone")
            pattern += r"(?:[\w']+[\s-]+){0,2}"
            continue
        if word == "#":  # a number on its own, in digits or words ("# weeks": "6 weeks", "six weeks")
            pattern += _COUNT + r"[\s-]+"
            continue
        out: list[str] = []
        previous = ""
        loose = sum(char.isalpha() for char in word) > _EXACT_WORD_LENGTH
        for char in word:
            if char == "*":
                out.append(r"\w*")
            elif char == "#":
                out.append(r"\d+")
            elif char.isalpha() and not loose:
                out.append(re.escape(char))
            elif char.isalpha():
                if char != previous:
                    out.append(re.escape(char) + "+")
            else:
                out.append(re.escape(char))
            previous = char
        pattern += "".join(out) + r"[\s-]+"
    return pattern.removesuffix(r"[\s-]+")


@lru_cache(maxsize=256)
def _family_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    bodies = sorted((_term_regex(term) for term in terms), key=len, reverse=True)
    return re.compile(_PHRASE_START + "(?:" + "|".join(bodies) + ")" + _PHRASE_END)


@lru_cache(maxsize=8)
def _spelling_fix(pairs: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    if not pairs:
        return None, {}
    wrongs = sorted((wrong for wrong, _ in pairs), key=len, reverse=True)
    return re.compile(_PHRASE_START + "(" + "|".join(map(re.escape, wrongs)) + ")" + _PHRASE_END), dict(pairs)


def respell(text: str, kb: KnowledgeBase) -> str:
    """Correct the knowledge base's common misspellings (red_flags.yml `spellings`) in normalised text."""
    pattern, fixes = _spelling_fix(tuple(sorted(kb.spellings.items())))
    return pattern.sub(lambda m: fixes[m.group(1)], text) if pattern else text


@lru_cache(maxsize=8)
def _softener_pattern(softeners: tuple[str, ...]) -> re.Pattern[str] | None:
    if not softeners:
        return None
    words = sorted(softeners, key=len, reverse=True)
    return re.compile(_PHRASE_START + "(" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in words) + ")"
                      + _PHRASE_END)


def speaks_for_someone(message: str) -> bool:
    """Does the writer say they look after the person they write about ("I coach a 15-year-old",
    "asking for my wife", "can I massage him")?"""
    return bool(_IN_CARE.search(normalise(message)))


def as_carer(text: str, carer: bool = False) -> str:
    """A message asking what to do for someone in the writer's care, read as if the writer had the
    signs ("can I massage my son's foot, he can't put weight on it" -> "... i can't put weight on it");
    any other message unchanged ("my daughter says her shin hurts, is that growing pains?"). `carer`:
    the conversation already said so ("I coach a junior" a turn before "he felt a pop")."""
    if not (carer or (_IN_CARE.search(text) and _ASKS_WHAT_TO_DO.search(text))):
        return text
    for pattern, replacement in _THIRD_TO_FIRST:
        text = pattern.sub(replacement, text)
    return text


def unsoften(text: str, words: tuple[str, ...]) -> str:
    """`text` without these hedges or intensifiers (red_flags.yml `softeners`, `diminishers`):
    "my foot kind of goes numb" is read as "my foot goes numb" too."""
    pattern = _softener_pattern(words)
    return " ".join(pattern.sub(" ", text).split()) if pattern else text


@lru_cache(maxsize=64)
def _clause_bounds(text: str) -> tuple[int, ...]:
    """Where the clauses of `text` start: sentence breaks and the clause breaks inside a match."""
    breaks = {m.end() for m in _INSIDE_BREAK.finditer(text)} | set(_sentence_bounds(text))
    return tuple(sorted(breaks | {0, len(text)}))


def _whole(text: str) -> tuple[int, ...]:
    return (0, len(text))


def _family_matches(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _family_pattern(terms).finditer(text)]


def _speaks_for_self(text: str, start: int, others: list[tuple[int, int]], flag: RedFlag) -> bool:
    """A family's word, in its clause: not denied, not someone else's, not hypothetical. The words of
    another family just before it are not read as its negation ("do not want to | be alive")."""
    clause = _clause_before(text, start)
    cut = max((end for s, end in others if end <= start and start - end < len(clause)), default=None)
    if cut is not None:
        clause = clause[len(clause) - (start - cut):]
    return not (_is_negated(clause) or _someone_else(clause, "", flag) or _HYPOTHETICAL.search(clause))


def _speaking(text: str, spans: list[tuple[int, int]], others: list[tuple[int, int]],
              flag: RedFlag) -> list[tuple[int, int]]:
    """A family's words that speak for the writer. A denial covers the rest of its clause: "no single
    tender point when I press" denies "press" too, though the "no" is more than three words back."""
    bounds = _clause_bounds(text)
    found: list[tuple[int, int]] = []
    denied_until = -1
    for start, end in sorted(spans):
        if start < denied_until:
            continue
        if _speaks_for_self(text, start, others, flag):
            found.append((start, end))
        else:
            denied_until = bounds[min(bisect_right(bounds, start), len(bounds) - 1)]
    return found


def _someone_else(clause: str, sign: str, flag: RedFlag) -> bool:
    """Is the clause about another person? "my family would be better off without me", "a letter to my
    partner in case I am not around": thoughts of self-harm that name the writer stay the writer's."""
    if flag.id == SELF_HARM:
        return bool(_OTHER_PERSON.search(clause)) and not _SELF_HARM_OWN.search(clause + sign)
    others = list(_OTHER_PERSON.finditer(clause))
    if not others:
        return False
    # "my mate said I was confused": the other person saw it; "I" after them is the writer's sign
    return not _WRITER.search(clause, others[-1].end())


def _cooccurs(flag: RedFlag, rule: CoRule, text: str, kb: KnowledgeBase, latest: int = 0) -> bool:
    """Do all of the rule's families meet in one clause or sentence, with none of its exceptions, and
    does that reading pass the same context checks as any match? `latest`: where the latest message
    starts in a conversation's joined text; one family must speak there."""
    found = [_family_matches(text, kb.word_families[name]) for name in rule.all]
    if not all(found) or not any(start >= latest for spans in found for start, _ in spans):
        return False
    bounds = {"clause": _clause_bounds, "sentence": _sentence_bounds}.get(rule.within, _whole)(text)
    # the parts (clauses or sentences) where every family has a word
    parts: list[set[int]] = [{bisect_right(bounds, s) - 1 for s, _ in spans} for spans in found]
    for part in sorted(set.intersection(*parts)):
        lo, hi = bounds[part], bounds[part + 1]
        here = [[(s, e) for s, e in spans if lo <= s < hi] for spans in found]
        chosen: list[tuple[int, int]] = []
        for k, spans in enumerate(here):
            others = [span for j, more in enumerate(here) if j != k for span in more]
            speaking = _speaking(text, spans, others, flag)
            if not speaking:
                break
            # in a conversation, the latest message's word where it has one
            chosen.append(next((span for span in speaking if span[0] >= latest), speaking[0]))
        else:
            if not any(start >= latest for start, _ in chosen):
                continue
            piece = text[max(lo, latest):hi]
            if any(_family_pattern(kb.word_families[name]).search(piece) for name in rule.unless):
                continue
            # a night ache in a muscle, no bone or joint named, is a muscle's business (as a knot is)
            if flag.id == NIGHT_REST_PAIN and _MUSCLE.search(piece) and not _BONE_OR_JOINT.search(piece):
                continue
            span = _Span(text, min(s for s, _ in chosen), max(e for _, e in chosen), tuple(chosen))
            if _counts(text, span, flag, joined=True, kb=kb):
                return True
    return False


def _pattern_matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """A pattern's matches; one that runs over a clause break is tried again from that break, so
    that "not really a pain, more a pressure behind the sternum" still finds its second clause."""
    pos = 0
    while pos <= len(text):
        match = pattern.search(text, pos)
        if match is None:
            return
        yield match
        inside = _INSIDE_BREAK.search(match.group()) if match.group() else None
        pos = match.start() + inside.end() if inside else max(match.end(), match.start() + 1)


def _matches(flag: RedFlag, text: str, kb: KnowledgeBase) -> bool:
    phrases = _phrases_pattern(flag.phrases)
    if phrases and any(_counts(text, match, flag, kb=kb) for match in phrases.finditer(text)):
        return True
    if any(_counts(text, match, flag, kb=kb) for pattern in flag.patterns for match in _pattern_matches(pattern, text)):
        return True
    return any(_cooccurs(flag, rule, text, kb) for rule in flag.cooccur)


def _across_turns(flag: RedFlag, earlier: str, readings: tuple[str, ...], kb: KnowledgeBase) -> bool:
    """A sign whose parts the runner told over several messages (`within: conversation` rules)."""
    rules = [rule for rule in flag.cooccur if rule.within == "conversation"]
    return any(_cooccurs(flag, rule, earlier + text, kb, latest=len(earlier)) for rule in rules for text in readings)


# "UPDATE:" or "edit 2:" opens what follows; its colon would make the marker a clause of its own,
# between a sign and the all-clear after it.
_MARKER = re.compile(r"\b(update|updated|edit|edited|eta)( \d+)? ?:")


def _read(message: str, kb: KnowledgeBase) -> str:
    return respell(_MARKER.sub(r"\1", normalise(message)), kb)


def assess(message: str, kb: KnowledgeBase, carer: bool = False, earlier: Sequence[str] = ()) -> Triage:
    """Find every red flag in `message`; empty when there is none. `carer`: the writer looks after
    the person the message is about (said earlier in the conversation). `earlier`: the runner's
    earlier messages in this conversation, oldest first, for signs told over several turns."""
    text = _read(message, kb)
    if not text:
        return Triage(())
    # A sign with a hedge inside it counts as the sign; the text as written keeps its own readings.
    # "A bit low" is not low mood: a sign whose degree matters keeps its diminishers.
    hedged = unsoften(text, kb.softeners)
    readings = tuple(dict.fromkeys((text, hedged, as_carer(hedged, carer), _unhyphenated(hedged))))
    diminished = tuple(dict.fromkeys((*readings, unsoften(hedged, kb.diminishers))))
    found = [flag for flag in kb.red_flags.values()
             if any(_matches(flag, t, kb) for t in (readings if flag.degree_matters else diminished))]
    # An all-clear now ("the physio checked it, not a clot") closes what was told before.
    told_before = "" if says_cleared(message) else _earlier_text(earlier, kb, carer)
    if told_before:
        found += [flag for flag in kb.red_flags.values() if flag not in found
                  and _across_turns(flag, told_before, readings, kb)]
    found.sort(key=lambda flag: URGENCIES.index(flag.urgency))
    return Triage(tuple(found))


_JOINING_HYPHEN = re.compile(r"(?<=[a-z])-(?!ish\b)(?=[a-z])")  # "puffy-ish" stays a hedge


def _unhyphenated(text: str) -> str:
    """Compounds read as their words ("black-tea colour", "bum-shuffling"): the rules' word guards
    would take a hyphenated word as one word."""
    return _JOINING_HYPHEN.sub(" ", text)


def _earlier_text(earlier: Sequence[str], kb: KnowledgeBase, carer: bool) -> str:
    """The earlier messages as one text that ends in a sentence break; only those since the last
    all-clear ("the doctor checked it") count."""
    since = list(earlier)
    cleared = [i for i, message in enumerate(since) if says_cleared(message)]
    if cleared:
        since = since[cleared[-1] + 1:]
    texts = [as_carer(unsoften(_read(m, kb), kb.softeners), carer) for m in since]
    return "".join(t.rstrip(" .!?") + ". " for t in texts if t.strip())
