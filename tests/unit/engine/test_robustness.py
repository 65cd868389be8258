"""The robustness sweep (``doorproof.accuracy.robustness``): each change does what it says to
a recording, and the figures it measures on the real sets are pinned (docs/engine-sensing.md,
"Robustness")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from doorproof.accuracy import robustness
from functions.engine.signal import relative_height
from functions.engine.telemetry import Telemetry, from_samples

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def _held(seconds: int = 20, rate: int = 50) -> Telemetry:
    """A phone at ``rate`` Hz whose barometer reads once a second (the SDK repeats it),
    climbing 0.2 m/s."""
    samples = [
        {
            "ts": 1_790_000_000.0 + i / rate,
            "imu": {"accel": [0.0, 0.0, 9.81]},
            "barometer": {"pressureHpa": 1013.25 - 0.12 * 0.2 * (i // rate)},
        }
        for i in range(seconds * rate)
    ]
    return from_samples(samples)


def _readings(tel: Telemetry) -> int:
    p = tel.pressure_hpa[np.isfinite(tel.pressure_hpa)]
    return int(1 + np.sum(p[1:] != p[:-1]))


def test_barometer_changes_act_on_readings_not_on_repeated_samples() -> None:
    tel, rng = _held(), np.random.default_rng(0)
    for change in (robustness.noise(0.03), robustness.drift(3.0), robustness.offset(25.0)):
        assert _readings(change(tel, rng)) == _readings(tel) == 20
    _, h = relative_height(tel)
    _, taller = relative_height(robustness.storey(4.5)(tel, rng))
    assert taller[-1] - taller[0] == pytest.approx((h[-1] - h[0]) * 4.5 / 3.9, rel=0.01)


def test_ten_hz_keeps_one_sample_a_tenth_of_a_second() -> None:
    slow = robustness.resample(_held(), np.random.default_rng(0))
    assert len(slow) == 200 and np.median(np.diff(slow.t)) == pytest.approx(0.1)


@pytest.fixture(scope="module")
def sweep() -> dict[str, Any]:
    if not all((DATA / s).is_dir() for s in ("vertical", "elevators", "entry")):
        pytest.skip(f"real recordings not found at {DATA.resolve()}")
    return robustness.evaluate(DATA)


def test_what_the_sweep_measures(sweep: dict[str, Any]) -> None:
    """An offset, a front's drift, 10 Hz and a missing gyroscope or gravity sensor change no
    verdict; a learned building counts every ride's floors from 2.7 to 4.5 m a storey. A noisy
    barometer (0.03 hPa per 1-Hz reading) raises the minimum height with the noise it
    measures, so its stays stay stays; what it still costs is pinned so that it cannot grow
    unseen: 3 points of vertical/ (short descents whose stale first reading the noise hides
    from the stale test, so they start lift-fast; a short climb under the raised minimum;
    87.1 % before engine 2026.12.11) and, on entry/ (pressure alone), the glass lobby's 2.8-m
    lift ride, merged with a noise-lifted rise after it into one move too slow for a lift."""
    v, e, n = sweep["vertical"], sweep["elevators"], sweep["entry"]
    for name in (
        "pressure +25 hPa",
        "drift +3 hPa/h",
        "10 Hz",
        "no gyroscope",
        "accelerometer only",
    ):
        assert v[name]["changed"] == 0, name
    assert v["noise 0.01 hPa"]["changed"] <= 1
    assert v["noise 0.03 hPa"]["right"] >= 96.2 and v["noise 0.03 hPa"]["changed"] <= 6
    for name, r in e.items():
        assert r["right"] == 100.0 and r["floors_learned"] == 100.0, name
    assert e["storey 4.5 m"]["floors_default"] < 20.0  # what learning is for
    for name in ("pressure +25 hPa", "drift +3 hPa/h"):
        assert n[name] == n["as recorded"], name
    assert n["noise 0.03 hPa"]["gate_ok"] >= 94.1 and n["noise 0.03 hPa"]["floors_ok"] >= 91.2
