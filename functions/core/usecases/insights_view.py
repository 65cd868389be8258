"""The insights document as the API shows it (GET /v1/sessions/{id}/insights).

The stored document (``InsightsStore``) holds S3 keys, never URLs: URLs expire, documents do
not. This view adds the identity fields from the session, turns ``pathImageKey`` into a fresh
``pathImageUrl``, and shows the proof-of-delivery photo once it was uploaded (it is checked at
read time: the phone uploads straight to S3, nothing tells the API; the first JPEG uploaded is
the one shown, ``ObjectLinks.first_photo``). Before any computation the
document is ``status: processing`` with identity fields only.
"""

from __future__ import annotations

from typing import Any

from functions.core.config.object_keys import pod_photo_key
from functions.core.domain.session import Session
from functions.core.ports.storage import ObjectLinks
from functions.core.wire.models.insights import InsightsDocument, Pod

INTERNAL = ("pathImageKey",)


def public_document(
    session: dict[str, Any], stored: dict[str, Any] | None, presign: ObjectLinks
) -> InsightsDocument:
    state = Session.of(session)
    session_id = state.session_id
    photo = pod_photo_key(session_id)
    photo_version = presign.first_photo(photo)
    identity: dict[str, Any] = {
        "sessionId": session_id,
        "organizationId": state.organization_id,
        "deliveryId": state.delivery_id,
        "pod": Pod(url=presign.url(photo, photo_version)) if photo_version else None,
    }
    if stored is None:
        return InsightsDocument(**identity, status="processing")
    image = stored.get("pathImageKey")
    fields = {k: v for k, v in stored.items() if k not in INTERNAL}
    return InsightsDocument.model_validate(
        {**fields, **identity, "pathImageUrl": presign.url(image) if image else None}
    )
