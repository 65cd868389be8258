"""What the photo upload and the insights view need of S3: a presigned POST for one object;
a presigned GET of an object and the first uploaded version of the photo.

Implementation of both: ``adapters.presign.Presigner``; fakes in
``tests/unit/core/usecases/fakes.py``.
"""

from __future__ import annotations

from typing import Any, Protocol


class Uploads(Protocol):
    ttl_s: int

    def upload(self, key: str) -> dict[str, Any]: ...


class ObjectLinks(Protocol):
    def url(self, key: str, version_id: str | None = None) -> str: ...

    def first_photo(self, key: str) -> str | None: ...
