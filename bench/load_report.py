"""The load run's figures: one turn's outcome, a channel's summary (percentiles, rates),
rounds pooled into one, and the printed table."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence


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
