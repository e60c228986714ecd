"""`make bench`: the same load, in the same run, against a bare `rasa init` assistant
and against ours, with our latency and throughput as ratios of the bare one's.

    python -m bench.compare [--conversations 10] [--turns 6] [--rounds 5] [--channel rest|socketio|both]
    python -m bench.compare --only ours        # `make load`: just our assistant

The bare assistant (Rasa's moodbot: responses only, no custom actions, in-memory
tracker store) is created with `rasa init --no-prompt` in a temporary folder and
trained once; it is cached in build/bench/moodbot-<rasa version>/ for later runs.
Ours runs as `make run` runs it: action server, our launcher and channels, and the
SQLite tracker store (on a temporary file). Both servers start together and wait
idle while the other is measured. Each gets one full-size warm-up round, then
they take turns for `--rounds` rounds of new conversations, and each one's turns
are pooled: one round of 60 turns is too few for a stable median on 2 cores.
Target: our p50 at most 1.2 times the bare p50, custom action round trips included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Sequence

import yaml

from bench.load import run_load
from bench.load_report import pooled, print_report
from bench.memory_sampler import status_kb
from launch import services
from launch.supervisor import Service, Supervisor, free_port

CACHE = services.PROJECT_DIR / "build" / "bench"
RESULTS = services.PROJECT_DIR / "bench" / "results"
OUR_MODEL = services.MODEL
TARGET_P50_RATIO = 1.2
OUR_CREDENTIALS = """\
channels.rest.RestInput:
channels.socketio.SocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""
# Rasa's own socket.io channel loses every reply with session_persistence: true
# (rasa#13027, fixed in channels/socketio.py), so the bare assistant runs without it.
BARE_CREDENTIALS = """\
rest:
socketio:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: false
"""


def bare_assistant(cache: Path = CACHE) -> Path:
    """The trained `rasa init` project, built once per Rasa version."""
    folder = cache / f"moodbot-{version('rasa')}"
    if list((folder / "models").glob("*.tar.gz")):
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="moodbot-building-", dir=cache))
    print(f"Creating and training a bare `rasa init` assistant (once, about a minute) in {building}...", flush=True)
    try:
        subprocess.run([str(services.VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(building)],
                       cwd=building, env={**os.environ, **services.QUIET_ENV}, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        shutil.rmtree(folder, ignore_errors=True)
        building.rename(folder)  # only a complete, trained project lands in the cache
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def bare_server(project: Path, work: Path) -> Service:
    credentials = work / "bare-credentials.yml"
    credentials.write_text(BARE_CREDENTIALS, encoding="utf-8")
    endpoints = work / "bare-endpoints.yml"
    endpoints.write_text("{}\n", encoding="utf-8")
    return services.rasa_server(free_port(), model=project / "models", endpoints=endpoints, credentials=credentials,
                                log_path=work / "bare-rasa.log", env={"PYTHONPATH": str(project)},
                                name="bare rasa init", launcher=False, cwd=project)


def our_servers(work: Path, tracker_store: str = "sqlite") -> tuple[Service, Service]:
    action_port, rasa_port = free_port(), free_port()
    actions = services.action_server(action_port, work / "actions.log")
    endpoints = services.endpoints_file(action_port, work, base=services.PROJECT_DIR / "endpoints.yml")
    config = yaml.safe_load(endpoints.read_text(encoding="utf-8"))
    if tracker_store == "memory":
        config.pop("tracker_store", None)
    else:
        config.setdefault("tracker_store", {})["db"] = str(work / "bench.db")  # the project's store, on a scratch file
    endpoints.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    credentials = work / "credentials.yml"
    credentials.write_text(OUR_CREDENTIALS, encoding="utf-8")
    rasa = services.rasa_server(rasa_port, model=OUR_MODEL, endpoints=endpoints, credentials=credentials,
                                log_path=work / "rasa.log", name="our assistant")
    return actions, rasa


@dataclass
class System:
    name: str
    service: Service
    profile: str


def one_run(system: System, args: argparse.Namespace, channels: Sequence[str]) -> dict[str, Any]:
    return run_load(system.service.health_url, conversations=args.conversations, turns=args.turns, channels=channels,
                    profile=system.profile, timeout=args.timeout, max_seconds=args.max_seconds,
                    pids=[pid_of(system.service)])


def combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several rounds against one server as one report: turns pooled, memory at its highest."""
    result = dict(runs[-1])
    result["rounds"] = len(runs)
    result["channels"] = {channel: pooled([run["channels"][channel] for run in runs]) for channel in result["channels"]}
    memory = [run["server_memory"] for run in runs]
    result["server_memory"] = {"pids": memory[-1]["pids"],
                               "rss_peak_mb": max(m["rss_peak_mb"] for m in memory),
                               "rss_hwm_mb": max(m["rss_hwm_mb"] for m in memory)}
    return result


def measure(systems: list[System], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """A full-size warm-up round for each, then `args.rounds` rounds taking turns (the order swaps every
    round, so both see the same machine), pooled per system."""
    for system in systems:
        print(f"--- {system.name}: warm-up round ({args.conversations} conversations x {args.turns} turns)", flush=True)
        one_run(system, args, ("rest",))  # TensorFlow traces its functions on first use of each input shape
    runs: dict[str, list[dict[str, Any]]] = {system.name: [] for system in systems}
    for number in range(args.rounds):
        for system in systems if number % 2 == 0 else systems[::-1]:
            runs[system.name].append(one_run(system, args, args.channels))
    results = {}
    for system in systems:
        results[system.name] = combined(runs[system.name])
        print(f"\n--- {system.name}: {args.rounds} rounds pooled")
        print_report(results[system.name])
    return results


def ratio(ours: float | None, bare: float | None) -> float | None:
    return round(ours / bare, 2) if ours and bare else None


def comparison(bare: dict[str, Any], ours: dict[str, Any], action_hwm_mb: float) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for channel in ours["channels"]:
        b, o = bare["channels"][channel], ours["channels"][channel]
        table[channel] = {
            metric: {"bare": b[metric], "ours": o[metric], "ratio": ratio(o[metric], b[metric])}
            for metric in ("p50_ms", "p95_ms", "p99_ms", "replies_per_s", "errors", "lost", "misattributed")
        }
    table["memory_mb"] = {"bare_rasa_hwm": bare["server_memory"]["rss_hwm_mb"],
                          "our_rasa_hwm": ours["server_memory"]["rss_hwm_mb"], "our_action_server_hwm": action_hwm_mb}
    p50 = table[next(iter(ours["channels"]))]["p50_ms"]["ratio"]
    table["target"] = {"p50_ratio_max": TARGET_P50_RATIO, "p50_ratio": p50,
                       "met": p50 is not None and p50 <= TARGET_P50_RATIO}
    return table


def print_comparison(table: dict[str, Any]) -> None:
    print("\n=== ours vs bare `rasa init` (ratio = ours / bare)")
    for channel, metrics in table.items():
        if channel in ("memory_mb", "target"):
            continue
        print(f"{channel}:")
        for metric, row in metrics.items():
            print(f"  {metric:<14} bare {row['bare']!s:>8}   ours {row['ours']!s:>8}   ratio {row['ratio']!s:>6}")
    memory = table["memory_mb"]
    print(f"memory (high-water mark): bare Rasa {memory['bare_rasa_hwm']} MB; ours: Rasa {memory['our_rasa_hwm']} MB "
          f"+ action server {memory['our_action_server_hwm']} MB")
    target = table["target"]
    verdict = "met" if target["met"] else "NOT met"
    print(f"target p50 <= {target['p50_ratio_max']}x bare: {verdict} ({target['p50_ratio']}x)")


def write(result: dict[str, Any], name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    text = json.dumps(result, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    (RESULTS / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per assistant, pooled")
    parser.add_argument("--channel", choices=["rest", "socketio", "both"], default="rest")
    parser.add_argument("--only", choices=["ours"], help="measure only our assistant (make load)")
    parser.add_argument("--tracker-store", choices=["sqlite", "memory"], default="sqlite",
                        help="ours with the project's SQLite store (default) or in memory, like the bare one")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--max-seconds", type=float, default=300)
    return parser


def run_servers(servers: list[Service], measurements: Any) -> Any:
    """Starts `servers` under the supervisor, runs `measurements()`, stops them; names the logs on failure.
    Restarts are off: a crash in the middle of a measurement must fail the run, not hide in it."""
    print(f"Starting {', '.join(s.name for s in servers)} (about 30-60 s)...", flush=True)
    with Supervisor(policy=None) as supervisor:
        try:
            supervisor.launch(servers, timeout=services.START_TIMEOUT)
            return measurements()
        except Exception:
            for service in servers:
                print(f"(log of {service.name}: {service.log_path})", file=sys.stderr)
            raise


def pid_of(service: Service) -> int:
    assert service.pid is not None
    return service.pid


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.channels = ("rest", "socketio") if args.channel == "both" else (args.channel,)
    if not OUR_MODEL.exists():
        print(f"no model at {OUR_MODEL}: run `make train` first", file=sys.stderr)
        return 1
    bare_project = None if args.only else bare_assistant()
    work = CACHE / "last-run"  # logs stay here after the run
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    actions, ours = our_servers(work, args.tracker_store)
    bare = bare_server(bare_project, work) if bare_project else None

    systems = [System("ours", ours, "runner"), *([System("bare rasa init", bare, "moodbot")] if bare else [])]

    def measurements() -> tuple[dict[str, Any], float, dict[str, Any] | None]:
        results = measure(systems, args)
        action_hwm = round(status_kb(pid_of(actions), "VmHWM") / 1024, 1)
        return results["ours"], action_hwm, results.get("bare rasa init")

    ours_result, action_hwm, bare_result = run_servers([actions, ours, *([bare] if bare else [])], measurements)
    if bare_result is None:
        ours_result["action_server_hwm_mb"] = action_hwm
        print(f"wrote {write(ours_result, 'load')}")
        return 0
    table = comparison(bare_result, ours_result, action_hwm)
    print_comparison(table)
    settings = {"tracker_store": args.tracker_store, "conversations": args.conversations, "turns": args.turns,
                "rounds": args.rounds}
    result = {'settings': settings, 'bare': bare_result, 'ours': ours_result, 'comparison': table}
    print(f"wrote {write(result, 'compare')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
