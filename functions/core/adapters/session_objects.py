"""A session's objects in S3, and erasing them: everything of a session lives under one
prefix (``config/object_keys.py``), so erasing it is deleting that prefix, every version.

Kept apart from ``chunk_store`` (which reads and writes the chunks with numpy) so that the API
handler that erases sessions (manage) does not import numpy on a cold start.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from functions.core.config.object_keys import session_prefix

DELETE_BATCH = 1000
"""S3 DeleteObjects takes at most 1,000 keys a call."""


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
