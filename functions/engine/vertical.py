"""Vertical transitions: stairs, elevator or escalator, with direction, height and floors.

Height comes from pressure only (``signal.relative_height``: ~0.12 hPa per metre, relative to
the session, a stale first reading dropped). A *move* is a stretch where height changes steadily:

1. height is put on a ``GRID_HZ`` grid and its vertical speed taken as the slope over
   ``SPEED_WINDOW_S`` (a few barometer readings: noise of ~0.1 m per reading becomes
   ~0.03 m/s);
2. a run starts where the speed passes ``MIN_SPEED_MPS`` and lasts, in both directions of
   time, while it stays above ``HOLD_SPEED_MPS`` with the same sign (hysteresis: a climb that
   starts and ends slowly is measured whole); runs of the same direction separated by less
   than ``MERGE_GAP_S`` merge (a stair landing, an elevator door re-opening on the way); a run
   is a move when it changes height by ``MIN_HEIGHT_M`` or more, or by
   ``MIN_STEPPED_HEIGHT_M`` when the walker's steps prove it was climbed (four risers).
   A "stay" has no such run: HVAC and weather drift at well under 0.05 m/s. On a noisy
   barometer both minimum heights rise to ``NOISE_Z`` standard deviations of what the
   session's own measured noise gives a run's height (``Thresholds``);
3. the mode follows from physics, on the part of the run that keeps moving (its *core*):

   - STAIRS: the body raises itself step by step. At least ``STAIRS_STEPPING_SHARE`` of the
     height is gained while walking (steps taken getting into and out of a lift fall where
     the height does not change, so they weigh nothing), each step rises no more than
     ``MAX_RISE_PER_STEP_M`` (two risers), and the speed stays within what legs manage
     (``STAIRS_MAX_SPEED_MPS``). When the step detector saw no walking, a vertical
     acceleration as busy as walking (``BUSY_STD_MS2``: a phone in a bag) also counts;
   - otherwise the rider is carried. ELEVATOR when the speed it keeps (``_cruise``) is a
     lift's (``ELEVATOR_MIN_SPEED_MPS``, above any escalator) or the accelerometer shows the
     lift's start and stop: a push in the direction of travel and an opposite one
     (``IMPULSE_MS2``, stronger than an escalator's bend onto its incline);
   - ESCALATOR: carried steadily and slowly with no such push;
   - without motion data over the move (``MIN_MOTION_HZ``) only the speed decides: a lift's
     speed, else stairs; a move an escalator could have made (its speed and rise) stays
     stairs, the common way, at a low confidence (the pressure cannot tell the two).

A level change across a silence of ``GAP_S`` or more in the barometer (the stream stopped) is
a move too, however slow on average: its mode is a guess from the speed, its confidence low.

Floors are ``round(|height| / FLOOR_HEIGHT_M)``. A move's raw ``score`` in 0..1 grows with the
height (how sure we are there was a move at all) and with how clearly the mode evidence sits
on its side of the thresholds; its ``confidence`` is that score calibrated per basis (what told
the mode) on the real recordings (``MODE_CALIBRATION``). ``height_sd_m`` is one standard
deviation of the height (``HEIGHT_REL_SD``), for whoever counts floors on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from functions.engine.signal import (
    HEIGHT_SMOOTH_S,
    Motion,
    barometer_readings,
    motion,
    moving_mean,
    reading_noise_m,
)
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry
from functions.engine.types import Direction, Steps, VerticalMode, VerticalMove

FLOOR_HEIGHT_M = 3.0
"""Storey height: 3.0 m is the residential norm (2.6-2.8 m ceiling + slab); office floors of
3.5 m read as 1 floor per 3.5 m, so 4 office floors (14 m) still round to 5, a known bias."""
GRID_HZ = 2.0
"""Height grid: barometers report at ~1 Hz, so 2 Hz loses nothing."""
SPEED_WINDOW_S = 4.0
"""Slope window: four readings average the noise and still resolve a 10-s elevator ride."""
MIN_SPEED_MPS = 0.11
"""Slowest vertical speed (4-s slope) that counts as moving: one 17-cm riser every 1.5 s.
Stair moves in the vertical/ recordings average 0.11-0.26 m/s; HVAC and weather drift stay
below 0.03 m/s, and a stay's draft or raised phone reaches 0.09 m/s at most."""
HOLD_SPEED_MPS = 0.05
"""Once a move has started, it lasts while the speed stays above this in the same direction
(hysteresis), so a slow climber's height is measured whole. HVAC and weather drift stay below
~0.03 m/s."""
MERGE_GAP_S = 6.0
"""Pauses shorter than this inside a same-direction run do not split the move."""
MIN_HEIGHT_M = 0.85
"""Smallest move reported without the legs' proof (a carried ride, walking the step detector
cannot see, a pressure-only stream): five stair risers of 17 cm. No lift or escalator moves
less than a storey (2.5 m and more); a door's draft or the phone raised and lowered changes
height by up to 0.5 m in the vertical/ stays."""
MIN_STEPPED_HEIGHT_M = 0.6
"""Smallest stair move when the legs prove it (``_legs_prove``: walking throughout, each step
one riser or two): four risers of 15 cm. Three risers (0.45-0.57 m at 15-19 cm) are a step-up
at a door or between rooms, which building codes do not count as a flight; the vertical/
stays' steady changes with walking reach 0.51 m, and a recording ending mid-flight
(descend/…165804.303, its twin phone shows the same 0.63 m) keeps 0.68 m of its descent."""
MAX_SPEED_MPS = 12.0
"""Faster than the fastest passenger lifts: such a run is a sensor artefact."""
STAIRS_STEPPING_SHARE = 0.5
"""Stairs raise the body step by step: at least this share of a move's height must be gained
while walking (the height change weighted by whether a walking bout covers it). Steps taken
getting into and out of a lift fall where the height does not change, so they weigh nothing.
Measured on vertical/: stair moves 0.75-1.0 (5th percentile 0.88), lift rides 0-0.43."""
MAX_RISE_PER_STEP_M = 0.4
"""A step on stairs rises one riser (15-19 cm by building codes), two at a time at most:
more height per detected step than this is the floor carrying the walker (a lift, an
escalator walked on). Measured on vertical/: stairs 0.07-0.27 m per step, lift rides with
steps in the car 0.64-1.5 m."""
STAIRS_MAX_SPEED_MPS = 0.55
"""No one climbs or descends stairs this fast for long (80th percentile of the 4-s speed over
the move): vertical/ stairs reach 0.36 m/s at most; lift rides in elevators/ cruise at
0.63-1.85 m/s, which steps walking in and out of the car must not turn into stairs."""
BUSY_STD_MS2 = 1.2
"""Std of vertical acceleration over a move: 1.3-6 m/s² on stairs in the vertical/ recordings
(5th percentile 1.5), 0.15-1.0 m/s² standing in a lift."""
ELEVATOR_MIN_SPEED_MPS = 0.42
"""Speed (80th percentile of the 4-s speed over the move, robust to the barometer's noise,
which lifts a peak by ~0.05 m/s) from which a carried rider is in a lift. Escalators run at
most 0.75 m/s along a 30° incline (EN 115): 0.375 m/s vertically; simulated escalators at
0.25-0.38 m/s measure 0.30-0.38. The lifts in vertical/ measure 0.45-0.64, in elevators/
0.55-1.9."""
IMPULSE_MS2 = 0.3
"""Smoothed vertical push a lift start or stop shows, which lets a lift slower than
``ELEVATOR_MIN_SPEED_MPS`` (hydraulic) be told from an escalator. Lifts accelerate at
0.5-1 m/s² (comfort-limited); an escalator's step bends from the landing onto the incline
along a radius of 1-2 m, a centripetal v²/R of up to 0.25 m/s², hence 0.3. (vertical/ lifts
show 0-0.63 m/s² after smoothing; all of them are fast enough to need no impulse.)"""
IMPULSE_SMOOTH_S = 1.0
"""Smoothing of vertical acceleration for the impulse: averages out footsteps and hand shake."""
IMPULSE_SEARCH_S = 5.0
"""How far around a move's start and end to look for the lift's impulse."""
MIN_MOTION_HZ = 0.5
"""Fewer IMU samples per second than this over a move (a stream with pressure only, or a gap)
leave the mode to the speed alone (``speed_case``): a lift if at least
``ELEVATOR_MIN_SPEED_MPS``, else stairs (the common slow way up)."""
ESCALATOR_MIN_SPEED_MPS = 0.2
"""Slowest vertical speed of an escalator carrying riders: EN 115 escalators run at 0.5-0.75
m/s along 27.3-35° (0.23-0.43 m/s vertically), 0.4 m/s at 30° in eco mode (0.2 m/s)."""
ESCALATOR_MIN_RISE_M = 2.5
"""Lowest rise of an escalator: one whole run from floor to floor (a rider gets on at the
bottom and off at the top), and no storey is lower than 2.5 m."""
SPEED_ONLY_SCORE = 0.3
"""Raw score of a mode told by the speed alone (or across a silence): calibrated per case."""
CALIBRATION_EDGES = (0.5, 0.7, 0.9)
"""Raw-score bins of ``MODE_CALIBRATION``: below 0.5, 0.5-0.7, 0.7-0.9, 0.9 and more."""
MODE_CALIBRATION: dict[str, tuple[float | None, ...]] = {
    "steps": (None, 0.71, 0.97, 0.99),
    "busy": (None, None, None, None),
    "lift": (None, 0.90, 0.96, 0.99),
    "escalator": (None, None, None, None),
    "speed-lift": (0.98, None, None, None),
    "speed-stairs": (0.96, None, None, None),
    "speed-stairs-or-escalator": (None, None, None, None),
    "gap": (None, None, None, None),
}
"""The confidence stated for a move, per basis (what told its mode) and raw-score bin
(``CALIBRATION_EDGES``): (right + 1) / (n + 2), rounded down, over the moves of the real
recordings (``python -m doorproof.accuracy``: "MODE CONFIDENCE"; engine 2026.12.9), None where
they hold fewer than 5 or cannot test the basis (no real escalator ride exists), and the raw
score stands: a move an escalator could have made is called stairs at 0.3, about what the
sequences' simulated escalators measure (0 of 20 right, against 6 of 6 real stairs). Bases:
``steps`` (stairs the walker's steps prove), ``busy`` (stairs from the accelerometer's
spread), ``lift`` (a lift's speed or push), ``escalator`` (carried slowly without a push),
``speed-*`` (no motion data: the speed alone), ``gap`` (across a silence)."""
GAP_S = 30.0
"""A silence this long between barometer readings (the stream stopped: app killed, phone
offline) may hide a floor change too slow, averaged over the silence, to start a run. A level
change of ``MIN_HEIGHT_M`` or more across it is a move of its own, its mode from the average
speed across the silence (basis ``gap``). (A perfectly steady pressure also leaves long silences
once repeats are removed, but no level change across them.)"""
HEIGHT_ABS_SD_M = 0.15
"""Height uncertainty of any move: the smoothed barometer level is good to ~0.1 m at each end
(√2 · 0.1)."""
HEIGHT_REL_SD = 0.035
"""Height uncertainty per metre moved: the barometric formula assumes 15 °C; indoor air at
5-30 °C changes metres per hPa by 0.37 % per °C, and lift shafts and stairwells add their own
pressure. Together with ``HEIGHT_ABS_SD_M``, measured on elevators/ (same start and end
floors ridden 40 times): 69.2 % of heights lie within one ``height_sd_m`` of their group's
median and 92.9 % within two (68.3 % and 95.4 % for a normal error)."""
NOISE_Z = 3.0
"""How many standard deviations of the height the session's own barometer noise gives a run
a move must clear (``Thresholds.for_noise``): noise alone passes 3 sd with a chance of 0.27 %
a run (two-sided). On a quiet barometer the physical minimum heights are higher and stand
unchanged: they move only from a noise of 0.14 m a reading when each 2-s mean holds one
reading (0.6 m = 3 · √2 · 0.14 m), 0.24 m with three; vertical/ measures 0-0.08 m, entry/
0.004-0.06 m, elevators/ 0.11-0.15 m at 25-50 Hz (43-100 readings a mean): 3 sd of at most
0.33 m."""
STEP_MARGIN_S = 0.5
"""Samples this close to a walking bout are not standing (the last step's sway); short, since
lifts often start within a second or two of the rider's last step in."""


@dataclass(frozen=True)
class Thresholds:
    """The smallest move of one session: the physical minimum heights (``MIN_HEIGHT_M``,
    ``MIN_STEPPED_HEIGHT_M``), raised where the session's own barometer noise could make
    that much height alone (``for_noise``)."""

    min_height_m: float = MIN_HEIGHT_M
    min_stepped_height_m: float = MIN_STEPPED_HEIGHT_M

    @classmethod
    def for_noise(cls, reading_sd_m: float, per_mean: float) -> Thresholds:
        """Minimum heights at least ``NOISE_Z`` standard deviations of the height that noise
        of ``reading_sd_m`` per reading gives a run, when each smoothed height is the mean of
        ``per_mean`` readings (those within ``HEIGHT_SMOOTH_S``).

        A smoothed height has sd s/√n (s = ``reading_sd_m``, n = ``per_mean``). A run's
        height is the difference of two of them at least a slope window apart, independent:
        sd_h = √2·s/√n. The start and hold speeds
        stay physical: for noise the speed is the same draw as the height (a run's height is
        about its speed times ``SPEED_WINDOW_S``), so the height alone rejects it, and a slow
        climb on a noisy barometer still starts and is measured whole."""
        floor = float(NOISE_Z * np.sqrt(2.0 / max(per_mean, 1.0)) * reading_sd_m)
        return cls(
            min_height_m=max(MIN_HEIGHT_M, floor),
            min_stepped_height_m=max(MIN_STEPPED_HEIGHT_M, floor),
        )


def session_thresholds(t: np.ndarray, h: np.ndarray) -> Thresholds:
    """``Thresholds.for_noise`` for the barometer readings ``t``, ``h`` (unsmoothed heights,
    ``signal.barometer_readings``): their own noise (``signal.reading_noise_m``) and the
    median number of readings each smoothed height averages (1-3 at ~1 Hz, 50 at 25 Hz)."""
    if t.shape[0] < 2:
        return Thresholds()
    half = HEIGHT_SMOOTH_S / 2.0
    per_mean = np.searchsorted(t, t + half, "right") - np.searchsorted(t, t - half, "left")
    return Thresholds.for_noise(reading_noise_m(t, h), float(np.median(per_mean)))


@dataclass(frozen=True)
class _Run:
    """A candidate move on the height grid: sample indices ``[i0, i1]`` and direction."""

    i0: int
    i1: int
    sign: int


def _speed(t: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Centred slope of height over ``SPEED_WINDOW_S`` (m/s) on the uniform grid."""
    k = round(SPEED_WINDOW_S * GRID_HZ / 2)
    n = h.shape[0]
    lo = np.clip(np.arange(n) - k, 0, n - 1)
    hi = np.clip(np.arange(n) + k, 0, n - 1)
    span = np.maximum(t[hi] - t[lo], 1e-9)
    out: np.ndarray = (h[hi] - h[lo]) / span
    return out


def _runs(v: np.ndarray) -> list[_Run]:
    """Same-direction runs of |v| > HOLD_SPEED_MPS that reach MIN_SPEED_MPS somewhere
    (hysteresis), merged across short pauses."""
    sign = np.where(v > HOLD_SPEED_MPS, 1, np.where(v < -HOLD_SPEED_MPS, -1, 0))
    edges = np.flatnonzero(np.diff(sign) != 0) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [sign.shape[0]]]) - 1
    fast = np.maximum.reduceat(np.abs(v), starts) > MIN_SPEED_MPS
    runs = [
        _Run(int(a), int(b), int(sign[a]))
        for a, b, keep in zip(starts, ends, fast, strict=True)
        if keep and sign[a] != 0
    ]
    merged: list[_Run] = []
    gap = MERGE_GAP_S * GRID_HZ
    for run in runs:
        last = merged[-1] if merged else None
        if last is not None and last.sign == run.sign and run.i0 - last.i1 <= gap:
            merged[-1] = _Run(last.i0, run.i1, run.sign)
        else:
            merged.append(run)
    return merged


def _cruise(v: np.ndarray) -> float:
    """The speed a move keeps (80th percentile of |v| over it): a peak would be lifted by the
    barometer's noise, a median pulled down by the start and the stop."""
    return float(np.percentile(np.abs(v), 80))


def _bout_edges(steps: Steps) -> tuple[np.ndarray, np.ndarray]:
    if not steps.bouts:
        return np.zeros(0), np.zeros(0)
    edges = np.asarray(steps.bouts, dtype=float)
    return edges[:, 0], edges[:, 1]


def _walking_fraction(steps: Steps, t0: float, t1: float) -> float:
    """Share of [t0, t1] covered by walking bouts."""
    if t1 <= t0:
        return 0.0
    starts, ends = _bout_edges(steps)
    covered = np.clip(np.minimum(ends, t1) - np.maximum(starts, t0), 0.0, None).sum()
    return float(covered / (t1 - t0))


def _window(t: np.ndarray, t0: float, t1: float) -> slice:
    """The samples of sorted ``t`` within [t0, t1], found in O(log n)."""
    return slice(int(np.searchsorted(t, t0, "left")), int(np.searchsorted(t, t1, "right")))


def _busy(m: Motion, t0: float, t1: float) -> float:
    """Spread (std) of vertical acceleration within [t0, t1] (NaN if unknown). Works at any
    rate: below the step detector's rate the samples alias, but their spread still tells
    walking from standing; a lift's start and stop add little over a whole ride."""
    inside = _window(m.t, t0, t1)
    x = m.vertical[inside]
    if not np.isfinite(x).all():
        x = m.magnitude[inside]  # gravity unknown: the spread of |linear| tells the same
    if x.shape[0] < 2:
        return float("nan")
    return float(np.std(x))


def _standing(t: np.ndarray, steps: Steps) -> np.ndarray:
    """Mask of times outside walking bouts (with ``STEP_MARGIN_S`` either side)."""
    starts, ends = _bout_edges(steps)
    if starts.shape[0] == 0:
        return np.ones(t.shape[0], dtype=bool)
    bout = np.searchsorted(starts - STEP_MARGIN_S, t, "right") - 1
    inside = (bout >= 0) & (t <= ends[np.maximum(bout, 0)] + STEP_MARGIN_S)
    out: np.ndarray = ~inside
    return out


def lift_impulse(m: Motion, steps: Steps, t0: float, t1: float, sign: int) -> float:
    """The lift signature: the smaller of the push in the direction of travel near the start
    and the opposite push near the end (m/s²; 0 when either is missing or unknown). Only
    standing samples count: footsteps walking into the car must not pass for an impulse.

    Without gravity (``user-only``) the pushes are read along their own axis (the leading
    axis of the smoothed acceleration around the start and the end), either way round: the
    barometer, not the accelerometer, then says which way the car went."""
    reach = IMPULSE_SEARCH_S + IMPULSE_SMOOTH_S
    around = _window(m.t, t0 - reach, t1 + reach)
    t = m.t[around]
    x = m.linear[around] if m.convention == "user-only" else m.vertical[around][:, None]
    ok = np.isfinite(x).all(axis=1)
    if ok.sum() < 2:
        return 0.0
    t, x = t[ok], x[ok]
    a = moving_mean(t, x - np.median(x, axis=0), IMPULSE_SMOOTH_S)
    still = _standing(t, steps)
    near_start = still & (t >= t0 - IMPULSE_SEARCH_S) & (t <= t0 + IMPULSE_SEARCH_S)
    near_end = still & (t >= t1 - IMPULSE_SEARCH_S) & (t <= t1 + IMPULSE_SEARCH_S)
    if not near_start.any() or not near_end.any():
        return 0.0
    if a.shape[1] == 1:
        return _signature(a[:, 0] * sign, near_start, near_end)
    edges = a[near_start | near_end]
    axis = np.linalg.eigh(edges.T @ edges)[1][:, -1]
    along = a @ axis
    return max(_signature(along, near_start, near_end), _signature(-along, near_start, near_end))


def _signature(a: np.ndarray, near_start: np.ndarray, near_end: np.ndarray) -> float:
    """min(push up near the start, push down near the end), 0 if either is missing."""
    return float(max(0.0, min(a[near_start].max(), -a[near_end].min())))


def _stepping(steps: Steps, t: np.ndarray, v: np.ndarray) -> tuple[float, int]:
    """Share of the height a move gains while walking (``STAIRS_STEPPING_SHARE``) and the steps
    taken over it, for the grid times ``t`` and vertical speeds ``v`` of the move."""
    walking = ~_standing(t, steps)
    weight = np.abs(v)
    share = float((weight * walking).sum() / max(float(weight.sum()), 1e-9))
    inside = (steps.times >= t[0]) & (steps.times <= t[-1])
    return share, int(inside.sum())


def _has_motion(m: Motion, t0: float, t1: float) -> bool:
    """Whether the IMU sampled [t0, t1] at ``MIN_MOTION_HZ`` or more."""
    covered = _window(m.t, t0, t1)
    return (covered.stop - covered.start) >= MIN_MOTION_HZ * (t1 - t0)


def _legs_prove(
    m: Motion, steps: Steps, *, t: np.ndarray, v: np.ndarray, height: float
) -> float | None:
    """How clearly the walker's own steps made the move (the STAIRS margin, ≥ 1 past the
    thresholds), or None when they did not: enough of the height gained while walking, each
    step at most ``MAX_RISE_PER_STEP_M``, at a speed legs keep."""
    if not _has_motion(m, float(t[0]), float(t[-1])):
        return None
    share, count = _stepping(steps, t, v)
    rise = abs(height) / max(count, 1)
    cruise = _cruise(v)
    if cruise > STAIRS_MAX_SPEED_MPS or share < STAIRS_STEPPING_SHARE or rise > MAX_RISE_PER_STEP_M:
        return None
    return min(
        share / STAIRS_STEPPING_SHARE,
        MAX_RISE_PER_STEP_M / max(rise, 1e-3),
        STAIRS_MAX_SPEED_MPS / max(cruise, 1e-3),
    )


def speed_case(cruise: float, height: float) -> str:
    """The basis of a move with no motion data: a lift's speed; one an escalator could have
    made (its speed and a whole run's rise); else stairs, the common slow way."""
    if cruise >= ELEVATOR_MIN_SPEED_MPS:
        return "speed-lift"
    if cruise >= ESCALATOR_MIN_SPEED_MPS and abs(height) >= ESCALATOR_MIN_RISE_M:
        return "speed-stairs-or-escalator"
    return "speed-stairs"


def calibrated(basis: str, score: float) -> float:
    """The confidence to state for a raw ``score`` on ``basis`` (``MODE_CALIBRATION``)."""
    measured = MODE_CALIBRATION[basis][int(np.searchsorted(CALIBRATION_EDGES, score, "right"))]
    return round(float(np.clip(score if measured is None else measured, 0.0, 1.0)), 2)


def _classify(
    m: Motion, steps: Steps, *, t: np.ndarray, v: np.ndarray, height: float, sign: int
) -> tuple[VerticalMode, float, str]:
    """Mode of one move, how clearly the evidence says so (0..1) and which evidence it was
    (the basis). ``t`` and ``v`` are the grid times and vertical speeds where the move keeps
    moving; ``height`` its change."""
    t0, t1 = float(t[0]), float(t[-1])
    cruise = _cruise(v)
    if not _has_motion(m, t0, t1):
        basis = speed_case(cruise, height)
        return ("ELEVATOR" if basis == "speed-lift" else "STAIRS"), SPEED_ONLY_SCORE, basis
    margin = _legs_prove(m, steps, t=t, v=v, height=height)
    if margin is not None:
        return "STAIRS", min(1.0, 0.5 * margin), "steps"
    share, _ = _stepping(steps, t, v)
    climbable = cruise <= STAIRS_MAX_SPEED_MPS
    busy = _busy(m, t0, t1)
    if climbable and share < STAIRS_STEPPING_SHARE and np.isfinite(busy) and busy >= BUSY_STD_MS2:
        # walking that the step detector could not see (a phone in a bag, a slow stream)
        return "STAIRS", min(1.0, 0.5 * busy / BUSY_STD_MS2), "busy"
    impulse = lift_impulse(m, steps, t0, t1, sign)
    if cruise >= ELEVATOR_MIN_SPEED_MPS or impulse >= IMPULSE_MS2:
        margin = max(cruise / ELEVATOR_MIN_SPEED_MPS, impulse / IMPULSE_MS2)
        return "ELEVATOR", min(1.0, 0.5 * margin), "lift"
    margin = min(ELEVATOR_MIN_SPEED_MPS / max(cruise, 1e-3), IMPULSE_MS2 / max(impulse, 1e-3))
    return "ESCALATOR", min(1.0, 0.5 * margin), "escalator"


def detect_vertical(
    tel: Telemetry, m: Motion | None = None, steps: Steps | None = None
) -> list[VerticalMove]:
    """Stairs, elevator and escalator moves of a session, in time order (see module doc)."""
    t_baro, h_raw = barometer_readings(tel)
    if t_baro.shape[0] < 2:
        return []
    limits = session_thresholds(t_baro, h_raw)
    h_baro = moving_mean(t_baro, h_raw, HEIGHT_SMOOTH_S)
    m = motion(tel) if m is None else m
    steps = detect_steps(tel, m) if steps is None else steps
    grid = np.arange(t_baro[0], t_baro[-1] + 1e-9, 1.0 / GRID_HZ)
    h = np.interp(grid, t_baro, h_baro)
    v = _speed(grid, h)
    moves: list[VerticalMove] = []
    reach = round(SPEED_WINDOW_S * GRID_HZ / 2)
    for run in _runs(v):
        # the slope at i spans [i - reach, i + reach]: so does the height change it saw
        i0, i1 = max(run.i0 - reach, 0), min(run.i1 + reach, h.shape[0] - 1)
        height = float(h[i1] - h[i0])
        peak = float(np.abs(v[run.i0 : run.i1 + 1]).max())
        if abs(height) < limits.min_stepped_height_m or peak > MAX_SPEED_MPS:
            continue
        t0, t1 = float(grid[i0]), float(grid[i1])
        core = slice(run.i0, run.i1 + 1)
        small = abs(height) < limits.min_height_m
        if small and _legs_prove(m, steps, t=grid[core], v=v[core], height=height) is None:
            continue
        mode, mode_score, basis = _classify(
            m, steps, t=grid[core], v=v[core], height=height, sign=run.sign
        )
        evidence = abs(height) / (2 * limits.min_height_m)
        score = round(float(np.clip(min(evidence, mode_score), 0, 1)), 2)
        direction: Direction = "up" if height > 0 else "down"
        moves.append(
            VerticalMove(
                mode=mode,
                t_start=t0,
                t_end=t1,
                direction=direction,
                height_m=round(height, 2),
                floors=int(np.floor(abs(height) / FLOOR_HEIGHT_M + 0.5)),
                confidence=calibrated(basis, score),
                height_sd_m=height_sd(height),
                basis=basis,
                score=score,
            )
        )
    moves += _gap_moves(t_baro, h_baro, moves, limits.min_height_m)
    return sorted(moves, key=lambda mv: mv.t_start)


def height_sd(height_m: float) -> float:
    """One standard deviation of a move's measured height (see ``HEIGHT_REL_SD``)."""
    return round(float(np.hypot(HEIGHT_ABS_SD_M, HEIGHT_REL_SD * height_m)), 2)


def _gap_moves(
    t: np.ndarray, h: np.ndarray, found: list[VerticalMove], min_height_m: float
) -> list[VerticalMove]:
    """Level changes of ``min_height_m`` or more across silences of ``GAP_S`` or more that no
    move already covers."""
    out: list[VerticalMove] = []
    for i in np.flatnonzero(np.diff(t) >= GAP_S):
        t0, t1 = float(t[i]), float(t[i + 1])
        height = float(h[i + 1] - h[i])
        covered = any(mv.t_start <= t1 and mv.t_end >= t0 for mv in found)
        if abs(height) < min_height_m or covered:
            continue
        fast = abs(height) / (t1 - t0) >= ELEVATOR_MIN_SPEED_MPS
        out.append(
            VerticalMove(
                mode="ELEVATOR" if fast else "STAIRS",
                t_start=t0,
                t_end=t1,
                direction="up" if height > 0 else "down",
                height_m=round(height, 2),
                floors=int(np.floor(abs(height) / FLOOR_HEIGHT_M + 0.5)),
                confidence=calibrated("gap", SPEED_ONLY_SCORE),
                height_sd_m=height_sd(height),
                basis="gap",
                score=SPEED_ONLY_SCORE,
            )
        )
    return out
