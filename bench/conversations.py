"""`make bench-conversations SET=path`: how many multi-turn conversations hold from start to end.

Each conversation of the set (the format of tests/conversations/*.yml) goes to the real
stack over REST as a new sender; every turn is checked against its expectations and must get
a non-empty reply. A conversation holds when all its turns pass. Prints the share that hold,
the turns that fail by kind of problem, and writes bench/results/conversations[-<set>].json.
Used for fresh sets kept out of the tests (bench/sets/), which must not be tuned against.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.assistant import Assistant, local_assistant
from bench.conversation_checks import check_turn, load_conversations
from launch import services as stack

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results"
DETAILS = ROOT / "build" / "bench-conversations"
EMPTY = "got an empty reply"


def run_conversation(assistant: Assistant, conversation: dict[str, Any], sender: str) -> list[dict[str, Any]]:
    """Every turn with its reply and the expectations the reply breaks."""
    turns = []
    for turn in conversation["turns"]:
        texts = [str(r.get("text") or "") for r in assistant.send(sender, turn["user"])]
        problems = check_turn(turn, "\n".join(texts).lower())
        if not texts or not all(t.strip() for t in texts):
            problems.insert(0, EMPTY)
        turns.append({"user": turn["user"], "reply": "\n".join(texts), "problems": problems})
    return turns


NAMED = ("does not name ", "mentions none of ", "does not mention ", "mentions ")


def problem_kind(problem: str) -> str:
    """'does not name deep tissue' and 'does not name swedish' are one kind."""
    return next((prefix.strip() for prefix in NAMED if problem.startswith(prefix)), problem)


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    held = [r for r in results if not any(t["problems"] for t in r["turns"])]
    turns = [t for r in results for t in r["turns"]]
    failed = [t for t in turns if t["problems"]]
    kinds = Counter(problem_kind(p) for t in failed for p in t["problems"])
    return {
        "conversations": len(results),
        "held": len(held),
        "held_share": round(len(held) / len(results), 3) if results else 0.0,
        "turns": len(turns),
        "turns_passed": len(turns) - len(failed),
        "empty_replies": sum(1 for t in turns if EMPTY in t["problems"]),
        "problems_by_kind": dict(kinds.most_common()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", type=Path, help="a conversation file in the format of tests/conversations/")
    parser.add_argument("--model", type=Path, default=stack.MODEL)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--start-timeout", type=float, default=1200)
    args = parser.parse_args(argv)
    if not args.set.is_file():
        parser.error(f"no set at {args.set}; pass SET=path/to/conversations.yml")
    conversations = load_conversations([args.set])
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: sys.exit(130))
    with local_assistant(args.model, args.start_timeout) as assistant:
        run_id = secrets.token_hex(4)
        started = time.monotonic()
        results = [{"name": c["name"], "turns": run_conversation(assistant, c, f"bench-conv-{run_id}-{n}")}
                   for n, c in enumerate(conversations, 1)]
        seconds = time.monotonic() - started
    result = summary(results) | {"set": args.set.name, "model": args.model.name, "seconds": round(seconds, 1)}
    DETAILS.mkdir(parents=True, exist_ok=True)
    (DETAILS / f"{args.set.stem}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / f"conversations-{args.set.stem}.json"
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"conversations held start to end: {result['held']}/{result['conversations']} ({result['held_share']:.0%})")
    print(f"turns passed: {result['turns_passed']}/{result['turns']}, empty replies: {result['empty_replies']}")
    for kind, count in result["problems_by_kind"].items():
        print(f"  {count:3d}  the reply {kind}")
    print(f"wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path}; "
          f"per-turn details in {DETAILS.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
