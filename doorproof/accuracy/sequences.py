"""Continuous sequences: several vertical moves in one session, built from real recordings.

A courier's session is not one clean move: it is walk, ride up, walk, take the stairs down,
walk, ride again… No such labelled recording exists in ``../shared/data``, so this set builds
them from the real ones, the way a phone that streams only an accelerometer and a barometer at
10 Hz would have recorded them:

- **clips**: every labelled recording of ``vertical/`` (stairs, lift rides, stays: the walks
  between moves) and ``elevators/`` (lift rides with the walk to and from the car) whose label
  the sensors do not contradict or leave in doubt (``vertical.CONTRADICTED``, ``AMBIGUOUS``)
  and that last ``MIN_CLIP_S`` or more,
  and escalator rides simulated from
  physics (``doorproof.scenarios``: the real sets hold none);
- each clip is cut by ``TRIM_S`` at its start (the stale first barometer reading, the phone
  taken out), resampled to ``RATE_HZ`` (accel averaged over each sample period, pressure held
  from its latest reading), and its gravity column dropped; in the ``ios`` convention accel is
  Core Motion's user acceleration in g (no gravity at all), in ``android`` it is the specific
  force with gravity in m/s²; ``pressure-1hz`` keeps only the pressure, once a second;
- clips are joined end to end on one clock, each clip's pressure offset so that it starts at
  the level where the previous one ended: height is continuous, as it is in a building;
- ``TEMPLATES`` say which kinds follow each other (six courier rounds); each seed draws other
  clips for them, without repeats inside a sequence.

Scoring: each engine move belongs to the clip its time span overlaps most. A clip that holds
a move is right when it has at least one engine move and every engine move in it has the
clip's mode and direction; a walk is right when it has none. A sequence is right when all its
clips are. The baseline finds moves where the 4-s height slope passes 0.1 m/s and calls them
stairs when |linear acceleration| is busy (std > 1 m/s²), else a lift.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from doorproof.accuracy.common import AccuracySet, labels, pct, progress, share
from doorproof.accuracy.vertical import AMBIGUOUS, CONTRADICTED
from doorproof.recordings import load_samples
from doorproof.scenarios import physics, sensors
from functions.engine.signal import STANDARD_GRAVITY, motion, moving_mean, relative_height
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.types import Direction, VerticalMode, VerticalMove
from functions.engine.vertical import detect_vertical

Convention = Literal["ios", "android", "pressure-1hz"]
CONVENTIONS: tuple[Convention, ...] = ("ios", "android", "pressure-1hz")
PRESSURE_ONLY_HZ = 1.0
"""``pressure-1hz``: the same sequences as a phone streaming only its barometer (and GPS) once
a second would send them: no accelerometer, so the speed alone tells a lift from stairs and an
escalator cannot be told from stairs (the engine says so with a confidence of 0.3)."""
Kind = Literal["walk", "stairs_up", "stairs_down", "lift_up", "lift_down", "esc_up", "esc_down"]

RATE_HZ = 10.0
"""The rate of the held-out sequences (an iPhone streaming accelerometer + barometer)."""
TRIM_S = 2.0
"""Cut from each clip's start: iPhones hand over a cached first pressure reading (up to 57 m
off in vertical/) that a real session would have left behind long before the move."""
JOIN_LEVEL_S = 1.0
"""Pressure level at a join: median over this much of the clip's end / the next one's start."""
START_TS = 1_750_000_000.0
SEEDS = 5
"""Each template is built with this many different draws of clips."""
MIN_CLIP_S = 10.0
"""Shorter recordings are left out of the clips: cut from the middle of a flight (a 5.9-s
"descend" holds 0.69 m), they are not a whole move."""

TEMPLATES: dict[str, tuple[Kind, ...]] = {
    "lift-up_stairs-down_lift-down": (
        "walk", "lift_up", "walk", "stairs_down", "walk", "lift_down", "walk",
    ),
    "stairs-up_lift-up_lift-down": (
        "walk", "stairs_up", "walk", "lift_up", "walk", "lift_down", "walk",
    ),
    "escalator-up_lift-up_stairs-down_escalator-down": (
        "walk", "esc_up", "walk", "lift_up", "walk", "stairs_down", "walk", "esc_down", "walk",
    ),
    "lift-up_lift-down_stairs-up": (
        "walk", "lift_up", "walk", "lift_down", "walk", "stairs_up", "walk",
    ),
    "stairs-down_stairs-up_lift-up": (
        "walk", "stairs_down", "walk", "stairs_up", "walk", "lift_up", "walk", "lift_down",
        "walk",
    ),
    "escalator-down_stairs-up_lift-down_escalator-up": (
        "walk", "esc_down", "walk", "stairs_up", "walk", "lift_down", "walk", "esc_up", "walk",
    ),
}  # fmt: skip
"""Six courier rounds: every mode in both directions, rides next to stairs."""

TRUTH: dict[Kind, tuple[str, str]] = {
    "walk": ("NONE", "none"),
    "stairs_up": ("STAIRS", "up"),
    "stairs_down": ("STAIRS", "down"),
    "lift_up": ("ELEVATOR", "up"),
    "lift_down": ("ELEVATOR", "down"),
    "esc_up": ("ESCALATOR", "up"),
    "esc_down": ("ESCALATOR", "down"),
}
VERTICAL_KINDS: dict[str, Kind] = {
    "climb": "stairs_up",
    "descend": "stairs_down",
    "elevator_up": "lift_up",
    "elevator_down": "lift_down",
    "stay": "walk",
}
ESCALATOR_SPEEDS_MPS = (0.25, 0.38)
"""Vertical speed of escalators: 0.5-0.75 m/s along a 30° incline (EN 115 allows up to
0.75 m/s), drawn per simulated ride."""
ESCALATOR_RISE_M = (3.5, 6.0)
"""One storey of a mall or station, drawn per ride."""

BASELINE_SPEED_MPS = 0.1
BASELINE_MIN_HEIGHT_M = 1.0
BASELINE_SPREAD_MS2 = 1.0


@dataclass(frozen=True)
class Clip:
    """One piece of a sequence on the ``RATE_HZ`` grid, times from its own start."""

    source: str
    kind: Kind
    t: np.ndarray
    user_g: np.ndarray
    """(n, 3) Core Motion user acceleration in g (iOS sign)."""
    specific: np.ndarray
    """(n, 3) specific force with gravity, m/s² (Android sign)."""
    pressure: np.ndarray


@dataclass(frozen=True)
class Built:
    """A sequence ready for the engine: telemetry per convention and each clip's span."""

    name: str
    telemetry: dict[str, Telemetry]
    spans: list[tuple[str, Kind, float, float]]
    """(source, kind, t_start, t_end) per clip, unix seconds."""


def _resample(tel: Telemetry, user_g: np.ndarray) -> tuple[np.ndarray, ...]:
    """(t, user_g, specific, pressure) on a ``RATE_HZ`` grid from ``TRIM_S`` on."""
    t = tel.t
    grid = np.arange(t[0] + TRIM_S, t[-1], 1.0 / RATE_HZ)
    period = 1.0 / RATE_HZ

    def box(x: np.ndarray) -> np.ndarray:
        ok = np.isfinite(x).all(axis=1)
        mean = moving_mean(t[ok], x[ok], period)
        return np.column_stack([np.interp(grid, t[ok], mean[:, k]) for k in range(3)])

    p_ok = np.isfinite(tel.pressure_hpa)
    tp, p = t[p_ok], tel.pressure_hpa[p_ok]
    held = p[np.clip(np.searchsorted(tp, grid, "right") - 1, 0, None)]
    return grid - grid[0], box(user_g), box(tel.accel), held


def load_clip(path: Path, source: str, kind: Kind) -> Clip:
    """A real recording (Android convention, gravity column or not) as a clip."""
    samples = load_samples(path)
    tel = from_samples(samples)
    m = motion(tel)  # user acceleration whatever the recording's convention
    lin = np.full_like(tel.accel, np.nan)
    _, rows, _ = np.intersect1d(tel.t, m.t, return_indices=True)
    lin[rows] = m.linear
    t, user, specific, pressure = _resample(tel, -lin / STANDARD_GRAVITY)
    return Clip(source, kind, t, user, specific, pressure)


def escalator_clip(up: bool, rng: np.random.Generator) -> Clip:
    """A simulated escalator ride with a walk on and off, at ``RATE_HZ``."""
    speed = float(rng.uniform(*ESCALATOR_SPEEDS_MPS))
    rise = float(rng.uniform(*ESCALATOR_RISE_M))
    legs = [
        physics.Leg("walk", seconds=float(rng.uniform(6, 12))),
        physics.Leg("escalator", floors=1 if up else -1, vertical_speed=speed, storey_m=rise),
        physics.Leg("walk", seconds=float(rng.uniform(6, 12))),
    ]
    world = physics.render(legs, (0.0, 0.0), RATE_HZ, rng)
    imu = sensors.imu(world, rng)
    pressure = sensors.barometer(world, rng, update_hz=1.0)  # an iPhone's barometer
    user = -(imu["accel"] - imu["gravity"]) / STANDARD_GRAVITY
    name = f"simulated escalator {'up' if up else 'down'} {rise:.1f} m at {speed:.2f} m/s"
    return Clip(name, "esc_up" if up else "esc_down", world.t, user, imu["accel"], pressure)


def pools(root: Path) -> dict[Kind, list[tuple[str, Path]]]:
    """The real clips by kind: (source name, path), contradicted labels left out."""
    out: dict[Kind, list[tuple[str, Path]]] = {k: [] for k in TRUTH}
    for row in labels(root / "vertical"):
        doubtful = row["file"] in CONTRADICTED or row["file"] in AMBIGUOUS
        if not doubtful and float(row["duration_s"]) >= MIN_CLIP_S:
            path = root / "vertical" / row["file"]
            out[VERTICAL_KINDS[row["label"]]].append((f"vertical/{row['file']}", path))
    for row in labels(root / "elevators"):
        kind: Kind = "lift_up" if row["direction"] == "up" else "lift_down"
        out[kind].append((f"elevators/{row['file']}", root / "elevators" / row["file"]))
    return out


def build(root: Path, template: str, seed: int) -> Built:
    """Sequence ``template`` with the clips of draw ``seed`` (deterministic)."""
    kinds = TEMPLATES[template]
    rng = np.random.default_rng([seed, sum(map(ord, template))])
    available = pools(root)
    clips: list[Clip] = []
    for kind in kinds:
        if kind in ("esc_up", "esc_down"):
            clips.append(escalator_clip(kind == "esc_up", rng))
            continue
        pool = available[kind]
        source, path = pool.pop(int(rng.integers(len(pool))))
        clips.append(load_clip(path, source, kind))
    return join(f"{template}#{seed}", clips)


def join(name: str, clips: Sequence[Clip]) -> Built:
    """Clips end to end on one clock, pressure continuous across each join."""
    ts, users, forces, pressures, spans = [], [], [], [], []
    clock, level = START_TS, None
    per_level = round(JOIN_LEVEL_S * RATE_HZ)
    for clip in clips:
        p = clip.pressure
        if level is not None:
            p = p - float(np.median(p[:per_level])) + level
        level = float(np.median(p[-per_level:]))
        t = clock + clip.t
        spans.append((clip.source, clip.kind, float(t[0]), float(t[-1])))
        ts.append(t)
        users.append(clip.user_g)
        forces.append(clip.specific)
        pressures.append(p)
        clock = float(t[-1]) + 1.0 / RATE_HZ
    t = np.concatenate(ts)
    base = dataclasses.replace(
        Telemetry.empty(t.shape[0]), t=t, pressure_hpa=np.concatenate(pressures)
    )
    telemetry = {
        "ios": dataclasses.replace(base, accel=np.concatenate(users)),
        "android": dataclasses.replace(base, accel=np.concatenate(forces)),
        "pressure-1hz": _pressure_only(base),
    }
    return Built(name, telemetry, spans)


def _pressure_only(tel: Telemetry) -> Telemetry:
    """One reading a second, each the mean of the second before it (a barometer averages its
    own samples: picking every tenth noisy reading would add noise no phone reports)."""
    step = round(RATE_HZ / PRESSURE_ONLY_HZ)
    n = tel.t.shape[0] // step * step
    means = tel.pressure_hpa[:n].reshape(-1, step).mean(axis=1)
    ticks = tel.take(np.arange(step - 1, n, step))
    return dataclasses.replace(ticks, pressure_hpa=means)


def baseline_moves(tel: Telemetry) -> list[VerticalMove]:
    """Runs of |4-s height slope| > 0.1 m/s over 1 m; busy accel means stairs."""
    t, h = relative_height(tel)
    if t.shape[0] < 2:
        return []
    grid = np.arange(t[0], t[-1], 1.0)
    hg = np.interp(grid, t, h)
    slope = np.zeros_like(hg)
    slope[2:-2] = (hg[4:] - hg[:-4]) / 4.0
    sign = np.where(slope > BASELINE_SPEED_MPS, 1, np.where(slope < -BASELINE_SPEED_MPS, -1, 0))
    m = motion(tel)
    out: list[VerticalMove] = []
    edges = np.flatnonzero(np.diff(sign) != 0) + 1
    for a, b in zip(np.r_[0, edges], np.r_[edges, sign.shape[0]], strict=True):
        height = float(hg[min(b + 1, hg.shape[0] - 1)] - hg[max(a - 2, 0)])
        if sign[a] == 0 or abs(height) < BASELINE_MIN_HEIGHT_M:
            continue
        inside = (m.t >= grid[a]) & (m.t <= grid[b - 1])
        busy = float(np.std(m.magnitude[inside])) if inside.any() else 0.0
        mode: VerticalMode = "STAIRS" if busy > BASELINE_SPREAD_MS2 else "ELEVATOR"
        direction: Direction = "up" if height > 0 else "down"
        out.append(
            VerticalMove(mode, float(grid[a]), float(grid[b - 1]), direction, height, 0, 0.5)
        )
    return out


def score(built: Built, moves: Sequence[VerticalMove]) -> list[dict[str, Any]]:
    """Per clip: its truth, the engine moves that fall in it, and whether it is right."""
    per_clip: list[list[VerticalMove]] = [[] for _ in built.spans]
    for mv in moves:
        overlap = [min(mv.t_end, b) - max(mv.t_start, a) for _, _, a, b in built.spans]
        per_clip[int(np.argmax(overlap))].append(mv)
    out = []
    for (source, kind, a, b), found in zip(built.spans, per_clip, strict=True):
        truth = TRUTH[kind]
        got = [[mv.mode, mv.direction] for mv in found]
        right = not got if truth[0] == "NONE" else bool(got) and all(tuple(g) == truth for g in got)
        out.append(
            {
                "source": source,
                "truth": list(truth),
                "start_s": round(a - built.spans[0][2], 1),
                "end_s": round(b - built.spans[0][2], 1),
                "moves": got,
                "heights_m": [mv.height_m for mv in found],
                "confidences": [mv.confidence for mv in found],
                "bases": [[mv.basis, mv.score] for mv in found],
                "right": right,
            }
        )
    return out


def evaluate(root: Path) -> dict[str, Any]:
    """Every template in ``SEEDS`` draws, engine and baseline, both conventions."""
    jobs = [(name, seed) for seed in range(SEEDS) for name in TEMPLATES]
    records: list[dict[str, Any]] = []
    for name, seed in progress("sequences", jobs):
        built = build(root, name, seed)
        record: dict[str, Any] = {"sequence": built.name, "seed": seed}
        for convention in CONVENTIONS:
            tel = built.telemetry[convention]
            m = motion(tel)
            engine = score(built, detect_vertical(tel, m, detect_steps(tel, m)))
            base = score(built, baseline_moves(tel))
            record[convention] = {
                "engine": engine,
                "baseline": base,
                "engine_right": all(c["right"] for c in engine),
                "baseline_right": all(c["right"] for c in base),
            }
        records.append(record)
    return {"records": records, "summary": _summary(records)}


def _summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(records)}
    for convention in CONVENTIONS:
        for who in ("engine", "baseline"):
            clips = [c for r in records for c in r[convention][who]]
            moves = [c for c in clips if c["truth"][0] != "NONE"]
            walks = [c for c in clips if c["truth"][0] == "NONE"]
            first = [r[convention][f"{who}_right"] for r in records if r["seed"] == 0]
            out[f"{convention}.{who}"] = {
                "sequences_right": sum(r[convention][f"{who}_right"] for r in records),
                "first_draw_right": sum(first),
                "first_draw_n": len(first),
                "moves": share([c["right"] for c in moves]),
                "moves_n": len(moves),
                "walks_without_move": share([c["right"] for c in walks]),
                "walks_n": len(walks),
            }
            for kind in sorted({tuple(c["truth"]) for c in moves}):
                hits = [c["right"] for c in moves if tuple(c["truth"]) == kind]
                out[f"{convention}.{who}"]["/".join(kind)] = share(hits)
    out["reliability"] = _reliability(records)
    return out


RELIABILITY_BINS = (0.0, 0.5, 0.7, 0.9, 1.01)


def _reliability(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """How often an engine move of a given confidence is right (mode and direction the clip's;
    a move in a walk is wrong), every convention pooled: a calibrated 0.9 is right 9 in 10."""
    pairs = [
        (conf, tuple(mv) == tuple(c["truth"]))
        for r in records
        for convention in CONVENTIONS
        for c in r[convention]["engine"]
        for mv, conf in zip(c["moves"], c["confidences"], strict=True)
    ]
    out = []
    for lo, hi in itertools.pairwise(RELIABILITY_BINS):
        hits = [right for conf, right in pairs if lo <= conf < hi]
        out.append({"from": lo, "to": min(hi, 1.0), "n": len(hits), "right": share(hits)})
    return out


def table(report: dict[str, Any]) -> list[str]:
    """Sequences and moves right (engine | baseline) per convention, then every wrong clip."""
    s = report["summary"]
    lines = [
        f"SEQUENCES: {len(TEMPLATES)} courier rounds, {SEEDS} draws each, of real clips;"
        f" {RATE_HZ:g} Hz accel + barometer (ios: no gravity; android: with gravity) or"
        f" {PRESSURE_ONLY_HZ:g} Hz pressure only (engine | baseline)",
        f"{'convention':<13}{'sequences right':>17}{'first draws':>13}"
        f"{'moves right':>18}{'walks, no move':>18}",
    ]
    for convention in CONVENTIONS:
        e, b = s[f"{convention}.engine"], s[f"{convention}.baseline"]
        lines.append(
            f"{convention:<13}{e['sequences_right']:>8} | {b['sequences_right']:>2} of {s['n']:<3}"
            f"{e['first_draw_right']:>5} | {b['first_draw_right']} of {e['first_draw_n']}"
            f"  {pct(e['moves'])} | {pct(b['moves'])}"
            f"  {pct(e['walks_without_move'])} | {pct(b['walks_without_move'])}"
        )
    kinds = [k for k in s[f"{CONVENTIONS[0]}.engine"] if "/" in k]
    lines.append("moves right by kind (engine | baseline):")
    lines.append(f"{'':<13}" + "".join(f"{k:>18}" for k in kinds))
    for convention in CONVENTIONS:
        e, b = s[f"{convention}.engine"], s[f"{convention}.baseline"]
        lines.append(f"{convention:<13}" + "".join(f"{pct(e[k]):>9}|{pct(b[k]):>8}" for k in kinds))
    lines.append(
        "engine moves right by their confidence (all conventions): "
        + ", ".join(
            f"{b['from']:.1f}-{b['to']:.1f} {pct(b['right'])} of {b['n']}" for b in s["reliability"]
        )
    )
    lines.append("")
    lines.append("Clips the engine gets wrong, with what it found:")
    for convention in CONVENTIONS:
        for r in report["records"]:
            for c in r[convention]["engine"]:
                if c["right"]:
                    continue
                found = ", ".join(
                    f"{'/'.join(mv)} {h:+.1f} m"
                    for mv, h in zip(c["moves"], c["heights_m"], strict=True)
                )
                lines.append(
                    f"  ({convention}) {r['sequence']} {c['start_s']:.0f}-{c['end_s']:.0f} s"
                    f" {c['source']}: truth {'/'.join(c['truth'])}, engine {found or 'nothing'}"
                )
    return lines


SET = AccuracySet(
    name="sequences", folder="", also=("vertical", "elevators"), evaluate=evaluate, table=table
)
