"""Can the GPS be believed? Four checks against physics and the phone's own body.

A location spoofer changes the fixes, not the accelerometer or the barometer, so each check
sets the GPS against physics or against the IMU:

- **jumps**: between two consecutive fixes the courier would have had to move faster than
  ``MAX_SPEED_MPS`` even after granting both fixes their full accuracy radius;
- **moving while still**: over a stretch where the phone lay still (no steps, IMU energy at
  the noise floor, ``Activity.still``) for at least ``MIN_STILL_S``, the fixes moved more
  than ``STILL_SLACK_M`` beyond both accuracy radii;
- **frozen or perfect fixes**: one fix, unchanged, with an accuracy of ``PERFECT_ACCURACY_M``
  or better, held for ``MIN_FROZEN_S`` while the courier took ``MIN_FROZEN_STEPS`` steps,
  walked ``MIN_FROZEN_WALK_S`` or drove (a real receiver's fix wanders by metres from
  second to second, and a stale fix is one whose accuracy was no better than the outdoor
  norm); or a fix source that says ``mock``;
- **replayed fixes**: a recorded track played back in a loop. Real fixes never come back to
  the same coordinates (to 1e-7°, ~1 cm) *in the same order*; a fix whose transition from the
  previous one (A → B, both different) already happened earlier is replayed. Indoor Wi-Fi
  positions do repeat (the same access point's position), but only alternating with other
  fixes, never as the same transitions; fixes worse than ``REPEAT_MAX_ACCURACY_M`` are left
  out anyway. Fires at ``MIN_REPLAYED`` replayed fixes and ``REPLAYED_SHARE`` of them.

Each check returns a strength in 0..1 and the figures behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from functions.engine.activity import DRIVING, WALKING, WINDOW_S, Activity
from functions.engine.gps import MAX_SPEED_MPS, Fixes, haversine_m
from functions.engine.types import Steps

MIN_STILL_S = 20.0
STILL_SLACK_M = 30.0
PERFECT_ACCURACY_M = 3.0
MIN_FROZEN_S = 60.0
MIN_FROZEN_STEPS = 40
MIN_FROZEN_WALK_S = 30.0
"""Walking without visible steps (below 5 Hz) counts as moving too."""
MOCK_SOURCES = ("mock", "fake", "spoof")
REPEAT_MAX_ACCURACY_M = 20.0
MIN_REPLAYED = 10
REPLAYED_SHARE = 0.2


@dataclass(frozen=True)
class Check:
    """One check's strength (0 = clean, 1 = certain) and its evidence figures."""

    strength: float
    figures: dict[str, Any] = field(default_factory=dict)


def jumps(f: Fixes) -> Check:
    """Impossible speeds between consecutive fixes (module docstring)."""
    if len(f) < 2:
        return Check(0.0)
    dt = np.maximum(np.diff(f.t), 1.0)
    dist = haversine_m(f.lat[:-1], f.lng[:-1], f.lat[1:], f.lng[1:])
    acc = f.acc()
    excess = np.maximum(dist - acc[:-1] - acc[1:], 0.0)
    speed = excess / dt
    bad = np.flatnonzero(speed > MAX_SPEED_MPS)
    if bad.size == 0:
        return Check(0.0)
    return Check(
        min(1.0, bad.size / 2.0),
        {
            "jumps": int(bad.size),
            "maxImpliedSpeedMps": round(float(speed.max()), 1),
            "maxJumpM": round(float(dist[bad].max()), 1),
            "limitMps": MAX_SPEED_MPS,
        },
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def moving_while_still(f: Fixes, activity: Activity) -> Check:
    """Fixes that travel while the phone lies still (module docstring)."""
    if len(f) < 2 or activity.grid.shape[0] == 0:
        return Check(0.0)
    acc = f.acc()
    excess_total, still_total, worst = 0.0, 0.0, 0.0
    for s, e in _runs(activity.still()):
        if (e - s) * WINDOW_S < MIN_STILL_S:
            continue
        t0, t1 = float(activity.grid[s]), float(activity.grid[e - 1]) + WINDOW_S
        inside = np.flatnonzero((f.t >= t0) & (f.t <= t1))
        if inside.size < 2:
            continue
        lat, lng = f.lat[inside], f.lng[inside]
        spread = haversine_m(lat, lng, float(lat[0]), float(lng[0]))
        far = int(np.argmax(spread))
        excess = float(spread[far]) - float(acc[inside[0]] + acc[inside[far]]) - STILL_SLACK_M
        still_total += t1 - t0
        if excess > 0:
            excess_total += excess
            worst = max(worst, float(spread[far]))
    if excess_total <= 0:
        return Check(0.0)
    return Check(
        min(1.0, excess_total / 100.0),
        {
            "stillSec": round(still_total, 1),
            "maxDisplacementWhileStillM": round(worst, 1),
            "excessM": round(excess_total, 1),
        },
    )


def frozen(f: Fixes, activity: Activity, steps: Steps) -> Check:
    """A perfect fix held while the courier moves, or a mock source (module docstring)."""
    sources = [str(s).lower() for s in np.unique(f.source) if str(s)]
    mock = [s for s in sources if any(word in s for word in MOCK_SOURCES)]
    if mock:
        return Check(1.0, {"mockSource": mock[0]})
    if len(f) == 0:
        return Check(0.0)
    held_until = f.until
    acc = f.acc()
    for i in np.flatnonzero((held_until - f.t >= MIN_FROZEN_S) & (acc <= PERFECT_ACCURACY_M)):
        t0, t1 = float(f.t[i]), float(held_until[i])
        n_steps = int(np.count_nonzero((steps.times >= t0) & (steps.times < t1)))
        in_window = activity.labels[(activity.grid >= t0) & (activity.grid < t1)]
        driving_s = float(np.count_nonzero(in_window == DRIVING)) * WINDOW_S
        walking_s = float(np.count_nonzero(in_window == WALKING)) * WINDOW_S
        moving = n_steps >= MIN_FROZEN_STEPS or walking_s >= MIN_FROZEN_WALK_S
        if moving or driving_s >= MIN_STILL_S:
            return Check(
                1.0,
                {
                    "frozenSec": round(t1 - t0, 1),
                    "accuracyM": float(acc[i]),
                    "stepsWhileFrozen": n_steps,
                    "walkingSecWhileFrozen": walking_s,
                    "drivingSecWhileFrozen": driving_s,
                },
            )
    return Check(0.0)


def replayed(f: Fixes) -> Check:
    """Fixes that repeat earlier transitions exactly: a looped recording (module docstring)."""
    good = np.flatnonzero(f.acc() <= REPEAT_MAX_ACCURACY_M)
    if good.size <= MIN_REPLAYED:
        return Check(0.0)
    coords = np.round(np.column_stack([f.lat[good], f.lng[good]]) * 1e7).astype(np.int64)
    _, keys = np.unique(coords, axis=0, return_inverse=True)
    keys = keys.ravel().astype(np.int64)
    moves = keys[:-1] != keys[1:]
    pairs = keys[:-1] * (int(keys.max()) + 1) + keys[1:]
    _, first, which = np.unique(pairs, return_index=True, return_inverse=True)
    again = moves & (np.arange(pairs.shape[0]) > first[which.ravel()])
    count = int(np.count_nonzero(again))
    share = count / pairs.shape[0]
    if count < MIN_REPLAYED or share < REPLAYED_SHARE:
        return Check(0.0)
    return Check(
        min(1.0, share / (2 * REPLAYED_SHARE)),
        {"replayedFixes": count, "share": round(share, 3), "fixes": int(good.size)},
    )
