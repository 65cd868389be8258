"""Time-limited S3 URLs: how the API hands out images and takes the proof-of-delivery photo.

Why presigned URLs and not bytes through the API: API Gateway caps payloads (10 MB) and bills
by the byte, and a phone uploading a photo should talk to S3 directly. URLs are made at read
time, each valid for ``names.PRESIGNED_URL_TTL_S``, so a stored document never holds a URL that
has expired. The upload is a presigned POST rather than PUT because only a POST policy can cap
the size and pin the content type.

A POST policy cannot check the bytes, nor be used only once: until it expires, whoever holds
it can upload again. So the photo shown is decided at read time (``first_photo``): the first
version of the key (the bucket is versioned) whose bytes are a JPEG. A second upload adds a
version and replaces nothing; a file that is not a JPEG, whatever its Content-Type said, is
never shown.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.core.config import names

JPEG_MAGIC = b"\xff\xd8\xff"
"""The first bytes of every JPEG file (SOI marker, then the next marker's 0xFF)."""


class Presigner:
    """``s3`` is a boto3 S3 client; ``bucket`` the data bucket."""

    def __init__(self, s3: Any, bucket: str, ttl_s: int = names.PRESIGNED_URL_TTL_S) -> None:
        self._s3 = s3
        self._bucket = bucket
        self.ttl_s = ttl_s

    def url(self, key: str, version_id: str | None = None) -> str:
        """A GET URL for ``key`` (that version of it, if given), valid for ``ttl_s``."""
        params = {"Bucket": self._bucket, "Key": key}
        if version_id is not None:
            params["VersionId"] = version_id
        url: str = self._s3.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=self.ttl_s
        )
        return url

    def first_photo(self, key: str) -> str | None:
        """The version id of the oldest upload of ``key`` whose bytes are a JPEG, or None."""
        versions: list[str] = []
        paginator = self._s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=key):
            versions += [v["VersionId"] for v in page.get("Versions", []) if v["Key"] == key]
        for version_id in reversed(versions):  # S3 lists a key's versions newest first
            try:
                head = self._s3.get_object(
                    Bucket=self._bucket, Key=key, VersionId=version_id, Range="bytes=0-2"
                )["Body"].read()
            except ClientError as exc:
                if exc.response["Error"]["Code"] in ("InvalidRange", "NoSuchVersion"):
                    continue  # an empty upload; a version deleted meanwhile
                raise
            if head == JPEG_MAGIC:
                return version_id
        return None

    def upload(self, key: str) -> dict[str, Any]:
        """A presigned POST for a JPEG of at most ``names.POD_MAX_BYTES`` at ``key``:
        ``{"url", "fields"}`` (send the fields, then the file, as multipart/form-data)."""
        post: dict[str, Any] = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": names.POD_CONTENT_TYPE},
            Conditions=[
                {"Content-Type": names.POD_CONTENT_TYPE},
                ["content-length-range", 1, names.POD_MAX_BYTES],
            ],
            ExpiresIn=self.ttl_s,
        )
        return post
