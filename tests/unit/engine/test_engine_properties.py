"""Property: whatever samples the API accepts, the engine answers a document the API can serve
(a valid ``InsightsDocument``), INSUFFICIENT_DATA when there is too little: never an
exception. Hypothesis with a fixed seed and a bounded example budget (``make test`` time)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from functions.core.usecases.finalize import run_engine
from functions.core.wire.models.insights import InsightsDocument
from functions.core.wire.models.telemetry import SAMPLES
from functions.engine.telemetry import from_samples

T0 = 1_790_000_000.0
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
vec3: st.SearchStrategy[list[float]] = st.one_of(
    st.just([]), st.lists(finite, min_size=3, max_size=3)
)
imu = st.fixed_dictionaries(
    {},
    optional={
        "accel": vec3,
        "gyro": vec3,
        "gravity": vec3,
        "attitude": st.one_of(st.just([]), st.lists(finite, min_size=4, max_size=4)),
    },
)
position = st.fixed_dictionaries(
    {
        "lat": st.floats(min_value=-90, max_value=90),
        "lng": st.floats(min_value=-180, max_value=180),
    },
    optional={
        "accuracyM": st.floats(min_value=0, max_value=1e4),
        "altitudeM": finite,
        "speedMps": finite,
        "bearingDeg": finite,
    },
)
barometer = st.fixed_dictionaries(
    {"pressureHpa": st.floats(min_value=100.01, max_value=1199.99)},
    optional={"relativeAltitudeM": finite},
)
sample = st.fixed_dictionaries(
    {"ts": st.floats(min_value=T0 - 3600, max_value=T0 + 3600)},
    optional={
        "imu": imu,
        "position": position,
        "barometer": barometer,
        "magnetometer": st.fixed_dictionaries({"x": finite, "y": finite, "z": finite}),
    },
)
address = st.fixed_dictionaries(
    {},
    optional={
        "lat": st.floats(min_value=-90, max_value=90),
        "lng": st.floats(min_value=-180, max_value=180),
        "line1": st.text(max_size=40),
        "rawAddress": st.text(max_size=40),
    },
)


def session(address_: dict[str, Any], session_type: str, ended: float | None) -> dict[str, Any]:
    return {
        "sessionId": "ses_prop",
        "organizationId": "org",
        "deliveryId": "d",
        "sessionType": session_type,
        "address": address_,
        "createdEpoch": T0,
        "endedEpoch": ended,
    }


@seed(12)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    samples=st.lists(sample, max_size=120),
    address_=address,
    session_type=st.sampled_from(["pickup", "drop", "transit"]),
    ended=st.one_of(st.none(), st.floats(min_value=T0, max_value=T0 + 7200)),
    end_reason=st.sampled_from(["stopped", "timeout", "interrupted"]),
)
def test_any_accepted_input_gives_a_servable_document(
    samples, address_, session_type, ended, end_reason
) -> None:
    accepted = SAMPLES.dump_python(SAMPLES.validate_python(samples), exclude_none=True)
    document = run_engine(
        from_samples(accepted), session(address_, session_type, ended), end_reason
    )
    document.pop("path", None)
    served = InsightsDocument.model_validate(
        {
            **document,
            "sessionId": "ses_prop",
            "organizationId": "org",
            "deliveryId": "d",
            "status": "ready",
        }
    )
    assert served.reasonCodes
    if len(accepted) < 2:
        assert "INSUFFICIENT_DATA" in served.reasonCodes
    for event in served.events:
        assert math.isfinite(event.tStart)
