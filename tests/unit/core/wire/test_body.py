"""Request bodies: gzip (one or more members), base64, limits, and clear refusals."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from functions.core.domain import errors
from functions.core.wire.body import decode_body, inflate_event


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_gzip_base64_body_is_decoded() -> None:
    data = gzip.compress(b'{"a": 1}')
    assert decode_body(b64(data), is_base64=True, content_encoding="gzip") == b'{"a": 1}'


def test_multi_member_gzip_is_joined() -> None:
    data = gzip.compress(b'{"a": ') + gzip.compress(b"1}")
    assert decode_body(b64(data), is_base64=True, content_encoding="gzip") == b'{"a": 1}'


def test_gzip_without_the_header_is_still_recognised() -> None:
    data = gzip.compress(b"{}")
    assert decode_body(b64(data), is_base64=True, content_encoding=None) == b"{}"


def test_plain_text_body_passes_through() -> None:
    assert (
        decode_body('{"x": "é"}', is_base64=False, content_encoding=None) == '{"x": "é"}'.encode()
    )


@pytest.mark.parametrize(
    ("body", "encoding", "error", "code"),
    [
        (b64(gzip.compress(b"{}" * 100)[:20]), "gzip", errors.BadRequest, "INVALID_GZIP"),
        (b64(b"not gzip at all"), "gzip", errors.BadRequest, "INVALID_GZIP"),
        ("###", "identity", errors.BadRequest, "MALFORMED_REQUEST"),
        (b64(b"x"), "br", errors.UnsupportedMediaType, "UNSUPPORTED_ENCODING"),
    ],
)
def test_bad_bodies(body, encoding, error, code) -> None:
    with pytest.raises(error) as caught:
        decode_body(body, is_base64=True, content_encoding=encoding)
    assert caught.value.code == code


def test_limits_apply_before_and_after_decompression() -> None:
    with pytest.raises(errors.PayloadTooLarge):
        decode_body(b64(b"x" * 101), is_base64=True, content_encoding=None, max_bytes=100)
    bomb = gzip.compress(b"0" * 10_000)
    with pytest.raises(errors.PayloadTooLarge):
        decode_body(b64(bomb), is_base64=True, content_encoding="gzip", max_decompressed=1_000)


def test_inflated_event_is_plain_json_for_the_router() -> None:
    event = {
        "headers": {"Content-Encoding": "gzip", "Content-Type": "text/plain"},
        "body": b64(gzip.compress(json.dumps({"k": 1}).encode())),
        "isBase64Encoded": True,
    }
    out = inflate_event(event)
    assert json.loads(out["body"]) == {"k": 1} and out["isBase64Encoded"] is False
    assert out["headers"] == {"content-type": "application/json"}
