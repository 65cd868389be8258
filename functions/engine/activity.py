"""DRIVING / WALKING / STOPPED: what the courier's body was doing, second by second.

The session is cut into one-second windows and each window gets a label from three kinds
of evidence, strongest first:

1. **steps** (``Steps.bouts``): a window inside a walking bout is WALKING. Steps are the
   only evidence that cannot come from a vehicle: a car's vibration has no 2 Hz cadence.
2. **GPS speed** (``Fixes.ground_speed``): a window whose latest fix moves at least
   ``DRIVE_SPEED_MPS`` (faster than anyone walks with a parcel), with no steps and an IMU
   above the still floor, is DRIVING (a phone lying still is in no moving vehicle, whatever
   its GPS says). Short halts between
   two driving windows (traffic lights, ``DRIVE_BRIDGE_S``) stay DRIVING.
3. **vertical bounce** (standard deviation of the vertical acceleration over
   ``ENERGY_WINDOW_S``): below the step detector's minimum rate (``steps.MIN_RATE_HZ``) steps
   cannot be seen, so a bouncing window without vehicle speed counts as WALKING. (The phone
   lying still is judged on the spread of |linear|, its *energy*.) Below ~4 Hz the 2-Hz gait
   aliases and its bounce comes and goes: walking at 1-2 Hz is seen in patches. (GPS pace
   was tried as extra evidence and made the scenario suite worse: parked GPS noise and
   spoofed tracks walk too.)
4. **GPS pace, without any IMU** (a 1-Hz GPS + barometer stream: entry/, building/): a
   window whose latest fix is a fresh sky fix (``entry.lost_fixes``, held no longer than
   ``entry.STALE_FIX_S``) moving at walking pace (``WALK_PACE_MPS``), not within
   ``CRAWL_S`` of vehicle speed, is WALKING, and only sky fixes vouch for DRIVING (indoor
   positions jump tens of metres). Only there: with an accelerometer, steps and bounce are
   better evidence than a position that wanders.

Anything else is STOPPED. Windows without any sample are GAP (not an event), and windows
inside a vertical move are VERTICAL (the move is its own event). Runs shorter than their
kind's minimum (``MIN_RUN_S``) are merged into their longer neighbour: a two-second pause
is part of a walk, not a stop.

A segment's ``confidence`` estimates the share of its seconds that truly were that
activity: the fraction of its windows whose own evidence agreed with its label and, for a
STOPPED segment, times 1 - 2·``EDGE_S``/duration: a stop begins and ends where motion fades
(a vehicle crawling to a halt, a last step), each boundary uncertain by ~``EDGE_S``, while
WALKING and DRIVING are bounded by positive evidence (steps, speed). Measured against the
simulator's truth (every scenario, 3 seeds, seconds weighted): segments at 0.9-1.0 were right
for 95.5 % (STOPPED), 99.6 % (WALKING) and 100 % (DRIVING) of their seconds; STOPPED at 0.6-0.7
for 70 %; the few stops under 0.3 were wrong.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from functions.engine.entry import STALE_FIX_S, lost_fixes
from functions.engine.gps import Fixes
from functions.engine.signal import Motion
from functions.engine.steps import MIN_RATE_HZ
from functions.engine.telemetry import Telemetry
from functions.engine.types import Steps, VerticalMove

Label = Literal["DRIVING", "WALKING", "STOPPED", "VERTICAL", "GAP"]
LABELS: tuple[Label, ...] = ("DRIVING", "WALKING", "STOPPED", "VERTICAL", "GAP")
DRIVING, WALKING, STOPPED, VERTICAL, GAP = range(5)

WINDOW_S = 1.0
ENERGY_WINDOW_S = 5.0
"""Energy is measured over a few steps so that 1 Hz sessions have several samples."""
DRIVE_SPEED_MPS = 4.0
"""Brisk walking is ~1.5-2 m/s; a vehicle in traffic is mostly above 4 m/s."""
DRIVE_BRIDGE_S = 45.0
"""A halt this short between two driving stretches is traffic, not parking."""
EDGE_S = 2.0
"""Uncertainty of a segment's start and end (seconds), measured on the simulator."""
ROAD_SHARE = 0.5
WALK_BOUNCE_MS2 = 0.8
"""Spread of the vertical acceleration of walking (1-3 m/s² wherever the phone is carried)
vs a vehicle (0.1-0.5 m/s²: road vibration; its accelerations are horizontal)."""
STILL_ENERGY_MS2 = 0.035
"""Below this the phone lies still (a table, a parked car's cradle): an accelerometer's own
noise is ~0.01-0.03 m/s²; a hand or a running engine adds more."""
WALK_PACE_MPS = (0.5, 2.5)
"""Ground speed of a walk: entry/ walks at 0.6-1.5 m/s and stands at 0-0.5 (``entry``); a
brisk walk with a parcel stays under 2.5 m/s. Between that and ``DRIVE_SPEED_MPS`` is
neither (a jog, a vehicle crawling): left STOPPED."""
CRAWL_S = 5.0
"""GPS pace this close to vehicle speed is the vehicle pulling in or away (0 to 4 m/s takes
2-4 s), not a walk: a courier leaves a parked vehicle seconds after it stops."""
MIN_RUN_S = {DRIVING: 8.0, WALKING: 4.0, STOPPED: 5.0, VERTICAL: 0.0, GAP: 0.0}


@dataclass(frozen=True)
class Segment:
    """A run of one activity, in unix seconds."""

    kind: Label
    t_start: float
    t_end: float
    confidence: float

    @property
    def seconds(self) -> float:
        return self.t_end - self.t_start


@dataclass(frozen=True)
class Activity:
    """Per-window evidence and the smoothed segments.

    ``grid`` holds each window's start; ``labels`` the final label codes (indices into
    ``LABELS``); ``energy`` (m/s², NaN without IMU), ``speed`` (m/s, NaN without GPS) and
    ``stepping`` the raw evidence, kept for the judgement (a still phone whose GPS moves).
    """

    grid: np.ndarray
    labels: np.ndarray
    energy: np.ndarray
    speed: np.ndarray
    stepping: np.ndarray
    segments: tuple[Segment, ...]

    def seconds(self, kind: Label) -> float:
        return float(np.count_nonzero(self.labels == LABELS.index(kind)) * WINDOW_S)

    def still(self) -> np.ndarray:
        """Windows where the phone lay still: no steps and energy below the noise floor."""
        return (self.energy < STILL_ENERGY_MS2) & ~self.stepping


def _window_sums(idx: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    ok = np.isfinite(values)
    count = np.bincount(idx[ok], minlength=n).astype(float)
    total = np.bincount(idx[ok], weights=values[ok], minlength=n)
    squares = np.bincount(idx[ok], weights=values[ok] ** 2, minlength=n)
    return count, total, squares


def _rolling(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving sum over ``width`` windows (truncated at the edges, any length)."""
    n, half = x.shape[0], width // 2
    csum = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(n)
    out: np.ndarray = csum[np.minimum(i + half + 1, n)] - csum[np.maximum(i - half, 0)]
    return out


def _spread(m: Motion, x: np.ndarray, grid0: float, n: int) -> np.ndarray:
    """Standard deviation of ``x`` over ``ENERGY_WINDOW_S`` around each window (NaN below
    two samples)."""
    if len(m) == 0:
        return np.full(n, np.nan)
    idx = np.clip(((m.t - grid0) / WINDOW_S).astype(int), 0, n - 1)
    count, total, squares = _window_sums(idx, x, n)
    width = int(ENERGY_WINDOW_S / WINDOW_S) | 1
    c, s, q = _rolling(count, width), _rolling(total, width), _rolling(squares, width)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = q / c - (s / c) ** 2
    return np.where(c >= 2, np.sqrt(np.maximum(var, 0.0)), np.nan)


def _speed(f: Fixes, grid0: float, n: int) -> np.ndarray:
    """Ground speed of the latest fix per window, held until the next fix (``gps``)."""
    speed = f.ground_speed()
    ok = np.isfinite(speed)
    if not ok.any():
        return np.full(n, np.nan)
    centres = grid0 + (np.arange(n) + 0.5) * WINDOW_S
    latest = np.searchsorted(f.t[ok], centres, side="right") - 1
    return np.where(latest >= 0, speed[ok][np.maximum(latest, 0)], np.nan)


def _sky_pace(f: Fixes, grid0: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per window: whether its latest fix is a fresh sky fix (``entry.lost_fixes``, held no
    longer than ``entry.STALE_FIX_S``), and whether that fix moves at walking pace."""
    if len(f) == 0:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    centres = grid0 + (np.arange(n) + 0.5) * WINDOW_S
    latest = np.searchsorted(f.t, centres, side="right") - 1
    i = np.maximum(latest, 0)
    speed = f.ground_speed()[i]
    sky = (latest >= 0) & (centres - f.t[i] <= STALE_FIX_S) & ~lost_fixes(f)[i]
    pace = (speed >= WALK_PACE_MPS[0]) & (speed <= WALK_PACE_MPS[1])
    return np.asarray(sky), np.asarray(sky & pace)


def _covered(t: np.ndarray, grid0: float, n: int, max_gap_s: float) -> np.ndarray:
    """Windows within ``max_gap_s`` of a sample: the rest is a gap in the data."""
    centres = grid0 + (np.arange(n) + 0.5) * WINDOW_S
    pos = np.searchsorted(t, centres)
    before = t[np.clip(pos - 1, 0, len(t) - 1)]
    after = t[np.clip(pos, 0, len(t) - 1)]
    nearest = np.minimum(np.abs(centres - before), np.abs(after - centres))
    return nearest <= max_gap_s


def _inside(grid: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(grid.shape[0], dtype=bool)
    centres = grid + WINDOW_S / 2
    for start, end in spans:
        mask |= (centres >= start) & (centres <= end)
    return mask


def _bridge(is_drive: np.ndarray, other: np.ndarray, width: int) -> np.ndarray:
    """Fill runs of ``~is_drive`` no longer than ``width`` between two driving windows,
    unless ``other`` evidence (steps) speaks against it."""
    out = is_drive.copy()
    idx = np.flatnonzero(is_drive)
    if idx.shape[0] < 2:
        return out
    for a, b in itertools.pairwise(idx):
        if 1 < b - a <= width + 1 and not other[a + 1 : b].any():
            out[a + 1 : b] = True
    return out


def _runs(labels: np.ndarray) -> list[list[int]]:
    """[label, start, end) runs."""
    if labels.shape[0] == 0:
        return []
    cuts = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [labels.shape[0]]])
    return [[int(labels[s]), int(s), int(e)] for s, e in zip(starts, ends, strict=True)]


def _majority(labels: np.ndarray, width: int = 5) -> np.ndarray:
    """Each DRIVING/WALKING/STOPPED window takes the most frequent of those labels around it:
    removes one-second flicker in one vectorised pass before the run merging."""
    kinds = (DRIVING, WALKING, STOPPED)
    # a tie goes to the window's own label
    votes = np.stack(
        [_rolling((labels == k).astype(float), width) + 0.5 * (labels == k) for k in kinds]
    )
    best = np.asarray(kinds)[np.argmax(votes, axis=0)]
    return np.where(np.isin(labels, kinds), best, labels)


def _smooth(labels: np.ndarray) -> np.ndarray:
    """Merge runs shorter than their kind's minimum into the longer neighbour (never into
    or out of VERTICAL or GAP, which are measured elsewhere)."""
    runs = _runs(_majority(labels))
    fixed = (VERTICAL, GAP)
    while True:
        short = [
            i
            for i, (lab, s, e) in enumerate(runs)
            if lab not in fixed and (e - s) * WINDOW_S < MIN_RUN_S[lab]
        ]
        candidates = []
        for i in short:
            neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(runs)]
            neighbours = [j for j in neighbours if runs[j][0] not in fixed]
            if neighbours:
                candidates.append((runs[i][2] - runs[i][1], i, neighbours))
        if not candidates:
            break
        _, i, neighbours = min(candidates)
        j = max(neighbours, key=lambda k: runs[k][2] - runs[k][1])
        runs[i][0] = runs[j][0]
        merged: list[list[int]] = []
        for run in runs:
            if merged and merged[-1][0] == run[0]:
                merged[-1][2] = run[2]
            else:
                merged.append(run)
        runs = merged
    out = labels.copy()
    for lab, s, e in runs:
        out[s:e] = lab
    return out


def on_foot_moves(moves: list[VerticalMove], f: Fixes) -> list[VerticalMove]:
    """The vertical moves not made in a vehicle.

    Pressure cannot tell a lift from a street: driving up a 2 % grade climbs 10 m in 40 s, as
    fast as an escalator. A move during which at least ``ROAD_SHARE`` of the new fixes report
    vehicle speed (``DRIVE_SPEED_MPS``) is the road's grade and is dropped.
    """
    speed = f.ground_speed()
    kept = []
    for mv in moves:
        inside = (f.t >= mv.t_start) & (f.t <= mv.t_end) & np.isfinite(speed)
        if inside.any() and np.mean(speed[inside] >= DRIVE_SPEED_MPS) >= ROAD_SHARE:
            continue
        kept.append(mv)
    return kept


def segment_activity(
    tel: Telemetry, m: Motion, steps: Steps, moves: list[VerticalMove], f: Fixes
) -> Activity:
    """Label every second of the session and cut it into segments (module docstring)."""
    if len(tel) == 0:
        empty = np.zeros(0)
        return Activity(empty, empty.astype(int), empty, empty, empty.astype(bool), ())
    grid0 = float(tel.t[0])
    n = max(int(np.ceil((float(tel.t[-1]) - grid0) / WINDOW_S)), 1)
    grid = grid0 + np.arange(n) * WINDOW_S
    energy = _spread(m, m.magnitude, grid0, n)
    # a walker bounces vertically; a vehicle accelerates mostly horizontally
    bounce = _spread(m, m.vertical if np.isfinite(m.vertical).all() else m.magnitude, grid0, n)
    speed = _speed(f, grid0, n)
    stepping = _inside(grid, list(steps.bouts))
    can_see_steps = m.rate_hz >= MIN_RATE_HZ
    # GPS speed on a phone lying still is not a vehicle (a spoofer's track is not either)
    still = np.nan_to_num(energy, nan=1.0) < STILL_ENERGY_MS2
    fast = (np.nan_to_num(speed, nan=0.0) >= DRIVE_SPEED_MPS) & ~still
    lively = np.nan_to_num(bounce, nan=0.0) >= WALK_BOUNCE_MS2
    walking = stepping | (lively & ~fast & (not can_see_steps))
    if not np.isfinite(energy).any():
        sky, pace = _sky_pace(f, grid0, n)
        fast &= sky  # indoor positions jump: their derived speed is no vehicle's
        # a vehicle pulling in or away passes walking pace for a few seconds
        near_drive = _rolling(fast.astype(float), 2 * int(CRAWL_S / WINDOW_S) + 1) > 0
        walking |= pace & ~near_drive
    driving = _bridge(fast & ~walking, walking, int(DRIVE_BRIDGE_S / WINDOW_S))
    raw = np.full(n, STOPPED)
    raw[driving] = DRIVING
    raw[walking] = WALKING
    raw[_inside(grid, [(mv.t_start, mv.t_end) for mv in moves])] = VERTICAL
    gap_s = max(2.0, 3.0 / m.rate_hz) if m.rate_hz > 0 else 2.0
    raw[~_covered(tel.t, grid0, n, gap_s)] = GAP
    labels = _smooth(raw)
    segments = []
    for lab, s, e in _runs(labels):
        if lab in (VERTICAL, GAP):
            continue
        agree = float(np.mean(raw[s:e] == lab))
        t_start, t_end = float(grid[s]), min(float(grid[e - 1]) + WINDOW_S, float(tel.t[-1]))
        edges = 1.0
        if lab == STOPPED:  # it ends where motion fades: edges shared with a crawl or a step
            edges = max(0.0, 1.0 - 2 * EDGE_S / max(t_end - t_start, WINDOW_S))
        confidence = round(min(max(agree * edges, 0.05), 0.99), 3)
        segments.append(Segment(LABELS[lab], t_start, t_end, confidence))
    return Activity(grid, labels, energy, speed, stepping, tuple(segments))
