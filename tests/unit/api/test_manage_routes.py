"""POST …/reprocess, POST …/pod, DELETE /v1/sessions/{id} through the real handler."""

import json

from functions.core.config import names
from functions.core.domain.principal import Principal
from functions.engine.version import ENGINE_VERSION
from tests.unit.api import gateway
from tests.unit.core.conftest import CALLER, T0, samples

STRANGER = Principal("org_2", "prj_1", "sandbox", "secret", "key_9")


def call(method, path, caller=CALLER, payload=None):
    return gateway.call(method, path, payload, caller=caller)


def test_reprocess_queues_a_recomputation_of_the_current_version(world):
    sid = world.start()
    assert call("POST", f"/v1/sessions/{sid}/reprocess")[0] == 409  # still recording
    world.stop(sid)
    world.finalizer().finalize(sid, "complete")

    status, body = call("POST", f"/v1/sessions/{sid}/reprocess")

    assert status == 202
    assert body == {
        "sessionId": sid,
        "insightsStatus": "ready",
        "fromVersion": 1,
        "engineVersion": ENGINE_VERSION,
    }
    sqs = world.mock.session.client("sqs")
    bodies = []
    while got := sqs.receive_message(
        QueueUrl=world.mock.resources.queue_url, MaxNumberOfMessages=10
    ).get("Messages"):
        bodies += [json.loads(m["Body"]) for m in got]
        sqs.delete_message_batch(
            QueueUrl=world.mock.resources.queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )
    request = {"type": "finalize", "sessionId": sid, "reason": "reprocess", "fromVersion": 1}
    assert request in bodies
    world.pipeline().handle(json.dumps(request), 1)
    assert world.session(sid)["insightsVersion"] == 2


def test_pod_upload_is_a_presigned_post_for_the_sessions_photo(world):
    sid = world.start()
    status, body = call("POST", f"/v1/sessions/{sid}/pod")
    assert status == 201
    assert body["method"] == "POST"
    assert body["fields"]["key"] == f"sessions/{sid}/pod.jpg"
    assert body["contentType"] == "image/jpeg"
    assert body["expiresInSec"] == names.PRESIGNED_URL_TTL_S


def test_another_tenants_session_does_not_exist(world):
    sid = world.start()
    for method, path in (
        ("POST", f"/v1/sessions/{sid}/reprocess"),
        ("POST", f"/v1/sessions/{sid}/pod"),
        ("DELETE", f"/v1/sessions/{sid}"),
    ):
        status, body = call(method, path, STRANGER)
        assert (status, body["error"]["code"]) == (404, "SESSION_NOT_FOUND")
    assert world.sessions.find(sid) is not None


def test_delete_erases_everything_and_then_the_session_is_gone(world):
    sid = world.start()
    body = world.put_raw(f"raw/{sid}", world.accept(sid, samples(T0, 20)))
    world.stop(sid)
    world.pipeline().handle(body, 1)
    world.s3.put_object(Bucket=world.bucket, Key=f"sessions/{sid}/pod.jpg", Body=b"jpeg")
    assert world.insights.get(sid) is not None

    assert call("DELETE", f"/v1/sessions/{sid}") == (204, None)

    assert world.sessions.find(sid) is None
    assert world.insights.get(sid) is None
    listed = world.s3.list_objects_v2(Bucket=world.bucket, Prefix=f"sessions/{sid}/")
    assert listed.get("KeyCount", 0) == 0
    versions = world.s3.list_object_versions(Bucket=world.bucket, Prefix=f"sessions/{sid}/")
    assert versions.get("Versions", []) == versions.get("DeleteMarkers", []) == []
    ledger = world.table(names.BATCHES_TABLE).query(
        KeyConditionExpression="sessionId = :s", ExpressionAttributeValues={":s": sid}
    )["Items"]
    assert [item["itemId"] for item in ledger] == ["erased"]  # the marker a stop finds
    assert call("DELETE", f"/v1/sessions/{sid}")[0] == 404
    # A redelivered object of the erased session resurrects nothing.
    world.pipeline().handle(body, 2)
    assert world.sessions.find(sid) is None
    assert world.chunks.keys(sid) == []


def test_reprocess_names_the_current_engine_by_word_or_by_version(world):
    sid = world.start()
    world.stop(sid)
    world.finalizer().finalize(sid, "complete")
    for asked in ("current", ENGINE_VERSION):
        status, body = call(
            "POST", f"/v1/sessions/{sid}/reprocess", payload={"engineVersion": asked}
        )
        assert (status, body["engineVersion"]) == (202, ENGINE_VERSION)
    status, body = call(
        "POST", f"/v1/sessions/{sid}/reprocess", payload={"engineVersion": "2019.1"}
    )
    assert (status, body["error"]["code"]) == (422, "ENGINE_VERSION_UNAVAILABLE")
    assert "2019.1" in body["error"]["message"] and ENGINE_VERSION in body["error"]["message"]


def test_patch_organises_a_session_and_returns_metadata_untouched(world):
    sid = world.start(tags=["vip"])
    metadata = {"ratio": 1.0, "nested": {"list": [1, 2.5, None, "x"]}, "big": 12345678901234567}
    status, body = call(
        "PATCH",
        f"/v1/sessions/{sid}",
        payload={
            "tags": ["b", "a", "b"],
            "title": "Parcel 7",
            "notes": "left",
            "metadata": metadata,
        },
    )
    assert status == 200, body
    assert (body["tags"], body["title"], body["notes"]) == (["b", "a"], "Parcel 7", "left")
    assert body["metadata"] == metadata and isinstance(body["metadata"]["ratio"], float)
    assert body["archived"] is False

    status, body = call("PATCH", f"/v1/sessions/{sid}", payload={"archived": True, "title": None})
    assert status == 200 and body["archived"] is True and body["archivedAt"]
    assert "title" not in body or body["title"] is None
    assert body["tags"] == ["b", "a"]  # fields not sent are left alone
    status, body = call("PATCH", f"/v1/sessions/{sid}", payload={"archived": False})
    assert body["archived"] is False and body.get("archivedAt") is None


def test_patch_refuses_what_it_cannot_keep(world):
    sid = world.start()
    for payload, field in (
        ({"metadata": {"x": "y" * 5000}}, "metadata"),
        ({"metadata": [1, 2]}, "metadata"),
        ({"tags": ["has#hash"]}, "tags.0"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"title": "t" * 201}, "title"),
    ):
        status, body = call("PATCH", f"/v1/sessions/{sid}", payload=payload)
        assert status == 422, payload
        assert body["error"]["details"][0]["field"] == field
    assert call("PATCH", f"/v1/sessions/{sid}", STRANGER, payload={"title": "x"})[0] == 404
