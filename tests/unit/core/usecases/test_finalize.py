"""Finalization: when, exactly once, versions, events, failure."""

import pytest

from functions.core.config import names
from functions.core.wire.path_image import render_path
from tests.unit.core.conftest import T0, samples


def _store(world, sid, key, batch):
    """Accept ``batch`` and process its Firehose object (as the processor does)."""
    body = world.put_raw(key, world.accept(sid, batch))
    world.pipeline().handle(body, 1)


def test_stop_after_the_last_chunk_finalizes_once(world):
    sid = world.start()
    _store(world, sid, f"raw/{sid}/1", samples(T0, 100))
    assert world.engine.calls == []  # still recording

    world.stop(sid)
    first = world.finalizer().finalize(sid, "complete")
    again = world.finalizer().finalize(sid, "complete")

    assert (first.version, first.event) == (1, "insight.ready")
    assert (again.version, again.event) == (None, None)
    assert world.engine.calls == [(100, "stopped")]
    session = world.session(sid)
    assert session["insightsStatus"] == "ready"
    assert session["insightsVersion"] == 1
    assert "sweepAt" not in session and "sweepShard" not in session
    assert "pendingEvent" not in session
    document = world.insights.get(sid)
    assert document["status"] == "ready"
    assert document["version"] == 1
    assert document["engineVersion"] == "test-1"
    assert document["reasonCodes"] == ["FULL_ATTEMPT"]
    assert document["dataQuality"]["gapSec"] is None  # NaN is not JSON
    assert document["pathImageKey"] == f"sessions/{sid}/path.png"
    png = world.s3.get_object(Bucket=world.bucket, Key=document["pathImageKey"])["Body"].read()
    assert png.startswith(b"\x89PNG")
    assert world.bus.kinds() == ["insight.ready"]
    assert world.bus.published[0][1]["sessionId"] == sid


def test_the_served_path_image_marks_the_events(world):
    """The image the API serves is drawn with the insights' events (entry, lift, door)."""
    world.engine.events = [
        {"type": "GATE", "tStart": 0.5, "confidence": 0.9},
        {
            "type": "ELEVATOR",
            "tStart": 1.0,
            "confidence": 0.9,
            "metadata": {"floors": 4, "direction": "up"},
        },
        {"type": "STOPPED", "tStart": 1.5, "confidence": 0.9, "metadata": {"atDoor": True}},
    ]
    sid = world.start()
    _store(world, sid, f"raw/{sid}/1", samples(T0, 100))
    world.stop(sid)
    world.finalizer().finalize(sid, "complete")

    document = world.insights.get(sid)
    png = world.s3.get_object(Bucket=world.bucket, Key=document["pathImageKey"])["Body"].read()
    stored = world.session(sid)["address"]
    address = (float(stored["lat"]), float(stored["lng"]))
    path = document["path"]
    assert png == render_path(path, address, world.engine.events)
    assert png != render_path(path, address)


def test_stop_before_the_last_chunk_waits_for_it(world):
    sid = world.start()
    records = world.accept(sid, samples(T0, 50))
    world.stop(sid)

    assert world.finalizer().finalize(sid, "complete").version is None  # data not stored yet
    world.pipeline().handle(world.put_raw(f"raw/{sid}/1", records), 1)

    assert world.session(sid)["insightsVersion"] == 1
    assert world.engine.calls == [(50, "stopped")]
    assert world.bus.kinds() == ["insight.ready"]


def test_a_stopped_session_without_telemetry_is_finalized_empty(world):
    sid = world.start()
    world.stop(sid)
    outcome = world.finalizer().finalize(sid, "complete")
    assert outcome.version == 1
    assert world.engine.calls == [(0, "stopped")]
    assert "pathImageKey" not in world.insights.get(sid)  # no fix, no image


def test_late_data_recomputes_as_version_2(world):
    sid = world.start()
    _store(world, sid, f"raw/{sid}/1", samples(T0, 100))
    world.stop(sid)
    world.finalizer().finalize(sid, "complete")
    created = world.insights.get(sid)["createdAt"]

    world.clock_now += 60
    _store(world, sid, f"raw/{sid}/2", samples(T0 + 2, 100))

    document = world.insights.get(sid)
    assert document["version"] == 2
    assert document["createdAt"] == created
    assert document["updatedAt"] > created
    assert world.engine.calls[-1] == (200, "stopped")
    assert world.bus.kinds() == ["insight.ready", "insight.updated"]


def test_the_deadline_finalizes_incomplete_data_as_interrupted_and_the_rest_updates_it(world):
    sid = world.start()
    first = world.accept(sid, samples(T0, 50))
    lost = world.accept(sid, samples(T0 + 1, 50))
    world.pipeline().handle(world.put_raw(f"raw/{sid}/1", first), 1)
    world.stop(sid)

    outcome = world.finalizer().finalize(sid, "force")
    assert outcome.version == 1
    assert world.engine.calls == [(50, "interrupted")]
    assert world.insights.get(sid)["reasonCodes"] == ["TELEMETRY_STREAM_INTERRUPTED"]
    assert world.session(sid)["endReason"] == "interrupted"

    world.pipeline().handle(world.put_raw(f"raw/{sid}/2", lost), 1)
    assert world.engine.calls[-1] == (100, "stopped")
    assert world.insights.get(sid)["version"] == 2
    assert world.session(sid)["endReason"] == "stopped"


def test_a_timed_out_session_is_computed_with_end_reason_timeout(world):
    sid = world.start()
    world.table(names.SESSIONS_TABLE).update_item(
        Key={"sessionId": sid},
        UpdateExpression="SET #s = :c, endReason = :t, endedEpoch = :e",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "completed", ":t": "timeout", ":e": int(T0 + 60)},
    )
    world.finalizer().finalize(sid, "force")
    assert world.engine.calls == [(0, "timeout")]
    assert world.session(sid)["endReason"] == "timeout"


def test_racing_finalizers_commit_one_version_and_publish_one_event(world):
    sid = world.start()
    _store(world, sid, f"raw/{sid}/1", samples(T0, 20))
    world.stop(sid)
    inner = world.finalizer()
    engine = world.engine
    raced: list = []

    def racing_engine(telemetry, session, end_reason, storeys=None):
        if not raced:  # while the outer one computes, another processor commits
            raced.append(inner.finalize(sid, "complete"))
        return engine(telemetry, session, end_reason)

    outer = world.finalizer()
    outer._engine = racing_engine
    result = outer.finalize(sid, "complete")

    assert raced[0].version == 1
    assert result.version is None
    assert world.session(sid)["insightsVersion"] == 1
    assert world.bus.kinds() == ["insight.ready"]


def test_an_event_that_failed_to_publish_goes_out_on_the_retry(world):
    sid = world.start()
    world.stop(sid)
    world.bus.fail = True
    with pytest.raises(RuntimeError):
        world.finalizer().finalize(sid, "complete")
    assert world.session(sid)["pendingEvent"] == "insight.ready"

    world.bus.fail = False
    outcome = world.finalizer().finalize(sid, "complete")
    assert outcome.event == "insight.ready"
    assert world.bus.kinds() == ["insight.ready"]
    assert "pendingEvent" not in world.session(sid)
    assert world.session(sid)["insightsVersion"] == 1


def test_reprocess_recomputes_once_per_request(world):
    sid = world.start()
    world.stop(sid)
    world.finalizer().finalize(sid, "complete")

    assert world.finalizer().finalize(sid, "reprocess", from_version=1).version == 2
    assert world.finalizer().finalize(sid, "reprocess", from_version=1).version is None
    assert world.bus.kinds() == ["insight.ready", "insight.updated"]


def test_a_recording_session_is_never_finalized(world):
    sid = world.start()
    for mode in ("complete", "force", "reprocess"):
        assert world.finalizer().finalize(sid, mode).version is None
    assert world.engine.calls == []


def test_fail_records_status_failed_and_leaves_the_sweep_index(world):
    sid = world.start()
    world.stop(sid)
    outcome = world.finalizer().fail(sid, "ValueError: boom")

    assert outcome.event == "insight.failed"
    document = world.insights.get(sid)
    assert (document["status"], document["errorMessage"]) == ("failed", "ValueError: boom")
    session = world.session(sid)
    assert session["insightsStatus"] == "failed"
    assert "sweepAt" not in session
    # Nothing new stored: not due again until reprocess or late data.
    assert world.finalizer().finalize(sid, "complete").version is None
    assert world.finalizer().finalize(sid, "reprocess").event == "insight.ready"
