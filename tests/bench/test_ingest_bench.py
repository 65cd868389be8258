"""Ingest cost per SDK batch (250 samples: 5 s at 50 Hz, gzip), next to the floor of merely
gunzipping and parsing the same body, measured in the same run; and the bytes Firehose
receives per sample next to the SDK's JSON bytes per sample.

The handler runs its whole path (entry wrapper, gzip, Powertools routing and validation,
per-sample screening, batch digest, record encoding) with in-memory adapters, so the figure
is our code's cost, not moto's. ``make bench`` writes reports/bench.json.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from typing import Any

import pytest

from doorproof.local.lambda_context import context_for
from functions.api import telemetry
from functions.core.config import names, settings
from functions.core.domain.principal import Principal
from functions.core.usecases.ingest import TelemetryIngest
from functions.core.wire.records import encode_batch

CALLER = Principal("org_bench", "proj", "sandbox", "publishable", "key_bench")
T0 = 1_763_900_000.0


def sdk_batch(n: int = 250, seed: int = 7) -> dict[str, Any]:
    """A batch as the Android SDK sends it: every reading repeated on every IMU sample."""
    rng = random.Random(seed)
    events = []
    for i in range(n):
        events.append(
            {
                "ts": T0 + i / 50 + rng.random() * 1e-4,
                "imu": {
                    "accel": [rng.gauss(0, 2), rng.gauss(0, 2), 9.81 + rng.gauss(0, 2)],
                    "gyro": [rng.gauss(0, 0.3) for _ in range(3)],
                    "gravity": [0.12, 0.31, 9.8],
                    "attitude": [0.01, 0.02, 0.7, 0.71],
                },
                "barometer": {
                    "pressureHpa": round(1013.25 - (i // 25) * 0.012, 3),
                    "relativeAltitudeM": round((i // 25) * 0.1, 2),
                },
                "position": {
                    "lat": 52.520008 + (i // 50) * 1e-5,
                    "lng": 13.404954,
                    "accuracyM": 4.8,
                    "altitudeM": 38.2,
                    "speedMps": 1.3,
                    "bearingDeg": 181.0,
                    "source": "gps",
                },
                "context": {
                    "screenOn": True,
                    "appForeground": True,
                    "batteryLevel": 0.77,
                    "charging": False,
                    "network": "cellular",
                    "motionActivity": "walking",
                },
                "magnetometer": {"x": 21.4, "y": -3.2, "z": -40.1},
            }
        )
    return {"sessionId": "ses_bench", "events": events}


class Sessions:
    def get(self, tenant: str, session_id: str) -> dict[str, Any]:
        return {"sessionId": session_id, "status": "recording", "createdEpoch": T0}


class Ledger:
    def claim(self, *_: Any) -> bool:
        return True

    def commit(self, *_: Any, **__: Any) -> bool:
        return True


class Sink:
    def __init__(self) -> None:
        self.bytes = 0

    def put(self, records: list[bytes]) -> None:
        self.bytes += sum(len(r) for r in records)


@pytest.fixture
def event() -> dict[str, Any]:
    body = gzip.compress(json.dumps(sdk_batch()).encode())
    return {
        "version": "2.0",
        "routeKey": "POST /v1/telemetry",
        "rawPath": "/v1/telemetry",
        "rawQueryString": "",
        "headers": {"content-encoding": "gzip", "content-type": "application/json"},
        "requestContext": {
            "requestId": "bench",
            "http": {"method": "POST", "path": "/v1/telemetry", "sourceIp": "127.0.0.1"},
            "routeKey": "POST /v1/telemetry",
            "stage": "$default",
            "authorizer": {"lambda": CALLER.to_context()},
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def test_ingest_handler_per_batch(benchmark, event, monkeypatch) -> None:
    for var, value in settings.environment_for("bench", "123456789012").items():
        monkeypatch.setenv(var, value)  # the handler checks its settings first, as deployed
    settings.get_settings.cache_clear()
    ingest = TelemetryIngest(Sessions(), Ledger(), Sink(), clock=lambda: T0 + 10)  # type: ignore[arg-type]
    monkeypatch.setattr(telemetry, "ingest", lambda: ingest)
    context = context_for(
        names.FUNCTIONS["telemetry"], stage="bench", region="us-east-1", account="123456789012"
    )
    result = benchmark(telemetry.handler, event, context)
    assert result["statusCode"] == 202 and json.loads(result["body"])["accepted"] == 250


def test_gunzip_and_parse_only_per_batch(benchmark, event) -> None:
    def floor() -> dict[str, Any]:
        return json.loads(gzip.decompress(base64.b64decode(event["body"])))

    assert len(benchmark(floor)["events"]) == 250


def test_firehose_bytes_per_sample(benchmark) -> None:
    batch = sdk_batch()
    sdk_bytes = len(json.dumps(batch, separators=(",", ":")).encode())

    def encode() -> list[bytes]:
        return encode_batch(
            batch["events"], session_id="ses_bench", tenant=CALLER.tenant, batch_id="b" * 32
        )

    ours = sum(len(r) for r in benchmark(encode))
    benchmark.extra_info.update(
        sdk_json_bytes_per_sample=round(sdk_bytes / 250, 1),
        firehose_bytes_per_sample=round(ours / 250, 1),
        ratio=round(ours / sdk_bytes, 3),
    )
    print(
        f"\nSDK JSON {sdk_bytes / 250:.1f} B/sample; Firehose record {ours / 250:.1f} "
        f"B/sample ({ours / sdk_bytes:.0%})"
    )
    assert ours < sdk_bytes / 2
