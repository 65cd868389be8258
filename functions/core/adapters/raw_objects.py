"""Firehose's objects under ``raw/`` (S3), read whole: each holds every session that sent
telemetry in one buffer interval."""

from __future__ import annotations

import gzip
from typing import Any

from functions.core.wire.body import GZIP_MAGIC


class RawObjects:
    """``s3`` is a boto3 S3 client."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def read(self, bucket: str, key: str) -> bytes:
        """The object's records as bytes. Firehose gzips when the stream says GZIP (moto does
        not), so the magic number decides, not the configuration."""
        blob: bytes = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return gzip.decompress(blob) if blob[:2] == GZIP_MAGIC else blob
