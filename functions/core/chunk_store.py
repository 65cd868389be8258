"""Per-session data in S3, mainly telemetry chunks: one ``.npz`` of ``Telemetry.columns()`` per
(session, Firehose object), under ``sessions/<sessionId>/chunks/``; next to them the path
image (``path.png``) and the proof-of-delivery photo (``pod.jpg``), so erasing a session is
deleting one prefix.

Why one chunk per source object, named by a digest of the object's key: SQS delivers at least
once, so the same S3 notification can be processed twice (or concurrently); writing to a key
derived from the source makes the second write an overwrite of identical content, never a
second copy. A record Firehose wrote into two *different* objects does give two chunks;
``Telemetry.merge`` removes the duplicate samples when the chunks are loaded.

Why npz and not JSON/Parquet: it is what numpy reads fastest, needs no dependency beyond the
numpy layer the engine already has, and keeps every float bit for bit. The columns are
mostly NaN or repeated readings, so the archive is deflated (a 50 Hz minute: ~150 kB).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from functions.core import names
from functions.engine.telemetry import Telemetry

CHUNKS = "chunks/"
PATH_IMAGE = "path.png"
POD_PHOTO = "pod.jpg"
NPZ_DEFLATE_LEVEL = 1
LOAD_THREADS = 16
"""Parallel GETs when loading a session: a long session has hundreds of chunks."""


def session_prefix(session_id: str) -> str:
    """Everything stored for a session lives under this prefix (chunks, images, photo)."""
    return f"{names.SESSIONS_PREFIX}{session_id}/"


def path_image_key(session_id: str) -> str:
    return session_prefix(session_id) + PATH_IMAGE


def pod_photo_key(session_id: str) -> str:
    return session_prefix(session_id) + POD_PHOTO


def chunk_key(session_id: str, source_key: str) -> str:
    digest = hashlib.sha256(source_key.encode("utf-8")).hexdigest()[:32]
    return f"{session_prefix(session_id)}{CHUNKS}{digest}.npz"


def to_npz(telemetry: Telemetry) -> bytes:
    """The columns as an ``.npz`` (what ``np.load`` reads), deflated at level 1: a third of
    ``np.savez_compressed``'s CPU time (level 6) for archives about 8 % larger."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=NPZ_DEFLATE_LEVEL) as z:
        for name, column in telemetry.columns().items():
            with z.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, np.asanyarray(column), allow_pickle=False)
    return buffer.getvalue()


def from_npz(blob: bytes) -> Telemetry:
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        return Telemetry.from_columns({name: archive[name] for name in archive.files})


class ChunkStore:
    """``s3`` is a boto3 S3 client; ``bucket`` the data bucket."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, session_id: str, source_key: str, telemetry: Telemetry) -> str:
        """Store the session's samples from ``source_key``; returns the chunk's key."""
        key = chunk_key(session_id, source_key)
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=to_npz(telemetry),
            ContentType="application/octet-stream",
        )
        return key

    def put_path_image(self, session_id: str, png: bytes) -> str:
        key = path_image_key(session_id)
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=png, ContentType="image/png")
        return key

    def keys(self, session_id: str) -> list[str]:
        return list(self._list(session_prefix(session_id) + CHUNKS))

    def load(self, session_id: str) -> Telemetry:
        """All of the session's samples, sorted, each timestamp once."""
        keys = self.keys(session_id)
        if not keys:
            return Telemetry.empty(0)
        with ThreadPoolExecutor(max_workers=min(LOAD_THREADS, len(keys))) as pool:
            parts = list(pool.map(self._get, keys))
        return Telemetry.merge(parts)

    def delete_session(self, session_id: str) -> int:
        """Erase everything under the session's prefix; returns how many objects went."""
        keys = list(self._list(session_prefix(session_id)))
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            self._s3.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
        return len(keys)

    def _get(self, key: str) -> Telemetry:
        body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return from_npz(body)

    def _list(self, prefix: str) -> Iterator[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]
