import json

import pytest

from functions.core.adapters.events_bus import EventBus, PublishError, event_detail
from functions.core.config import names


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
