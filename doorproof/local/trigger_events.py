"""The events Lambda's other triggers deliver: an SQS event source mapping batch and an
EventBridge scheduled event. Pure functions, shaped like the AWS documentation's samples, so
the processor and sweeper parse locally exactly what they parse in AWS."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Any


def queue_arn(region: str, account: str, queue_name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{queue_name}"


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API attribute (``StringValue``/``BinaryValue`` bytes) → Lambda's camelCase form."""
    out: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [
            base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])
        ],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return out


def sqs_event(messages: list[dict[str, Any]], *, source_arn: str, region: str) -> dict[str, Any]:
    """The event the SQS event source mapping sends for ``messages`` (from ReceiveMessage with
    all system and message attributes)."""
    records = []
    for message in messages:
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _message_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": source_arn,
            "awsRegion": region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        records.append(record)
    return {"Records": records}


def failed_message_ids(result: Any, batch_ids: list[str]) -> set[str]:
    """The messages Lambda leaves on the queue after the handler returned ``result``.

    With ``ReportBatchItemFailures`` (the processor's mapping has it): no result or no
    ``batchItemFailures`` means all succeeded; listed ids failed; a malformed list (an
    identifier that is empty or not in the batch) fails the whole batch, as in AWS.
    """
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if not failures:
        return set()
    ids = {f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures}
    if not ids <= set(batch_ids):
        return set(batch_ids)
    return {i for i in ids if isinstance(i, str)}


def scheduled_event(*, region: str, account: str, rule_name: str, now: datetime) -> dict[str, Any]:
    """An EventBridge ``Scheduled Event`` as a schedule rule delivers it."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule_name}"],
        "detail": {},
    }
