"""Request bodies as the SDK sends them: gzip-compressed JSON, base64-encoded by API Gateway.

Every POST goes through ``inflate_event`` before routing, so route handlers (and Powertools'
request validation) see plain JSON whatever the encoding. Limits are enforced on the bytes
received and on the bytes after gunzip, so a small gzip bomb cannot exhaust the Lambda, and
the work of gunzip is linear in the body with a cap on its members, so a body of thousands of
empty gzip members cannot either.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any

from functions.core.config import names
from functions.core.domain import errors

GZIP_MAGIC = b"\x1f\x8b"


MAX_GZIP_MEMBERS = 64
"""Members a gzip body may have. The SDK sends one; a few are legal (concatenated gzip), and
a cap keeps a body of 190,000 empty members (4 MB) from costing seconds of CPU."""
_INFLATE_STEP = 64 * 1024
"""Compressed bytes fed to zlib at a time: what zlib copies back after a member ends
(``unused_data``) or when output is capped (``unconsumed_tail``) is at most this, so the work
is linear in the body, however many members it has."""


def _gunzip(data: bytes, limit: int, max_members: int = MAX_GZIP_MEMBERS) -> bytes:
    out = bytearray()
    view = memoryview(data)
    position = members = 0
    while position < len(view):
        members += 1
        if members > max_members:
            raise errors.BadRequest(
                f"gzip body has more than {max_members} members; send one gzip stream",
                code="INVALID_GZIP",
            )
        inflater = zlib.decompressobj(wbits=31)
        while not inflater.eof:
            if position >= len(view):
                raise errors.BadRequest("gzip body is truncated", code="INVALID_GZIP")
            step = view[position : position + _INFLATE_STEP]
            try:
                out += inflater.decompress(step, limit + 1 - len(out))
            except zlib.error as exc:
                raise errors.BadRequest(
                    f"body is not valid gzip ({exc})", code="INVALID_GZIP"
                ) from exc
            if len(out) > limit:
                raise errors.PayloadTooLarge(
                    f"body is larger than {limit} bytes once decompressed",
                    code="PAYLOAD_TOO_LARGE",
                )
            position += len(step) - len(inflater.unconsumed_tail) - len(inflater.unused_data)
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
