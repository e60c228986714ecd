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
import re
import statistics
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit

import aiohttp

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# "... for your calf." / "For your calf, ..." / "My pick for your calf: ...": the wording may change,
# the phrase "for your <body part>" is what ties a recommendation to one conversation.
FOR_YOUR = re.compile(r"\bfor your ([a-z' -]+?)(?=[.,:;!?\n]|$)", re.IGNORECASE)


DURATION_BUTTON = '/inform{{"duration": "new"}}'  # "A few days" (braces doubled for str.format)
TIMING_BUTTON = "/deny"  # "No race soon"


@dataclass(frozen=True)
class Profile:
    """What the conversations say, and how to tell whose a reply is."""

    script: tuple[str, ...]
    parts: tuple[tuple[str, str], ...] = ()  # (what the user says, name in the reply)


PROFILES = {
    # Greeting, the recommendation form (custom validation action; its two answers
    # as the button payloads the web page sends), the custom recommendation action,
    # a follow-up custom action, thanks.
    "runner": Profile(
        script=("hi", "my {part} are really tight after runs", DURATION_BUTTON, TIMING_BUTTON, "why?", "thanks"),
        parts=(("calves", "calf"), ("hamstrings", "hamstrings"), ("shins", "shins"), ("quads", "quads"),
               ("glutes", "glutes"), ("achilles", "achilles"), ("knees", "knee"), ("feet", "foot"),
               ("ankles", "ankle"), ("neck", "neck"), ("shoulders", "shoulders"), ("groin", "groin"),
               ("lower back", "lower back"), ("upper back", "upper back"), ("piriformis", "piriformis"),
               ("IT band", "it band"), ("hip flexors", "hip flexors")),
    ),
    # The `rasa init` assistant (moodbot): responses only, no custom actions.
    "moodbot": Profile(script=("hello", "I am feeling sad", "yes", "great, thanks", "are you a bot?", "bye")),
}


@dataclass
class Conversation:
    sender: str
    messages: list[str]
    part_name: str | None
    known_parts: tuple[str, ...] = ()


@dataclass
class Turn:
    latency: float | None = None
    replies: int = 0
    error: str | None = None
    lost: bool = False
    misattributed: bool = False
    retries: int = 0
    finished: float = field(default_factory=time.perf_counter)

    @property
    def started(self) -> float:
        return self.finished - (self.latency or 0.0)


@dataclass
class ChannelReport:
    channel: str
    conversations: int
    turns_per_conversation: int
    turns: int = 0
    replies: int = 0
    errors: int = 0
    lost: int = 0
    misattributed: int = 0
    retried: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    mean_ms: float | None = None
    max_ms: float | None = None
    wall_s: float = 0.0
    replies_per_s: float = 0.0
    turns_per_s: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)  # every answered turn, sorted


def conversations_for(profile: Profile, count: int, turns: int, channel: str, run_id: str) -> list[Conversation]:
    result = []
    for index in range(count):
        said, name = profile.parts[index % len(profile.parts)] if profile.parts else ("", None)
        messages = [profile.script[t % len(profile.script)].format(part=said) for t in range(turns)]
        known = tuple(reply_name for _, reply_name in profile.parts)
        result.append(Conversation(f"load-{run_id}-{channel}-{index}", messages, name, known))
    return result


def misattributed(conversation: Conversation, texts: Sequence[str], known: Sequence[str] = ()) -> bool:
    """True if a reply says "for your <part>" about a body part of another conversation."""
    if conversation.part_name is None:
        return False
    others = {name for name in known if name != conversation.part_name}
    return any(m.group(1).strip().lower() in others for text in texts for m in FOR_YOUR.finditer(text))


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def turns_span(results: Sequence[Turn]) -> float:
    """Seconds from the first turn sent to the last answer (connection set-up excluded)."""
    timed = [t for t in results if t.latency is not None]
    return max(t.finished for t in timed) - min(t.started for t in timed) if timed else 0.0


def with_rates(report: ChannelReport) -> ChannelReport:
    """Fills in the percentiles and rates from the latencies, counts and wall time."""
    latencies = report.latencies_ms
    if latencies:
        report.p50_ms, report.p95_ms, report.p99_ms = (round(percentile(latencies, f), 1) for f in (0.5, 0.95, 0.99))
        report.mean_ms, report.max_ms = round(statistics.fmean(latencies), 1), round(latencies[-1], 1)
    if report.wall_s > 0:
        report.replies_per_s = round(report.replies / report.wall_s, 2)
        report.turns_per_s = round((report.turns - report.errors) / report.wall_s, 2)
    return report


def summarise(channel: str, conversations: int, turns_each: int, results: list[Turn]) -> ChannelReport:
    report = ChannelReport(channel, conversations, turns_each, turns=len(results), wall_s=round(turns_span(results), 3))
    report.latencies_ms = sorted(
        round(t.latency * 1000, 1) for t in results if t.latency is not None and t.error is None
    )
    report.replies = sum(t.replies for t in results)
    report.errors = sum(1 for t in results if t.error)
    report.lost = sum(1 for t in results if t.lost)
    report.misattributed = sum(1 for t in results if t.misattributed)
    report.retried = sum(t.retries for t in results)
    report.error_samples = sorted({t.error for t in results if t.error})[:5]  # type: ignore[type-var]
    return with_rates(report)


def pooled(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One channel's reports of several runs (rounds) as one: turns pooled, rates over the summed wall time."""
    first = reports[0]
    total = ChannelReport(first["channel"], first["conversations"], first["turns_per_conversation"])
    for report in reports:
        for name in ("turns", "replies", "errors", "lost", "misattributed", "retried", "wall_s"):
            setattr(total, name, getattr(total, name) + report[name])
        total.error_samples = sorted({*total.error_samples, *report["error_samples"]})[:5]
        total.latencies_ms = sorted([*total.latencies_ms, *report["latencies_ms"]])
    total.wall_s = round(total.wall_s, 3)
    return asdict(with_rates(total))


# --- REST ---------------------------------------------------------------------------


RETRYABLE_STATUS = (502, 503, 504)  # a proxy saying the instance behind it went away


async def rest_post(session: aiohttp.ClientSession, url: str, payload: dict[str, str]) -> tuple[int, str]:
    async with session.post(url, json=payload) as response:
        return response.status, await response.text()


async def rest_turn(session: aiohttp.ClientSession, url: str, conversation: Conversation, text: str,
                    retries: int = 0) -> Turn:
    """One message and its replies; with `retries`, a 502/503/504 or refused connection is sent again
    (at-least-once: what a client behind a load balancer does when an instance dies)."""
    started = time.perf_counter()
    for attempt in range(retries + 1):
        try:
            status, body = await rest_post(session, url, {"sender": conversation.sender, "message": text})
            if status in RETRYABLE_STATUS and attempt < retries:
                await asyncio.sleep(0.5)
                continue
            latency = time.perf_counter() - started
            if status != 200:
                return Turn(latency, error=f"HTTP {status}: {body[:120]}", retries=attempt)
            replies = json.loads(body)
            break
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError, aiohttp.ClientError, ValueError) as error:
            if isinstance(error, aiohttp.ClientConnectionError) and attempt < retries:
                await asyncio.sleep(0.5)
                continue
            waited = time.perf_counter() - started
            return Turn(error=f"{type(error).__name__} after {waited:.0f} s, attempt {attempt + 1}, "
                              f"{conversation.sender}: {error}"[:200], retries=attempt)
    texts = [str(r.get("text") or "") for r in replies]
    wrong_recipient = any(r.get("recipient_id") != conversation.sender for r in replies)
    return Turn(latency, len(replies), lost=not replies, retries=attempt,
                misattributed=wrong_recipient or misattributed(conversation, texts, conversation.known_parts))


async def rest_conversation(session: aiohttp.ClientSession, base_url: str, conversation: Conversation,
                            deadline: float, retries: int = 0) -> list[Turn]:
    url = f"{base_url}/webhooks/rest/webhook"
    turns = []
    for text in conversation.messages:
        if time.monotonic() > deadline:
            turns.append(Turn(error="not sent: --max-seconds reached"))
            continue
        turns.append(await rest_turn(session, url, conversation, text, retries))
    return turns


async def run_rest(base_url: str, conversations: list[Conversation], timeout: float, deadline: float,
                   retries: int = 0) -> list[Turn]:
    limits = aiohttp.TCPConnector(limit=len(conversations) + 1)
    async with aiohttp.ClientSession(connector=limits, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        per_conversation = await asyncio.gather(*(rest_conversation(session, base_url, c, deadline, retries)
                                                  for c in conversations))
    return [turn for turns in per_conversation for turn in turns]


# --- socket.io ----------------------------------------------------------------------


async def socketio_conversation(base_url: str, conversation: Conversation, timeout: float,
                                deadline: float) -> list[Turn]:
    import socketio  # python-socketio: only needed for this channel

    client = socketio.AsyncClient(reconnection=False)
    inbox: list[dict[str, Any]] = []
    confirmed = asyncio.Event()
    client.on("bot_uttered", lambda data: inbox.append(data if isinstance(data, dict) else {"text": str(data)}))
    client.on("session_confirm", lambda *_: confirmed.set())
    turns: list[Turn] = []
    try:
        # Rasa pins aiohttp < 3.10; python-socketio's websocket client needs newer: poll.
        await client.connect(base_url, transports=["polling"], socketio_path="socket.io", wait_timeout=timeout)
        await client.emit("session_request", {"session_id": conversation.sender})
        await asyncio.wait_for(confirmed.wait(), timeout)
        for text in conversation.messages:
            if time.monotonic() > deadline:
                turns.append(Turn(error="not sent: --max-seconds reached"))
                continue
            turns.append(await socketio_turn(client, inbox, conversation, text, timeout))
    except (socketio.exceptions.SocketIOError, asyncio.TimeoutError, OSError) as error:
        message = f"{type(error).__name__}: {error}"[:160]
        turns += [Turn(error=message) for _ in range(len(conversation.messages) - len(turns))]
    finally:
        # A plain disconnect waits for the pending long-poll (up to the 25 s ping interval).
        await client.eio.disconnect(abort=True)
    return turns


async def socketio_turn(client: Any, inbox: list[dict[str, Any]], conversation: Conversation, text: str,
                        timeout: float) -> Turn:
    import socketio

    inbox.clear()
    started = time.perf_counter()
    try:
        # The acknowledgement comes after Rasa has sent every message of this turn.
        await client.call("user_uttered", {"message": text, "session_id": conversation.sender}, timeout=timeout)
    except (socketio.exceptions.SocketIOError, asyncio.TimeoutError) as error:
        return Turn(error=f"{type(error).__name__}: {error}"[:160])
    latency = time.perf_counter() - started
    texts = [str(m.get("text") or "") for m in inbox]
    return Turn(latency, len(inbox), lost=not inbox,
                misattributed=misattributed(conversation, texts, conversation.known_parts))


async def run_socketio(base_url: str, conversations: list[Conversation], timeout: float,
                       deadline: float, retries: int = 0) -> list[Turn]:
    per_conversation = await asyncio.gather(*(socketio_conversation(base_url, c, timeout, deadline)
                                              for c in conversations))
    return [turn for turns in per_conversation for turn in turns]


# --- server memory ------------------------------------------------------------------


def listening_pids(port: int) -> list[int]:
    """Processes with a listening TCP socket on `port` (needs permission to read their fds)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            pids.append(int(proc.name))
    return sorted(pids)


def process_tree(roots: Sequence[int]) -> list[int]:
    """`roots` and all their descendants."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(proc.name))
    tree, pending = [], list(roots)
    while pending:
        pid = pending.pop()
        if pid not in tree:
            tree.append(pid)
            pending += children.get(pid, [])
    return tree


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Samples the resident memory of a process tree in a background thread."""

    def __init__(self, roots: Sequence[int], interval: float = 0.25) -> None:
        self.roots, self.interval = list(roots), interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(status_kb(p, "VmRSS") for p in process_tree(self.roots)))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        if self.roots:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def report(self) -> dict[str, Any]:
        tree = process_tree(self.roots)
        return {"pids": tree, "rss_peak_mb": round(self.peak_kb / 1024, 1),
                "rss_hwm_mb": round(sum(status_kb(p, "VmHWM") for p in tree) / 1024, 1)}


# --- the run ------------------------------------------------------------------------


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


def print_report(result: dict[str, Any]) -> None:
    memory = result["server_memory"]
    print(f"{result['conversations']} conversations x {result['turns']} turns against {result['url']} "
          f"({result['profile']} profile)")
    print(f"{'channel':<9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'replies/s':>10} "
          f"{'errors':>7} {'lost':>5} {'misattr':>8} {'retried':>8}")
    for name, r in result["channels"].items():
        print(f"{name:<9} {r['p50_ms'] or '-':>8} {r['p95_ms'] or '-':>8} {r['p99_ms'] or '-':>8} "
              f"{r['replies_per_s']:>10} {r['errors']:>7} {r['lost']:>5} {r['misattributed']:>8} {r['retried']:>8}")
        for sample in r["error_samples"]:
            print(f"  error: {sample}")
    print(f"server memory (pids {memory['pids'] or 'not found'}): peak RSS during run "
          f"{memory['rss_peak_mb']} MB, high-water mark {memory['rss_hwm_mb']} MB")


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
