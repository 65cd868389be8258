"""Steps and walking bouts from the accelerometer, wherever the phone is carried.

A step is a peak of the acceleration along gravity: the body is pushed up once per foot
strike, at a cadence of 1.2-3 steps per second. Carried in a hand, a pocket, a bag, a neck
pouch or on an arm the peak shape changes but the cadence does not, so the detector works
on cadence, not on shape:

1. the vertical acceleration (``Motion.vertical``; ``|linear|`` when gravity is unknown) is
   resampled on a uniform grid and band-passed to the cadence band (``BAND_HZ``);
2. candidates are local maxima that stand above a floor and above a fraction of the local
   signal strength (a phone lying on a table gives none; a phone in a swinging bag gives
   peaks of very different heights);
3. the local step period is measured by autocorrelation (telling a step from a stride: a
   pocket phone sees the two legs differently, so its strongest rhythm is often the stride)
   and candidates closer than ``MIN_PERIOD_FRACTION`` of it are merged (the heel strike and
   toe-off of one step often make two peaks);
4. steps count only inside a *bout*: at least ``MIN_BOUT_STEPS`` steps each at most
   ``MAX_STEP_GAP_S`` after the previous one. A single bump (the phone put down) is not
   walking. A bout spans from its first to its last step.

Below ``MIN_RATE_HZ`` steps cannot be seen (the cadence is above the Nyquist frequency) and
no steps are reported: absence of evidence, not a stop.
"""

from __future__ import annotations

import numpy as np

from functions.engine.signal import Motion, motion
from functions.engine.telemetry import Telemetry
from functions.engine.types import Steps

GRID_HZ = 50.0
"""Uniform rate the detector works at (recordings run 1-100 Hz)."""
MIN_RATE_HZ = 5.0
"""Lowest sampling rate that shows a 2.5 Hz cadence."""
BAND_HZ = (0.6, 3.2)
"""Pass band: slow strolls (~1.2 steps/s) to brisk walking and jogging (~3 steps/s)."""
MIN_PEAK_MS2 = 0.6
"""A step lifts the body by a few centimetres: the filtered vertical peak is ≥ ~1 m/s²
walking; below 0.6 m/s² it is handling noise or a vehicle's vibration."""
RELATIVE_PEAK = 0.5
"""A candidate must reach this fraction of the local RMS times sqrt(2) (the peak of a sine)."""
MIN_INTERVAL_S = 0.28
"""No one steps faster than ~3.5 steps per second."""
MIN_PERIOD_FRACTION = 0.6
"""Candidates closer than this fraction of the local step period are one step."""
MAX_STEP_GAP_S = 2.0
"""A longer silence ends a bout (the Oxford ground truth marks pauses the same way)."""
MIN_BOUT_STEPS = 4
"""Fewer steps in a row are handling, shuffling or a bump, not walking."""
PERIODIC_AC = 0.3
"""Normalised autocorrelation a step period needs to count as walking rhythm."""
HALF_STRIDE_AC = 0.1
"""A maximum at half the strongest lag this correlated means the strongest was a stride."""
LOCAL_WINDOW_S = 4.0
"""Window for the local RMS and the local step period: a few strides."""


def _fir_bandpass(rate: float, low: float, high: float, taps_s: float = 2.0) -> np.ndarray:
    """Windowed-sinc band-pass (numpy only: the Lambda layer has no scipy)."""
    half = round(taps_s * rate / 2)
    k = np.arange(-half, half + 1) / rate
    lp_high = 2 * high * np.sinc(2 * high * k)
    lp_low = 2 * low * np.sinc(2 * low * k)
    h = (lp_high - lp_low) * np.hamming(k.shape[0]) / rate
    return h


def _sliding(x: np.ndarray, width: int) -> np.ndarray:
    """Views of ``x`` of ``width`` centred on each sample (edges padded with -inf)."""
    pad = width // 2
    padded = np.concatenate([np.full(pad, -np.inf), x, np.full(pad, -np.inf)])
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * pad + 1)


def _signal(m: Motion) -> np.ndarray:
    vertical = m.vertical
    if np.isfinite(vertical).all():
        return vertical
    return m.magnitude


def _local_period(x: np.ndarray, rate: float) -> np.ndarray:
    """Step period (s) per sample by autocorrelation over windows of ``LOCAL_WINDOW_S``.

    Autocorrelation is computed every half window (by FFT, all windows at once) over lags of
    ``MIN_INTERVAL_S`` to 1.5 s. Its strongest local maximum is the step, or the stride when
    the phone sees one leg better than the other (a pocket); it was a stride when the
    autocorrelation near half its lag is positive (``HALF_STRIDE_AC``), since half a true
    step period later the signal is in anti-phase. NaN where nothing reaches ``PERIODIC_AC``.
    """
    n = x.shape[0]
    win = int(LOCAL_WINDOW_S * rate)
    hop = max(win // 2, 1)
    lag_min, lag_max = int(MIN_INTERVAL_S * rate), int(1.5 * rate)
    if n < win or lag_max >= win:
        return np.full(n, np.nan)
    starts = np.arange(0, n - win + 1, hop)
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[starts]
    frames = frames - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(frames, 2 * win, axis=1)
    ac = np.fft.irfft(spec * spec.conj(), axis=1)[:, : lag_max + 1]
    energy = ac[:, :1]
    energy[energy == 0] = 1.0
    ac = ac / energy
    lags = ac[:, lag_min : lag_max + 1]
    inner = (lags[:, 1:-1] > lags[:, :-2]) & (lags[:, 1:-1] >= lags[:, 2:])
    score = np.where(inner, lags[:, 1:-1], -np.inf)
    best = np.argmax(score, axis=1) + 1 + lag_min
    half = np.round(best / 2).astype(int) - lag_min
    offsets = np.arange(lags.shape[1])[None, :] - half[:, None]
    near = np.abs(offsets) <= np.maximum(2, 0.2 * half[:, None])
    half_score = np.where(near & (half[:, None] > 0), lags, -np.inf)
    half_best = np.argmax(half_score, axis=1) + lag_min
    has_half = half_score.max(axis=1) > HALF_STRIDE_AC
    lag = np.where(has_half, half_best, best)
    found = np.max(score, axis=1) > PERIODIC_AC
    period = np.where(found, lag / rate, np.nan)
    centres = starts + win // 2
    finite = np.isfinite(period)
    if not finite.any():
        return np.full(n, np.nan)
    return np.interp(np.arange(n), centres[finite], period[finite])


def _bouts(times: np.ndarray) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Keep steps that belong to bouts; return them and the bouts' (start, end)."""
    if times.shape[0] == 0:
        return times, []
    breaks = np.flatnonzero(np.diff(times) > MAX_STEP_GAP_S) + 1
    keep = np.zeros(times.shape[0], dtype=bool)
    bouts: list[tuple[float, float]] = []
    for seg in np.split(np.arange(times.shape[0]), breaks):
        if seg.shape[0] >= MIN_BOUT_STEPS:
            keep[seg] = True
            bouts.append((float(times[seg[0]]), float(times[seg[-1]])))
    return times[keep], bouts


def detect_steps(tel: Telemetry, m: Motion | None = None) -> Steps:
    """Steps and walking bouts of a session (see the module docstring for the method)."""
    m = motion(tel) if m is None else m
    if len(m) < 2 or m.rate_hz < MIN_RATE_HZ:
        return Steps(times=np.zeros(0), bouts=())
    grid = np.arange(m.t[0], m.t[-1], 1.0 / GRID_HZ)
    raw = _signal(m)
    x = np.interp(grid, m.t, raw - np.median(raw))
    h = _fir_bandpass(GRID_HZ, *BAND_HZ)
    if x.shape[0] < h.shape[0]:
        return Steps(times=np.zeros(0), bouts=())
    y = np.convolve(x, h, mode="same")
    rms_win = int(LOCAL_WINDOW_S * GRID_HZ) | 1
    power = np.convolve(y * y, np.ones(rms_win) / rms_win, mode="same")
    local_peak = np.sqrt(np.maximum(power, 0.0) * 2.0)
    width = int(MIN_INTERVAL_S * GRID_HZ) | 1
    is_max = y >= _sliding(y, width).max(axis=1)
    candidate = is_max & (y > MIN_PEAK_MS2) & (y > RELATIVE_PEAK * local_peak)
    idx = np.flatnonzero(candidate)
    period = _local_period(y, GRID_HZ)
    idx = _merge_close(idx, y, period)
    times, bouts = _bouts(grid[idx])
    return Steps(times=times, bouts=tuple(bouts))


def _merge_close(idx: np.ndarray, y: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Drop candidates within ``MIN_PERIOD_FRACTION`` of the local period after a stronger or
    earlier kept one (greedy in time, one pass; peaks are sparse so this loop is short)."""
    if idx.shape[0] == 0:
        return idx
    min_gap = np.where(np.isfinite(period), MIN_PERIOD_FRACTION * period, MIN_INTERVAL_S)
    kept: list[int] = [int(idx[0])]
    for i in idx[1:]:
        last = kept[-1]
        if (i - last) / GRID_HZ >= min_gap[i]:
            kept.append(int(i))
        elif y[i] > y[last]:
            kept[-1] = int(i)
    return np.asarray(kept, dtype=int)
