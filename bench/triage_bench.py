"""`make bench-triage SET=path`: precision and recall of the safety triage, measured apart.

Reads any file in the real runner set's format (a list of items with `text`, `intent` and
optional `red_flag` / `tricky`; `sign` and `category` are reported when present) and runs
bot.triage on each message: the knowledge base's rules alone decide a referral (see the design
in bot/triage.py), so no model is needed. Prints and writes bench/results/triage-<set>.json:
  recall          red-flag items referred
  false alarms    ordinary pain/sleep/stress items referred, `tricky` items referred, and all
                  items that are not red flags
Misses and false alarms are counted per sign / category; `--show` lists the messages (for our
own fresh sets only: never write rules from the real set's messages).
`--model models/runner.tar.gz` also parses every message with the trained model and counts how
often DIET alone leaned to red_flag (the answer then carries a gentle check, not a referral).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge_base import default_knowledge_base
from bot.triage import assess

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results"
DEFAULT_SETS = (ROOT / "tests" / "triage" / "warning_signs.yml", ROOT / "tests" / "triage" / "ordinary.yml")
ORDINARY_INTENTS = frozenset({"ask_pain", "report_pain", "ask_sleep", "ask_stress"})


@dataclass
class Figures:
    red_flags: int = 0
    referred: int = 0
    ordinary_pss: int = 0
    ordinary_pss_alarms: int = 0
    tricky: int = 0
    tricky_alarms: int = 0
    not_red_flag: int = 0
    not_red_flag_alarms: int = 0
    missed_by_sign: dict[str, int] = field(default_factory=dict)
    alarms_by_category: dict[str, int] = field(default_factory=dict)
    alarms_by_sign: dict[str, int] = field(default_factory=dict)  # which signs fire on ordinary talk

    @property
    def recall(self) -> float | None:
        return self.referred / self.red_flags if self.red_flags else None

    @property
    def ordinary_false_alarm_rate(self) -> float | None:
        return self.ordinary_pss_alarms / self.ordinary_pss if self.ordinary_pss else None

    @property
    def false_alarm_rate(self) -> float | None:
        return self.not_red_flag_alarms / self.not_red_flag if self.not_red_flag else None


def load_items(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):  # {messages: [...]}, as in tests/nlu
        data = data.get("messages") or []
    return [item if isinstance(item, dict) else {"text": str(item)} for item in data]


def measure(items: list[dict[str, Any]], show: bool = False) -> Figures:
    kb = default_knowledge_base()
    figures = Figures()
    missed: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    alarm_signs: Counter[str] = Counter()
    for item in items:
        triage = assess(str(item["text"]), kb)
        referred = triage.is_red_flag
        if item.get("red_flag") or "sign" in item:  # tests/nlu/red_flag_messages.yml names the sign only
            figures.red_flags += 1
            figures.referred += referred
            if not referred:
                missed[str(item.get("sign", "unspecified"))] += 1
                if show:
                    print(f"  missed: {item['text']}")
            continue
        figures.not_red_flag += 1
        figures.not_red_flag_alarms += referred
        if item.get("intent") in ORDINARY_INTENTS:
            figures.ordinary_pss += 1
            figures.ordinary_pss_alarms += referred
        if item.get("tricky"):
            figures.tricky += 1
            figures.tricky_alarms += referred
        if referred:
            alarms[str(item.get("category", item.get("intent", "unspecified")))] += 1
            alarm_signs.update(triage.ids)
            if show:
                print(f"  false alarm: {item['text']}")
    figures.missed_by_sign = dict(missed.most_common())
    figures.alarms_by_category = dict(alarms.most_common())
    figures.alarms_by_sign = dict(alarm_signs.most_common())
    return figures


def diet_hints(model: Path, items: list[dict[str, Any]]) -> dict[str, int]:
    """Messages the model leaves unreferred but with DIET's red_flag score >= the check threshold."""
    import asyncio

    from actions.advice_action import RED_FLAG_HINT
    from bench.nlu_benchmark import parse_all

    parsed = asyncio.run(parse_all(model, [str(item["text"]) for item in items]))
    counts = {"red_flag_items_with_check": 0, "other_items_with_check": 0, "model_referred": 0}
    for item, parse in zip(items, parsed, strict=True):
        if parse["intent"]["name"] == "red_flag":
            counts["model_referred"] += 1
            continue
        ranking = parse.get("intent_ranking") or []
        hint = any(r["name"] == "red_flag" and r["confidence"] >= RED_FLAG_HINT for r in ranking)
        is_flag = bool(item.get("red_flag") or "sign" in item)
        counts["red_flag_items_with_check" if is_flag else "other_items_with_check"] += hint
    return counts


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def report(name: str, f: Figures) -> dict[str, Any]:
    print(f"{name}:")
    if f.red_flags:
        print(f"  red flags referred      {f.referred}/{f.red_flags} (recall {_pct(f.recall)})")
    if f.ordinary_pss:
        print(f"  false alarms, ordinary pain/sleep/stress  {f.ordinary_pss_alarms}/{f.ordinary_pss} "
              f"({_pct(f.ordinary_false_alarm_rate)})")
    if f.tricky:
        print(f"  false alarms, tricky    {f.tricky_alarms}/{f.tricky}")
    if f.not_red_flag:
        print(f"  false alarms, all non-red-flag items  {f.not_red_flag_alarms}/{f.not_red_flag} "
              f"({_pct(f.false_alarm_rate)})")
    if f.missed_by_sign:
        print(f"  missed by sign          {f.missed_by_sign}")
    if f.alarms_by_category:
        print(f"  false alarms by kind    {f.alarms_by_category}")
        print(f"  false alarms by sign    {f.alarms_by_sign}")
    return {**asdict(f), "recall": f.recall, "ordinary_false_alarm_rate": f.ordinary_false_alarm_rate,
            "false_alarm_rate": f.false_alarm_rate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, help="set files (default: tests/triage/*.yml)")
    parser.add_argument("--show", action="store_true", help="list misses and false alarms")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--model", type=Path, help="also parse with this trained model (DIET's gentle checks)")
    args = parser.parse_args(argv)
    sets = args.sets or list(DEFAULT_SETS)
    results = {}
    for path in sets:
        if not path.is_file():
            print(f"no such set: {path}", file=sys.stderr)
            return 2
        items = load_items(path)
        results[path.stem] = report(path.stem, measure(items, args.show))
        if args.model:
            hints = diet_hints(args.model, items)
            print(f"  with the model: referred {hints['model_referred']}, gentle check on "
                  f"{hints['red_flag_items_with_check']} unreferred red flags, "
                  f"{hints['other_items_with_check']} others")
            results[path.stem]["model"] = hints
    args.out.mkdir(parents=True, exist_ok=True)
    name = "triage-" + "+".join(path.stem for path in sets) if args.sets else "triage-fresh"
    target = args.out / f"{name}.json"
    target.write_text(json.dumps({"sets": {p.stem: str(p) for p in sets}, "results": results}, indent=2) + "\n",
                      encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
