"""`python -m review list|review|report`: the review inbox and the usage report (see README "Weekly review")."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.knowledge_base import default_knowledge_base
from review import settings
from review.decisions import Paths
from review.queue import build_queue, listing
from review.state import ReviewState
from review.store import StoreError, read_conversations, store_url

REPORT_DAYS = 30.0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m review", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--endpoints", type=Path, default=settings.ENDPOINTS,
                        help="endpoints.yml whose tracker_store is read (default: the project's)")
    common.add_argument("--state", type=Path, default=settings.STATE, help="what was already reviewed")
    common.add_argument("--days", type=float, default=None,
                        help="only conversations of the last N days (default: all; the report: 30)")
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("list", parents=[common], help="print the queue as JSON lines")
    review = commands.add_parser("review", parents=[common], help="review the queue in the terminal")
    review.add_argument("--reviewed", type=Path, default=settings.REVIEWED_NLU, help="NLU file decisions go to")
    review.add_argument("--triage-dir", type=Path, default=settings.WARNING_SIGNS.parent,
                        help="folder of warning_signs.yml and ordinary.yml")
    report = commands.add_parser("report", parents=[common], help="write the HTML usage report")
    report.add_argument("--out", type=Path, default=settings.REPORT)
    report.add_argument("--bench", type=Path, default=settings.BENCH_RESULTS, help="benchmark results folder")
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "report" and args.days is None:
        args.days = REPORT_DAYS
    since = time.time() - args.days * 86400 if args.days else None
    try:
        url = store_url(args.endpoints)
        state = ReviewState.load(args.state)
        if args.command == "report":
            from review.report import write_report

            path = write_report(url, state, since, args.out, args.bench, default_knowledge_base())
            print(f"report: {path}")
            return 0
        groups = build_queue(read_conversations(url, since), state)
    except StoreError as error:
        print(f"review: {error}", file=sys.stderr)
        return 2
    if args.command == "list":
        for record in listing(groups):
            print(json.dumps(record, ensure_ascii=False))
        return 0
    from review.tui import run
    from review.vocabulary import intents, training_words

    triage = args.triage_dir
    paths = Paths(args.reviewed, triage / settings.WARNING_SIGNS.name, triage / settings.ORDINARY.name)
    run(groups, state, [i for i in intents() if i != "nlu_fallback"], training_words(), default_knowledge_base(), paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
