"""The processing pipeline end to end on the local stack: real HTTP in, Firehose (moto) → S3 →
SQS → the poller → the real processor, the sweep timer, the EventBridge bus out.

Ordering is made deterministic by *holding* the processor: a fake takes its place, keeps the
message bodies and reports success, and the test puts those bodies back on the queue when it
wants them processed (or never, for a lost batch). Time passing is simulated by moving a
session's ``sweepAt`` into the past: the sweeper then acts on its next tick (1 s), exactly as
it would once the real inactivity timeout or finalize deadline had elapsed.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import pytest

from functions.core.adapters.session_objects import SessionObjects
from functions.core.config import names
from functions.core.domain.timestamps import iso
from functions.engine import insights as insights_module
from functions.engine.version import ENGINE_VERSION
from tests.integration.conftest import LocalApi, wait_for
from tests.integration.test_api import call, error_code, samples

pytestmark = pytest.mark.integration
T0 = time.time() - 60
"""Sample times near now: ingest rejects samples far outside the session."""


class Hold:
    """Stands in for the processor: keeps message bodies, processes nothing."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._lock:
            self.bodies.extend(r["body"] for r in event["Records"])
        return {"batchItemFailures": []}

    def object_keys(self) -> list[str]:
        return [
            unquote_plus(r["s3"]["object"]["key"])
            for body in self.bodies
            for r in json.loads(body).get("Records", [])
        ]


class Events:
    """Every insight event on the bus, via a rule → SQS target made for these tests."""

    def __init__(self, api: LocalApi) -> None:
        session = api.stack.session()
        self._sqs = session.client("sqs")
        self._url = self._sqs.create_queue(QueueName=f"insight-events-{uuid.uuid4().hex[:8]}")[
            "QueueUrl"
        ]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events, bus = session.client("events"), api.stack.resources.bus
        rule = f"pipeline-tests-{uuid.uuid4().hex[:8]}"
        pattern = {"source": [names.EVENT_SOURCE]}
        events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
        self._seen: list[dict[str, Any]] = []

    def of(self, session_id: str) -> list[str]:
        """Detail types published for ``session_id`` so far, in order."""
        while True:
            got = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not got:
                break
            for message in got:
                self._seen.append(json.loads(message["Body"]))
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
        return [e["detail-type"] for e in self._seen if e["detail"]["sessionId"] == session_id]


class Pipeline:
    """A test's view of the stack: device and backend calls, internals, holding."""

    def __init__(self, api: LocalApi, events: Events) -> None:
        self.api = api
        self.org = api.keys[0]
        self.events = events
        boto = api.stack.session()
        self.sessions = boto.resource("dynamodb").Table(names.SESSIONS_TABLE.physical("local"))
        self.sqs = boto.client("sqs")
        self.s3 = boto.client("s3")

    # device
    def start(self) -> str:
        answer = call(
            self.api,
            "POST",
            "/v1/sessions/start",
            self.org.publishable_key,
            {"deliveryId": f"dlv_{uuid.uuid4().hex[:6]}", "sessionType": "drop"},
        )
        assert answer.status == 201, answer.body
        return str(answer.json()["sessionId"])

    def send(self, session_id: str, start: float, n: int = 250) -> None:
        batch = {"sessionId": session_id, "events": samples(start, n)}
        answer = call(self.api, "POST", "/v1/telemetry", self.org.publishable_key, batch)
        assert answer.status == 202, answer.body

    def stop(self, session_id: str) -> None:
        answer = call(
            self.api,
            "POST",
            "/v1/sessions/stop",
            self.org.publishable_key,
            {"sessionId": session_id},
        )
        assert answer.status == 200, answer.body

    # backend
    def session(self, session_id: str) -> dict[str, Any]:
        """GET /v1/sessions/{id}: the session resource, as a backend reads it."""
        answer = call(self.api, "GET", f"/v1/sessions/{session_id}", self.org.secret_key)
        assert answer.status == 200, answer.body
        return answer.json()

    def insights(self, session_id: str) -> dict[str, Any]:
        answer = call(self.api, "GET", f"/v1/sessions/{session_id}/insights", self.org.secret_key)
        assert answer.status == 200, answer.body
        return answer.json()

    def wait_version(
        self, session_id: str, version: int, timeout_s: float = 20.0
    ) -> dict[str, Any]:
        wait_for(lambda: self.insights(session_id)["version"] >= version, timeout_s)
        document = self.insights(session_id)
        assert document["version"] == version
        return document

    # internals
    def item(self, session_id: str) -> dict[str, Any]:
        return self.sessions.get_item(Key={"sessionId": session_id}, ConsistentRead=True)["Item"]

    def all_stored(self, session_id: str) -> bool:
        item = self.item(session_id)
        return bool(item["storedPartsTotal"] >= item["acceptedPartsTotal"] > 0)

    def overdue(self, session_id: str) -> None:
        """As if the session's inactivity timeout or finalize deadline had elapsed."""
        self.sessions.update_item(
            Key={"sessionId": session_id},
            UpdateExpression="SET sweepAt = :past",
            ExpressionAttributeValues={":past": iso(time.time() - 1)},
        )

    def requeue(self, bodies: list[str]) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.api.stack.resources.queue_url, MessageBody=body)

    def second_batch_held(self) -> tuple[str, Hold]:
        """A recording session whose first batch is stored and whose second is held."""
        session_id = self.start()
        self.send(session_id, T0)
        wait_for(lambda: self.all_stored(session_id))
        hold = self.hold()
        self.send(session_id, T0 + 5)
        wait_for(lambda: hold.bodies)
        return session_id, hold

    def hold(self) -> Hold:
        hold = Hold()
        self.api.handlers["processor"] = hold
        return hold

    def release(self) -> None:
        self.api.handlers.pop("processor", None)


@pytest.fixture(scope="module")
def events(local_api: LocalApi) -> Events:
    return Events(local_api)


@pytest.fixture
def pipe(local_api: LocalApi, events: Events) -> Iterator[Pipeline]:
    pipeline = Pipeline(local_api, events)
    yield pipeline
    pipeline.release()


def test_stop_after_the_last_chunk(pipe: Pipeline) -> None:
    sid = pipe.start()
    pipe.send(sid, T0)
    pipe.send(sid, T0 + 5)
    wait_for(lambda: pipe.all_stored(sid))
    assert pipe.insights(sid)["status"] == "processing"

    pipe.stop(sid)
    document = pipe.wait_version(sid, 1)

    assert document["status"] == "ready"
    assert document["engineVersion"]
    assert document["createdAt"] == document["updatedAt"]
    assert pipe.item(sid)["storedSamplesTotal"] == 500
    assert "sweepAt" not in pipe.item(sid)
    with urllib.request.urlopen(document["pathImageUrl"], timeout=10) as image:
        assert image.read().startswith(b"\x89PNG")
    wait_for(lambda: pipe.events.of(sid) == ["insight.ready"])


def test_stop_before_the_last_chunk_then_duplicate_and_redelivered_objects(pipe: Pipeline) -> None:
    sid, hold = pipe.second_batch_held()
    pipe.stop(sid)
    time.sleep(1.5)  # the stop's finalize message went through the holder
    assert pipe.insights(sid)["status"] == "processing"

    pipe.release()
    pipe.requeue(hold.bodies)  # the last chunk, after the stop
    first = pipe.wait_version(sid, 1)
    assert pipe.item(sid)["storedSamplesTotal"] == 500

    # The same S3 notification delivered twice more: counted once, no new version.
    pipe.requeue(hold.bodies + hold.bodies)
    # Firehose writing the same object again under another key: a second chunk, same data.
    source = next(k for k in hold.object_keys() if k.startswith(names.RAW_PREFIX))
    bucket = pipe.api.stack.resources.bucket
    copy = f"{names.RAW_PREFIX}redelivered/{uuid.uuid4().hex}"
    pipe.s3.copy_object(Bucket=bucket, Key=copy, CopySource={"Bucket": bucket, "Key": source})
    chunks = f"{names.SESSIONS_PREFIX}{sid}/chunks/"
    wait_for(lambda: pipe.s3.list_objects_v2(Bucket=bucket, Prefix=chunks)["KeyCount"] == 3)
    time.sleep(1.0)

    item = pipe.item(sid)
    assert (item["storedPartsTotal"], item["storedSamplesTotal"]) == (2, 500)
    assert pipe.insights(sid)["version"] == 1
    assert pipe.insights(sid)["updatedAt"] == first["updatedAt"]
    assert pipe.events.of(sid) == ["insight.ready"]


def test_a_late_batch_produces_version_2(pipe: Pipeline) -> None:
    sid = pipe.start()
    pipe.send(sid, T0)
    pipe.stop(sid)
    first = pipe.wait_version(sid, 1)

    pipe.send(sid, T0 + 5)  # the phone's retry, after the stop
    second = pipe.wait_version(sid, 2)

    assert second["createdAt"] == first["createdAt"]
    assert second["updatedAt"] > first["updatedAt"]
    assert pipe.item(sid)["storedSamplesTotal"] == 500
    wait_for(lambda: pipe.events.of(sid) == ["insight.ready", "insight.updated"])


def test_a_session_never_stopped_ends_with_session_timeout(pipe: Pipeline) -> None:
    sid = pipe.start()
    pipe.send(sid, T0)
    wait_for(lambda: pipe.all_stored(sid))

    assert pipe.session(sid)["statusDetail"] == "recording"
    pipe.overdue(sid)
    document = pipe.wait_version(sid, 1)

    assert "SESSION_TIMEOUT" in document["reasonCodes"]
    session = pipe.session(sid)
    assert (session["status"], session["endReason"]) == ("completed", "timeout")
    assert session["statusDetail"] is None


def test_a_lost_batch_ends_with_telemetry_stream_interrupted(pipe: Pipeline) -> None:
    sid, lost = pipe.second_batch_held()
    pipe.release()  # the held object is not processed: lost, until it turns up below
    pipe.stop(sid)
    time.sleep(1.5)
    assert pipe.insights(sid)["status"] == "processing"
    session = pipe.session(sid)
    assert (session["endReason"], session["statusDetail"]) == ("stopped", "waiting_for_data")

    pipe.overdue(sid)
    document = pipe.wait_version(sid, 1)

    assert "TELEMETRY_STREAM_INTERRUPTED" in document["reasonCodes"]
    assert document["status"] == "ready"
    session = pipe.session(sid)
    assert (session["status"], session["endReason"]) == ("completed", "interrupted")
    assert session["statusDetail"] is None

    pipe.requeue(lost.bodies)  # the batch reaches storage after all: a normal stop
    pipe.wait_version(sid, 2)
    assert pipe.session(sid)["endReason"] == "stopped"


def test_status_detail_is_computing_while_a_stop_or_a_reprocess_waits(pipe: Pipeline) -> None:
    sid = pipe.start()
    pipe.send(sid, T0)
    wait_for(lambda: pipe.all_stored(sid))
    hold = pipe.hold()
    pipe.stop(sid)
    wait_for(lambda: hold.bodies)  # the stop's finalize request, held
    session = pipe.session(sid)
    assert (session["status"], session["statusDetail"]) == ("completed", "computing")
    assert session["insightsStatus"] == "processing"

    pipe.release()
    pipe.requeue(hold.bodies)
    pipe.wait_version(sid, 1)
    assert pipe.session(sid)["statusDetail"] is None

    hold = pipe.hold()
    answer = call(pipe.api, "POST", f"/v1/sessions/{sid}/reprocess", pipe.org.secret_key)
    assert answer.status == 202
    session = pipe.session(sid)
    assert (session["insightsStatus"], session["statusDetail"]) == ("ready", "computing")
    wait_for(lambda: hold.bodies)
    pipe.release()
    pipe.requeue(hold.bodies)
    pipe.wait_version(sid, 2)
    assert pipe.session(sid)["statusDetail"] is None


def test_failed_processing_shows_an_error_code_and_a_message_without_internals(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine fails on every receive of the session's messages (the processor runs
    in-process, so the engine is swapped where ``run_engine`` imports it)."""
    doomed: set[str] = set()
    real = insights_module.compute

    def compute(tel: Any, ctx: Any, storeys: Any = None) -> Any:
        if ctx.session_id in doomed:
            raise RuntimeError("engine exploded reading table doorproof-local-secret")
        return real(tel, ctx, storeys)

    monkeypatch.setattr(insights_module, "compute", compute)
    sid = pipe.start()
    doomed.add(sid)
    pipe.send(sid, T0)
    pipe.stop(sid)
    # Each receive fails; the last of names.QUEUE_MAX_RECEIVES records the failure.
    wait_for(lambda: pipe.session(sid)["insightsStatus"] == "failed", 60)

    session = pipe.session(sid)
    assert session["status"] == "completed"  # the session ended; its insights failed
    assert session["errorCode"] == "PROCESSING_FAILED"
    assert f"POST /v1/sessions/{sid}/reprocess" in session["errorMessage"]
    assert "exploded" not in session["errorMessage"] and "secret" not in session["errorMessage"]
    assert session["terminalOutcome"] is None and session["statusDetail"] is None
    last = session["insightsHistory"][-1]
    assert (last["status"], last["trigger"], last["errorCode"]) == (
        "failed",
        "retries-exhausted",
        "PROCESSING_FAILED",
    )
    assert pipe.insights(sid)["status"] == "failed"
    wait_for(lambda: pipe.events.of(sid) == ["insight.failed"])

    doomed.clear()  # fixed: a reprocess clears the error
    answer = call(pipe.api, "POST", f"/v1/sessions/{sid}/reprocess", pipe.org.secret_key)
    assert answer.status == 202
    pipe.wait_version(sid, int(session["insightsVersion"]) + 1)
    session = pipe.session(sid)
    assert (session["errorCode"], session["errorMessage"]) == (None, None)
    assert session["insightsStatus"] == "ready" and session["terminalOutcome"]


def test_a_poison_object_reaches_the_dlq_without_blocking_others(pipe: Pipeline) -> None:
    resources = pipe.api.stack.resources
    marker = uuid.uuid4().hex
    poison = f"{names.RAW_PREFIX}poison/{marker}"
    pipe.s3.put_object(Bucket=resources.bucket, Key=poison, Body=b'{"v": 1, "s": "broken')
    sid = pipe.start()
    pipe.send(sid, T0)
    pipe.stop(sid)
    pipe.wait_version(sid, 1)  # processed while the poison object is retried

    def poison_in_dlq() -> bool:
        got = pipe.sqs.receive_message(
            QueueUrl=resources.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        return any(marker in m["Body"] for m in got.get("Messages", []))

    wait_for(poison_in_dlq, timeout_s=30)


def test_reprocess_recomputes_as_a_new_version(pipe: Pipeline) -> None:
    sid = pipe.start()
    pipe.send(sid, T0)
    pipe.stop(sid)
    first = pipe.wait_version(sid, 1)

    answer = call(pipe.api, "POST", f"/v1/sessions/{sid}/reprocess", pipe.org.secret_key)
    assert answer.status == 202
    assert answer.json() == {
        "sessionId": sid,
        "insightsStatus": "ready",
        "fromVersion": 1,
        "engineVersion": ENGINE_VERSION,
    }
    second = pipe.wait_version(sid, 2)

    assert second["reasonCodes"] == first["reasonCodes"]
    wait_for(lambda: pipe.events.of(sid) == ["insight.ready", "insight.updated"])


def test_pod_photo_upload_shows_in_the_insights(pipe: Pipeline) -> None:
    sid = pipe.start()
    answer = call(pipe.api, "POST", f"/v1/sessions/{sid}/pod", pipe.org.secret_key)
    assert answer.status == 201
    upload: dict[str, Any] = answer.json()
    photo = b"\xff\xd8\xff\xe0 a jpeg"
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in upload["fields"].items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="pod.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        upload["url"],
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    urllib.request.urlopen(request, timeout=10).close()

    pod = pipe.insights(sid)["pod"]
    assert pod["type"] == "photo"
    with urllib.request.urlopen(pod["url"], timeout=10) as got:
        assert got.read() == photo


def test_delete_erases_the_session_and_its_data(pipe: Pipeline) -> None:
    sid = pipe.start()
    pipe.send(sid, T0)
    pipe.stop(sid)
    pipe.wait_version(sid, 1)
    bucket = pipe.api.stack.resources.bucket

    answer = call(pipe.api, "DELETE", f"/v1/sessions/{sid}", pipe.org.secret_key)
    assert answer.status == 204 and answer.body == b""
    assert "content-type" not in answer.headers and answer.headers["x-request-id"]

    for path in (f"/v1/sessions/{sid}", f"/v1/sessions/{sid}/insights"):
        assert call(pipe.api, "GET", path, pipe.org.secret_key).status == 404
    listed = pipe.s3.list_objects_v2(Bucket=bucket, Prefix=f"{names.SESSIONS_PREFIX}{sid}/")
    assert listed["KeyCount"] == 0
    batches = (
        pipe.api.stack.session().resource("dynamodb").Table(names.BATCHES_TABLE.physical("local"))
    )
    ledger = batches.query(
        KeyConditionExpression="sessionId = :s", ExpressionAttributeValues={":s": sid}
    )
    assert [item["itemId"] for item in ledger["Items"]] == ["erased"]  # for the phone's stop


def test_a_session_erased_while_recording_shows_end_reason_deleted_until_it_is_gone(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DELETE that fails half way (S3 down once, after the session was marked) leaves a
    session that says why it ended; the repeated DELETE finishes, the phone's stop works."""
    sid = pipe.start()
    pipe.send(sid, T0)
    real = SessionObjects.delete_session
    outages = [sid]

    def delete_session(self: SessionObjects, session_id: str) -> int:
        if session_id in outages:
            outages.remove(session_id)
            raise ConnectionError("S3 is unreachable")
        return real(self, session_id)

    monkeypatch.setattr(SessionObjects, "delete_session", delete_session)

    failed = call(pipe.api, "DELETE", f"/v1/sessions/{sid}", pipe.org.secret_key)
    assert failed.status == 500 and error_code(failed) == "INTERNAL_ERROR"
    session = pipe.session(sid)
    assert (session["status"], session["endReason"]) == ("recording", "deleted")

    assert call(pipe.api, "DELETE", f"/v1/sessions/{sid}", pipe.org.secret_key).status == 204
    assert call(pipe.api, "GET", f"/v1/sessions/{sid}", pipe.org.secret_key).status == 404
    stop = call(pipe.api, "POST", f"/v1/sessions/{sid}/stop", pipe.org.publishable_key)
    assert stop.status == 200 and stop.json() == {"sessionId": sid, "status": "completed"}
