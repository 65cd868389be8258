"""Time-limited S3 URLs: how the API hands out images and takes the proof-of-delivery photo.

Why presigned URLs and not bytes through the API: API Gateway caps payloads (10 MB) and bills
by the byte, and a phone uploading a photo should talk to S3 directly. URLs are made at read
time, each valid for ``names.PRESIGNED_URL_TTL_S``, so a stored document never holds a URL that
has expired. The upload is a presigned POST rather than PUT because only a POST policy can cap
the size and pin the content type.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from functions.core import names

POD_CONTENT_TYPE = "image/jpeg"
POD_MAX_BYTES = 10 * 1024 * 1024


class Presigner:
    """``s3`` is a boto3 S3 client; ``bucket`` the data bucket."""

    def __init__(self, s3: Any, bucket: str, ttl_s: int = names.PRESIGNED_URL_TTL_S) -> None:
        self._s3 = s3
        self._bucket = bucket
        self.ttl_s = ttl_s

    def url(self, key: str) -> str:
        """A GET URL for ``key``, valid for ``ttl_s``."""
        url: str = self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=self.ttl_s
        )
        return url

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def upload(self, key: str) -> dict[str, Any]:
        """A presigned POST for a JPEG of at most ``POD_MAX_BYTES`` at ``key``:
        ``{"url", "fields"}`` (send the fields, then the file, as multipart/form-data)."""
        post: dict[str, Any] = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": POD_CONTENT_TYPE},
            Conditions=[
                {"Content-Type": POD_CONTENT_TYPE},
                ["content-length-range", 1, POD_MAX_BYTES],
            ],
            ExpiresIn=self.ttl_s,
        )
        return post
