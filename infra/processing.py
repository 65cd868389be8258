"""Processing: S3 ``raw/`` → SQS → processor, the sweeper on a schedule, the insights bus.

- New objects under ``raw/`` (and only there: the processor's own writes under
  ``sessions/`` must not trigger it) notify the processing queue. The sessions and manage
  Lambdas put "finalize" messages on the same queue.
- The processor consumes it in batches of ``names.PROCESSOR_BATCH_SIZE`` and reports
  partial batch failures; a message that failed ``names.QUEUE_MAX_RECEIVES`` times moves to
  the DLQ (kept 14 days, alarmed on). The visibility timeout is at least six times the
  processor's timeout, as AWS advises for SQS event sources, so a slow batch is not handed
  to a second instance while the first still works on it.
- ``PROCESSOR_MAX_CONCURRENCY`` caps the event source mapping, not the function: the cap
  bounds the engine's load on DynamoDB and S3 during a backlog without reserving account
  concurrency (a fresh account may have only 10, and a reservation would fail the deploy).
- The sweeper runs every ``names.SWEEP_INTERVAL_MIN`` minutes; its timeout is shorter than
  the interval, so two sweeps never overlap. It only touches the sessions table and the
  queue: finalizing is the processor's work.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from functions.core.config import names
from infra.config import DeployConfig
from infra.lambdas import FunctionFactory
from infra.nag import acknowledge
from infra.queues import queue_with_dlq
from infra.storage import Storage

PROCESSOR_MAX_CONCURRENCY = 10


class Processing(Construct):
    """``self.queue`` (finalize messages go here), ``self.dlq``, ``self.bus``,
    ``self.processor``, ``self.sweeper``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        storage: Storage,
        functions: FunctionFactory,
    ) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.dlq = queue_with_dlq(
            self,
            name=names.queue_name(config.stage),
            dlq_name=names.dlq_name(config.stage),
            visibility_timeout_s=names.QUEUE_VISIBILITY_TIMEOUT_S,
        )
        storage.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.queue),
            s3.NotificationKeyFilter(prefix=names.RAW_PREFIX),
        )
        _acknowledge_notifications_handler(self)
        self.bus = events.EventBus(self, "Insights", event_bus_name=names.bus_name(config.stage))

        self.processor = functions.create(self, "processor")
        self.processor.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=names.PROCESSOR_BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=PROCESSOR_MAX_CONCURRENCY,
            )
        )
        # Split raw objects; write and read per-session chunks and the path image; update
        # sessions, the batch ledger and insights; publish insight events.
        storage.grant_objects(self.processor, names.RAW_PREFIX, "s3:GetObject")
        storage.grant_objects(self.processor, names.SESSIONS_PREFIX, "s3:GetObject", "s3:PutObject")
        storage.grant_list(self.processor, names.SESSIONS_PREFIX)
        storage.grant_items(self.processor, "sessions", "dynamodb:GetItem", "dynamodb:UpdateItem")
        # the stored-part ledger: one item per object, the session's other items queried
        storage.grant_items(self.processor, "batches", "dynamodb:PutItem", "dynamodb:Query")
        storage.grant_items(self.processor, "insights", "dynamodb:GetItem", "dynamodb:PutItem")
        # building memory: read a profile, put it back on condition (building_store)
        storage.grant_items(self.processor, "buildings", "dynamodb:GetItem", "dynamodb:PutItem")
        self.bus.grant_put_events_to(self.processor)

        # The sweeper only ends silent sessions and queues finalize requests: the processor
        # does the work.
        self.sweeper = functions.create(self, "sweeper", queue=self.queue)
        storage.grant_items(self.sweeper, "sessions", "dynamodb:UpdateItem", indexes=("bySweep",))
        self.queue.grant_send_messages(self.sweeper)
        events.Rule(
            self,
            "SweepSchedule",
            description="Finalize sessions that were never stopped or never completed",
            schedule=events.Schedule.rate(Duration.minutes(names.SWEEP_INTERVAL_MIN)),
            # No retries: the next sweep, minutes later, is the retry.
            targets=[targets.LambdaFunction(self.sweeper, retry_attempts=0)],
        )


def _acknowledge_notifications_handler(scope: Construct) -> None:
    """S3 notifications are configured by a CDK-provided singleton Lambda at stack level,
    created with the AWS-managed basic execution policy (not configurable)."""
    stack = Stack.of(scope)
    for child in stack.node.children:
        if child.node.id.startswith("BucketNotificationsHandler"):
            acknowledge(
                child,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "CDK's own handler that configures the bucket notification at deploy time; "
                "it only writes its logs with this policy.",
            )
