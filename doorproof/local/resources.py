"""Create the stage's AWS resources in moto, from the same definitions the CDK app uses.

Every name and key schema comes from ``functions.core.config.names``; nothing is restated here, so
the local stack and a deployment cannot drift. What differs on purpose: the queue's
visibility timeout is short (retries in seconds, not minutes), and what moto cannot do is
left out (bucket lifecycle expiry, TTL deletion, IAM) — docs/local.md lists it. The webhook
queue's visibility timeout is the dispatcher's timeout (60 s) rather than six of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from doorproof.local.trigger_events import queue_arn
from functions.core.config import names

MOTO_ACCOUNT = "123456789012"
"""The account id moto serves by default (what ARNs and ``requestContext`` report)."""
FIREHOSE_ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/doorproof-local-firehose"
"""Firehose requires a role ARN; moto does not check it."""


@dataclass(frozen=True)
class Resources:
    """Where the created resources are: what the poller and the environment need."""

    bucket: str
    stream: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    bus: str
    webhook_queue_url: str
    webhook_queue_arn: str
    webhook_dlq_url: str


def _create_table(dynamodb: Any, table: names.Table, stage: str) -> None:
    attributes = {table.partition_key, *([table.sort_key] if table.sort_key else [])}
    key_schema = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
    if table.sort_key:
        key_schema.append({"AttributeName": table.sort_key, "KeyType": "RANGE"})
    indexes = []
    for index in table.indexes:
        index_keys = [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
        attributes.add(index.partition_key)
        if index.sort_key:
            index_keys.append({"AttributeName": index.sort_key, "KeyType": "RANGE"})
            attributes.add(index.sort_key)
        indexes.append(
            {
                "IndexName": index.name,
                "KeySchema": index_keys,
                "Projection": {"ProjectionType": "ALL"},
            }
        )
    kwargs: dict[str, Any] = {
        "TableName": table.physical(stage),
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": key_schema,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)
        ],
    }
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = indexes
    dynamodb.create_table(**kwargs)
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=table.physical(stage),
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )


def _create_queues(
    sqs: Any,
    region: str,
    visibility_timeout_s: int,
    queue_name: str,
    dlq_name: str,
) -> tuple[str, str, str]:
    """A queue and its DLQ: (queue URL, queue ARN, DLQ URL)."""
    dlq_url = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
    redrive = {
        "deadLetterTargetArn": queue_arn(region, MOTO_ACCOUNT, dlq_name),
        "maxReceiveCount": str(names.QUEUE_MAX_RECEIVES),
    }
    queue_url = sqs.create_queue(
        QueueName=queue_name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout_s),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    return queue_url, queue_arn(region, MOTO_ACCOUNT, queue_name), dlq_url


def _create_webhook_delivery(session: Any, stage: str, bus: str, webhook_queue_arn: str) -> None:
    """The webhook secrets' KMS key (moto's KMS encrypts for real, with the encryption
    context checked) and the bus rule that sends every webhook event type to the queue."""
    kms = session.client("kms")
    key_id = kms.create_key(Description="Doorproof webhook signing secrets")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=names.webhook_key_alias(stage), TargetKeyId=key_id)
    events = session.client("events")
    rule = names.webhook_rule_name(stage)
    pattern = {
        "source": [names.EVENT_SOURCE, names.SESSION_EVENT_SOURCE],
        "detail-type": list(names.WEBHOOK_EVENT_TYPES),
    }
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(
        Rule=rule, EventBusName=bus, Targets=[{"Id": "webhooks", "Arn": webhook_queue_arn}]
    )


def _existing_resources(
    session: Any, *, stage: str, bucket_account: str, visibility_timeout_s: int
) -> Resources | None:
    """The resources an earlier run created, when its data was restored
    (``persistence``), with this run's visibility timeout; None if there are none."""
    sqs = session.client("sqs")
    try:
        queue_url = sqs.get_queue_url(QueueName=names.queue_name(stage))["QueueUrl"]
        dlq_url = sqs.get_queue_url(QueueName=names.dlq_name(stage))["QueueUrl"]
        webhook_url = sqs.get_queue_url(QueueName=names.webhook_queue_name(stage))["QueueUrl"]
        webhook_dlq_url = sqs.get_queue_url(QueueName=names.webhook_dlq_name(stage))["QueueUrl"]
    except ClientError:
        return None
    sqs.set_queue_attributes(
        QueueUrl=queue_url, Attributes={"VisibilityTimeout": str(visibility_timeout_s)}
    )
    return Resources(
        bucket=names.bucket_name(stage, bucket_account),
        stream=names.stream_name(stage),
        queue_url=queue_url,
        queue_arn=queue_arn(session.region_name, MOTO_ACCOUNT, names.queue_name(stage)),
        dlq_url=dlq_url,
        bus=names.bus_name(stage),
        webhook_queue_url=webhook_url,
        webhook_queue_arn=queue_arn(
            session.region_name, MOTO_ACCOUNT, names.webhook_queue_name(stage)
        ),
        webhook_dlq_url=webhook_dlq_url,
    )


def _has_webhook_key(session: Any, stage: str) -> bool:
    try:
        session.client("kms").describe_key(KeyId=names.webhook_key_alias(stage))
    except ClientError:
        return False
    return True


def kept_or_new_resources(
    session: Any, *, stage: str, bucket_account: str, visibility_timeout_s: int
) -> tuple[Resources, bool]:
    """The resources restored data holds, or new ones; and whether any were created (the
    caller snapshots them then: ``persistence.SERVICES`` says why). A data directory from
    before webhooks gets the webhook key and rule here."""
    where: dict[str, Any] = {
        "stage": stage,
        "bucket_account": bucket_account,
        "visibility_timeout_s": visibility_timeout_s,
    }
    kept = _existing_resources(session, **where)
    if kept is None:
        return create_resources(session, **where), True
    if _has_webhook_key(session, stage):
        return kept, False
    _create_webhook_delivery(session, stage, kept.bus, kept.webhook_queue_arn)
    return kept, True


def create_resources(
    session: Any, *, stage: str, bucket_account: str, visibility_timeout_s: int
) -> Resources:
    """Tables (GSIs, TTL), queues (DLQ redrive), bucket (raw/ → queue notification),
    Firehose stream (DirectPut → bucket raw/), event bus, the webhook queue with its bus rule
    and the webhook secrets' KMS key, in the session's region."""
    region = session.region_name
    dynamodb = session.client("dynamodb")
    for table in names.TABLES:
        _create_table(dynamodb, table, stage)

    sqs = session.client("sqs")
    queue_url, processing_arn, dlq_url = _create_queues(
        sqs, region, visibility_timeout_s, names.queue_name(stage), names.dlq_name(stage)
    )
    # Not the short processing timeout: a message must stay hidden while an attempt may still
    # run (up to the dispatcher's timeout), or a second poller would send it again.
    webhook_url, webhook_arn, webhook_dlq_url = _create_queues(
        sqs,
        region,
        names.DISPATCHER_TIMEOUT_S,
        names.webhook_queue_name(stage),
        names.webhook_dlq_name(stage),
    )
    resources = Resources(
        bucket=names.bucket_name(stage, bucket_account),
        stream=names.stream_name(stage),
        queue_url=queue_url,
        queue_arn=processing_arn,
        dlq_url=dlq_url,
        bus=names.bus_name(stage),
        webhook_queue_url=webhook_url,
        webhook_queue_arn=webhook_arn,
        webhook_dlq_url=webhook_dlq_url,
    )

    bucket = resources.bucket
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    # Versioned, as deployed (infra/storage.py): erasing must remove every version.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": resources.queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {"FilterRules": [{"Name": "prefix", "Value": names.RAW_PREFIX}]}
                    },
                }
            ]
        },
    )

    session.client("firehose").create_delivery_stream(
        DeliveryStreamName=resources.stream,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": FIREHOSE_ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": names.RAW_PREFIX,
            "ErrorOutputPrefix": names.RAW_ERROR_PREFIX,
            "CompressionFormat": "GZIP",
        },
    )
    session.client("events").create_event_bus(Name=resources.bus)
    _create_webhook_delivery(session, stage, resources.bus, webhook_arn)
    return resources
