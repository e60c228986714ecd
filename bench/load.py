"""Load test: N concurrent conversations of M turns through REST and/or socket.io.

    python -m bench.load --url http://127.0.0.1:5005 --conversations 10 --turns 6 \\
        --channel both --out bench/results/load.json

Each conversation has its own sender id (new on every run, so a persistent tracker
store never continues an old one) and, with the `runner` profile, its own body
part. A turn is
- lost when no reply arrives (an empty REST answer, or no socket.io message);
- misattributed when a reply names another conversation (REST `recipient_id`) or
  recommends for another body part ("For your <part>");
- an error when the request fails (HTTP status, timeout, connection).
Latency is from sending to the complete answer: the REST response, or for
socket.io the server's acknowledgement, which Rasa sends after the turn's last
message (the client asks for it with `call`). Peak memory is the resident set of
the server's process tree (found from the listening port, or `--pid`), sampled
from /proc during the run, plus the kernel's high-water mark.

Bounded: every request has `--timeout`, the whole run `--max-seconds`; turns not
sent by then count as errors. Only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit

# The parts: what conversations say (load_profiles), the REST and socket.io clients (load_clients),
# the figures and table (load_report), the server's memory (memory_sampler). This module is the run and CLI.
from bench.load_clients import run_rest, run_socketio
from bench.load_profiles import PROFILES, Profile, conversations_for
from bench.load_report import ChannelReport, print_report, summarise
from bench.memory_sampler import MemorySampler, listening_pids

__all__ = ["PROFILES", "main", "run_load"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load {host or url!r}: only loopback addresses are allowed")
    return url.rstrip("/")


async def run_channel(channel: str, url: str, profile: Profile, conversations: int, turns: int,
                      timeout: float, deadline: float, run_id: str, retries: int = 0) -> ChannelReport:
    convs = conversations_for(profile, conversations, turns, channel, run_id)
    runner = run_rest if channel == "rest" else run_socketio
    return summarise(channel, conversations, turns, await runner(url, convs, timeout, deadline, retries))


def run_load(url: str, *, conversations: int = 10, turns: int = 6, channels: Sequence[str] = ("rest",),
             profile: str = "runner", timeout: float = 60, max_seconds: float = 300,
             pids: Sequence[int] | None = None, retries: int = 0, run_id: str | None = None) -> dict[str, Any]:
    """Runs the load on each channel in turn and returns the JSON-ready report."""
    url = check_loopback(url)
    roots = list(pids) if pids else listening_pids(urlsplit(url).port or 80)
    run_id = run_id or uuid.uuid4().hex[:8]
    deadline = time.monotonic() + max_seconds
    reports = {}
    with MemorySampler(roots) as memory:
        for channel in channels:
            reports[channel] = asdict(asyncio.run(run_channel(
                channel, url, PROFILES[profile], conversations, turns, timeout, deadline, run_id, retries)))
    return {"url": url, "profile": profile, "run_id": run_id, "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "conversations": conversations, "turns": turns, "cpus": os.cpu_count(),
            "channels": reports, "server_memory": memory.report()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="Rasa server (loopback only)")
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--channel", choices=["rest", "socketio", "both"], default="rest")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="runner")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=300, help="bound on the whole run")
    parser.add_argument("--retries", type=int, default=0, help="resend on 502/503/504 or refused connection")
    parser.add_argument("--pid", type=int, action="append", help="server pid(s) for memory (default: by port)")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--fail-on-loss", action="store_true", help="exit 1 on errors, lost or misattributed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not (0 < args.conversations <= 500 and 0 < args.turns <= 1000):
        raise SystemExit("--conversations must be 1..500 and --turns 1..1000")
    channels = ["rest", "socketio"] if args.channel == "both" else [args.channel]
    result = run_load(args.url, conversations=args.conversations, turns=args.turns, channels=channels,
                      profile=args.profile, timeout=args.timeout, max_seconds=args.max_seconds, pids=args.pid,
                      retries=args.retries)
    print_report(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    bad = sum(r["errors"] + r["lost"] + r["misattributed"] for r in result["channels"].values())
    return 1 if args.fail_on_loss and bad else 0


if __name__ == "__main__":
    sys.exit(main())
