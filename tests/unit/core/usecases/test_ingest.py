"""Telemetry ingest against mocked DynamoDB, Firehose and S3: partial acceptance,
de-duplication, late data, isolation, and what reaches the stream."""

from __future__ import annotations

import gzip
import json
import math
from types import SimpleNamespace

import pytest

from functions.core.adapters.batch_ledger import BatchLedger
from functions.core.adapters.erased import ErasedMarkers
from functions.core.adapters.firehose_sink import FirehoseSink
from functions.core.adapters.session_repository import SessionRepository
from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.usecases.ingest import (
    TelemetryIngest,
    batch_digest,
    screen_samples,
)
from functions.core.usecases.lifecycle import SessionLifecycle
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.models.telemetry import TelemetryBatch
from functions.core.wire.records import header_of, iter_records

T0 = 1_763_900_000.0
ORG = Principal("org_a", "proj", "sandbox", "publishable", "key_a")
OTHER = Principal("org_b", "proj", "sandbox", "publishable", "key_b")


def sample(ts: float, **extra) -> dict:
    return {
        "ts": ts,
        "imu": {"accel": [0.1, 0.2, 9.8], "gyro": [0, 0, 0], "gravity": [], "attitude": []},
        "barometer": {"pressureHpa": 1013.2},
        **extra,
    }


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world(mocked_aws):
    clock = Clock(T0)
    sessions = SessionRepository(mocked_aws.table(names.SESSIONS_TABLE))
    finalized: list[str] = []
    lifecycle = SessionLifecycle(
        sessions,
        finalized.append,
        mocked_aws.settings,
        clock,
        erased=ErasedMarkers(mocked_aws.table(names.BATCHES_TABLE)),
        publish=lambda *_: None,
    )
    ingest = TelemetryIngest(
        sessions,
        BatchLedger(mocked_aws.table(names.BATCHES_TABLE), sessions),
        FirehoseSink(mocked_aws.session.client("firehose"), mocked_aws.settings.telemetry_stream),
        clock=clock,
    )
    started = lifecycle.start(ORG, StartSessionRequest(deliveryId="d1", sessionType="drop"))

    return SimpleNamespace(
        clock=clock,
        sessions=sessions,
        lifecycle=lifecycle,
        ingest=ingest,
        session_id=started.sessionId,
        finalized=finalized,
        aws=mocked_aws,
    )


def raw_records(w) -> list[dict]:
    s3 = w.aws.session.client("s3")
    bucket = w.aws.settings.data_bucket
    records: list[dict] = []
    for obj in s3.list_objects_v2(Bucket=bucket, Prefix=names.RAW_PREFIX).get("Contents", []):
        blob = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        if blob[:2] == b"\x1f\x8b":
            blob = gzip.decompress(blob)
        records.extend(iter_records(blob))
    return records


def send(w, events, session_id=None, who=ORG):
    return w.ingest.ingest(who, TelemetryBatch(sessionId=session_id or w.session_id, events=events))


def test_valid_batch_is_counted_and_reaches_firehose(world) -> None:
    result = send(world, [sample(T0 + i / 50) for i in range(250)])
    assert (result.accepted, result.rejected, result.duplicate) == (250, 0, False)
    item = world.sessions.get(ORG.tenant, world.session_id)
    assert item["acceptedSamplesTotal"] == 250 and item["acceptedBatchesTotal"] == 1
    assert item["acceptedPartsTotal"] == 1 and item["lastTelemetryAt"]
    headers = [header_of(r) for r in raw_records(world)]
    assert [(h.session_id, h.samples, h.tenant) for h in headers] == [
        (world.session_id, 250, ORG.tenant)
    ]


def test_invalid_samples_are_dropped_and_counted_valid_ones_kept(world) -> None:
    events = [
        sample(T0),
        {"ts": T0 + 0.02, "imu": {"accel": [1.0, 2.0]}},  # two accel values
        sample(T0 + 0.04, barometer={"pressureHpa": math.nan}),  # NaN
        sample(T0 + 0.06, position={"lat": 52.5, "lng": math.inf}),  # Infinity
        sample(T0 + 365 * 86400),  # a year away
        "not a sample",
        sample(T0 + 0.08),
    ]
    result = send(world, events)
    assert (result.accepted, result.rejected) == (2, 5)
    assert [r.index for r in result.rejections] == [1, 2, 3, 4, 5]
    assert "accel" in result.rejections[0].reason
    assert "time range" in result.rejections[3].reason
    item = world.sessions.get(ORG.tenant, world.session_id)
    assert (item["acceptedSamplesTotal"], item["rejectedSamplesTotal"]) == (2, 5)


def test_a_batch_with_no_valid_sample_is_refused_with_reasons(world) -> None:
    with pytest.raises(errors.Unprocessable) as caught:
        send(world, [{"ts": "yesterday"}, {"imu": {}}])
    assert caught.value.code == "NO_VALID_SAMPLES" and len(caught.value.details) == 2


def test_retried_identical_batch_is_stored_and_counted_once(world) -> None:
    events = [sample(T0 + i / 50) for i in range(100)]
    first = send(world, events)
    again = send(world, json.loads(json.dumps(events)))
    assert first.duplicate is False and again.duplicate is True and again.accepted == 0
    assert world.sessions.get(ORG.tenant, world.session_id)["acceptedSamplesTotal"] == 100
    assert len(raw_records(world)) == 1


def test_batch_identity_ignores_serialisation_order() -> None:
    a = [{"ts": 1.0, "imu": {"accel": [1, 2, 3], "gyro": []}}, {"ts": 1.02}]
    b = [{"imu": {"gyro": [], "accel": [1, 2, 3]}, "ts": 1.0}, {"ts": 1.02}]
    assert batch_digest("s", a) == batch_digest("s", b) != batch_digest("s2", a)
    assert batch_digest("s", a) != batch_digest("s", a[:1])
    assert batch_digest("s", ["junk"]) != batch_digest("s", [{"ts": 1.0}])


def test_late_batch_after_stop_is_accepted_within_grace_then_refused(world) -> None:
    send(world, [sample(T0)])
    world.clock.now = T0 + 60
    world.lifecycle.stop(ORG, world.session_id)
    late = send(world, [sample(T0 + 1)])
    assert late.late is True and late.accepted == 1
    world.clock.now = T0 + 60 + names.LATE_DATA_GRACE_S + 1
    with pytest.raises(errors.Conflict) as caught:
        send(world, [sample(T0 + 2)])
    assert caught.value.code == "SESSION_CLOSED"


def test_a_batch_sent_at_the_next_shift_after_a_weekend_is_late_data(world) -> None:
    send(world, [sample(T0)])
    world.clock.now = T0 + 60
    world.lifecycle.stop(ORG, world.session_id)
    world.clock.now = T0 + 4 * 24 * 3600  # the SDK retries only while a session records
    late = send(world, [sample(T0 + 30)])
    assert (late.late, late.accepted) == (True, 1)
    assert send(world, [sample(T0 + 30)]).duplicate is True


def test_unknown_and_foreign_sessions_are_not_found(world) -> None:
    with pytest.raises(errors.NotFound):
        send(world, [sample(T0)], session_id="ses_missing")
    with pytest.raises(errors.NotFound):
        send(world, [sample(T0)], who=OTHER)


def test_stop_is_idempotent_and_requests_finalization(world) -> None:
    first = world.lifecycle.stop(ORG, world.session_id)
    second = world.lifecycle.stop(ORG, world.session_id)
    assert first.status == second.status == "completed"
    assert world.finalized == [world.session_id, world.session_id]
    with pytest.raises(errors.NotFound):
        world.lifecycle.stop(ORG, "ses_never_started")
    with pytest.raises(errors.NotFound):
        world.lifecycle.stop(OTHER, world.session_id)


def test_screening_keeps_order_of_valid_samples() -> None:
    valid, rejections = screen_samples(
        [sample(3.0), {"ts": math.nan}, sample(1.0)], earliest=0, latest=10
    )
    assert [s["ts"] for s in valid] == [3.0, 1.0] and [r.index for r in rejections] == [1]


class FlakyFirehose:
    """Fails the first record of every call, then succeeds: PutRecordBatch's partial failure."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[bytes] = []

    def put_record_batch(self, DeliveryStreamName, Records):  # noqa: N803
        results = []
        for i, record in enumerate(Records):
            if i == 0 and self.failures:
                self.failures -= 1
                results.append({"ErrorCode": "ServiceUnavailableException"})
            else:
                self.delivered.append(record["Data"])
                results.append({"RecordId": "x"})
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedPutCount": failed, "RequestResponses": results}


def test_partially_failed_puts_are_retried_until_delivered() -> None:
    firehose = FlakyFirehose(failures=2)
    FirehoseSink(firehose, "s", sleep=lambda _s: None).put([b"a", b"b", b"c"])
    assert sorted(firehose.delivered) == [b"a", b"b", b"c"]


def test_persistent_failure_is_a_503_so_the_phone_retries() -> None:
    with pytest.raises(errors.ServiceUnavailable):
        FirehoseSink(FlakyFirehose(failures=99), "s", sleep=lambda _s: None).put([b"a"])
