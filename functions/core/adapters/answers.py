"""The last error answers given to each key: what the integration debugger shows.

A developer whose phone app or backend "does not work" needs to see what the API answered it,
not guess. Every 4xx/5xx answer to a known caller (a key, or a person) is written here with its
route, status, error code and message, keyed by the caller's key id and newest first; entries
expire after ``RETENTION_S``. Recording is best effort: a failed write is logged and never
changes the answer.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core.domain.timestamps import iso

RETENTION_S = 14 * 24 * 3600
RECENT_LIMIT = 20
MAX_MESSAGE = 500


class AnswerLog:
    """``names.ANSWERS_TABLE``: ``keyId`` + ``answerKey`` (the time, then a random suffix)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def record(
        self,
        *,
        key_id: str,
        organization_id: str,
        route: str,
        status: int,
        code: str,
        message: str,
        request_id: str,
        now: float | None = None,
    ) -> None:
        at = time.time() if now is None else now
        self._table.put_item(
            Item={
                "keyId": key_id,
                "answerKey": f"{iso(at)}#{secrets.token_hex(4)}",
                "organizationId": organization_id,
                "at": iso(at),
                "route": route,
                "status": status,
                "code": code,
                "message": message[:MAX_MESSAGE],
                "requestId": request_id,
                "expiresAt": int(at + RETENTION_S),
            }
        )

    def recent(self, key_id: str, organization_id: str, limit: int = RECENT_LIMIT) -> list[dict]:
        """The key's last ``limit`` error answers, newest first (only the organisation's)."""
        page = self._table.query(
            KeyConditionExpression=Key("keyId").eq(key_id),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [
            {
                "at": i["at"],
                "route": i["route"],
                "status": int(i["status"]),
                "code": i["code"],
                "message": i["message"],
                "requestId": i["requestId"],
            }
            for i in page["Items"]
            if i.get("organizationId") == organization_id
        ]
