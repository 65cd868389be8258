"""Monitoring: alarms on what loses or delays data, a dashboard, and an SNS topic for both.

Alarms (all notify the topic; missing data is "not breaching", since a quiet night is not an
outage):
- API 5xx rate above ``API_5XX_RATE_PERCENT`` over 3 periods (only counted once there is
  traffic: a single failed request out of two is not an incident);
- any message in the DLQ: a raw object or a finalize message gave up;
- the processing queue's oldest message older than ``QUEUE_AGE_ALARM``: a backlog;
- processor or sweeper invocation errors (partial batch failures are retried, whole-batch
  failures are errors);
- the webhook construct's own (``Webhooks.alarms``: its DLQ, backlog, dispatcher errors and
  disabled endpoints);
- Firehose delivery to S3 failing, or Firehose throttling puts;
- Lambda throttles anywhere; DynamoDB throttling a table (on-demand tables still throttle a
  hot partition or a sudden jump past twice the previous peak).

The topic is not KMS-encrypted: alarm notifications carry no customer data, and CloudWatch
cannot publish to a topic encrypted with the AWS-managed SNS key (a customer-managed key
with a CloudWatch grant would be needed, for nothing to protect). It requires TLS.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.api import Api
from infra.config import DeployConfig
from infra.processing import Processing
from infra.webhooks import Webhooks

PERIOD = Duration.minutes(5)
API_5XX_RATE_PERCENT = 5
API_MIN_REQUESTS = 20
"""Below this many requests in a period the 5xx rate is not evaluated."""
QUEUE_AGE_ALARM = Duration.minutes(15)
ALARM_MATH_MAX_METRICS = 10
"""CloudWatch refuses an alarm whose math combines more metrics."""
TABLE_OPERATIONS = [
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
]
"""The operations the handlers use (an alarm's math may combine at most 10 metrics)."""


class Monitoring(Construct):
    """``self.topic`` (alarm notifications), ``self.alarms``, ``self.dashboard``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        api: Api,
        processing: Processing,
        webhooks: Webhooks,
        stream: firehose.DeliveryStream,
        functions: dict[str, lambda_.Function],
        tables: dict[str, dynamodb.Table],
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Alarms", display_name=f"Doorproof {config.stage} alarms", enforce_ssl=True
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

        http_api = api.http_api
        requests = http_api.metric_count(period=PERIOD, statistic="Sum")
        server_errors = http_api.metric_server_error(period=PERIOD, statistic="Sum")
        error_rate = cloudwatch.MathExpression(
            expression=f"IF(requests >= {API_MIN_REQUESTS}, 100 * errors / requests, 0)",
            using_metrics={"requests": requests, "errors": server_errors},
            label="5xx rate (%)",
            period=PERIOD,
        )
        self._alarm(
            "Api5xxRate",
            error_rate,
            API_5XX_RATE_PERCENT,
            f"API 5xx rate >= {API_5XX_RATE_PERCENT} %",
            periods=3,
        )
        dlq_depth = processing.dlq.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum"
        )
        self._alarm("DeadLetters", dlq_depth, 1, "Messages in the processing DLQ")
        queue_age = processing.queue.metric_approximate_age_of_oldest_message(
            period=PERIOD, statistic="Maximum"
        )
        self._alarm(
            "QueueBacklog", queue_age, QUEUE_AGE_ALARM.to_seconds(), "Processing backlog", periods=2
        )
        for key in ("processor", "sweeper"):
            errors = functions[key].metric_errors(period=PERIOD, statistic="Sum")
            self._alarm(
                f"{key.capitalize()}Errors", errors, 1, f"{key} invocation errors", periods=2
            )
        delivery = stream.metric(
            "DeliveryToS3.Success", period=PERIOD, statistic="Minimum", label="S3 delivery"
        )
        self._alarm(
            "FirehoseDelivery",
            delivery,
            1,
            "Firehose failed to deliver to S3",
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        )
        for spec in webhooks.alarms:
            self._alarm(
                spec.construct_id,
                spec.metric,
                spec.threshold,
                spec.description,
                periods=spec.periods,
            )
        firehose_throttled = stream.metric("ThrottledRecords", period=PERIOD, statistic="Sum")
        self._alarm("FirehoseThrottled", firehose_throttled, 1, "Firehose throttled records")
        throttles = cloudwatch.MathExpression(
            expression="SUM(METRICS())",
            using_metrics={
                f"t_{key}": fn.metric_throttles(period=PERIOD, statistic="Sum")
                for key, fn in functions.items()
            },
            label="Lambda throttles",
            period=PERIOD,
        )
        # An alarm's math may combine at most 10 metrics: one alarm per 10 functions.
        keys = list(functions)
        for group, start in enumerate(range(0, len(keys), ALARM_MATH_MAX_METRICS)):
            part = keys[start : start + ALARM_MATH_MAX_METRICS]
            some = cloudwatch.MathExpression(
                expression="SUM(METRICS())",
                using_metrics={
                    f"t_{key}": functions[key].metric_throttles(period=PERIOD, statistic="Sum")
                    for key in part
                },
                label=f"Lambda throttles ({', '.join(part)})",
                period=PERIOD,
            )
            suffix = str(group + 1) if group else ""
            self._alarm(f"LambdaThrottles{suffix}", some, 1, "Lambda invocations throttled")
        # Per table (the dashboard's alarm widget shows them): one graph cannot hold several
        # tables' operation sums, whose metric ids would collide.
        for logical, table in tables.items():
            throttled = table.metric_throttled_requests_for_operations(
                operations=TABLE_OPERATIONS, period=PERIOD, label=logical
            )
            self._alarm(f"{logical.capitalize()}Throttles", throttled, 1, f"{logical} throttled")

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"doorproof-{config.stage}",
            default_interval=Duration.hours(6),
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24, height=4)
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[
                    requests,
                    http_api.metric_client_error(period=PERIOD, statistic="Sum"),
                    server_errors,
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (p50, p99)",
                left=[
                    http_api.metric_latency(period=PERIOD, statistic="p50"),
                    http_api.metric_latency(period=PERIOD, statistic="p99"),
                ],
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Lambda errors", left=_per_function(functions, "Errors", "Sum"), width=8
            ),
            cloudwatch.GraphWidget(
                title="Lambda duration p99",
                left=_per_function(functions, "Duration", "p99"),
                width=8,
            ),
            cloudwatch.GraphWidget(title="Lambda throttles", left=[throttles], width=8),
        )

        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Processing queue",
                left=[
                    processing.queue.metric_approximate_number_of_messages_visible(period=PERIOD),
                    dlq_depth,
                ],
                right=[queue_age],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Firehose",
                left=[stream.metric_incoming_records(period=PERIOD, statistic="Sum")],
                right=[delivery, firehose_throttled],
                width=12,
            ),
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        *,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)


def _per_function(
    functions: dict[str, lambda_.Function], metric_name: str, statistic: str
) -> list[cloudwatch.IMetric]:
    return [
        fn.metric(metric_name, period=PERIOD, statistic=statistic, label=key)
        for key, fn in functions.items()
    ]
