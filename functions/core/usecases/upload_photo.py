"""POST /v1/sessions/{id}/pod: a presigned upload for the proof-of-delivery photo.

The phone uploads the JPEG straight to S3 at the session's photo key
(``config.object_keys.pod_photo_key``); nothing tells the API, and the insights view
shows the first JPEG found there (``usecases.insights_view``). Only the caller's own session
gets an upload.
"""

from __future__ import annotations

from typing import Any

from functions.core.config.object_keys import pod_photo_key
from functions.core.ports.sessions import Sessions
from functions.core.ports.storage import Uploads


class PhotoUpload:
    def __init__(self, sessions: Sessions, uploads: Uploads) -> None:
        self._sessions = sessions
        self._uploads = uploads

    def presign(self, tenant: str, session_id: str) -> dict[str, Any]:
        """``{"url", "fields"}`` of a POST valid for ``Uploads.ttl_s``; raises ``NotFound``
        for another tenant's or an unknown session."""
        self._sessions.get(tenant, session_id)
        return self._uploads.upload(pod_photo_key(session_id))
