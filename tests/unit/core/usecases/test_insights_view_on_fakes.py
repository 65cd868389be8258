"""The insights view (``public_document``) on the in-memory ``ObjectLinks`` fake."""

from functions.core.config.object_keys import path_image_key, pod_photo_key
from functions.core.usecases.insights_view import public_document
from tests.unit.core.usecases.fakes import FakeObjectLinks

SESSION = {"sessionId": "ses_v", "organizationId": "org_1", "deliveryId": "dlv_9"}
STORED = {
    "sessionId": "ses_v",
    "status": "ready",
    "version": 2,
    "reasonCodes": ["FULL_ATTEMPT"],
    "pathImageKey": path_image_key("ses_v"),
    "summary": {"fraudScore": 0.1, "frictionScore": 0.0, "visibilityScore": 1.0},
}


def test_before_any_computation_only_the_identity_shows() -> None:
    document = public_document(SESSION, None, FakeObjectLinks())
    assert document.status == "processing"
    assert (document.sessionId, document.organizationId, document.deliveryId) == (
        "ses_v",
        "org_1",
        "dlv_9",
    )
    assert document.pod is None and document.pathImageUrl is None


def test_the_photo_shows_its_first_upload_and_the_image_key_becomes_a_link() -> None:
    links = FakeObjectLinks()
    before = public_document(SESSION, STORED, links)
    links.photos[pod_photo_key("ses_v")] = "v1"
    after = public_document(SESSION, STORED, links)

    assert before.pod is None
    assert after.pod is not None and after.pod.type == "photo"
    assert after.pod.url == f"https://bucket.example/{pod_photo_key('ses_v')}?versionId=v1"
    assert after.pathImageUrl == f"https://bucket.example/{path_image_key('ses_v')}"
    assert after.version == 2 and after.reasonCodes == ["FULL_ATTEMPT"]
    assert "pathImageKey" not in after.model_dump()
