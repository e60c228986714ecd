"""Small matplotlib charts as inline SVG (text drawn as paths: no fonts or files needed to view them)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

plt.rcParams.update({"svg.fonttype": "path", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
COLOURS = ["#2f6f9f", "#d9822b", "#4f9d69", "#b84a62", "#7d6bb3", "#8a8a8a"]
_XML_HEADER = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def svg(figure: plt.Figure) -> str:
    out = io.StringIO()
    figure.tight_layout()
    figure.savefig(out, format="svg")
    plt.close(figure)
    return _XML_HEADER.sub("", out.getvalue(), count=1)


def _empty(ax: plt.Axes) -> None:
    ax.text(0.5, 0.5, "no data in this range", ha="center", va="center", transform=ax.transAxes, color="#888")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def bars(labels: Sequence[str], values: Sequence[float], xlabel: str, horizontal: bool = True,
         width: float = 6.0) -> str:
    height = max(2.0, 0.28 * len(labels) + 0.8) if horizontal else 2.8
    figure, ax = plt.subplots(figsize=(width, height))
    if not labels:
        _empty(ax)
    elif horizontal:
        ax.barh(list(labels)[::-1], list(values)[::-1], color=COLOURS[0])
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.bar(list(labels), list(values), color=COLOURS[0], width=min(0.8, 0.15 * len(labels) + 0.2))
        ax.set_ylabel(xlabel)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelrotation=45)
    return svg(figure)


def lines(x: Sequence[str], series: dict[str, Sequence[float]], ylabel: str, percent: bool = False) -> str:
    figure, ax = plt.subplots(figsize=(6.0, 2.8))
    if not x:
        _empty(ax)
    else:
        for colour, (name, values) in zip(COLOURS, series.items(), strict=False):
            ax.plot(list(x), [v * 100 if percent else v for v in values], marker="o", label=name, color=colour)
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False)
        ax.tick_params(axis="x", labelrotation=45)
        if percent:
            ax.set_ylim(0, 100)
    return svg(figure)


def stacked(labels: Sequence[str], stacks: dict[str, Sequence[float]], xlabel: str) -> str:
    """Horizontal bars split by category (e.g. referrals by warning sign, split by urgency)."""
    figure, ax = plt.subplots(figsize=(6.0, max(2.0, 0.32 * len(labels) + 0.9)))
    if not labels:
        _empty(ax)
    else:
        left = [0.0] * len(labels)
        for colour, (name, values) in zip(COLOURS, stacks.items(), strict=False):
            ax.barh(list(labels)[::-1], list(values)[::-1], left=left[::-1], label=name, color=colour)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, fontsize=8)
    return svg(figure)


def before_after(labels: Sequence[str], before: Sequence[float], after: Sequence[float], ylabel: str) -> str:
    figure, ax = plt.subplots(figsize=(6.0, 2.8))
    if not labels:
        _empty(ax)
    else:
        positions = range(len(labels))
        ax.bar([p - 0.2 for p in positions], before, width=0.4, label="before", color=COLOURS[5])
        ax.bar([p + 0.2 for p in positions], after, width=0.4, label="after", color=COLOURS[0])
        ax.set_xticks(list(positions))
        ax.set_xticklabels(labels)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 1)
        ax.legend(frameon=False)
    return svg(figure)
