import base64
import json

from functions.core.adapters.presign import POD_MAX_BYTES, Presigner
from functions.core.adapters.session_objects import path_image_key, pod_photo_key
from functions.core.usecases.insights_view import public_document

SESSION = {"sessionId": "ses_v", "organizationId": "org_1", "deliveryId": "dlv_9"}


def test_processing_until_a_document_exists(world):
    document = public_document(SESSION, None, Presigner(world.s3, world.bucket))
    assert document.status == "processing"
    assert (document.sessionId, document.organizationId, document.deliveryId) == (
        "ses_v",
        "org_1",
        "dlv_9",
    )
    assert document.pod is None and document.pathImageUrl is None


def test_keys_become_fresh_presigned_urls_and_the_photo_shows_once_uploaded(world):
    stored = {
        "sessionId": "ses_v",
        "status": "ready",
        "version": 2,
        "reasonCodes": ["FULL_ATTEMPT"],
        "pathImageKey": path_image_key("ses_v"),
        "summary": {"fraudScore": 0.1, "frictionScore": 0.0, "visibilityScore": 1.0},
    }
    presigner = Presigner(world.s3, world.bucket, ttl_s=120)
    before = public_document(SESSION, stored, presigner)
    world.s3.put_object(Bucket=world.bucket, Key=pod_photo_key("ses_v"), Body=b"\xff\xd8\xffjpeg")
    after = public_document(SESSION, stored, presigner)

    assert before.pod is None
    assert after.pod is not None and after.pod.type == "photo"
    assert (
        "pod.jpg" in after.pod.url and "Expires=" in after.pod.url
    ) or "X-Amz-Expires=120" in after.pod.url
    assert before.pathImageUrl and "path.png" in before.pathImageUrl
    assert before.version == 2 and before.reasonCodes == ["FULL_ATTEMPT"]
    assert "pathImageKey" not in before.model_dump()


def test_the_upload_policy_pins_type_and_size(world):
    post = Presigner(world.s3, world.bucket).upload(pod_photo_key("ses_v"))
    assert post["fields"]["key"] == "sessions/ses_v/pod.jpg"
    assert post["fields"]["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert ["content-length-range", 1, POD_MAX_BYTES] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
