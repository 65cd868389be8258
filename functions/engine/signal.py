"""One normalised view of a session's motion and height, whatever phone sent it.

Phones disagree on what "acceleration" means. Android's ``accel`` is the specific force in
m/s² *including* gravity, and its ``gravity`` sensor points the same way (face-up at rest both
read about (0, 0, +9.81)). iOS Core Motion sends ``userAcceleration`` *without* gravity and
``gravity`` separately, both in g, and its axes read opposite to Android's (face-up at rest
gravity is (0, 0, -1)). Every detector (steps, vertical, activity) reads ``Motion`` instead of
the raw columns, so the answer cannot depend on the platform: converting a recording with
``to_ios_convention`` must not change a single event.

``Motion`` is expressed in the Android sign and SI units: ``gravity`` points *up* (it is the
force that holds the phone up), ``linear`` is acceleration without gravity, and ``vertical``
is ``linear`` projected on the unit gravity vector, so positive means accelerating upwards
(an elevator starting to climb reads positive first, then negative when it brakes).

The convention is detected per session from the data, not from a declared platform: a
gravity column in g (|g| ≈ 1) is Core Motion's; accel includes gravity when subtracting the
gravity column leaves it smaller (Android), not larger (user acceleration, even a runner's);
without a gravity column, accel of about 1 g or 9.8 m/s² includes gravity and accel near zero
does not. When the gravity column is absent the
gravity *direction* is estimated by a moving average of accel and its magnitude is set to
standard gravity, so the vertical component keeps the full elevator impulse (a low-passed
gravity would swallow part of it).

Height comes from pressure only, relative to the session's first trusted reading: absolute
altitude (GPS or an uncalibrated barometer) is off by tens of metres, a pressure *difference* is
good to a few decimetres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.engine.telemetry import Telemetry

STANDARD_GRAVITY = 9.80665
"""m/s² per g (Core Motion's unit)."""
GRAVITY_WINDOW_S = 2.0
"""Moving-average window that estimates the gravity direction when no gravity column exists:
long enough to average out a step (~0.5 s) and short enough to follow a phone being turned."""
G_UNIT_LIMIT = 3.0
"""A median |gravity| or |accel| below this (m/s² would be ~9.8) means the column is in g."""
WITH_GRAVITY_FRACTION = 0.5
"""Without a gravity column, accel includes gravity when its median magnitude exceeds this
(in g, or any m/s² reading with gravity): user acceleration of a walking person has a median
magnitude of ~0.1-0.3 g."""
STALE_SPEED_MPS = 0.5
"""The session's first barometer reading is often stale: iPhones hand over a value cached
before the app subscribed. In 133 of the 264 vertical/ recordings it sits 0.5-57 m from a
second reading that then changes smoothly, in either direction (so it is not a lagging view of
the motion under way). The first reading is dropped when the step to the second is faster
than this (the top of stair speeds) and ``STALE_RATIO`` times the typical step between the
readings of the next ``STALE_WINDOW_S``. Only the first: mid-session steps of that size are
barometer noise on a fast stream, and removing them would bias a ride."""
STALE_RATIO = 5.0
STALE_WINDOW_S = 2.0
STALE_FLOOR_M = 0.1
"""Barometer noise per reading, in metres: calmer following readings count as this."""
BOUNCE_WINDOW_S = 4.0
"""Without gravity (Core Motion user acceleration alone) the vertical axis is estimated as the
axis the acceleration varies most along over this window: a few strides, whose vertical bounce
(2-3 m/s²) dominates the forward (~1) and sideways (~0.5) sway. Measured on vertical/ (gravity
known): the axis of a whole walking bout is within 30° of gravity in 295 of its 328 bouts."""
BOUNCE_HOP_S = 0.5
"""The axis is estimated every this many seconds and held in between."""
BOUNCE_SIGN_WINDOW_S = 8.0
"""The axis is signed so that the acceleration along it is skewed positive over this window:
a heel strike is a sharp upward spike, the swing a broad dip (positive skew in 310 of the 328
walking bouts of vertical/)."""
HEIGHT_SMOOTH_S = 2.0
"""Moving-average window for height: barometers report ~1 Hz with ~0.1 m of noise; 2 s keeps
an elevator's 1-3 m/s motion while halving the noise."""
NOISE_MIN_READINGS = 6
"""Fewest barometer readings whose noise ``reading_noise_m`` measures: two residuals, each
from five readings."""


@dataclass(frozen=True)
class Motion:
    """The session's IMU samples in one convention (Android sign, SI units).

    Rows are the samples that carried a finite accel, sorted with unique times.
    """

    t: np.ndarray
    """Unix seconds, (n,)."""
    linear: np.ndarray
    """(n, 3) m/s², acceleration without gravity."""
    gravity: np.ndarray
    """(n, 3) m/s², pointing up (NaN when it cannot be known: user acceleration only)."""
    vertical: np.ndarray
    """(n,) m/s², ``linear`` along gravity, up positive (``user-only``: along the walking
    bounce's axis, signed by its skew, a guess that steps can use but that carries no sign a
    lift's push could be read against)."""
    magnitude: np.ndarray
    """(n,) m/s², |linear|: orientation-free, what a step counter reads when unsure."""
    rate_hz: float
    """Median sampling rate (0.0 with fewer than two samples)."""
    convention: str
    """What was detected: ``android`` (accel with gravity, m/s², gravity column),
    ``ios`` (user acceleration and gravity in g), ``accel-only`` (accel with gravity in m/s²,
    no gravity column), ``accel-only-g`` (the same in g, Core Motion axes),
    ``user-only`` (acceleration without gravity and no gravity: ``vertical`` is along the
    axis of largest variation, see ``BOUNCE_WINDOW_S``), or ``none``."""

    def __len__(self) -> int:
        return int(self.t.shape[0])


def moving_mean(t: np.ndarray, x: np.ndarray, window_s: float) -> np.ndarray:
    """Centred moving average over a *time* window, for irregular sampling.

    Each output is the mean of the samples within ±window_s/2 of its time, by cumulative
    sums and ``searchsorted``: O(n log n), no per-sample Python. ``x`` is (n,) or (n, k) and
    must be finite; ``t`` sorted.
    """
    n = t.shape[0]
    if n == 0:
        return x.copy()
    lo = np.searchsorted(t, t - window_s / 2.0, side="left")
    hi = np.searchsorted(t, t + window_s / 2.0, side="right")
    csum = np.concatenate([np.zeros((1, *x.shape[1:])), np.cumsum(x, axis=0)])
    count = (hi - lo).astype(float)
    if x.ndim > 1:
        count = count[:, None]
    out: np.ndarray = (csum[hi] - csum[lo]) / count
    return out


def _unique_sorted(t: np.ndarray) -> np.ndarray:
    """Indices that sort ``t`` and keep the first of equal timestamps."""
    order = np.argsort(t, kind="stable")
    keep = np.ones(order.shape[0], dtype=bool)
    keep[1:] = np.diff(t[order]) > 0
    return order[keep]


def _median_norm(v: np.ndarray) -> float:
    finite = np.isfinite(v).all(axis=1)
    if not finite.any():
        return float("nan")
    return float(np.median(np.linalg.norm(v[finite], axis=1)))


def _fill_rows(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Interpolate rows with a NaN from the finite rows (per axis)."""
    finite = np.isfinite(v).all(axis=1)
    if finite.all():
        return v
    return np.column_stack([np.interp(t, t[finite], v[finite, k]) for k in range(v.shape[1])])


def _direction_of(t: np.ndarray, specific_force: np.ndarray) -> np.ndarray:
    """Gravity (up, standard magnitude) from the moving average of the specific force."""
    mean = moving_mean(t, specific_force, GRAVITY_WINDOW_S)
    norm = np.linalg.norm(mean, axis=1, keepdims=True)
    norm[norm == 0] = 1.0
    out: np.ndarray = mean / norm * STANDARD_GRAVITY
    return out


def _bounce_vertical(t: np.ndarray, linear: np.ndarray) -> np.ndarray:
    """Acceleration along the axis it varies most (``BOUNCE_WINDOW_S``), for user acceleration
    with no gravity to project on: the covariance of the 2-s high-passed acceleration every
    ``BOUNCE_HOP_S`` (cumulative sums), its leading eigenvector kept pointing the same way from
    one window to the next, then signed by the local skew (``BOUNCE_SIGN_WINDOW_S``)."""
    n = t.shape[0]
    hp = linear - moving_mean(t, linear, GRAVITY_WINDOW_S)
    centres = np.arange(t[0], t[-1] + BOUNCE_HOP_S, BOUNCE_HOP_S)
    lo = np.searchsorted(t, centres - BOUNCE_WINDOW_S / 2, "left")
    hi = np.searchsorted(t, centres + BOUNCE_WINDOW_S / 2, "right")
    outer = (hp[:, :, None] * hp[:, None, :]).reshape(n, 9)
    csum = np.concatenate([np.zeros((1, 9)), np.cumsum(outer, axis=0)])
    cov = ((csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)[:, None]).reshape(-1, 3, 3)
    axis = np.linalg.eigh(cov)[1][:, :, -1]
    turn = np.sign(np.einsum("ij,ij->i", axis[1:], axis[:-1]))
    turn[turn == 0] = 1.0
    axis = axis * np.concatenate([[1.0], np.cumprod(turn)])[:, None]
    held = axis[np.clip(np.rint((t - t[0]) / BOUNCE_HOP_S).astype(int), 0, len(centres) - 1)]
    bounce = np.einsum("ij,ij->i", hp, held)
    skew = np.sign(moving_mean(t, bounce**3, BOUNCE_SIGN_WINDOW_S))
    skew[skew == 0] = 1.0
    out: np.ndarray = skew * np.einsum("ij,ij->i", linear, held)
    return out


def motion(tel: Telemetry) -> Motion:
    """Normalise a session's IMU columns (see the module docstring for the rules)."""
    has_accel = np.isfinite(tel.accel).all(axis=1) & np.isfinite(tel.t)
    rows = np.flatnonzero(has_accel)
    rows = rows[_unique_sorted(tel.t[rows])]
    t = tel.t[rows].astype(float)
    accel = tel.accel[rows].astype(float)
    gravity_raw = tel.gravity[rows].astype(float)
    n = t.shape[0]
    rate = float(1.0 / np.median(np.diff(t))) if n > 1 else 0.0
    if n == 0:
        empty3 = np.zeros((0, 3))
        return Motion(t, empty3, empty3, np.zeros(0), np.zeros(0), rate, "none")

    accel_norm = _median_norm(accel)
    gravity_norm = _median_norm(gravity_raw)
    # Core Motion columns are in g and read opposite to Android's: scale by -g.
    if np.isfinite(gravity_norm):
        scale = -STANDARD_GRAVITY if gravity_norm < G_UNIT_LIMIT else 1.0
        filled = _fill_rows(t, gravity_raw)
        # accel includes gravity when removing gravity leaves less than was there: Android's
        # |accel - gravity| is a fraction of |accel|; for Core Motion's user acceleration it is
        # larger (gravity dominates), even for a runner
        includes_gravity = _median_norm(accel - filled) < accel_norm
        gravity = filled * scale
        linear = accel * scale - gravity if includes_gravity else accel * scale
        convention = "ios" if scale < 0 else "android"
    elif accel_norm > WITH_GRAVITY_FRACTION:
        scale = -STANDARD_GRAVITY if accel_norm < G_UNIT_LIMIT else 1.0
        force = accel * scale
        gravity = _direction_of(t, force)
        linear = force - gravity
        convention = "accel-only" if scale > 0 else "accel-only-g"
    else:
        # User acceleration with no gravity: its unit is ambiguous; Core Motion is the only
        # platform that sends it, so it is in g with Core Motion's axes.
        linear = accel * -STANDARD_GRAVITY
        gravity = np.full_like(linear, np.nan)
        convention = "user-only"

    if convention == "user-only":
        vertical = _bounce_vertical(t, linear)
    else:
        g_norm = np.linalg.norm(gravity, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            vertical = np.einsum("ij,ij->i", linear, gravity) / g_norm
    magnitude = np.linalg.norm(linear, axis=1)
    return Motion(t, linear, gravity, vertical, magnitude, rate, convention)


def _with_own_imu(sample: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a wire sample with its own ``imu`` object, all ``to_ios_convention`` edits
    (it replaces that object's lists, never changes them): the input stays as it was, and the
    other sensor objects, only read, are shared instead of copied (a deep copy of every sample
    cost more than the conversion itself)."""
    out = dict(sample)
    imu = out.get("imu")
    if isinstance(imu, dict):
        out["imu"] = dict(imu)
    return out


def to_ios_convention(samples: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Android wire samples as an iPhone would send them; everything but ``imu`` is kept.

    ``accel`` becomes user acceleration (gravity removed) in g and ``gravity`` is in g, both
    with Core Motion's axes (the negation of Android's). Samples without a gravity reading get
    the gravity direction estimated as ``motion`` does. Order and timestamps are unchanged;
    inputs are not modified.
    """
    out = [_with_own_imu(s) for s in samples]
    idx, ts, acc, grav = [], [], [], []
    for i, s in enumerate(out):
        imu = s.get("imu")
        a = imu.get("accel") if isinstance(imu, dict) else None
        if not (isinstance(a, list) and len(a) == 3 and isinstance(s.get("ts"), int | float)):
            continue
        g = imu.get("gravity") if isinstance(imu, dict) else None
        idx.append(i)
        ts.append(float(s["ts"]))
        acc.append([float("nan") if v is None else float(v) for v in a])
        ok = isinstance(g, list) and len(g) == 3 and all(v is not None for v in g)
        grav.append([float(v) for v in g] if ok else [float("nan")] * 3)  # type: ignore[union-attr]
    if not idx:
        return out
    t = np.asarray(ts)
    accel = np.asarray(acc)
    gravity = np.asarray(grav)
    missing = ~np.isfinite(gravity).all(axis=1)
    usable = np.isfinite(accel).all(axis=1)
    if missing.any() and usable.any():
        order = np.argsort(t, kind="stable")
        order = order[usable[order]]
        estimate = _direction_of(t[order], accel[order])
        fill = np.full_like(gravity, np.nan)
        fill[order] = estimate
        gravity[missing] = fill[missing]
    down = -gravity / STANDARD_GRAVITY
    user_rows = np.round(-(accel - gravity) / STANDARD_GRAVITY, 6).tolist()
    down_rows = np.round(down, 6).tolist()
    known = ~missing | usable
    for k, i in enumerate(idx):
        imu = out[i]["imu"]
        if usable[k]:
            imu["accel"] = user_rows[k]
        if known[k]:
            imu["gravity"] = down_rows[k]
    return out


def pressure_to_height(pressure_hpa: np.ndarray, reference_hpa: float) -> np.ndarray:
    """Metres above the level where pressure is ``reference_hpa`` (international barometric
    formula; near sea level 1 m up is ~0.12 hPa down)."""
    ratio = np.asarray(pressure_hpa, dtype=float) / 1013.25
    h: np.ndarray = 44330.8 * (1.0 - ratio**0.190263)
    return h - 44330.8 * (1.0 - (reference_hpa / 1013.25) ** 0.190263)


def barometer_readings(tel: Telemetry) -> tuple[np.ndarray, np.ndarray]:
    """(t, metres above the session's first trusted reading), one row per barometer reading,
    unsmoothed.

    The SDK repeats the latest barometer value on every IMU sample, so only the first sample
    of each run of equal values is a reading (it is timestamped within one IMU period of the
    real one). A stale first reading is dropped (``STALE_SPEED_MPS``) and heights are then
    relative to the second. Empty arrays when the session has no barometer.
    """
    p = tel.pressure_hpa
    ok = np.isfinite(p) & (p > 0) & np.isfinite(tel.t)
    rows = np.flatnonzero(ok)
    rows = rows[_unique_sorted(tel.t[rows])]
    if rows.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    t = tel.t[rows].astype(float)
    p = p[rows].astype(float)
    fresh = np.ones(p.shape[0], dtype=bool)
    fresh[1:] = np.diff(p) != 0
    t, p = t[fresh], p[fresh]
    h = pressure_to_height(p, float(p[0]))
    if _stale_first(t, h):
        t, h = t[1:], h[1:] - h[1]
    return t, h


def relative_height(tel: Telemetry) -> tuple[np.ndarray, np.ndarray]:
    """(t, metres above the session's first trusted reading) at each reading
    (``barometer_readings``), smoothed over ``HEIGHT_SMOOTH_S``."""
    t, h = barometer_readings(tel)
    return t, moving_mean(t, h, HEIGHT_SMOOTH_S)


def reading_noise_m(t: np.ndarray, h: np.ndarray) -> float:
    """The barometer's own noise: one standard deviation of a single reading's height (m),
    0.0 with fewer than ``NOISE_MIN_READINGS`` readings.

    Each reading is compared with the cubic through its two neighbours on either side (at
    their own times): the cubic follows any motion of constant speed or acceleration (a
    climb, a lift's start and stop), so the residual is the noise of five readings,
    r = h_i - Σ w_j h_j, whose variance for independent readings of sd s is
    s² (1 + Σ w_j²). Normalised by that, the residuals' median absolute value times 1.4826
    (the MAD's Gaussian scale) estimates s, and the few readings where the motion itself
    changes faster (a footstep's jolt, a door slam) cannot pull it: the median ignores them.
    """
    if t.shape[0] < NOISE_MIN_READINGS:
        return 0.0
    centre = t[2:-2]
    shifts = (-2, -1, 1, 2)
    times = [t[2 + s : t.shape[0] - 2 + s] for s in shifts]
    values = [h[2 + s : h.shape[0] - 2 + s] for s in shifts]
    weights = []
    for j, tj in enumerate(times):
        w = np.ones_like(centre)
        for k, tk in enumerate(times):
            if k != j:
                w = w * (centre - tk) / (tj - tk)  # readings have distinct times
        weights.append(w)
    fit = sum(w * v for w, v in zip(weights, values, strict=True))
    gain = np.sqrt(1.0 + sum(w**2 for w in weights))
    return float(1.4826 * np.median(np.abs((h[2:-2] - fit) / gain)))


def _stale_first(t: np.ndarray, h: np.ndarray) -> bool:
    """Whether the first of the readings at ``t`` with heights ``h`` is stale (see
    ``STALE_SPEED_MPS``)."""
    if h.shape[0] < 3:
        return False
    steps = np.abs(np.diff(h[1:]))
    within = t[2:] <= t[1] + STALE_WINDOW_S
    within[0] = True
    typical = max(float(np.median(steps[within])), STALE_FLOOR_M)
    first = abs(float(h[1] - h[0]))
    return first / max(float(t[1] - t[0]), 1e-3) > STALE_SPEED_MPS and first > STALE_RATIO * typical
