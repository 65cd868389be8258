"""SQS queues with a dead-letter queue, as the processing and webhook constructs use them.

SSE-SQS rather than a KMS key: S3 event notifications cannot publish to a queue encrypted
with the AWS managed KMS key, and EventBridge would need a key policy; the messages carry
ids, not customer data. TLS only. A message that failed ``names.QUEUE_MAX_RECEIVES`` times
moves to the DLQ, kept ``DLQ_RETENTION`` for someone to look at (and alarmed on).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.core.config import names

DLQ_RETENTION = Duration.days(14)


def queue_with_dlq(
    scope: Construct, *, name: str, dlq_name: str, visibility_timeout_s: int
) -> tuple[sqs.Queue, sqs.Queue]:
    """``(queue, dlq)`` as ``scope``'s children ``Queue`` and ``DeadLetters``."""
    dlq = sqs.Queue(
        scope,
        "DeadLetters",
        queue_name=dlq_name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
    )
    queue = sqs.Queue(
        scope,
        "Queue",
        queue_name=name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=Duration.seconds(visibility_timeout_s),
        dead_letter_queue=sqs.DeadLetterQueue(
            queue=dlq, max_receive_count=names.QUEUE_MAX_RECEIVES
        ),
    )
    return queue, dlq
