"""The processor's messages (``Pipeline``) on in-memory fakes: S3 notifications, test events,
finalize requests, poison, and what the last receive of a failing message records."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.core.config import names
from functions.core.usecases.finalize import Finalizer
from functions.core.usecases.pipeline import Pipeline
from functions.core.usecases.sessionize import SessionizedWriter
from functions.core.wire.finalize_requests import finalize_body
from functions.core.wire.models.sessions import StartSessionRequest
from functions.core.wire.records import RecordError
from tests.unit.core.conftest import CALLER, T0, encoded, s3_message, samples
from tests.unit.core.usecases.fakes import (
    Clock,
    FakeChunks,
    FakeEngine,
    FakeEvents,
    FakeFirehoseObjects,
    FakeInsights,
    FakeSessions,
    FakeStoredRecords,
)

BUCKET = "data"


class World:
    def __init__(self) -> None:
        self.sessions = FakeSessions()
        self.chunks = FakeChunks()
        self.objects = FakeFirehoseObjects()
        self.insights = FakeInsights()
        self.bus = FakeEvents()
        self.engine = FakeEngine()
        clock = Clock(T0 + 3600)
        self.finalizer = Finalizer(
            self.sessions, self.insights, self.chunks, self.bus, engine=self.engine, clock=clock
        )
        writer = SessionizedWriter(
            self.sessions, self.chunks, FakeStoredRecords(self.sessions), clock=clock
        )
        self.pipeline = Pipeline(self.objects, writer, self.finalizer)

    def start(self) -> str:
        request = StartSessionRequest(deliveryId="dlv_1", sessionType="drop")
        return str(self.sessions.create(CALLER, request, T0, 7200.0)["sessionId"])

    def accept(self, session_id: str, batch: list[dict[str, Any]]) -> list[bytes]:
        """What ingest does for an accepted batch: Firehose records, counts on the session."""
        records = encoded(session_id, batch)
        item = self.sessions.items[session_id]
        item["acceptedPartsTotal"] += len(records)
        item["acceptedSamplesTotal"] += len(batch)
        return records

    def put_raw(self, key: str, records: list[bytes]) -> str:
        """A Firehose object; returns the S3 notification's message body."""
        self.objects.objects[(BUCKET, key)] = b"".join(records)
        return s3_message(BUCKET, key)

    def stop(self, session_id: str) -> None:
        self.sessions.stop(CALLER.tenant, session_id, T0 + 600, 900.0)


@pytest.fixture
def world() -> World:
    return World()


def test_an_s3_key_is_url_decoded(world: World) -> None:
    sid = world.start()
    key = f"raw/2026/11/23/13/doorproof local+{sid}=1"
    world.pipeline.handle(world.put_raw(key, world.accept(sid, samples(T0, 10))), 1)
    assert world.sessions.items[sid]["storedPartsTotal"] == 1


def test_a_duplicate_delivery_counts_once_and_finalizes_once(world: World) -> None:
    sid = world.start()
    body = world.put_raw(f"raw/{sid}", world.accept(sid, samples(T0, 10)))
    world.stop(sid)
    world.pipeline.handle(body, 1)
    world.pipeline.handle(body, 2)

    session = world.sessions.items[sid]
    assert (session["storedPartsTotal"], session["storedSamplesTotal"]) == (1, 10)
    assert len(world.chunks.chunks) == 1
    assert session["insightsVersion"] == 1
    assert world.engine.calls == [(10, "stopped")]
    assert world.bus.kinds() == ["insight.ready"]


def test_a_session_completed_by_a_later_object_is_finalized_then(world: World) -> None:
    sid = world.start()
    first = world.accept(sid, samples(T0, 10))
    second = world.accept(sid, samples(T0 + 1, 10))
    world.stop(sid)
    world.pipeline.handle(world.put_raw(f"raw/{sid}/a", first), 1)
    assert world.engine.calls == []  # a part is still on its way
    world.pipeline.handle(world.put_raw(f"raw/{sid}/b", second), 1)
    assert world.engine.calls == [(20, "stopped")]


def test_records_of_an_erased_session_are_dropped(world: World) -> None:
    sid = world.start()
    records = world.accept(sid, samples(T0, 10))
    world.sessions.delete(sid)
    world.pipeline.handle(world.put_raw(f"raw/{sid}", records), 1)
    assert world.chunks.chunks == {}
    assert world.engine.calls == []


def test_the_s3_test_event_is_ignored(world: World) -> None:
    world.pipeline.handle(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}), 1)
    assert world.engine.calls == [] and world.bus.published == []


def test_a_finalize_message_finalizes(world: World) -> None:
    sid = world.start()
    world.stop(sid)
    world.pipeline.handle(finalize_body(sid, "stopped"), 1)
    assert world.sessions.items[sid]["insightsVersion"] == 1


@pytest.mark.parametrize(
    "body", ["[1]", json.dumps({"hello": 1}), finalize_body("ses_x", "whenever")]
)
def test_unknown_messages_fail(world: World, body: str) -> None:
    with pytest.raises(ValueError):
        world.pipeline.handle(body, 1)


def test_a_corrupt_object_fails_every_time(world: World) -> None:
    body = world.put_raw("raw/corrupt", [b'{"v":1,"s":'])
    with pytest.raises(RecordError):
        world.pipeline.handle(body, names.QUEUE_MAX_RECEIVES)


def test_an_engine_error_is_retried_then_recorded_as_failed(world: World) -> None:
    sid = world.start()
    world.stop(sid)
    world.engine.error = ZeroDivisionError("division by zero")

    with pytest.raises(RuntimeError):
        world.pipeline.handle(finalize_body(sid, "stopped"), 1)
    assert world.sessions.items[sid]["insightsStatus"] == "processing"

    with pytest.raises(RuntimeError):
        world.pipeline.handle(finalize_body(sid, "stopped"), names.QUEUE_MAX_RECEIVES)
    document = world.insights.get(sid)
    assert document is not None and document["status"] == "failed"
    message = document["errorMessage"]
    assert "ZeroDivisionError" not in message and "division by zero" not in message
    assert f"POST /v1/sessions/{sid}/reprocess" in message
    incident = message.split("incident ")[1].split(";")[0]
    assert len(incident) == 12 and int(incident, 16) >= 0  # the key of the logged traceback
    assert world.bus.kinds() == ["insight.failed"]


def test_an_engine_output_the_api_would_refuse_fails_at_processing_time(world: World) -> None:
    sid = world.start()
    world.stop(sid)
    real = world.engine

    def bad_engine(telemetry: Any, session: Any, end_reason: Any, storeys: Any = None) -> Any:
        return {**real(telemetry, session, end_reason), "reasonCodes": ["MADE_UP"]}

    world.finalizer._engine = bad_engine
    with pytest.raises(RuntimeError):
        world.pipeline.handle(finalize_body(sid, "stopped"), names.QUEUE_MAX_RECEIVES)
    document = world.insights.get(sid)
    assert document is not None and document["status"] == "failed"
    assert document["errorMessage"].startswith("insights could not be computed")
