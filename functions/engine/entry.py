"""Walking into and out of buildings, from what the phone's location fixes say about the sky.

A phone indoors does not stop reporting positions. It keeps sending fixes from Wi-Fi and cell
towers (10-65 m, on iPhones often 100-1,414 m) without a speed, and an iPhone first
dead-reckons its last satellite fix for 5-15 s, the accuracy stepping up 30 → 50 → 100 →
200 m while the speed is held. "GPS got bad for a while" therefore comes 10-30 s after the
door; the *first* sign of the loss comes 2-8 s after it (entry/: 34 real walks). The rules:

- **Lost fix**: accuracy of ``LOST_ACCURACY_M`` or worse, or no speed on a phone that
  reports one under the sky (a Wi-Fi or cell position carries none), or no new fix for
  ``STALE_FIX_S`` while the samples keep repeating the last one and the courier was moving
  (reported speed, or steps): the phone stopped hearing satellites and has nothing else; a
  still phone is simply sent no new fix, and a gap in the upload is no silence of the sky.
  Anything else is a *sky* fix.
- **Smoothing**: a lost stretch shorter than ``INDOOR_HOLD_S`` is a street canyon or a bus
  shelter, not a building (entry/ street walks: ≤ 9 s of 42-52 m); a sky stretch shorter
  than ``SKY_HOLD_S`` between lost ones is a window. A session that begins lost for at least
  ``START_HOLD_S`` began inside (a cold start reports 1,414 m for 1-3 s outdoors too).
- **Entry** (sky → lost): the door is the last fix at the sky's level before the ramp: walking
  back from the first lost fix over the fixes whose accuracy climbs toward it (the jump in
  reported accuracy is the first sign, the "lost" threshold the confirmation).
- **Exit** (lost → sky): the door is the first sky fix, unless it is more than
  ``EXIT_MAX_HEIGHT_M`` above or below the height at which the courier came in (or began
  inside): a fix through a window upstairs is not a way out.
- **Confidence** (``confidence``): how often a passage with the same evidence was within
  ``MATCH_S`` of a real door on the measured sets (docs/engine.md, "Entry"). *Strong*
  evidence is the ramp reaching ``STRONG_ACCURACY_M``, fixes without speed, or silence;
  *weak* is a ramp to 50-99 m while the phone still reports a speed (a street canyon can
  do that).

Pure numpy; ``place.locate`` takes the first entry as the GATE.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from functions.engine.gps import Fixes

Direction = Literal["in", "out"]

LOST_ACCURACY_M = 50.0
"""Under the sky phones report 5-30 m (entry/: 10 and 25 m nearly always, 30-49 m in street
canyons); indoors iPhones step through 50, 100, 200 m and Wi-Fi fixes sit at 65-1,414 m."""
STRONG_ACCURACY_M = 100.0
"""No street walk of entry/ reached this; every indoor ramp did within 15 s."""
STALE_FIX_S = 8.0
"""No new fix for this long (the SDK repeats the last one) means the sky is lost."""
INDOOR_HOLD_S = 8.0
"""A loss must last this long to be a building (street canyons in entry/: ≤ 9 s, at 42-52 m)."""
SKY_HOLD_S = 4.0
"""Sky fixes must last this long to be outdoors (a window gives a fix or two)."""
START_HOLD_S = 10.0
"""A session that begins lost this long began indoors (cold starts: 1-3 s of 1,414 m)."""
EXIT_MAX_HEIGHT_M = 12.0
"""Four storeys: the way out can be on another level than the way in (a building on a slope,
a station; entry/: one walk came out 10.7 m below where it went in), but a sky fix 45 m up
(entry/: a lift ride, then a window) is not a door."""
STILL_SPEED_MPS = 0.5
"""Median speed over the last ``RECENT_S`` below this is a phone standing still (entry/:
0-0.5 m/s standing, 0.6-1.5 walking), and phones send no new fix for a still phone (entry/:
the same fix held for 24 s outdoors): its silence is no loss of the sky."""
RECENT_S = 5.0
SPEEDY_SHARE = 0.5
"""A phone "reports speed" when at least this share of its sky fixes carry one."""
MATCH_S = 20.0
"""A passage within this of the real door counts as found (the accuracy report's criterion)."""

CONFIDENCE: dict[tuple[Direction, bool], float] = {
    ("in", True): 0.95,
    ("in", False): 0.25,
    ("out", True): 0.95,
    ("out", False): 0.25,
}
"""(direction, strong evidence) → share of such passages found within ``MATCH_S`` of a real
door: strong 22 of 22 on entry/ and 94 of 100 on the simulator (the 6 others: a spoofer
playing a walk into a building), 116 of 122 = 0.95; weak 0 of 2 on entry/ (a street with
44-70 m fixes), (0 + 1) / (2 + 2) = 0.25 with one success granted either way. Measured by
``make accuracy`` (docs/engine.md, "Entry")."""


@dataclass(frozen=True)
class Passage:
    """One walk through a building's door (unix seconds)."""

    direction: Direction
    t: float
    confidence: float
    strong: bool
    """The loss (or, for an exit, the loss before it) reached ``STRONG_ACCURACY_M``, lost the
    speed, or went silent."""
    peak_accuracy_m: float
    """Worst accuracy of the lost stretch (NaN for a silent one)."""


@dataclass(frozen=True)
class _Run:
    lost: bool
    first: int
    """Index of the run's first state point."""
    t_start: float
    t_end: float


@dataclass(frozen=True)
class Passages:
    """What ``passages`` found: whether the session began indoors, and every door walked
    through, in time order."""

    began_inside: bool
    items: tuple[Passage, ...]

    def entries(self) -> tuple[Passage, ...]:
        return tuple(p for p in self.items if p.direction == "in")


def lost_fixes(f: Fixes) -> np.ndarray:
    """Per fix: True where it says the sky is lost (module docstring; staleness aside)."""
    acc = f.acc()
    speed_known = np.isfinite(f.speed)
    sky_level = acc < LOST_ACCURACY_M
    speedy = bool(sky_level.any()) and float(np.mean(speed_known[sky_level])) >= SPEEDY_SHARE
    return np.asarray((acc >= LOST_ACCURACY_M) | (speedy & ~speed_known))


def _recent_speed(f: Fixes) -> np.ndarray:
    """Median reported speed over the ``RECENT_S`` up to each fix (NaN when none)."""
    known = np.isfinite(f.speed)
    t, v = f.t[known], f.speed[known]
    lo = np.searchsorted(t, f.t - RECENT_S, side="right")
    hi = np.searchsorted(t, f.t, side="right")
    width = int((hi - lo).max(initial=0))
    if width == 0:
        return np.full(len(f), np.nan)
    idx = lo[:, None] + np.arange(width)[None, :]
    window = np.where(idx < hi[:, None], v[np.minimum(idx, v.shape[0] - 1)], np.nan)
    out = np.full(len(f), np.nan)
    some = hi > lo
    out[some] = np.nanmedian(window[some], axis=1)
    return out


def _states(f: Fixes, walking: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time, lost, fix index) state points: one per fix, plus a lost point where a fix went
    stale (fix index -1). ``walking`` holds the start of every second the activity labelled
    WALKING."""
    lost = lost_fixes(f)
    # the samples kept repeating the fix (a gap in the data is no silence of the sky); a
    # phone standing still is sent no new fix: only a moving one's silence is a loss
    held = f.until - f.t >= STALE_FIX_S + 1.0
    stepping = np.searchsorted(walking, f.t + STALE_FIX_S) > np.searchsorted(walking, f.t)
    moving = ~np.isfinite(f.speed) | (_recent_speed(f) >= STILL_SPEED_MPS) | stepping
    stale = held & moving
    t = np.concatenate([f.t, f.t[stale] + STALE_FIX_S])
    flags = np.concatenate([lost, np.ones(int(stale.sum()), dtype=bool)])
    index = np.concatenate([np.arange(len(f)), np.full(int(stale.sum()), -1)])
    order = np.argsort(t, kind="stable")
    return t[order], flags[order], index[order]


def _runs(t: np.ndarray, lost: np.ndarray, end: float) -> list[_Run]:
    cuts = np.flatnonzero(np.diff(lost.astype(int))) + 1
    starts = np.concatenate([[0], cuts])
    stops = np.append(t[starts[1:]], end)
    return [
        _Run(bool(lost[s]), int(s), float(t[s]), float(e))
        for s, e in zip(starts, stops, strict=True)
    ]


def _smoothed(runs: list[_Run]) -> list[_Run]:
    """Short losses become sky, short sky among losses becomes lost; neighbours merge."""
    out: list[_Run] = []
    for k, run in enumerate(runs):
        lost = run.lost
        seconds = run.t_end - run.t_start
        if k == 0 and lost:
            lost = seconds >= START_HOLD_S
        elif lost and seconds < INDOOR_HOLD_S:
            lost = False
        elif not lost and seconds < SKY_HOLD_S and out and out[-1].lost and k + 1 < len(runs):
            lost = True
        if out and out[-1].lost == lost:
            out[-1] = _Run(lost, out[-1].first, out[-1].t_start, run.t_end)
        else:
            out.append(_Run(lost, run.first, run.t_start, run.t_end))
    return out


def _entry_time(f: Fixes, first_lost: int, t_lost: float) -> float:
    """The last fix at the sky's level before the ramp that ends at ``t_lost``: in fix
    ``first_lost``, or in a silence before it (then it counts as infinitely bad)."""
    acc = f.acc()
    acc = np.append(acc[:first_lost], np.inf)
    before = np.flatnonzero((f.t < t_lost) & (f.t >= t_lost - 30.0))
    if before.size == 0:
        return t_lost
    level = float(np.median(acc[before]))
    m = first_lost
    while m - 1 >= 0 and acc[m - 1] > level and acc[m - 1] <= acc[m]:
        m -= 1
    return float(f.t[m - 1]) if m - 1 >= 0 else float(f.t[m])


def _height_at(th: tuple[np.ndarray, np.ndarray], t: float) -> float | None:
    times, heights = th
    return float(np.interp(t, times, heights)) if times.shape[0] else None


def passages(
    f: Fixes, th: tuple[np.ndarray, np.ndarray], walking: np.ndarray, end: float
) -> Passages:
    """Every entry and exit of the session (module docstring). ``th`` is
    ``signal.relative_height`` (empty without a barometer); ``walking`` the start of each
    second labelled WALKING; ``end`` the last sample's time."""
    if len(f) == 0:
        return Passages(False, ())
    t, lost, index = _states(f, walking)
    runs = _smoothed(_runs(t, lost, end))
    acc = f.acc()
    out: list[Passage] = []
    inside = runs[0].lost
    inside_height = _height_at(th, runs[0].t_start) if inside else None
    strong_inside = inside
    for prev, run in itertools.pairwise(runs):
        if run.lost and not inside:
            points = (t >= run.t_start) & (t < run.t_end) & (t < run.t_start + 20.0)
            head = index[points][index[points] >= 0]
            peak = float(acc[head].max()) if head.size else float("nan")
            silent = bool(np.any(index[points] < 0))
            no_speed = head.size > 0 and float(np.mean(~np.isfinite(f.speed[head]))) >= 0.5
            strong = silent or no_speed or peak >= STRONG_ACCURACY_M
            first = int(index[run.first])
            if first < 0:  # a silence after the last fix
                first = int(np.searchsorted(f.t, run.t_start - STALE_FIX_S, side="right"))
            door = _entry_time(f, first, run.t_start)
            door = max(door, prev.t_start)
            out.append(Passage("in", door, CONFIDENCE[("in", strong)], strong, peak))
            inside, inside_height, strong_inside = True, _height_at(th, door), strong
        elif not run.lost and inside:
            height = _height_at(th, run.t_start)
            if height is not None and abs(height - (inside_height or height)) > EXIT_MAX_HEIGHT_M:
                continue  # a window upstairs: still inside
            lost_acc = acc[(f.t >= prev.t_start) & (f.t < prev.t_end)]
            peak = float(lost_acc.max()) if lost_acc.size else float("nan")
            confidence = CONFIDENCE[("out", strong_inside)]
            out.append(Passage("out", run.t_start, confidence, strong_inside, peak))
            inside = False
    return Passages(runs[0].lost, tuple(out))
