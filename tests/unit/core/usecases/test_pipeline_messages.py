"""The processor's messages: S3 notifications, test events, finalize requests, poison."""

import json

import pytest

from functions.core.adapters.processing_queue import finalize_body
from functions.core.config import names
from functions.core.wire.records import RecordError
from tests.unit.core.conftest import T0, s3_message, samples


def test_an_s3_key_is_url_decoded(world):
    sid = world.start()
    key = f"raw/2026/11/23/13/doorproof local+{sid}=1"
    world.pipeline().handle(world.put_raw(key, world.accept(sid, samples(T0, 10))), 1)
    assert world.session(sid)["storedPartsTotal"] == 1


def test_a_duplicate_delivery_counts_once_and_writes_one_chunk(world):
    sid = world.start()
    body = world.put_raw(f"raw/{sid}", world.accept(sid, samples(T0, 10)))
    world.stop(sid)
    world.pipeline().handle(body, 1)
    world.pipeline().handle(body, 2)

    session = world.session(sid)
    assert (session["storedPartsTotal"], session["storedSamplesTotal"]) == (1, 10)
    assert len(world.chunks.keys(sid)) == 1
    assert session["insightsVersion"] == 1


def test_a_record_firehose_wrote_twice_counts_once(world):
    sid = world.start()
    records = world.accept(sid, samples(T0, 10))
    world.stop(sid)
    world.pipeline().handle(world.put_raw(f"raw/{sid}/a", records), 1)
    world.pipeline().handle(world.put_raw(f"raw/{sid}/b", records), 1)

    assert world.session(sid)["storedPartsTotal"] == 1
    assert len(world.chunks.keys(sid)) == 2
    assert world.engine.calls == [(10, "stopped")]
    assert world.session(sid)["insightsVersion"] == 1


def test_records_of_an_erased_session_are_dropped(world):
    sid = world.start()
    records = world.accept(sid, samples(T0, 10))
    world.table(names.SESSIONS_TABLE).delete_item(Key={"sessionId": sid})
    world.pipeline().handle(world.put_raw(f"raw/{sid}", records), 1)
    assert world.chunks.keys(sid) == []
    assert world.sessions.find(sid) is None


def test_the_s3_test_event_is_ignored(world):
    world.pipeline().handle(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}), 1)


def test_a_finalize_message_finalizes(world):
    sid = world.start()
    world.stop(sid)
    world.pipeline().handle(finalize_body(sid, "stopped"), 1)
    assert world.session(sid)["insightsVersion"] == 1


@pytest.mark.parametrize(
    "body", ["[1]", json.dumps({"hello": 1}), finalize_body("ses_x", "whenever")]
)
def test_unknown_messages_fail(world, body):
    with pytest.raises(ValueError):
        world.pipeline().handle(body, 1)


def test_a_corrupt_object_fails_every_time(world):
    world.s3.put_object(Bucket=world.bucket, Key="raw/corrupt", Body=b'{"v":1,"s":')
    with pytest.raises(RecordError):
        world.pipeline().handle(s3_message(world.bucket, "raw/corrupt"), names.QUEUE_MAX_RECEIVES)


def test_an_engine_error_is_retried_then_recorded_as_failed(world):
    sid = world.start()
    world.stop(sid)
    world.engine.error = ZeroDivisionError("division by zero")
    pipeline = world.pipeline()

    with pytest.raises(RuntimeError):
        pipeline.handle(finalize_body(sid, "stopped"), 1)
    assert world.session(sid)["insightsStatus"] == "processing"

    with pytest.raises(RuntimeError):
        pipeline.handle(finalize_body(sid, "stopped"), names.QUEUE_MAX_RECEIVES)
    document = world.insights.get(sid)
    assert document["status"] == "failed"
    message = document["errorMessage"]
    assert "ZeroDivisionError" not in message and "division by zero" not in message
    assert f"POST /v1/sessions/{sid}/reprocess" in message
    incident = message.split("incident ")[1].split(";")[0]
    assert len(incident) == 12 and int(incident, 16) >= 0  # the key of the logged traceback
    assert world.bus.kinds() == ["insight.failed"]


def test_an_engine_output_the_api_would_refuse_fails_at_processing_time(world):
    sid = world.start()
    world.stop(sid)
    real = world.engine

    def bad_engine(telemetry, session, end_reason, storeys=None):
        return {**real(telemetry, session, end_reason), "reasonCodes": ["MADE_UP"]}

    world.engine = bad_engine
    with pytest.raises(RuntimeError):
        world.pipeline().handle(finalize_body(sid, "stopped"), names.QUEUE_MAX_RECEIVES)
    document = world.insights.get(sid)
    assert document["status"] == "failed"
    assert document["errorMessage"].startswith("insights could not be computed")
