"""Where the review inbox reads and writes, and the thresholds it queues by (set here, once)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ENDPOINTS = ROOT / "endpoints.yml"
REVIEWED_NLU = ROOT / "data" / "nlu" / "reviewed.yml"
WARNING_SIGNS = ROOT / "tests" / "triage" / "warning_signs.yml"
ORDINARY = ROOT / "tests" / "triage" / "ordinary.yml"
# Which messages were already decided (hashed keys only, no sender ids); not in git.
STATE = ROOT / "state" / "review.json"
REPORT = ROOT / "build" / "report" / "index.html"
BENCH_RESULTS = ROOT / "bench" / "results"

# A message whose blended intent confidence is below this is queued as "low confidence".
# (The NLU fallback itself triggers below config.yml's fallback threshold, 0.25.)
LOW_CONFIDENCE = 0.5
# Turns shown before a queued message.
CONTEXT_TURNS = 3
# Two messages whose character-trigram Jaccard similarity is at least this are near-duplicates.
NEAR_DUPLICATE = 0.55
