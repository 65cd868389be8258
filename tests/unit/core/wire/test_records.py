"""The Firehose record format is lossless against the SDK's JSON and much smaller."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest

from functions.core.wire.record_decoding import decode_record
from functions.core.wire.records import RecordError, encode_batch, header_of, iter_records
from functions.engine.telemetry import Telemetry, from_samples


def sdk_samples(n: int, seed: int = 1) -> list[dict]:
    """Samples as the SDK sends them: baro/position/context repeated on every IMU sample."""
    rng = random.Random(seed)
    out = []
    position: dict[str, Any] = {
        "lat": 52.520008,
        "lng": 13.404954,
        "accuracyM": 4.5,
        "speedMps": 1.2,
        "source": "gps",
    }
    for i in range(n):
        if i % 50 == 0:
            position = {**position, "lat": position["lat"] + 1e-5}
        out.append(
            {
                "ts": 1_763_900_000.0 + i * 0.02 + rng.random() * 1e-3,
                "imu": {
                    "accel": [rng.uniform(-12, 12) for _ in range(3)],
                    "gyro": [rng.uniform(-1, 1) for _ in range(3)],
                    "gravity": [0.1, 0.2, 9.79],
                    "attitude": [],
                },
                "barometer": {"pressureHpa": 1013.25 - (i // 25) * 0.01, "relativeAltitudeM": None},
                "position": position,
                "context": {"screenOn": i < n // 2, "network": "wifi", "batteryLevel": 0.8},
            }
        )
    return out


def _decode_all(records: list[bytes]) -> Telemetry:
    return Telemetry.merge([decode_record(r) for r in iter_records(b"".join(records))])


def assert_same(a: Telemetry, b: Telemetry) -> None:
    for name, col in a.columns().items():
        other = b.columns()[name]
        if col.dtype.kind in "US":
            assert col.tolist() == other.tolist(), name
        else:
            np.testing.assert_array_equal(col, other, err_msg=name)


def test_round_trip_is_lossless() -> None:
    samples = sdk_samples(250)
    records = encode_batch(samples, session_id="ses_1", tenant="o#p#sandbox", batch_id="b1")
    assert len(records) == 1 and records[0].endswith(b"\n")
    decoded = _decode_all(records)
    expected = from_samples(samples)
    np.testing.assert_allclose(decoded.t, expected.t, rtol=0, atol=1e-6)
    assert_same(decoded, Telemetry(**{**expected.columns(), "t": decoded.t}))


def test_record_is_much_smaller_than_sdk_json() -> None:
    samples = sdk_samples(250)
    sdk_bytes = len(json.dumps({"sessionId": "ses_1", "events": samples}).encode())
    ours = sum(len(r) for r in encode_batch(samples, session_id="ses_1", tenant="t", batch_id="b"))
    assert ours < 0.6 * sdk_bytes


def test_large_batch_splits_under_limit_and_keeps_every_sample() -> None:
    samples = sdk_samples(2000)
    records = encode_batch(samples, session_id="s", tenant="t", batch_id="b", limit_bytes=40_000)
    assert len(records) > 1
    assert all(len(r) <= 40_000 for r in records)
    headers = [header_of(r) for r in iter_records(b"".join(records))]
    assert {h.parts for h in headers} == {len(records)}
    assert sum(h.samples for h in headers) == 2000
    assert len(_decode_all(records)) == 2000


def test_concatenated_records_without_separator_are_read() -> None:
    a = encode_batch(sdk_samples(10), session_id="s1", tenant="t", batch_id="a")[0]
    b = encode_batch(sdk_samples(10, 2), session_id="s2", tenant="t", batch_id="b")[0]
    records = list(iter_records(a.rstrip(b"\n") + b.rstrip(b"\n")))
    assert [r["s"] for r in records] == ["s1", "s2"]


def test_missing_sensors_decode_as_absent() -> None:
    samples = [
        {
            "ts": 1.0 + i,
            "imu": {"accel": [0.0, 0.0, 9.8], "gyro": [], "gravity": [], "attitude": []},
        }
        for i in range(5)
    ]
    samples[3]["barometer"] = {"pressureHpa": 1000.0}
    tel = _decode_all(encode_batch(samples, session_id="s", tenant="t", batch_id="b"))
    assert np.isnan(tel.gyro).all()
    assert np.isnan(tel.pressure_hpa[:3]).all() and tel.pressure_hpa[3] == 1000.0
    assert np.isnan(tel.pressure_hpa[4])


@pytest.mark.parametrize("blob", [b'{"v": 1, "s": "x"', b'{"hello": 1}', b"[1, 2]"])
def test_corrupt_objects_raise(blob: bytes) -> None:
    with pytest.raises(RecordError):
        for record in iter_records(blob):
            decode_record(record)


def test_readings_out_of_sample_order_are_corrupt() -> None:
    samples = [{"ts": 1.0 + i, "barometer": {"pressureHpa": 1000.0 + i}} for i in range(5)]
    record = json.loads(encode_batch(samples, session_id="s", tenant="t", batch_id="b")[0])
    record["bar"] = [record["bar"][3], record["bar"][1]]
    with pytest.raises(RecordError, match="sample order"):
        decode_record(record)
