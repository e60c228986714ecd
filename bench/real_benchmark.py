"""`make bench-real SET=path`: how the assistant does on real runner messages.

Starts the real stack (action server + `rasa run` with the HTTP API on a token) on free
loopback ports and sends each message of the set over the REST channel as a new sender.
The intent is the one the trained model gave that message in the conversation (read from
the tracker); replies come from the real action server. Pain, sleep and stress messages are
walked through the form (Skip / the button of their topic) for at most three turns.
Prints a table and writes bench/results/real[-<set>].json and real[-<set>]_confusion.png.
The set is never in the repository and this is never part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bench.assistant import Assistant, local_assistant
from bench.real_scoring import (
    CLASSES,
    TURNS,
    Item,
    Markers,
    Outcome,
    Turn,
    load_items,
    needs_more_turns,
    next_answer,
    report,
    report_summary,
    useful,
)
from bot.knowledge_base import default_knowledge_base
from bot.text import phrase_pattern
from launch import services as stack

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results"
DETAILS = ROOT / "build" / "bench-real"
DEFAULT_SET = ROOT.parent / "shared" / "data" / "real_runner_messages.yml"
REFERRAL_ACTION = "action_refer_medical"


def markers() -> Markers:
    """Reply markers from the bot's own texts: KB names, domain responses, referral openers."""
    from actions.safety import GENERAL_REFERRAL
    from bot.answers import URGENCY_OPENERS

    kb = default_knowledge_base()
    patterns: dict[str, re.Pattern[str]] = {}
    for entry in [*kb.techniques.values(), *kb.methods().values()]:
        names = {entry.name.lower(), *entry.terms}
        patterns[entry.name] = re.compile("|".join(phrase_pattern(n).pattern for n in sorted(names)))
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]

    def texts(name: str) -> tuple[str, ...]:
        return tuple(str(r["text"]).split("?")[0].split(".")[0] for r in responses.get(name, []) if r.get("text"))

    referral = (*URGENCY_OPENERS.values(), GENERAL_REFERRAL.text.split(".")[0])
    return Markers(patterns, texts("utter_default"), texts("utter_out_of_scope"), referral)


def _split_turns(events: list[dict[str, Any]]) -> list[tuple[str | None, set[str]]]:
    """(intent, actions run) per user turn."""
    turns: list[tuple[str | None, set[str]]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append((((event.get("parse_data") or {}).get("intent") or {}).get("name"), set()))
        elif event.get("event") == "action" and turns:
            turns[-1][1].add(str(event.get("name")))
    return turns


def converse(assistant: Assistant, item: Item, sender: str, found: Markers, limit: int) -> Outcome:
    turns = [Turn(item.text, assistant.send(sender, item.text))]
    while needs_more_turns(item, turns, found, limit):
        answer = next_answer(turns[-1].replies, item)
        turns.append(Turn(answer, assistant.send(sender, answer)))
    tracked = _split_turns(assistant.events(sender))
    for turn, (_, actions) in zip(turns, tracked, strict=False):
        turn.referred = REFERRAL_ACTION in actions
    return Outcome(item, tracked[0][0] if tracked else None, turns)


def plot(result: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = result["confusion"]
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(CLASSES)), CLASSES, rotation=30)
    ax.set_yticks(range(len(CLASSES)), CLASSES)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", color="white" if value > peak / 2 else "black")
    ax.set_title(f"{title}\nmacro F1 {result['macro_f1']:.2f}, {result['items']} messages")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(result: dict[str, Any]) -> str:
    lines = [f"{'class':<11}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}{'useful':>8}"]
    for label in CLASSES:
        s = result["per_class"][label]
        use = result["useful"]["per_class"].get(label)
        lines.append(f"{label:<11}{s['precision']:>10.2f}{s['recall']:>8.2f}{s['f1']:>7.2f}{s['support']:>5}"
                     f"{'' if use is None else f'{use:.2f}':>8}")
    fa, rf = result["false_alarms"], result["red_flag"]
    lines += [
        f"intent accuracy      {result['accuracy']:.3f}",
        f"macro F1             {result['macro_f1']:.3f}",
        f"red flags referred   {rf['referred']}/{rf['total']} (recall {rf['recall']:.2f})",
        f"false alarms         {fa['ordinary_referred']}/{fa['ordinary_total']} ordinary pain/sleep/stress "
        f"({fa['ordinary_rate']:.1%}); tricky {fa['tricky_referred']}/{fa['tricky_total']}; "
        f"other referred {fa['other_referred']}",
        f"useful first reply   {result['useful']['share']:.3f} of {result['useful']['judged']} in-domain messages "
        f"(technique within {result['useful']['turns']} turns; "
        f"{result['useful_one_turn_later']['share']:.3f} within {result['useful_one_turn_later']['turns']})",
        f"first replies        {result['first_reply_kinds']}",
    ]
    return "\n".join(lines)


def json_name(set_path: Path) -> str:
    """real.json for the shared set, real-<set>.json for any other."""
    return "real.json" if set_path.resolve() == DEFAULT_SET.resolve() else f"real-{set_path.stem}.json"


def out_paths(set_path: Path, out: Path) -> tuple[Path, Path]:
    name = json_name(set_path)
    return out / name, out / name.replace(".json", "_confusion.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", type=Path, nargs="?", default=DEFAULT_SET, help="a file in the real set's format")
    parser.add_argument("--model", type=Path, default=stack.MODEL)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--start-timeout", type=float, default=1200,
                        help="seconds to wait for the servers and the model (a busy machine is slow)")
    parser.add_argument("--turns", type=int, default=TURNS,
                        help="user turns in which pain, sleep and stress must reach a technique")
    parser.add_argument("--limit", type=int, default=0, help="only the first N items (a quick look)")
    args = parser.parse_args(argv)
    if not args.set.is_file():
        parser.error(f"no set at {args.set}; pass SET=path/to/file.yml")
    items = load_items(args.set)[: args.limit or None]
    # A plain TERM (or INT, ignored in background jobs) still stops the servers via `finally`.
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: sys.exit(130))
    found = markers()
    with local_assistant(args.model, args.start_timeout) as assistant:
        run_id = secrets.token_hex(4)
        started = time.monotonic()
        outcomes = []
        for number, item in enumerate(items, 1):
            outcomes.append(converse(assistant, item, f"bench-real-{run_id}-{number}", found, args.turns + 1))
            if number % 25 == 0:
                print(f"  {number}/{len(items)} messages", flush=True)
        seconds = time.monotonic() - started
    result = report(outcomes, found, args.turns)
    # The walk goes one turn further, so the figure a turn later is known too (forms that ask
    # three questions answer on the fourth turn).
    result["useful_one_turn_later"] = report(outcomes, found, args.turns + 1)["useful"]
    result.update(set=args.set.name, model=args.model.name, seconds=round(seconds, 1))
    # Per-message details quote the set, which never goes into the repository: build/ only.
    details = [{"text": o.item.text[:160], "gold": o.item.gold, "intent": o.intent,
                            "red_flag": o.item.red_flag, "tricky": o.item.tricky,
                            "useful": useful(o.item, o.turns, found, args.turns),
                            "turns": [{"sent": t.sent[:80], "reply": t.text[:240], "referred": t.referred}
                                      for t in o.turns]} for o in outcomes]
    DETAILS.mkdir(parents=True, exist_ok=True)
    (DETAILS / json_name(args.set)).write_text(json.dumps(details, indent=2) + "\n", encoding="utf-8")
    json_path, png_path = out_paths(args.set, args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    result["systems"] = report_summary(result)
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    plot(result, png_path, f"Real messages: {args.set.name}")
    print(table(result))
    print(f"wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path} and {png_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
