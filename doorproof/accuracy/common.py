"""What every accuracy set shares: where the recordings are, progress on stderr, percentages."""

from __future__ import annotations

import csv
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001)
"""Confidence bins of the reliability tables (a last bin for 0.9-1.0, where most answers sit)."""


@dataclass(frozen=True)
class AccuracySet:
    """One real data set of ``../shared/data``: how to score it and how to print the score.

    ``folder`` is the set's directory under the data root ("" for a set built from others,
    which then reads the root itself); ``also`` lists further folders it needs; ``evaluate``
    reads it and returns a JSON-ready report; ``table`` turns that report into the lines
    printed by ``make accuracy``.
    """

    name: str
    folder: str
    evaluate: Callable[[Path], dict[str, Any]]
    table: Callable[[dict[str, Any]], list[str]]
    also: tuple[str, ...] = ()

    def present(self, root: Path) -> bool:
        """Whether every folder the set reads exists under ``root``."""
        return all((root / f).is_dir() for f in (self.folder, *self.also))


def data_dir(explicit: str | None = None) -> Path:
    """Where the recordings are: ``explicit``, ``$DOORPROOF_DATA``, or ``<repo>/../shared/data``."""
    chosen = explicit or os.environ.get("DOORPROOF_DATA")
    return Path(chosen) if chosen else REPO.parent / "shared" / "data"


def progress(label: str, items: Sequence[Any]) -> Iterable[Any]:
    """``items``, counting them on stderr (the run reads ~300 files)."""
    for i, item in enumerate(items, 1):
        print(f"\r{label} {i}/{len(items)}", end="", file=sys.stderr, flush=True)
        yield item
    print(file=sys.stderr)


def share(hits: Sequence[bool]) -> float | None:
    return round(100.0 * sum(hits) / len(hits), 1) if hits else None


def labels(root: Path) -> list[dict[str, str]]:
    """The rows of a set's ``labels.csv``."""
    with (root / "labels.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def grouped(records: Sequence[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    """Records by ``record[key]``, in first-seen order, then all of them as ``overall``."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(r[key], []).append(r)
    groups["overall"] = list(records)
    return groups


def verdict_shares(
    records: Sequence[dict[str, Any]], conventions: Sequence[str], truth: str = "expected"
) -> dict[str, Any]:
    """Accuracy (%) of records carrying ``record[convention][who]`` verdicts (mode, direction)
    against ``record[truth]``: mode, direction and both, per convention, engine and baseline."""
    out: dict[str, Any] = {"n": len(records)}
    for convention in conventions:
        for who in ("engine", "baseline"):
            got = [(r[convention][who], r[truth]) for r in records]
            out[f"{convention}.{who}"] = {
                "mode": share([g[0] == e[0] for g, e in got]),
                "direction": share([g[1] == e[1] for g, e in got]),
                "both": share([g == e for g, e in got]),
            }
    return out


def pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:5.1f}%"


def reliability(pairs: Sequence[tuple[float, bool]]) -> list[dict[str, Any]]:
    """Stated confidence in ``BINS`` against the share of those answers that were right
    ("found"): a calibrated 0.9 is right 9 times in 10. Empty bins are left out."""
    out = []
    for lo, hi in itertools.pairwise(BINS):
        hits = [u for c, u in pairs if lo <= c < hi]
        if hits:
            mean = float(sum(c for c, _ in pairs if lo <= c < hi) / len(hits))
            out.append(
                {
                    "bin": [lo, min(hi, 1.0)],
                    "n": len(hits),
                    "stated": round(mean, 2),
                    "found": share(hits),
                }
            )
    return out


def reliability_lines(rows: Sequence[dict[str, Any]], word: str = "found") -> list[str]:
    """One line per confidence bin: how many, the mean stated, the share right."""
    return [
        f"    {r['bin'][0]:.1f}-{r['bin'][1]:.1f}: n={r['n']:<4} stated {r['stated']:.2f}"
        f" {word} {pct(r['found'])}"
        for r in rows
    ]
