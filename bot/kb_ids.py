"""Knowledge-base ids the code names, declared once.

`load_knowledge_base` checks that each one exists (`REQUIRED_IDS`), so renaming one in
the YAML stops loading with the file and key, instead of silently dropping an answer.
Code elsewhere imports these names; it never spells a knowledge-base id itself.
"""

from __future__ import annotations

from typing import Mapping

# Concerns are the code's own categories; the YAML refers to them (indications, concern_cues).
PAIN, SLEEP, STRESS, GENERAL = "pain", "sleep", "stress", "general"
CONCERNS = (PAIN, SLEEP, STRESS, GENERAL)

# Slot values that are answers but not knowledge-base ids: "no idea", "no race planned".
UNKNOWN = "unknown"
NO_RACE = "none"
SENTINELS = (UNKNOWN, NO_RACE)

# vocabulary.yml: durations
NEW, CHRONIC = "new", "chronic"
DURATIONS = (NEW, CHRONIC)
# vocabulary.yml: timings
PRE_RACE, RACE_WEEK, NIGHT_BEFORE = "pre_race", "race_week", "night_before"
POST_RACE, POST_LONG_RUN, TRAINING_BLOCK = "post_race", "post_long_run", "training_block"
PRE_RACE_TIMINGS = frozenset({PRE_RACE, RACE_WEEK, NIGHT_BEFORE})
# vocabulary.yml: experience
FIRST_MASSAGE = "first_massage"

# topics.yml
LICENSED_THERAPIST = "licensed_therapist"
BEFORE_RACE = "before_race"
NIGHT_BEFORE_RACE = "night_before_race"
AFTER_RACE = "after_race"
AFTER_LONG_RUN = "after_long_run"
TRAINING_BLOCK_FREQUENCY = "training_block_frequency"
FOAM_ROLLING = "foam_rolling"
REST_AND_OTHER_HELP = "rest_and_other_help"
RUNNING_ON_A_NIGGLE = "running_on_a_niggle"
RUNNING_AFTER_MASSAGE = "running_after_massage"
# Its facts are written by the loader from red_flags.yml (the signs are named once, there).
WARNING_SIGNS = "warning_signs"
# Answers "anything gentler?" after a recommendation, without the word massage.
GENTLER_OR_FIRMER = "swedish_vs_deep_tissue"
# Practical topics that answer a question about one technique ("should deep tissue hurt?").
TECHNIQUE_QUESTION_TOPICS = ("should_it_hurt", "swedish_strokes", "what_to_wear", "soreness_after_massage",
                             RUNNING_AFTER_MASSAGE)
# The topic that answers "when?" for each race timing.
TIMING_TOPICS: Mapping[str, str] = {
    PRE_RACE: BEFORE_RACE,
    RACE_WEEK: BEFORE_RACE,
    NIGHT_BEFORE: NIGHT_BEFORE_RACE,
    POST_RACE: AFTER_RACE,
    POST_LONG_RUN: AFTER_LONG_RUN,
    TRAINING_BLOCK: TRAINING_BLOCK_FREQUENCY,
}

# benefits.yml
SLEEP_BENEFIT = "sleep"
STRESS_BENEFIT = "stress_wellbeing"

# red_flags.yml
SELF_HARM, LOW_MOOD = "self_harm", "low_mood"
MOOD_SIGNS = frozenset({SELF_HARM, LOW_MOOD})
SWELLING_BRUISING, NUMBNESS_TINGLING = "swelling_bruising", "numbness_tingling"
NIGHT_REST_PAIN = "night_rest_pain"
CHEST_PAIN, CALF_AFTER_FLIGHT = "chest_pain_breathless", "calf_after_flight"
BONE_POINT_PAIN, CANNOT_BEAR_WEIGHT = "bone_point_pain", "cannot_bear_weight"
FAINTING_PALPITATIONS = "fainting_palpitations"
HEAT_ILLNESS = "heat_illness"
ENERGY_DEFICIENCY = "energy_deficiency"

# (file, section) -> ids the code needs there.
REQUIRED_IDS: Mapping[tuple[str, str], frozenset[str]] = {
    ("vocabulary.yml", "durations"): frozenset(DURATIONS),
    ("vocabulary.yml", "timings"): frozenset(TIMING_TOPICS),
    ("vocabulary.yml", "experience"): frozenset({FIRST_MASSAGE}),
    ("topics.yml", "topics"): frozenset({LICENSED_THERAPIST, FOAM_ROLLING, REST_AND_OTHER_HELP, RUNNING_ON_A_NIGGLE,
                                         GENTLER_OR_FIRMER, WARNING_SIGNS,
                                         *TECHNIQUE_QUESTION_TOPICS, *TIMING_TOPICS.values()}),
    ("benefits.yml", "benefits"): frozenset({SLEEP_BENEFIT, STRESS_BENEFIT}),
    ("red_flags.yml", "red_flags"): frozenset({*MOOD_SIGNS, SWELLING_BRUISING, NUMBNESS_TINGLING, NIGHT_REST_PAIN,
                                             CHEST_PAIN, CALF_AFTER_FLIGHT, BONE_POINT_PAIN, CANNOT_BEAR_WEIGHT,
                                             FAINTING_PALPITATIONS, HEAT_ILLNESS, ENERGY_DEFICIENCY}),
}
