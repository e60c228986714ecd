"""`make scaling`: replies per second with 1, 2 and 4 Rasa instances behind nginx.

    python -m bench.scaling [--instances 1 2 4] [--conversations 20] [--turns 6]

Each size gets a fresh scaled deployment (deploy/scaled.py: PostgreSQL tracker
store, Redis lock store, one action server, nginx) on a scratch state folder, a
warm-up, then the REST load of bench/load.py through nginx. Memory is the sum over
the Rasa instances. Writes bench/results/scaling-*.json and prints the table for
the README.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from bench.compare import write
from bench.load import run_load
from deploy.scaled import ScaledDeployment, missing_binaries


def pids(deployment: ScaledDeployment) -> list[int]:
    return [s.process.pid for s in deployment.instances if s.process is not None]


def measure(instances: int, state_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n--- {instances} instance(s): starting...", flush=True)
    with ScaledDeployment(instances, state_dir=state_dir) as deployment:
        run_load(deployment.url, conversations=2 * instances, turns=6, pids=pids(deployment))  # warm every instance
        result = run_load(deployment.url, conversations=args.conversations, turns=args.turns, timeout=args.timeout,
                          max_seconds=args.max_seconds, pids=pids(deployment))
    rest = result["channels"]["rest"]
    row = {"instances": instances, **{k: rest[k] for k in ("p50_ms", "p95_ms", "p99_ms", "replies_per_s", "errors",
                                                            "lost", "misattributed")},
           "rasa_rss_peak_mb": result["server_memory"]["rss_peak_mb"]}
    print(f"    {row}", flush=True)
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    base = rows[0]["replies_per_s"] or 1
    print("\n| Rasa instances | replies/s | speed-up | p50 ms | p95 ms | errors/lost | Rasa memory (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['instances']} | {row['replies_per_s']} | {row['replies_per_s'] / base:.2f}x | {row['p50_ms']} "
              f"| {row['p95_ms']} | {row['errors']}/{row['lost']} | {row['rasa_rss_peak_mb']:.0f} |")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--max-seconds", type=float, default=300)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = missing_binaries()
    if missing:
        print(f"needs {', '.join(missing)}: run `make system-deps` as root", file=sys.stderr)
        return 1
    state_dir = Path(tempfile.mkdtemp(prefix="scaling-"))
    try:
        rows = [measure(n, state_dir, args) for n in args.instances]
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)
    print_table(rows)
    print(f"wrote {write({'conversations': args.conversations, 'turns': args.turns, 'rows': rows}, 'scaling')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
