"""`make bench-store`: what keeping a conversation costs per turn, by tracker store.

Plays conversations of `--turns` turns the way Rasa's server does (retrieve the
tracker, add the turn's events, save it) against Rasa's own `SQLTrackerStore` on
a SQLite file, ours (rasa_extensions/tracker_store.py, what `make run` uses) and
Rasa's in-memory store (the bare `rasa init` default). A turn's events are those
of a form turn: the user's message, a slot, the form, a bot message, listen.
Prints milliseconds per turn (median of `--repeats` runs) and writes
bench/results/tracker_store.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered

from rasa_extensions.tracker_store import SQLiteTrackerStore

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "tracker_store.json"


def turn_events(turn: int) -> list[Event]:
    parse = {"intent": {"name": "inform", "confidence": 0.93}, "entities": [], "text": f"turn {turn}"}
    return [
        UserUttered(f"turn {turn}", parse),
        SlotSet("body_part", "calf"),
        ActionExecuted("recommendation_form"),
        ActiveLoop("recommendation_form"),
        BotUttered("How long has it been going on?", metadata={"utter_action": "utter_ask_duration"}),
        ActionExecuted("action_listen"),
    ]


async def per_turn_ms(store: TrackerStore, conversations: int, turns: int) -> float:
    start = time.perf_counter()
    for index in range(conversations):
        sender = f"bench-{index}"
        for turn in range(turns):
            tracker = await store.get_or_create_tracker(sender)
            tracker.update_with_events(turn_events(turn), store.domain)
            await store.save(tracker)
    return (time.perf_counter() - start) * 1000 / (conversations * turns)


def stores(domain: Domain, folder: Path) -> dict[str, Callable[[str], TrackerStore]]:
    return {
        "rasa_sql_sqlite": lambda run: SQLTrackerStore(domain, db=str(folder / f"rasa-{run}.db")),
        "ours_sqlite": lambda run: SQLiteTrackerStore(domain, db=str(folder / f"ours-{run}.db")),
        "rasa_in_memory": lambda run: InMemoryTrackerStore(domain),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    domain = Domain.load(str(ROOT / "domain.yml"))
    results: dict[str, Any] = {"conversations": args.conversations, "turns": args.turns, "repeats": args.repeats}
    with tempfile.TemporaryDirectory() as folder:
        for name, make in stores(domain, Path(folder)).items():
            runs = [asyncio.run(per_turn_ms(make(str(run)), args.conversations, args.turns))
                    for run in range(args.repeats)]
            results[name] = {"ms_per_turn": round(statistics.median(runs), 3), "runs": [round(r, 3) for r in runs]}
            print(f"{name:16} {statistics.median(runs):6.2f} ms per turn (retrieve + save)", flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
