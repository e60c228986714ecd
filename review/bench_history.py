"""Benchmark figures before and after retraining: each new bench/results JSON is kept in a history folder.

`make bench-nlu` overwrites bench/results/nlu.json (held-out set); a real-set benchmark writing the same
shape (for example bench/results/nlu-real.json) is picked up too. The report snapshots every changed
file, so the latest two snapshots of each are "before" and "after".
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HISTORY = "history"


@dataclass(frozen=True)
class Figures:
    name: str  # file stem: nlu (held-out set), nlu-real, ...
    when: float  # modification time of the results
    macro_f1: float
    accuracy: float
    fallbacks: int | None


def _figures(name: str, when: float, data: dict[str, Any]) -> Figures | None:
    try:
        intents = data["systems"]["pipeline"]["intents"]
        return Figures(name, when, float(intents["macro_f1"]), float(intents["accuracy"]), intents.get("fallbacks"))
    except (KeyError, TypeError, ValueError):
        return None


def snapshot(results: Path) -> None:
    """Copies each results file whose content is new into results/history/<stem>-<hash>.json."""
    history = results / HISTORY
    for path in sorted(results.glob("*.json")):
        content = path.read_bytes()
        try:
            if _figures(path.stem, 0, json.loads(content)) is None:
                continue
        except ValueError:
            continue
        target = history / f"{path.stem}-{hashlib.sha256(content).hexdigest()[:12]}.json"
        if not target.exists():
            history.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)  # keeps the results' own time


def before_and_after(results: Path) -> dict[str, tuple[Figures | None, Figures]]:
    """Per benchmark: the previous and the latest figures (previous None after a single run)."""
    snapshot(results)
    runs: dict[str, list[Figures]] = {}
    for path in (results / HISTORY).glob("*.json") if (results / HISTORY).exists() else []:
        name = path.stem.rsplit("-", 1)[0]
        figures = _figures(name, path.stat().st_mtime, json.loads(path.read_text(encoding="utf-8")))
        if figures:
            runs.setdefault(name, []).append(figures)
    out = {}
    for name, figures in sorted(runs.items()):
        figures.sort(key=lambda f: f.when)
        out[name] = (figures[-2] if len(figures) > 1 else None, figures[-1])
    return out
