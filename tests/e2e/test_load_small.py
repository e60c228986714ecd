"""A small load run (bench/load.py) through REST and socket.io: every reply arrives
and belongs to its own conversation. Latency is measured but not asserted here
(see `make bench`)."""

from __future__ import annotations

from bench.load import run_load
from tests.e2e.servers import Stack

CONVERSATIONS, TURNS = 8, 6


def test_no_reply_is_lost_or_misattributed(stack: Stack) -> None:
    result = run_load(stack.rasa.url, conversations=CONVERSATIONS, turns=TURNS, channels=("rest", "socketio"),
                      timeout=60, max_seconds=150, pids=[stack.rasa.process.pid])
    for channel, report in result["channels"].items():
        assert report["turns"] == CONVERSATIONS * TURNS, (channel, report)
        assert report["errors"] == 0, (channel, report["error_samples"])
        assert report["lost"] == 0 and report["misattributed"] == 0, (channel, report)
        assert report["replies"] >= report["turns"], (channel, report)
    assert result["server_memory"]["rss_peak_mb"] > 0
