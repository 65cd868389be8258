"""Telemetry ingest (``TelemetryIngest``) on in-memory fakes of its ports: exactly-once
accounting with a retrying phone, late data, refusals."""

from typing import Any

import pytest

from functions.core.config import names
from functions.core.domain import errors
from functions.core.domain.principal import Principal
from functions.core.domain.timestamps import iso
from functions.core.usecases.ingest import TelemetryIngest, batch_digest
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.models.telemetry import TelemetryBatch
from functions.core.wire.records import header_of, iter_records
from tests.unit.core.usecases.fakes import Clock, FakeBatches, FakeSessions, FakeSink

PHONE = Principal("org_1", "prj_1", "sandbox", "publishable", "key_p")
T0 = 1_790_000_000.0
INACTIVITY_S = 300.0


def sample(ts: float) -> dict:
    return {"ts": ts, "imu": {"accel": [0.1, 0.2, 9.8], "gyro": [0.0, 0.0, 0.0]}}


class World:
    def __init__(self) -> None:
        self.clock = Clock(T0)
        self.sessions = FakeSessions()
        self.batches = FakeBatches(self.sessions)
        self.sink = FakeSink()
        self.ingest = TelemetryIngest(
            self.sessions,
            self.batches,
            self.sink,
            inactivity_s=INACTIVITY_S,
            clock=self.clock,
        )
        request = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")
        self.session_id = self.sessions.create(PHONE, request, T0, INACTIVITY_S)["sessionId"]

    def send(self, events: list, who: Principal = PHONE):
        return self.ingest.ingest(who, TelemetryBatch(sessionId=self.session_id, events=events))

    @property
    def session(self) -> dict:
        return self.sessions.items[self.session_id]


@pytest.fixture
def world() -> World:
    return World()


def test_a_batch_is_forwarded_and_counted_on_the_session(world: World) -> None:
    world.clock.now = T0 + 10
    answer = world.send([sample(T0 + i / 50) for i in range(100)] + [{"ts": "x"}])
    assert (answer.accepted, answer.rejected, answer.duplicate) == (100, 1, False)
    assert [header_of(r).samples for r in iter_records(b"".join(world.sink.records))] == [100]
    assert world.session["acceptedSamplesTotal"] == 100
    assert world.session["rejectedSamplesTotal"] == 1
    assert world.session["acceptedPartsTotal"] == len(world.sink.records)
    # a recording session's inactivity deadline moves with its telemetry
    assert world.session["lastTelemetryAt"] == iso(T0 + 10)
    assert world.session["sweepAt"] == iso(T0 + 10 + INACTIVITY_S)


def test_a_retried_batch_is_a_duplicate_and_stored_once(world: World) -> None:
    events = [sample(T0 + i) for i in range(5)]
    world.send(events)
    again = world.send(events)
    assert again.duplicate and again.accepted == 0
    assert len(world.sink.records) == 1 and world.session["acceptedSamplesTotal"] == 5
    state = world.batches.states[(world.session_id, batch_digest(world.session_id, events))]
    assert state["duplicates"] == 1


def test_a_batch_whose_records_did_not_reach_firehose_goes_through_on_retry(
    world: World,
) -> None:
    events = [sample(T0 + i) for i in range(5)]
    world.sink.error = errors.ServiceUnavailable("firehose throttled")
    with pytest.raises(errors.ServiceUnavailable):
        world.send(events)
    assert world.session["acceptedSamplesTotal"] == 0  # nothing counted: still pending
    world.sink.error = None
    assert world.send(events).accepted == 5
    assert world.session["acceptedSamplesTotal"] == 5


def test_a_twin_request_that_committed_first_makes_this_one_a_duplicate(world: World) -> None:
    events = [sample(T0 + i) for i in range(3)]

    class Twin(FakeBatches):
        def commit(self, *args: Any, **kwargs: Any) -> bool:
            super().commit(*args, **kwargs)  # the twin's commit
            return super().commit(*args, **kwargs)

    world.ingest = TelemetryIngest(world.sessions, Twin(world.sessions), world.sink)
    answer = world.send(events)
    assert answer.duplicate and answer.accepted == 0
    assert world.session["acceptedSamplesTotal"] == 3  # counted once, by the twin


def test_a_batch_without_a_valid_sample_is_refused_and_nothing_is_sent(world: World) -> None:
    with pytest.raises(errors.Unprocessable) as refused:
        world.send([{"ts": "yesterday"}, {"imu": {}}])
    assert refused.value.code == "NO_VALID_SAMPLES" and len(refused.value.details) == 2
    assert world.sink.records == [] and world.session["acceptedBatchesTotal"] == 0


def test_late_data_is_taken_within_the_grace_then_the_session_is_closed(world: World) -> None:
    world.sessions.stop(PHONE.tenant, world.session_id, T0 + 60, 900.0)
    deadline = world.session["sweepAt"]
    world.clock.now = T0 + 60 + names.LATE_DATA_GRACE_S
    late = world.send([sample(T0 + 1)])
    assert late.late and late.accepted == 1
    assert world.session["sweepAt"] == deadline  # a stopped session's deadline stays
    world.clock.now += 1
    with pytest.raises(errors.Conflict) as closed:
        world.send([sample(T0 + 2)])
    assert closed.value.code == "SESSION_CLOSED"


def test_another_tenants_session_is_not_found(world: World) -> None:
    stranger = Principal("org_2", "prj_1", "sandbox", "publishable", "key_x")
    with pytest.raises(errors.NotFound):
        world.send([sample(T0)], who=stranger)
    assert world.sink.records == []
