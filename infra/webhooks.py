"""Webhooks: bus rule → webhook queue → dispatcher, the secrets' KMS key, and their alarms.

- A rule on the insights bus sends every webhook event type (``names.WEBHOOK_EVENT_TYPES``,
  from both sources) to the webhook queue; the dispatcher fans each out to the tenant's
  endpoints and queues one message per attempt on the same queue (docs/webhooks.md).
- The dispatcher consumes it in batches of ``names.DISPATCHER_BATCH_SIZE``, reports partial
  batch failures, and a message that failed ``names.QUEUE_MAX_RECEIVES`` times (the
  dispatcher's own failure, not an endpoint's) moves to the DLQ. ``DISPATCHER_MAX_CONCURRENCY``
  caps the event source mapping. Messages carry their organisation as ``MessageGroupId``,
  which makes the standard queue a fair queue across organisations.
- Signing secrets are encrypted with a customer-managed KMS key (rotated yearly): only the
  webhooks API function encrypts, only the dispatcher decrypts.
- The dispatcher may send (to schedule attempts) and consume the queue; it reads and writes
  the three webhook tables and decrypts; it reaches no other data.
Alarms (``self.alarms``, wired to the topic by ``Monitoring``): anything in the DLQ, the
oldest message older than ``QUEUE_AGE_ALARM`` (delayed attempts hop at most every 15
minutes, so an older one is a backlog), dispatcher errors, and any endpoint disabled.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from functions.core.config import names, settings
from infra.config import DeployConfig
from infra.lambdas import METRICS_NAMESPACE, SERVICE_NAME, FunctionFactory
from infra.queues import queue_with_dlq
from infra.storage import Storage

DISPATCHER_MAX_CONCURRENCY = 20
PERIOD = Duration.minutes(5)
QUEUE_AGE_ALARM = Duration.minutes(30)
DISPATCHER_ITEMS = {
    "webhooks": ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"),
    "webhook-deliveries": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
    "webhook-messages": ("dynamodb:PutItem",),
}
"""What the dispatcher does: reads a tenant's endpoints and marks their health; opens,
reads and logs deliveries; stores messages for replay."""
API_ITEMS = {
    "webhooks": (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ),
    "webhook-deliveries": (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ),
    "webhook-messages": ("dynamodb:PutItem", "dynamodb:Query"),
}
"""What the endpoints API does: the endpoints' whole lifecycle; the delivery log, and new
deliveries for test and replay; messages for test (stored) and replay (read)."""


@dataclass(frozen=True)
class AlarmSpec:
    """An alarm for ``Monitoring`` to create and wire to its topic."""

    construct_id: str
    metric: cloudwatch.IMetric
    threshold: float
    description: str
    periods: int = 1


class Webhooks(Construct):
    """``self.queue``, ``self.dlq``, ``self.key``, ``self.rule``, ``self.dispatcher``,
    ``self.alarms``; ``environment`` is what the webhooks API function needs besides the
    shared settings."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        storage: Storage,
        bus: events.IEventBus,
        functions: FunctionFactory,
    ) -> None:
        super().__init__(scope, construct_id)
        self._storage = storage
        self.key = kms.Key(
            self,
            "SecretsKey",
            alias=names.webhook_key_alias(config.stage),
            description="Encrypts Doorproof webhook signing secrets at rest",
            enable_key_rotation=True,
            removal_policy=config.removal_policy,
        )
        self.queue, self.dlq = queue_with_dlq(
            self,
            name=names.webhook_queue_name(config.stage),
            dlq_name=names.webhook_dlq_name(config.stage),
            visibility_timeout_s=names.WEBHOOK_QUEUE_VISIBILITY_TIMEOUT_S,
        )
        self.rule = events.Rule(
            self,
            "Events",
            rule_name=names.webhook_rule_name(config.stage),
            description="Every session and insight event becomes a webhook",
            event_bus=bus,
            event_pattern=events.EventPattern(
                source=[names.EVENT_SOURCE, names.SESSION_EVENT_SOURCE],
                detail_type=list(names.WEBHOOK_EVENT_TYPES),
            ),
            targets=[targets.SqsQueue(self.queue, dead_letter_queue=self.dlq)],
        )
        self.environment = {
            settings.ENV_VARS["webhook_queue_url"]: self.queue.queue_url,
            settings.ENV_VARS["webhook_sandbox_loopback"]: str(
                config.webhook_sandbox_loopback
            ).lower(),
        }
        self.dispatcher = functions.create(self, "dispatcher", environment=self.environment)
        self.dispatcher.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=names.DISPATCHER_BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=DISPATCHER_MAX_CONCURRENCY,
            )
        )
        for table, actions in DISPATCHER_ITEMS.items():
            storage.grant_items(self.dispatcher, table, *actions)
        self.queue.grant_send_messages(self.dispatcher)
        self.key.grant_decrypt(self.dispatcher)
        self.alarms = self._alarm_specs()

    def grant_api(self, function: lambda_.IFunction) -> None:
        """What the webhooks API function needs: the tables, encrypting new secrets, and
        queueing attempts (test, retry, replay)."""
        for table, actions in API_ITEMS.items():
            self._storage.grant_items(function, table, *actions)
        self.queue.grant_send_messages(function)
        # Exactly Encrypt: ``grant_encrypt`` would add ReEncrypt* and GenerateDataKey*.
        iam.Grant.add_to_principal(
            grantee=function, actions=["kms:Encrypt"], resource_arns=[self.key.key_arn]
        )

    def _alarm_specs(self) -> list[AlarmSpec]:
        disabled = cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="WebhooksDisabled",
            dimensions_map={"service": SERVICE_NAME},
            period=PERIOD,
            statistic="Sum",
        )
        return [
            AlarmSpec(
                "WebhookDeadLetters",
                self.dlq.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                1,
                "Messages in the webhook DLQ: the dispatcher gave up on them",
            ),
            AlarmSpec(
                "WebhookBacklog",
                self.queue.metric_approximate_age_of_oldest_message(
                    period=PERIOD, statistic="Maximum"
                ),
                QUEUE_AGE_ALARM.to_seconds(),
                "Webhook delivery backlog",
                periods=2,
            ),
            AlarmSpec(
                "DispatcherErrors",
                self.dispatcher.metric_errors(period=PERIOD, statistic="Sum"),
                1,
                "webhook dispatcher invocation errors",
                periods=2,
            ),
            AlarmSpec(
                "WebhookEndpointsDisabled",
                disabled,
                1,
                "A webhook endpoint was disabled (410, or failing for 5 days)",
            ),
        ]
