"""What the photo upload needs of S3: a presigned POST for one object.

Implementation: ``adapters.presign.Presigner``; fake in ``tests/unit/core/usecases/fakes.py``.
"""

from __future__ import annotations

from typing import Any, Protocol


class Uploads(Protocol):
    ttl_s: int

    def upload(self, key: str) -> dict[str, Any]: ...
