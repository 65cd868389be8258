"""Where a session's objects live in S3, and erasing them: ``sessions/<sessionId>/`` holds
the telemetry chunks (``chunks/``), the path image (``path.png``) and the proof-of-delivery
photo (``pod.jpg``), so erasing a session is deleting one prefix.

Kept apart from ``chunk_store`` (which reads and writes the chunks with numpy) so that the API
handlers that only name these objects (reads, manage) do not import numpy on a cold start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from functions.core.config import names

CHUNKS = "chunks/"
PATH_IMAGE = "path.png"
POD_PHOTO = "pod.jpg"
DELETE_BATCH = 1000
"""S3 DeleteObjects takes at most 1,000 keys a call."""


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


class SessionObjects:
    """A session's objects in the data bucket. ``s3`` is a boto3 S3 client."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix`` (paginated)."""
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def delete_session(self, session_id: str) -> int:
        """Erase everything under the session's prefix, every version of it: the bucket is
        versioned, and a plain delete would only hide the data behind a delete marker, to
        survive as noncurrent versions until the lifecycle expires them. Returns how many
        versions (and delete markers) went."""
        versions = list(self._versions(session_prefix(session_id)))
        for start in range(0, len(versions), DELETE_BATCH):
            batch = versions[start : start + DELETE_BATCH]
            self._s3.delete_objects(
                Bucket=self._bucket,
                Delete={
                    "Objects": [{"Key": k, "VersionId": v} for k, v in batch],
                    "Quiet": True,
                },
            )
        return len(versions)

    def _versions(self, prefix: str) -> Iterator[tuple[str, str]]:
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
                yield item["Key"], item["VersionId"]
