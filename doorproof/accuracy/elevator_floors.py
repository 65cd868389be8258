"""The ``elevators/`` set (240 lift rides in one building, 1-3 floors, floors labelled):
floor counts once the building has been learned.

Protocol (the fleet's): the building is unknown; the first ``k`` rides arrive with the floor
their address names and are learned (``building.learn``), then every later ride is scored
without its label, its floors counted on the learned storey model. A ride up from the lobby
(floor 1: the set's floors are numbered from 1) to floor E is a delivery to floor E; a ride
down from floor S to the lobby spans the same height as the ride up to S, so it is learned as
that. Orders: the file order of labels.csv and ``SHUFFLES`` seeded shuffles (the figure
quoted is their mean; the file order alone is also shown). Baseline: a fixed 3.0 m storey
(the engine without building memory). Confidences are checked per band: a band's rides
should be right about as often as its mean confidence says.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from doorproof.accuracy.common import AccuracySet, pct, progress, share
from doorproof.recordings import load_samples
from functions.engine.building import Observation, Storeys, level_sd, profile_of
from functions.engine.telemetry import from_samples
from functions.engine.vertical import detect_vertical

SHUFFLES = 20
LEARNED = (0, 1, 2, 3, 5)
"""Rides learned (with their address floor) before scoring."""
TARGET_K = 3
"""The target is stated for a building seen 3 times."""
GROUND = 1
BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))


@dataclass(frozen=True)
class Ride:
    file: str
    style: str
    direction: str
    floors: int
    height_m: float | None
    """Signed height of the recording's largest move (None: no move found)."""

    def span(self) -> tuple[float, float]:
        """(start, end) above the lobby: the lowest level is the lobby (``insights._spans``)."""
        h = self.height_m or 0.0
        return (0.0, h) if h >= 0 else (-h, 0.0)


def measure(root: Path) -> list[Ride]:
    with (root / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    rides = []
    for row in progress("elevator floors", rows):
        moves = detect_vertical(from_samples(load_samples(root / row["file"])))
        big = max(moves, key=lambda mv: abs(mv.height_m)) if moves else None
        rides.append(
            Ride(
                row["file"],
                row["style"],
                row["direction"],
                int(row["floors"]),
                None if big is None else big.height_m,
            )
        )
    return rides


def learned_storeys(rides: Sequence[Ride], *, labelled: bool = True, wrong: int = 0) -> Storeys:
    """The storey model after learning ``rides`` (the first ``wrong`` of them claiming one
    floor too many: an address that is wrong)."""
    observations = []
    for i, ride in enumerate(rides):
        top = max(ride.span())
        claim = ride.floors + GROUND + (1 if i < wrong else 0)
        observations.append(
            Observation(
                session_id=ride.file,
                at=float(i),
                heights_m=(top,),
                door_height_m=top,
                claimed_floor=claim if labelled else None,
                ground_floor=GROUND,
            )
        )
    return profile_of(observations).storeys


def score(rides: Sequence[Ride], storeys: Storeys) -> list[tuple[bool, float]]:
    """(floors right, confidence) for each ride counted on ``storeys``."""
    out = []
    for ride in rides:
        start, end = ride.span()
        got = storeys.floors_between(start, end)
        out.append((got == ride.floors, storeys.floors_confidence(start, end, got)))
    return out


def _right(results: Sequence[tuple[bool, float]]) -> float:
    """Percentage of ``results`` that are right."""
    return round(100.0 * sum(ok for ok, _ in results) / max(len(results), 1), 1)


def _orders(n: int) -> list[np.ndarray]:
    return [np.arange(n)] + [np.random.default_rng(seed).permutation(n) for seed in range(SHUFFLES)]


def _bands(results: Sequence[tuple[bool, float]]) -> list[dict[str, Any]]:
    out = []
    for lo, hi in BANDS:
        inside = [(ok, c) for ok, c in results if lo <= c < hi]
        out.append(
            {
                "band": [lo, min(hi, 1.0)],
                "n": len(inside),
                "meanConfidence": round(float(np.mean([c for _, c in inside])), 3)
                if inside
                else None,
                "right": share([ok for ok, _ in inside]),
            }
        )
    return out


def evaluate(root: Path) -> dict[str, Any]:
    rides = measure(root)
    orders = _orders(len(rides))
    protocol: dict[str, Any] = {}
    pooled: dict[int, list[tuple[bool, float]]] = {k: [] for k in LEARNED}
    for k in LEARNED:
        per_order, unlabelled, wrong1, baseline = [], [], [], []
        for order in orders:
            seq = [rides[i] for i in order]
            learn, rest = seq[:k], seq[k:]
            results = score(rest, learned_storeys(learn) if k else Storeys())
            pooled[k] += results
            per_order.append(_right(results))
            baseline.append(_right(score(rest, Storeys())))
            if k:
                unlabelled.append(_right(score(rest, learned_storeys(learn, labelled=False))))
                wrong1.append(_right(score(rest, learned_storeys(learn, wrong=1))))
        protocol[str(k)] = {
            "scored": len(rides) - k,
            "floorsExact": round(float(np.mean(per_order)), 1),
            "floorsExactMin": min(per_order),
            "floorsExactFileOrder": per_order[0],
            "baseline": round(float(np.mean(baseline)), 1),
            "unlabelled": round(float(np.mean(unlabelled)), 1) if unlabelled else None,
            "oneWrongClaim": round(float(np.mean(wrong1)), 1) if wrong1 else None,
        }
    everything = learned_storeys(rides)
    z = [
        abs(abs(r.height_m) - everything.height_of(r.floors)) / float(level_sd(r.height_m))
        for r in rides
        if r.height_m is not None
    ]
    return {
        "rides": len(rides),
        "found": sum(r.height_m is not None for r in rides),
        "protocol": protocol,
        "calibration": {str(k): _bands(pooled[k]) for k in (0, TARGET_K)},
        "allRides": {
            "storeyHeightM": everything.storey_m,
            "lobbyHeightM": everything.lobby_m,
            "storeyConfidence": round(everything.storey_confidence, 3),
            "heightsWithin1Sd": share([x <= 1 for x in z]),
            "heightsWithin2Sd": share([x <= 2 for x in z]),
        },
        "heights": {
            str(n): [
                round(
                    float(np.percentile([abs(r.height_m or 0) for r in rides if r.floors == n], q)),
                    2,
                )
                for q in (0, 50, 100)
            ]
            for n in (1, 2, 3)
        },
    }


def table(report: dict[str, Any]) -> list[str]:
    lines = [
        "ELEVATOR FLOORS: learn from the first k rides (address floors), score the rest"
        f" unlabelled; mean of file order + {SHUFFLES} shuffles (engine | 3.0 m baseline)",
        f"{'k':>3} {'scored':>7}  {'floors exact':^17}  {'worst order':>11}  {'file order':>10}"
        f"  {'unlabelled k':>12}  {'1 wrong claim':>13}",
    ]
    for k, row in report["protocol"].items():
        lines.append(
            f"{k:>3} {row['scored']:>7}  {pct(row['floorsExact'])} | {pct(row['baseline'])}"
            f"  {pct(row['floorsExactMin']):>11}  {pct(row['floorsExactFileOrder']):>10}"
            f"  {pct(row['unlabelled']):>12}  {pct(row['oneWrongClaim']):>13}"
        )
    heights = report["heights"]
    lines.append(
        "ride heights (min/median/max m): "
        + ", ".join(f"{n} floor(s) {'/'.join(str(x) for x in v)}" for n, v in heights.items())
    )
    every = report["allRides"]
    lines.append(
        f"all {report['rides']} rides learned: storey {every['storeyHeightM']:.2f} m, lobby"
        f" {every['lobbyHeightM']:.2f} m, storey confidence {every['storeyConfidence']:.2f};"
        f" ride heights within 1 / 2 level_sd of their floor's level:"
        f" {pct(every['heightsWithin1Sd']).strip()} / {pct(every['heightsWithin2Sd']).strip()}"
        " (a normal error: 68 % / 95 %)"
    )
    for k, bands in report["calibration"].items():
        cells = ", ".join(
            f"{b['band'][0]:.1f}-{b['band'][1]:.1f}: n={b['n']} right {pct(b['right']).strip()}"
            + (f" (mean {b['meanConfidence']:.2f})" if b["meanConfidence"] is not None else "")
            for b in bands
        )
        lines.append(f"floors confidence bands, k={k}: {cells}")
    return lines


SET = AccuracySet(name="elevator-floors", folder="elevators", evaluate=evaluate, table=table)
