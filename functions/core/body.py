"""Request bodies as the SDK sends them: gzip-compressed JSON, base64-encoded by API Gateway.

Every POST goes through ``inflate_event`` before routing, so route handlers (and Powertools'
request validation) see plain JSON whatever the encoding. Limits are enforced on the bytes
received and on the bytes after gunzip, so a small gzip bomb cannot exhaust the Lambda.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

from functions.core import errors, names

GZIP_MAGIC = b"\x1f\x8b"


def _gunzip(data: bytes, limit: int) -> bytes:
    out = bytearray()
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise errors.BadRequest(f"body is not valid gzip ({exc})", code="INVALID_GZIP") from exc
        if len(out) > limit:
            raise errors.PayloadTooLarge(
                f"body is larger than {limit} bytes once decompressed",
                code="PAYLOAD_TOO_LARGE",
            )
        if not inflater.eof:
            raise errors.BadRequest("gzip body is truncated", code="INVALID_GZIP")
        data = inflater.unused_data  # a multi-member gzip stream
    return bytes(out)


def decode_body(
    body: str | None,
    *,
    is_base64: bool,
    content_encoding: str | None,
    max_bytes: int = names.MAX_BODY_BYTES,
    max_decompressed: int = names.MAX_DECOMPRESSED_BYTES,
) -> bytes:
    """The request body's bytes, base64 and gzip undone."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding not in ("gzip", "identity", "x-gzip"):
        raise errors.UnsupportedMediaType(
            f"Content-Encoding {encoding!r} is not supported; send gzip or identity"
        )
    if body is None:
        return b""
    try:
        raw = base64.b64decode(body, validate=True) if is_base64 else body.encode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise errors.BadRequest("body is not valid base64") from exc
    if len(raw) > max_bytes:
        raise errors.PayloadTooLarge(f"body is {len(raw)} bytes; the limit is {max_bytes}")
    if encoding != "identity" or raw[:2] == GZIP_MAGIC:
        return _gunzip(raw, max_decompressed)
    return raw


def inflate_event(event: dict[str, Any]) -> dict[str, Any]:
    """An HTTP API v2 event whose body is the decoded UTF-8 JSON text."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    data = decode_body(
        event.get("body"),
        is_base64=bool(event.get("isBase64Encoded")),
        content_encoding=headers.pop("content-encoding", None),
    )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.BadRequest("body is not UTF-8 text") from exc
    # The API speaks only JSON: a body is read as JSON whatever Content-Type says (curl's
    # default is form encoding), so a caller sees a JSON error, not a confusing form one.
    headers["content-type"] = "application/json"
    return {**event, "headers": headers, "body": text or None, "isBase64Encoded": False}
