import json
from typing import Any

import pytest

from functions.core.adapters.events_bus import EventBus, PublishError, SessionEvents
from functions.core.config import names
from functions.core.wire.events import event_detail, session_detail


def test_events_reach_a_rule_on_the_bus(world):
    session = world.mock.session
    sqs, events = session.client("sqs"), session.client("events")
    url = sqs.create_queue(QueueName="insight-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = world.mock.resources.bus
    events.put_rule(
        Name="all-insights",
        EventBusName=bus,
        EventPattern=json.dumps({"source": [names.EVENT_SOURCE]}),
    )
    events.put_targets(Rule="all-insights", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    detail = event_detail(
        {"sessionId": "ses_e", "organizationId": "org_1", "deliveryId": "d"},
        {"status": "ready", "version": 1, "engineVersion": "x", "reasonCodes": ["FULL_ATTEMPT"]},
    )
    EventBus(events, bus).publish("insight.ready", detail)

    message = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert message["detail-type"] == "insight.ready"
    assert message["source"] == names.EVENT_SOURCE
    assert message["detail"]["sessionId"] == "ses_e"
    assert message["detail"]["version"] == 1


def test_a_rejected_entry_raises():
    class Rejecting:
        def put_events(self, **request):
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException"}]}

    with pytest.raises(PublishError, match="Throttling"):
        EventBus(Rejecting(), "bus").publish("insight.updated", {})


def test_a_bus_failure_never_fails_the_request() -> None:
    class Down:
        def put_events(self, **request: Any) -> dict[str, Any]:
            raise ConnectionError("bus unreachable")

    lost: list[str] = []
    events = SessionEvents(EventBus(Down(), "bus"), lambda kind, exc: lost.append(kind))
    events.publish("session.started", {"sessionId": "ses_1"})
    assert lost == ["session.started"]


def test_session_events_have_their_own_source_and_reach_the_webhook_queue(world) -> None:
    account = world.mock
    events = account.session.client("events")
    EventBus(events, account.resources.bus).publish(
        "session.deleted",
        session_detail(
            {
                "sessionId": "ses_q",
                "organizationId": "o",
                "projectId": "p",
                "environment": "sandbox",
                "startLocation": {"lat": 52.5, "lng": 13.4},
            }
        ),
    )
    sqs = account.session.client("sqs")
    url = account.resources.webhook_queue_url
    bodies = [  # the module's other tests' insight events are in this queue too
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    (event,) = [b for b in bodies if b["detail"].get("sessionId") == "ses_q"]
    assert event["source"] == names.SESSION_EVENT_SOURCE
    assert event["detail-type"] == "session.deleted"
    assert "startLocation" not in event["detail"]
