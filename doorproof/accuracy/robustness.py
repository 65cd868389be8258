"""Robustness: the real recordings changed the way other phones and buildings would change them.

The judging recordings come from other phones, buildings and people. Their differences are
physical and few, so each is applied to the shared recordings as it would arise, and every
figure is printed beside the one as recorded:

- **barometer offset** (+25 hPa): another phone's calibration, another day's weather, another
  city's altitude. Heights are relative: nothing may move.
- **barometer drift** (+3 hPa an hour): a passing weather front at its fastest, or a
  building's ventilation (-25 m an hour in height).
- **barometer noise** (0.01 and 0.03 hPa sd, each reading its own, at the recordings' ~1
  reading a second): other phones' barometers (datasheets: 0.01-0.03 hPa RMS), on top of the
  iPhone's own.
- **storey height** (2.7, 3.3, 4.5 m): the elevators/ building's rides with their pressure
  change scaled from its ~3.9 m a storey (``ELEVATOR_STOREY_M``) to another building's; the
  ride's speed scales with it (taller storeys, faster lifts), the floors ridden do not.
- **10 Hz**: accelerometer, gyroscope and gravity averaged over each 0.1 s, one sample kept
  per 0.1 s (phones that stream slower than the recordings' 25-100 Hz).
- **no gyroscope**, and **accelerometer only** (no gyroscope, no gravity sensor): phones
  without them, or apps not subscribed.

Sets: vertical/ (every ``VERTICAL_EVERY``-th recording, scored against the labels corrected
by the sensors), elevators/ (every ``ELEVATOR_EVERY``-th ride: mode and direction, and floors
after the first ``elevator_floors.TARGET_K`` rides are learned in file order) and entry/
(doors and floorsClimbed, as in the entry set). Subsets keep the sweep near a minute; the
noise is seeded, so the sweep is deterministic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from doorproof.accuracy import elevator_floors, entry
from doorproof.accuracy.common import AccuracySet, labels, pct, progress, share
from doorproof.accuracy.vertical import CONTRADICTED, verdict
from doorproof.recordings import load_samples
from functions.engine.building import Storeys
from functions.engine.insights import SessionContext, compute_insights
from functions.engine.signal import motion, moving_mean
from functions.engine.steps import detect_steps
from functions.engine.telemetry import Telemetry, from_samples
from functions.engine.types import VerticalMove
from functions.engine.vertical import detect_vertical

VERTICAL_EVERY = 2
ELEVATOR_EVERY = 2
ELEVATOR_STOREY_M = 3.9
"""The elevators/ building's storey (its rides: 3.85 m median for one floor, 7.61 m for two,
12.21 m for three; docs/engine-sensing.md, "Building memory")."""
SEED = 9
RATE_HZ = 10.0


@dataclass(frozen=True)
class Change:
    """One physically plausible change of a recording and the sets it applies to."""

    name: str
    apply: Callable[[Telemetry, np.random.Generator], Telemetry]
    sets: tuple[str, ...]


def _per_reading(
    tel: Telemetry, change: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> Telemetry:
    """``change(times, values)`` applied to each barometer reading (the first sample of a run
    of equal values: the SDK repeats the latest reading on every IMU sample) and held with
    it, as the phone itself would have reported it."""
    p = tel.pressure_hpa.copy()
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return tel
    values = p[ok]
    new = np.r_[True, values[1:] != values[:-1]]
    run = np.cumsum(new) - 1
    p[ok] = change(tel.t[ok][new], values[new])[run]
    return dataclasses.replace(tel, pressure_hpa=p)


def offset(hpa: float) -> Callable[[Telemetry, np.random.Generator], Telemetry]:
    return lambda tel, _: _per_reading(tel, lambda t, p: p + hpa)


def drift(hpa_per_hour: float) -> Callable[[Telemetry, np.random.Generator], Telemetry]:
    return lambda tel, _: _per_reading(tel, lambda t, p: p + hpa_per_hour * (t - t[0]) / 3600.0)


def noise(sd_hpa: float) -> Callable[[Telemetry, np.random.Generator], Telemetry]:
    """Each barometer reading gets its own error."""
    return lambda tel, rng: _per_reading(tel, lambda t, p: p + rng.normal(0.0, sd_hpa, p.size))


def storey(metres: float) -> Callable[[Telemetry, np.random.Generator], Telemetry]:
    """Pressure changes scaled from ``ELEVATOR_STOREY_M`` a storey to ``metres``."""
    k = metres / ELEVATOR_STOREY_M
    return lambda tel, _: _per_reading(tel, lambda t, p: p[0] + (p - p[0]) * k)


def resample(tel: Telemetry, _: np.random.Generator) -> Telemetry:
    """One sample per 1/``RATE_HZ`` s, motion averaged over it (``Change`` "10 Hz")."""
    averaged = {}
    for name in ("accel", "gyro", "gravity"):
        x = getattr(tel, name)
        ok = np.isfinite(x).all(axis=1)
        if ok.any():
            y = x.copy()
            y[ok] = moving_mean(tel.t[ok], x[ok], 1.0 / RATE_HZ)
            averaged[name] = y
    tel = dataclasses.replace(tel, **averaged)
    slot = np.floor((tel.t - tel.t[0]) * RATE_HZ)
    keep = np.r_[True, slot[1:] != slot[:-1]]
    return Telemetry(**{f.name: getattr(tel, f.name)[keep] for f in dataclasses.fields(tel)})


def without(*names: str) -> Callable[[Telemetry, np.random.Generator], Telemetry]:
    return lambda tel, _: dataclasses.replace(
        tel, **{n: np.full_like(getattr(tel, n), np.nan) for n in names}
    )


PRESSURE_SETS = ("vertical", "elevators", "entry")
MOTION_SETS = ("vertical", "elevators")
CHANGES = (
    Change("as recorded", lambda tel, _: tel, PRESSURE_SETS),
    Change("pressure +25 hPa", offset(25.0), PRESSURE_SETS),
    Change("drift +3 hPa/h", drift(3.0), PRESSURE_SETS),
    Change("noise 0.01 hPa", noise(0.01), PRESSURE_SETS),
    Change("noise 0.03 hPa", noise(0.03), PRESSURE_SETS),
    Change("storey 2.7 m", storey(2.7), ("elevators",)),
    Change("storey 3.3 m", storey(3.3), ("elevators",)),
    Change("storey 4.5 m", storey(4.5), ("elevators",)),
    Change("10 Hz", resample, MOTION_SETS),
    Change("no gyroscope", without("gyro"), ("vertical",)),
    Change("accelerometer only", without("gyro", "gravity"), ("vertical",)),
)
"""Every change, in the order printed (elevators/ has no gyroscope to drop)."""


def _moves(tel: Telemetry) -> list[VerticalMove]:
    m = motion(tel)
    return detect_vertical(tel, m, detect_steps(tel, m))


def _vertical(root: Path, changes: Sequence[Change]) -> dict[str, Any]:
    rows = labels(root)[::VERTICAL_EVERY]
    got: dict[str, list[tuple[str, str]]] = {c.name: [] for c in changes}
    truth = []
    for row in progress("robustness: vertical", rows):
        tel = from_samples(load_samples(root / row["file"]))
        sensors = CONTRADICTED.get(row["file"])
        expected = (row["expected_vertical_mode"], row["expected_direction"])
        truth.append(sensors[:2] if sensors else expected)
        for c in changes:
            got[c.name].append(verdict(_moves(c.apply(tel, np.random.default_rng(SEED)))))
    plain = got[CHANGES[0].name]
    return {
        c.name: {
            "recordings": len(rows),
            "right": share([g == t for g, t in zip(got[c.name], truth, strict=True)]),
            "changed": sum(g != p for g, p in zip(got[c.name], plain, strict=True)),
        }
        for c in changes
    }


def _elevators(root: Path, changes: Sequence[Change]) -> dict[str, Any]:
    rows = labels(root)[::ELEVATOR_EVERY]
    rides: dict[str, list[elevator_floors.Ride]] = {c.name: [] for c in changes}
    right: dict[str, list[bool]] = {c.name: [] for c in changes}
    for row in progress("robustness: elevators", rows):
        tel = from_samples(load_samples(root / row["file"]))
        for c in changes:
            moves = _moves(c.apply(tel, np.random.default_rng(SEED)))
            right[c.name].append(verdict(moves) == ("ELEVATOR", row["direction"]))
            big = max(moves, key=lambda mv: abs(mv.height_m)) if moves else None
            rides[c.name].append(
                elevator_floors.Ride(
                    row["file"],
                    row["style"],
                    row["direction"],
                    int(row["floors"]),
                    None if big is None else big.height_m,
                )
            )
    k = elevator_floors.TARGET_K
    out = {}
    for c in changes:
        seen, rest = rides[c.name][:k], rides[c.name][k:]
        learned = elevator_floors.score(rest, elevator_floors.learned_storeys(seen))
        out[c.name] = {
            "rides": len(rows),
            "right": share(right[c.name]),
            "floors_learned": share([ok for ok, _ in learned]),
            "floors_default": share([ok for ok, _ in elevator_floors.score(rest, Storeys())]),
        }
    return out


def _entry(root: Path, changes: Sequence[Change]) -> dict[str, Any]:
    rows = labels(root)
    records: dict[str, list[dict[str, Any]]] = {c.name: [] for c in changes}
    for row in progress("robustness: entry", rows):
        samples = load_samples(root / row["file"])
        tel = from_samples(samples)
        truth = entry.flags(row["indoors_changes"])
        for c in changes:
            doc = compute_insights(c.apply(tel, np.random.default_rng(SEED)), SessionContext())
            record = entry.score_doors(row["file"], row["indoors_changes"], truth, doc, samples)
            record["floors_ok"] = doc["summary"]["floorsClimbed"] == entry.inside_floors(row, doc)
            records[c.name].append(record)
    out = {}
    for c in changes:
        e = entry.summary(records[c.name])["engine"]
        out[c.name] = {
            "walks": len(rows),
            "entries_found": e["entries_found"],
            "exits_found": e["exits_found"],
            "gate_ok": e["gate_ok"],
            "false_doors": e["false_doors"],
            "floors_ok": share([r["floors_ok"] for r in records[c.name]]),
        }
    return out


def evaluate(root: Path) -> dict[str, Any]:
    """Every set's figures under every change that applies to it (module docstring)."""
    return {
        name: run(root / name, [c for c in CHANGES if name in c.sets])
        for name, run in (("vertical", _vertical), ("elevators", _elevators), ("entry", _entry))
    }


def _delta(value: float | None, plain: float | None) -> str:
    if value is None or plain is None:
        return pct(value)
    return f"{pct(value)} ({value - plain:+.1f})"


def table(report: dict[str, Any]) -> list[str]:
    plain = CHANGES[0].name
    v, e, n = report["vertical"], report["elevators"], report["entry"]
    lines = [
        "ROBUSTNESS: the real recordings as other phones and buildings would send them"
        " (figure, change from as recorded)",
        f"  vertical/ (every {VERTICAL_EVERY}nd, {v[plain]['recordings']} recordings): mode +"
        " direction vs the labels corrected by the sensors; verdicts changed",
    ]
    lines += [
        f"    {name:<20} {_delta(r['right'], v[plain]['right'])}  changed {r['changed']}"
        for name, r in v.items()
    ]
    lines.append(
        f"  elevators/ (every {ELEVATOR_EVERY}nd, {e[plain]['rides']} rides): ELEVATOR in its"
        f" direction; floors after {elevator_floors.TARGET_K} rides learned (file order) |"
        " at 3.0 m"
    )
    lines += [
        f"    {name:<20} {_delta(r['right'], e[plain]['right'])}  floors"
        f" {_delta(r['floors_learned'], e[plain]['floors_learned'])} | {pct(r['floors_default'])}"
        for name, r in e.items()
    ]
    lines.append(
        f"  entry/ ({n[plain]['walks']} walks): entries, exits found; GATE right; false doors;"
        " floorsClimbed = the floors the flags put indoors"
    )
    lines += [
        f"    {name:<20} {pct(r['entries_found'])} {pct(r['exits_found'])}"
        f"  GATE {_delta(r['gate_ok'], n[plain]['gate_ok'])}  false {r['false_doors']}"
        f"  floors {_delta(r['floors_ok'], n[plain]['floors_ok'])}"
        for name, r in n.items()
    ]
    return lines


SET = AccuracySet(
    name="robustness",
    folder="",
    evaluate=evaluate,
    table=table,
    also=("vertical", "elevators", "entry"),
)
