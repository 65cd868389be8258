"""The ``building/`` set (41 walks in one university hall, 1 Hz barometer + GPS, floors not
tagged): what the building memory learns without any label.

Every walk goes through the whole engine (``insights.compute``) and its observation (the
heights it dwelt at above the entrance) is learned, no floor claimed. Reported:

- the storey model learned from all walks (storey, lobby, confidences);
- consistency: the storey model learned from random halves of the walks (``SPLITS`` seeded
  splits): how far apart the halves' storey heights are; and leave-one-out, the share of
  dwell heights within 2 sd of a level of the model learned from the *other* walks;
- floors after n sessions: the model learned from n random walks (``SEEN``) counts every other
  walk's floors; the reference is the count on the model learned from all the other walks (there is
  no truth in this set: agreement with what the whole set says), beside the 3.0 m baseline;
- the same with the learned walks' addresses naming the floor the whole set puts them on
  (pseudo-labels: the set has no truth);
- wrong claims: each walk's top dwell claimed one floor too high or too low is rejected
  (``place.on_claimed_floor``) by the n-walk model, and the true claim accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from doorproof.accuracy.common import AccuracySet, pct, progress, share
from doorproof.recordings import load_samples
from functions.engine.building import (
    MIN_HEIGHT_M,
    Observation,
    Storeys,
    level_sd,
    profile_of,
)
from functions.engine.insights import SessionContext, compute
from functions.engine.place import on_claimed_floor
from functions.engine.telemetry import from_samples

SPLITS = 20
SEEN = (2, 5, 10, 20)
"""Walks learned before the others are counted. Without labels two walks cannot show a taller
lobby (two heights fit one storey height as well): the sweep shows when the clusters do."""


def observe(root: Path) -> list[Observation]:
    """Each walk's building observation, as the processor would learn it."""
    out = []
    for path in progress("building", sorted(root.glob("*.ndjson.gz"))):
        ctx = SessionContext(session_id=path.name, building_id="hall")
        result = compute(from_samples(load_samples(path)), ctx)
        if result.observation is not None:
            out.append(result.observation)
    return out


def _top(o: Observation) -> float | None:
    heights = [h for h in o.heights_m if abs(h) >= MIN_HEIGHT_M]
    return max(heights, key=abs) if heights else None


def _rngs() -> list[np.random.Generator]:
    return [np.random.default_rng(seed) for seed in range(SPLITS)]


def _within(o: Observation, storeys: Storeys) -> list[bool]:
    return [
        abs(h - storeys.height_of(storeys.level_of(h))) <= 2 * float(level_sd(h))
        for h in o.heights_m
        if abs(h) >= MIN_HEIGHT_M
    ]


def evaluate(root: Path) -> dict[str, Any]:
    walks = observe(root)
    everything = profile_of(walks).storeys
    halves = []
    for rng in _rngs():
        order = rng.permutation(len(walks))
        a, b = order[: len(walks) // 2], order[len(walks) // 2 :]
        halves.append(
            (
                profile_of([walks[i] for i in a]).storeys.storey_m,
                profile_of([walks[i] for i in b]).storeys.storey_m,
            )
        )
    leave_one_out: list[bool] = []
    reference: list[int | None] = []
    for i, walk in enumerate(walks):
        others = profile_of(walks[:i] + walks[i + 1 :]).storeys
        leave_one_out += _within(walk, others)
        top = _top(walk)
        reference.append(None if top is None else others.level_of(top))
    after = {str(n): _after(walks, reference, n, claimed=False) for n in SEEN}
    claimed = {str(n): _after(walks, reference, n, claimed=True) for n in SEEN}
    return {
        "walks": len(walks),
        "storeys": everything.to_json() | {"modes": None},
        "halves": {
            "storeyHeightsM": [[round(a, 2), round(b, 2)] for a, b in halves],
            "maxDifferenceM": round(max(abs(a - b) for a, b in halves), 2),
        },
        "leaveOneOutWithin2Sd": share(leave_one_out),
        "levelsFound": sorted({r for r in reference if r is not None}),
        "after": after,
        "afterClaimed": claimed,
    }


def _claiming(walk: Observation, level: int | None) -> Observation:
    """``walk`` as if its address had named the floor the whole set puts its top dwell on
    (ground floor 0)."""
    return replace(walk, door_height_m=_top(walk), claimed_floor=level, ground_floor=0)


def _after(
    walks: Sequence[Observation], reference: Sequence[int | None], n: int, *, claimed: bool
) -> dict[str, Any]:
    """Floors and claims judged by the model learned from ``n`` random walks (with the
    whole set's floors as their address claims when ``claimed``)."""
    agree, baseline, caught, accepted = [], [], [], []
    for rng in _rngs():
        seen = set(rng.choice(len(walks), size=n, replace=False).tolist())
        learned = [_claiming(walks[i], reference[i]) if claimed else walks[i] for i in sorted(seen)]
        storeys = profile_of(learned).storeys
        for i, walk in enumerate(walks):
            top, truth = _top(walk), reference[i]
            if i in seen or top is None or truth is None:
                continue
            agree.append(storeys.level_of(top) == truth)
            baseline.append(Storeys().level_of(top) == truth)
            accepted.append(on_claimed_floor(top, (truth,), storeys))
            caught += [not on_claimed_floor(top, (truth + d,), storeys) for d in (-1, 1)]
    return {
        "floorsAgree": share(agree),
        "baseline": share(baseline),
        "wrongClaimCaught": share(caught),
        "rightClaimAccepted": share(accepted),
    }


def table(report: dict[str, Any]) -> list[str]:
    s = report["storeys"]
    halves: Sequence[Sequence[float]] = report["halves"]["storeyHeightsM"]
    lo = min(min(h) for h in halves)
    hi = max(max(h) for h in halves)
    return [
        f"BUILDING (one hall, {report['walks']} unlabelled walks at 1 Hz): learned without labels",
        f"storey {s['storeyHeightM']:.2f} m (confidence {s['storeyConfidence']:.2f}), lobby"
        f" {s['lobbyHeightM']:.2f} m (confidence {s['lobbyConfidence']:.2f}); levels"
        f" {report['levelsFound']}",
        f"random halves ({len(halves)} splits): storey {lo:.2f}-{hi:.2f} m, halves at most"
        f" {report['halves']['maxDifferenceM']:.2f} m apart; leave-one-out dwell heights within"
        f" 2 sd of a level: {pct(report['leaveOneOutWithin2Sd']).strip()}",
        "walks learned, then the others' top floor against the whole set's count"
        " (engine | 3.0 m), a claim one floor off caught, the right claim accepted:",
        *(
            f"  {n:>2} walks {kind}: floors {pct(a['floorsAgree'])} | {pct(a['baseline'])};"
            f" caught {pct(a['wrongClaimCaught'])}; accepted {pct(a['rightClaimAccepted'])}"
            for key, kind in (("after", "unlabelled"), ("afterClaimed", "with floors"))
            for n, a in report[key].items()
        ),
    ]


SET = AccuracySet(name="building", folder="building", evaluate=evaluate, table=table)
