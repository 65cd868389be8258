"""The local stack and the CDK app build the same resources from ``names``: tables with the
same keys, indexes and TTL, the same queue, DLQ redrive, stream, bus and raw/ notification.

The local resources are created in moto (in-process) and read back through the AWS APIs;
the deployed ones are read from the synthesized template. If either side stops taking its
definitions from ``names``, this fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from doorproof.local.resources import Resources, create_resources
from functions.core.config import names
from tests.infra.conftest import STAGE, Synthesized


@pytest.fixture(scope="module")
def local() -> Iterator[tuple[Any, Resources]]:
    with mock_aws():
        session = boto3.Session(
            region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        resources = create_resources(
            session, stage=STAGE, bucket_account="local", visibility_timeout_s=5
        )
        yield session, resources


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]


def _indexes(table: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    return {i["IndexName"]: _keys(i["KeySchema"]) for i in table.get("GlobalSecondaryIndexes", [])}


def _deployed_table(synthesized: Synthesized, name: str) -> dict[str, Any]:
    for table in synthesized.of_type("AWS::DynamoDB::Table").values():
        if table["Properties"]["TableName"] == name:
            props: dict[str, Any] = table["Properties"]
            return props
    raise AssertionError(f"no deployed table {name}")


@pytest.mark.parametrize("spec", names.TABLES, ids=lambda t: t.logical)
def test_tables_have_the_same_keys_indexes_and_ttl(
    synthesized: Synthesized, local: tuple[Any, Resources], spec: names.Table
) -> None:
    session, _ = local
    dynamodb = session.client("dynamodb")
    name = spec.physical(STAGE)
    here = dynamodb.describe_table(TableName=name)["Table"]
    there = _deployed_table(synthesized, name)
    assert _keys(here["KeySchema"]) == _keys(there["KeySchema"])
    assert _indexes(here) == _indexes(there)
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    there_ttl = there.get("TimeToLiveSpecification", {}).get("AttributeName")
    assert ttl.get("AttributeName") == there_ttl


def _assert_same_redrive(
    session: Any, deployed: dict[str, Any], url: str, name: str, dlq_name: str
) -> None:
    """The local queue at ``url`` redrives to ``dlq_name`` after as many receives as the
    deployed queue ``name``."""
    redrive = json.loads(
        session.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )
    assert int(redrive["maxReceiveCount"]) == deployed[name]["RedrivePolicy"]["maxReceiveCount"]
    assert redrive["deadLetterTargetArn"].endswith(dlq_name)


def test_queue_stream_bus_and_notification_match(
    synthesized: Synthesized, local: tuple[Any, Resources]
) -> None:
    session, resources = local
    queues = {
        q["Properties"]["QueueName"]: q["Properties"]
        for q in synthesized.of_type("AWS::SQS::Queue").values()
    }
    assert resources.queue_url.endswith(names.queue_name(STAGE))
    assert resources.dlq_url.endswith(names.dlq_name(STAGE))
    assert set(queues) == {
        names.queue_name(STAGE),
        names.dlq_name(STAGE),
        names.webhook_queue_name(STAGE),
        names.webhook_dlq_name(STAGE),
    }
    _assert_same_redrive(
        session, queues, resources.queue_url, names.queue_name(STAGE), names.dlq_name(STAGE)
    )

    (stream,) = synthesized.of_type("AWS::KinesisFirehose::DeliveryStream").values()
    assert resources.stream == stream["Properties"]["DeliveryStreamName"]
    (bus,) = synthesized.of_type("AWS::Events::EventBus").values()
    assert resources.bus == bus["Properties"]["Name"]

    here = session.client("s3").get_bucket_notification_configuration(Bucket=resources.bucket)
    (notifications,) = synthesized.of_type("Custom::S3BucketNotifications").values()
    (there,) = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    (queue_config,) = here["QueueConfigurations"]
    assert queue_config["Events"] == there["Events"]
    assert _rules(queue_config) == _rules(there) == [("prefix", names.RAW_PREFIX)]


def _rules(queue_config: dict[str, Any]) -> list[tuple[str, str]]:
    """S3 answers ``Prefix`` where the request said ``prefix``: the name is case-blind."""
    return [(r["Name"].lower(), r["Value"]) for r in queue_config["Filter"]["Key"]["FilterRules"]]


def test_webhook_queue_rule_and_key_match(
    synthesized: Synthesized, local: tuple[Any, Resources]
) -> None:
    session, resources = local
    queues = {
        q["Properties"]["QueueName"]: q["Properties"]
        for q in synthesized.of_type("AWS::SQS::Queue").values()
    }
    _assert_same_redrive(
        session,
        queues,
        resources.webhook_queue_url,
        names.webhook_queue_name(STAGE),
        names.webhook_dlq_name(STAGE),
    )
    assert resources.webhook_dlq_url.endswith(names.webhook_dlq_name(STAGE))

    events = session.client("events")
    rule = events.describe_rule(Name=names.webhook_rule_name(STAGE), EventBusName=resources.bus)
    (deployed_rule,) = [
        r["Properties"]
        for r in synthesized.of_type("AWS::Events::Rule").values()
        if r["Properties"].get("Name") == names.webhook_rule_name(STAGE)
    ]
    assert json.loads(rule["EventPattern"]) == deployed_rule["EventPattern"]
    (target,) = events.list_targets_by_rule(
        Rule=names.webhook_rule_name(STAGE), EventBusName=resources.bus
    )["Targets"]
    assert target["Arn"] == resources.webhook_queue_arn

    aliases = session.client("kms").list_aliases()["Aliases"]
    (deployed_alias,) = synthesized.of_type("AWS::KMS::Alias").values()
    assert deployed_alias["Properties"]["AliasName"] == names.webhook_key_alias(STAGE)
    assert names.webhook_key_alias(STAGE) in {a["AliasName"] for a in aliases}
