"""The sweeper: silent sessions end with a timeout, overdue stops are forced."""

import json

import pytest

from functions.core.adapters.processing_queue import ProcessingQueue
from functions.core.config import names
from functions.core.domain.timestamps import iso
from functions.core.usecases.sweep import Sweeper
from tests.unit.core.conftest import T0, samples

LEASE_S = 900.0


@pytest.fixture
def queue(world, request):
    """A queue of this test's own, so the finalize requests it sees are its own."""
    sqs = world.mock.session.client("sqs")
    return sqs, sqs.create_queue(QueueName=request.node.name[:80])["QueueUrl"]


def _sweeper(world, queue, now):
    sqs, url = queue
    return Sweeper(
        world.sessions,
        ProcessingQueue(sqs, url),
        lease_s=LEASE_S,
        clock=lambda: now,
    )


def _requests(queue):
    sqs, url = queue
    out: list[dict] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        if not got.get("Messages"):
            return out
        for m in got["Messages"]:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_a_silent_recording_session_is_ended_at_its_last_activity(world, queue):
    sid = world.start()
    world.table(names.SESSIONS_TABLE).update_item(
        Key={"sessionId": sid},
        UpdateExpression="SET lastTelemetryAt = :t",
        ExpressionAttributeValues={":t": iso(T0 + 300)},
    )
    report = _sweeper(world, queue, T0 + 7200 + 1).sweep()

    assert sid in report.timed_out
    session = world.session(sid)
    assert (session["status"], session["endReason"]) == ("completed", "timeout")
    assert session["endedEpoch"] == T0 + 300
    assert session["sweepAt"] == iso(T0 + 7201 + LEASE_S)
    assert {"type": "finalize", "sessionId": sid, "reason": "deadline"} in _requests(queue)


def test_sessions_before_their_sweep_time_are_left_alone(world, queue):
    sid = world.start()
    stopped = world.start()
    world.stop(stopped, now=T0 + 10)

    report = _sweeper(world, queue, T0 + 60).sweep()

    assert sid not in report.timed_out + report.finalize_requested
    assert stopped not in report.finalize_requested
    assert world.session(sid)["status"] == "recording"


def test_an_overdue_stop_is_forced_once_per_lease(world, queue):
    sid = world.start()
    world.accept(sid, samples(T0, 10))  # accepted, never stored
    world.stop(sid, now=T0 + 60)
    due = T0 + 60 + 900 + 1

    assert sid in _sweeper(world, queue, due).sweep().finalize_requested
    assert sid not in _sweeper(world, queue, due + 1).sweep().finalize_requested  # leased
    assert sid in _sweeper(world, queue, due + LEASE_S + 1).sweep().finalize_requested
    requests = [r for r in _requests(queue) if r["sessionId"] == sid]
    assert requests == [{"type": "finalize", "sessionId": sid, "reason": "deadline"}] * 2

    world.pipeline().handle(json.dumps(requests[0]), 1)
    assert world.engine.calls == [(0, "interrupted")]
    assert "sweepAt" not in world.session(sid)
    assert sid not in _sweeper(world, queue, due + 10 * LEASE_S).sweep().finalize_requested
