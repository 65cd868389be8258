"""The Lambda entry points with real events: partial batch failure, the sweep."""

import json
from datetime import UTC, datetime

from doorproof.local.lambda_context import context_for
from doorproof.local.trigger_events import scheduled_event
from functions.core.config import names
from functions.processing import processor, sweeper
from tests.unit.core.conftest import CALLER, T0, s3_message, samples


def _record(message_id, body, receives=1):
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(receives)},
        "messageAttributes": {},
        "md5OfBody": "x",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
        "awsRegion": "us-east-1",
    }


def _context(key):
    return context_for(names.FUNCTIONS[key], stage="unit", region="us-east-1", account="1")


def test_a_poison_message_fails_alone(world):
    sid = world.start()
    good = world.put_raw(f"raw/{sid}", world.accept(sid, samples(T0, 10)))
    world.s3.put_object(Bucket=world.bucket, Key="raw/poison", Body=b"not json at all")
    event = {
        "Records": [
            _record("m1", s3_message(world.bucket, "raw/poison")),
            _record("m2", good),
            _record("m3", json.dumps({"Event": "s3:TestEvent"})),
        ]
    }

    result = processor.handler(event, _context("processor"))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert world.session(sid)["storedPartsTotal"] == 1


def test_the_sweeper_handler_ends_silent_sessions(world):
    sid = world.start()  # created at T0 with a 2 h inactivity window: long overdue
    event = scheduled_event(
        region="us-east-1", account="1", rule_name="sweep", now=datetime.now(UTC)
    )
    result = sweeper.handler(event, _context("sweeper"))
    assert sid in result["timedOut"]
    assert world.sessions.get(CALLER.tenant, sid)["endReason"] == "timeout"
