"""Command-line entry points for maintainers (no Rasa needed).

  python -m bot check              validate the knowledge base and generated files
  python -m bot generate           write data/generated/*.yml from the knowledge base
  python -m bot build-nlp [DIR]    build the spaCy pipeline from the knowledge base
  python -m bot triage TEXT        show the red flags found in TEXT
  python -m bot recommend [opts]   show a recommendation for a situation

`make run` and `make shell` start processes: see launch/ (`python -m launch run`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from bot.answers import recommendation_reply
from bot.kb_ids import CONCERNS, DURATIONS, PAIN
from bot.knowledge_base import KnowledgeBaseError, load_knowledge_base
from bot.nlp_pipeline import PIPELINE_DIR, pipeline_is_current, save_pipeline
from bot.nlu_data import SYNONYMS_FILE, synonyms_are_current, write_synonyms
from bot.recommender import Situation
from bot.triage import assess


def _check(args: argparse.Namespace) -> int:
    kb = load_knowledge_base(args.knowledge)
    print(f"knowledge base OK: {len(kb.techniques)} techniques, {len(kb.benefits)} benefits, "
          f"{len(kb.topics)} topics, {len(kb.red_flags)} red flags")
    stale = [str(p) for p, ok in ((SYNONYMS_FILE, synonyms_are_current(kb)),) if not ok]
    if args.pipeline and not pipeline_is_current(kb, Path(args.pipeline)):
        stale.append(args.pipeline)
    if stale:
        print(f"stale generated files (run `make generate`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


def _generate(args: argparse.Namespace) -> int:
    print(f"wrote {write_synonyms(load_knowledge_base(args.knowledge))}")
    return 0


def _build_nlp(args: argparse.Namespace) -> int:
    kb, out = load_knowledge_base(args.knowledge), Path(args.out)
    if pipeline_is_current(kb, out) and not args.force:
        # Left untouched, so make does not retrain a model for a code-only change.
        print(f"spaCy pipeline in {out} is up to date")
        return 0
    print(f"built spaCy pipeline in {save_pipeline(kb, out)}")
    return 0


def _triage(args: argparse.Namespace) -> int:
    result = assess(args.text, load_knowledge_base(args.knowledge))
    print(f"{result.urgency}: {', '.join(result.ids)}" if result.is_red_flag else "no red flags")
    return 0


def _recommend(args: argparse.Namespace) -> int:
    situation = Situation(
        concerns=frozenset({args.concern}),
        body_parts=frozenset(args.body_part),
        symptoms=frozenset(args.symptom),
        duration=args.duration,
        timing=args.timing,
        first_massage=args.first_massage,
    )
    reply = recommendation_reply(situation, load_knowledge_base(args.knowledge))
    print(reply.text)
    print(f"sources: {', '.join(reply.sources)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--knowledge", type=Path, default=Path(__file__).parent / "knowledge")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate the knowledge base and generated files")
    check.add_argument("--pipeline", help="also check this built spaCy pipeline")
    check.set_defaults(run=_check)
    sub.add_parser("generate", help="write generated NLU files").set_defaults(run=_generate)
    build = sub.add_parser("build-nlp", help="build the spaCy pipeline")
    build.add_argument("out", nargs="?", default=str(PIPELINE_DIR))
    build.add_argument("--force", action="store_true", help="rebuild even if the patterns are unchanged")
    build.set_defaults(run=_build_nlp)
    triage = sub.add_parser("triage", help="show red flags in a message")
    triage.add_argument("text")
    triage.set_defaults(run=_triage)
    rec = sub.add_parser("recommend", help="recommend a technique for a situation")
    rec.add_argument("--concern", default=PAIN, choices=CONCERNS)
    rec.add_argument("--body-part", action="append", default=[])
    rec.add_argument("--symptom", action="append", default=[])
    rec.add_argument("--duration", choices=DURATIONS)
    rec.add_argument("--timing")
    rec.add_argument("--first-massage", action="store_true")
    rec.set_defaults(run=_recommend)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KnowledgeBaseError as error:
        print(f"knowledge base error: {error}", file=sys.stderr)
        return 2
