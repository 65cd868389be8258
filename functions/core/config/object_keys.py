"""Where a session's objects live in the data bucket: ``sessions/<sessionId>/`` holds the
telemetry chunks (``chunks/``), the path image (``path.png``) and the proof-of-delivery photo
(``pod.jpg``), so erasing a session is deleting one prefix.

Names only (the standard library, no boto3, no numpy): the use cases that hand out a key
(the photo upload, the insights view) and the stores that write them share this one layout.
"""

from __future__ import annotations

import hashlib

from functions.core.config import names

CHUNKS = "chunks/"
PATH_IMAGE = "path.png"
POD_PHOTO = "pod.jpg"


def session_prefix(session_id: str) -> str:
    """Everything stored for a session lives under this prefix (chunks, images, photo)."""
    return f"{names.SESSIONS_PREFIX}{session_id}/"


def path_image_key(session_id: str) -> str:
    return session_prefix(session_id) + PATH_IMAGE


def pod_photo_key(session_id: str) -> str:
    return session_prefix(session_id) + POD_PHOTO


def source_digest(source_key: str) -> str:
    """A Firehose object's name in what is derived from it (its chunks, its ledger item)."""
    return hashlib.sha256(source_key.encode("utf-8")).hexdigest()[:32]


def chunk_key(session_id: str, source_key: str) -> str:
    return f"{session_prefix(session_id)}{CHUNKS}{source_digest(source_key)}.npz"
