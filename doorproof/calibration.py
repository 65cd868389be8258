"""Calibration of the classification's confidence: how often each verdict is right.

``python -m doorproof.calibration [--seeds N] [--data DIR]`` runs the engine on

- every simulator scenario (``doorproof.scenarios``, ``--seeds`` seeds each, Android and
  iOS), whose true category is ``SCENARIO_CATEGORIES``;
- the real recordings in ``../shared/data`` (``doorproof.accuracy.common.data_dir``) that tell a
  category: ``vertical/stay`` is a phone held by someone standing, so ``no_attempt``; the
  other real sets carry no delivery outcome and are only counted (``entry/`` and
  ``building/``, GPS + barometer without an IMU, are judged since engine 2026.12.6: their
  walks are no deliveries, so no verdict of theirs is known to be right);

and prints, per basis (``functions.engine.classification``), how many verdicts it gave, the
share that was right, the estimate to state for it ((right + 1) / (n + 2)) and the
confidence the engine states for it (``CALIBRATION``, copied from such a run), plus the
expected calibration error (ECE: the mean |stated - measured| weighted by count), and last
the ``CALIBRATION`` table this run measured, ready to paste. The table goes to stdout,
progress to stderr, the report to ``reports/calibration.json``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doorproof.accuracy.common import REPO, data_dir, progress
from doorproof.recordings import load_samples
from doorproof.scenarios import build, names
from doorproof.scenarios.scenario import Platform
from functions.engine.classification import CALIBRATION, UNMEASURED, confidence_of
from functions.engine.insights import SessionContext, compute_insights
from functions.engine.telemetry import from_samples

SCENARIO_CATEGORIES = {
    "elevator_floor4": "door_delivery",
    "stairs_floor3": "door_delivery",
    "stairs_down_basement": "door_delivery",
    "escalator_floor1": "door_delivery",
    "ground_floor": "door_delivery",
    "lobby_handoff": "lobby_handoff",
    "wrong_building": "wrong_address",
    "no_attempt": "no_attempt",
    "partial_attempt": "no_attempt",
    "second_attempt": "door_delivery",
    "walked_away": "no_attempt",
    "stream_interrupted": "door_delivery",
    "session_timeout": "door_delivery",
    "spoofed_gps_jumps": "door_delivery",
    "spoofed_gps_frozen": "door_delivery",
    "spoofed_gps_moving_still": "no_attempt",
    "spoofed_gps_replay": "no_attempt",
    "no_barometer": "door_delivery",
    "no_gps_indoors": "door_delivery",
    "ground_floor_1hz": "door_delivery",
    "elevator_floor4_100hz": "door_delivery",
    "ios_stairs_floor3": "door_delivery",
    "insufficient_data": "insufficient_data",
    "curbside_handoff": "curbside_handoff",
}
"""What really happened in each scenario, as a category (the physical truth: a delivery
whose GPS was spoofed was still delivered at the door)."""
REAL_LABELLED = {("vertical", "stay"): "no_attempt"}
PLATFORMS: tuple[Platform, ...] = ("android", "ios")


@dataclass(frozen=True)
class Verdict:
    source: str
    basis: str
    category: str
    truth: str | None


def scenario_verdicts(seeds: int, only: Iterable[str] | None = None) -> Iterator[Verdict]:
    """The engine's verdict on every scenario with a known category (or those in ``only``),
    per seed and platform."""
    chosen = [n for n in (only or names()) if n in SCENARIO_CATEGORIES]
    jobs = [(n, p, s) for n in chosen for p in PLATFORMS for s in range(seeds)]
    for name, platform, seed in progress("scenarios", jobs):
        sc = build(name, platform=platform, seed=seed)
        doc = compute_insights(from_samples(sc.samples), sc.context())
        c = doc["classification"]
        yield Verdict(f"scenario/{name}", c["basis"], c["category"], SCENARIO_CATEGORIES[name])


def _real_files(root: Path) -> list[tuple[str, str | None, Path]]:
    files = []
    for set_name in ("vertical", "elevators", "entry", "building"):
        for path in sorted((root / set_name).rglob("*.ndjson.gz")):
            label = path.parent.name if set_name == "vertical" else ""
            truth = REAL_LABELLED.get((set_name, label))
            files.append((set_name, truth, path))
    return files


def real_verdicts(root: Path, *, labelled_only: bool = False) -> Iterator[Verdict]:
    """The engine's verdict on each real recording (no address: as ``doorproof analyze``);
    with ``labelled_only`` only on those with a known category (all the table counts)."""
    files = [f for f in _real_files(root) if f[1] is not None or not labelled_only]
    for set_name, truth, path in progress("real sets", files):
        doc = compute_insights(from_samples(load_samples(path)), SessionContext())
        c = doc["classification"]
        yield Verdict(f"real/{set_name}", c["basis"], c["category"], truth)


@dataclass(frozen=True)
class Row:
    basis: str
    count: int
    right: int
    stated: float

    @property
    def category(self) -> str:
        return self.basis.split("/", 1)[0]

    @property
    def measured(self) -> float:
        return self.right / self.count

    @property
    def estimate(self) -> float:
        """The rule of succession, (right + 1) / (n + 2): the calibrated confidence to state
        for a basis seen n times (an unbeaten record of 6 is not a certainty)."""
        return (self.right + 1) / (self.count + 2)


def table(verdicts: Iterable[Verdict]) -> list[Row]:
    """Per basis: verdicts with a known truth, how many right, and the stated confidence."""
    counts: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for v in verdicts:
        if v.truth is None:
            continue
        counts[v.basis] += 1
        right[v.basis] += int(v.category == v.truth)
    return [Row(b, counts[b], right[b], confidence_of(b)) for b in sorted(counts)]


def stated_table(verdicts: Iterable[Verdict]) -> dict[str, float]:
    """What ``CALIBRATION`` must hold for these verdicts: the estimate per basis, and per
    category pooled over its bases, rounded to two places."""
    rows = table(verdicts)
    pooled: dict[str, tuple[int, int]] = {}
    for r in rows:
        count, right = pooled.get(r.category, (0, 0))
        pooled[r.category] = (count + r.count, right + r.right)
    stated = {r.basis: round(r.estimate, 2) for r in rows}
    stated.update({c: round((right + 1) / (n + 2), 2) for c, (n, right) in pooled.items()})
    return dict(sorted(stated.items()))


def ece(rows: list[Row]) -> float:
    """Expected calibration error: mean |stated - measured|, weighted by count."""
    total = sum(r.count for r in rows)
    return sum(r.count * abs(r.stated - r.measured) for r in rows) / total if total else 0.0


def report(seeds: int, root: Path | None) -> dict[str, Any]:
    simulated = list(scenario_verdicts(seeds))
    real = list(real_verdicts(root)) if root and root.is_dir() else []
    rows = table(simulated + real)
    spread: dict[str, Counter[str]] = defaultdict(Counter)
    for v in real:
        spread[v.source][v.category] += 1
    return {
        "seeds": seeds,
        "rows": [
            {
                "basis": r.basis,
                "count": r.count,
                "right": r.right,
                "measured": round(r.measured, 3),
                "estimate": round(r.estimate, 2),
                "stated": r.stated,
            }
            for r in rows
        ],
        "ece": round(ece(rows), 3),
        "eceSimulator": round(ece(table(simulated)), 3),
        "eceReal": round(ece(table(real)), 3),
        "realCategories": {k: dict(v) for k, v in sorted(spread.items())},
        "unmeasuredConfidence": UNMEASURED,
        "tableBases": sorted(CALIBRATION),
        "calibration": stated_table(simulated + real),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m doorproof.calibration")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per scenario and platform")
    parser.add_argument("--data", help="the real recordings (default ../shared/data)")
    args = parser.parse_args(argv)
    result = report(args.seeds, data_dir(args.data))
    print(f"{'basis':40} {'n':>5} {'right':>6} {'measured':>9} {'estimate':>9} {'stated':>7}")
    for r in result["rows"]:
        print(
            f"{r['basis']:40} {r['count']:5d} {r['right']:6d} {r['measured']:9.3f} "
            f"{r['estimate']:9.2f} {r['stated']:7.2f}"
        )
    print(
        f"ECE {result['ece']:.3f} (simulator {result['eceSimulator']:.3f}, "
        f"real {result['eceReal']:.3f})"
    )
    for source, categories in result["realCategories"].items():
        print(f"{source}: {categories}")
    drifted = result["calibration"] != CALIBRATION
    print(
        "CALIBRATION in functions/engine/classification.py "
        + ("differs; this run's table (paste it there):" if drifted else "is this run's table:")
    )
    for basis, value in result["calibration"].items():
        print(f'    "{basis}": {value},')
    out = REPO / "reports" / "calibration.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
