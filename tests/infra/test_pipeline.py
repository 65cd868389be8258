"""Firehose → S3 raw/ → SQS → processor, the sweeper schedule, and the alarms on them."""

from __future__ import annotations

from typing import Any

from functions.core.config import names
from infra.ingest import BUFFER_INTERVAL_S
from infra.monitoring import ALARM_MATH_MAX_METRICS
from tests.infra.conftest import STAGE, Synthesized


def _single(synthesized: Synthesized, resource_type: str) -> dict[str, Any]:
    (resource,) = synthesized.of_type(resource_type).values()
    props: dict[str, Any] = resource["Properties"]
    return props


def test_firehose_writes_gzip_to_raw_with_short_buffer_and_error_prefix(
    synthesized: Synthesized,
) -> None:
    props = _single(synthesized, "AWS::KinesisFirehose::DeliveryStream")
    assert props["DeliveryStreamName"] == names.stream_name(STAGE)
    assert props["DeliveryStreamType"] == "DirectPut"
    assert props["DeliveryStreamEncryptionConfigurationInput"]["KeyType"] == "AWS_OWNED_CMK"
    s3 = props["ExtendedS3DestinationConfiguration"]
    assert s3["BucketARN"] == {
        "Fn::GetAtt": [synthesized.logical_id(synthesized.stack.storage.bucket), "Arn"]
    }
    assert s3["CompressionFormat"] == "GZIP"
    assert s3["Prefix"].startswith(names.RAW_PREFIX)
    assert "!{timestamp:" in s3["Prefix"]
    assert s3["ErrorOutputPrefix"].startswith(names.RAW_ERROR_PREFIX)
    assert "!{firehose:error-output-type}" in s3["ErrorOutputPrefix"]
    assert s3["BufferingHints"]["IntervalInSeconds"] == BUFFER_INTERVAL_S
    assert 0 < BUFFER_INTERVAL_S <= 60, "the processor sessionizes: keep the buffer short"
    assert s3["CloudWatchLoggingOptions"]["Enabled"] is True


def test_raw_objects_notify_the_processing_queue_only(synthesized: Synthesized) -> None:
    (notifications,) = synthesized.of_type("Custom::S3BucketNotifications").values()
    props = notifications["Properties"]
    storage, processing = synthesized.stack.storage, synthesized.stack.processing
    assert props["BucketName"] == {"Ref": synthesized.logical_id(storage.bucket)}
    config = props["NotificationConfiguration"]
    assert set(config) == {"QueueConfigurations"}
    (queue_config,) = config["QueueConfigurations"]
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    assert queue_config["QueueArn"] == {
        "Fn::GetAtt": [synthesized.logical_id(processing.queue), "Arn"]
    }
    assert queue_config["Filter"]["Key"]["FilterRules"] == [
        {"Name": "prefix", "Value": names.RAW_PREFIX}
    ]


def test_queue_has_dlq_and_visibility_of_six_processor_timeouts(
    synthesized: Synthesized,
) -> None:
    processing = synthesized.stack.processing
    queue = synthesized.resources[synthesized.logical_id(processing.queue)]["Properties"]
    dlq_id = synthesized.logical_id(processing.dlq)
    dlq = synthesized.resources[dlq_id]["Properties"]
    assert queue["QueueName"] == names.queue_name(STAGE)
    assert dlq["QueueName"] == names.dlq_name(STAGE)
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": names.QUEUE_MAX_RECEIVES,
    }
    assert queue["VisibilityTimeout"] == names.QUEUE_VISIBILITY_TIMEOUT_S
    assert queue["VisibilityTimeout"] >= 6 * names.FUNCTIONS["processor"].timeout_s
    for props in (queue, dlq):
        assert props["SqsManagedSseEnabled"] is True


def test_processor_consumes_the_queue_in_partial_failure_batches(
    synthesized: Synthesized,
) -> None:
    processing = synthesized.stack.processing
    (props,) = [
        m["Properties"]
        for m in synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": synthesized.logical_id(processing.processor)}
    ]
    assert props["EventSourceArn"] == {
        "Fn::GetAtt": [synthesized.logical_id(processing.queue), "Arn"]
    }
    assert props["FunctionName"] == {"Ref": synthesized.logical_id(processing.processor)}
    assert props["BatchSize"] == names.PROCESSOR_BATCH_SIZE
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["ScalingConfig"]["MaximumConcurrency"] >= 2


def test_sweeper_runs_on_schedule_and_bus_is_named(synthesized: Synthesized) -> None:
    (rule,) = [
        r["Properties"]
        for r in synthesized.of_type("AWS::Events::Rule").values()
        if "ScheduleExpression" in r["Properties"]
    ]
    assert rule["ScheduleExpression"] == f"rate({names.SWEEP_INTERVAL_MIN} minutes)"
    (target,) = rule["Targets"]
    sweeper = synthesized.stack.processing.sweeper
    assert target["Arn"] == {"Fn::GetAtt": [synthesized.logical_id(sweeper), "Arn"]}
    assert names.FUNCTIONS["sweeper"].timeout_s < names.SWEEP_INTERVAL_MIN * 60
    assert _single(synthesized, "AWS::Events::EventBus")["Name"] == names.bus_name(STAGE)


def _alarm_metrics(alarm: dict[str, Any]) -> set[str]:
    props = alarm["Properties"]
    if "MetricName" in props:
        return {props["MetricName"]}
    return {m["MetricStat"]["Metric"]["MetricName"] for m in props["Metrics"] if "MetricStat" in m}


def test_alarms_cover_errors_backlog_delivery_and_throttles(synthesized: Synthesized) -> None:
    alarms = synthesized.of_type("AWS::CloudWatch::Alarm").values()
    watched = set().union(*(_alarm_metrics(a) for a in alarms))
    assert {
        "5xx",
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
        "Errors",
        "DeliveryToS3.Success",
        "ThrottledRecords",
        "Throttles",
        "ThrottledRequests",
    } <= watched
    topic_id = synthesized.logical_id(synthesized.stack.monitoring.topic)
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_alarm_topic_mails_the_operator_and_dashboard_exists(synthesized: Synthesized) -> None:
    (subscription,) = synthesized.of_type("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
    assert len(synthesized.of_type("AWS::CloudWatch::Dashboard")) == 1


def test_outputs_give_the_api_url(synthesized: Synthesized) -> None:
    outputs = synthesized.template.to_json()["Outputs"]
    assert {"ApiUrl", "DataBucket", "KeysTable", "EventBus", "AlarmTopic"} <= set(outputs)


def test_resource_counts(synthesized: Synthesized) -> None:
    template = synthesized.template
    # Our functions, plus CDK's handlers that configure the bucket notification and deploy
    # the dashboard (a live stage has no auto-delete handler: its buckets are retained).
    template.resource_count_is("AWS::Lambda::Function", len(names.FUNCTIONS) + 2)
    template.resource_count_is("AWS::Lambda::LayerVersion", 3)  # + CDK's AWS CLI layer
    template.resource_count_is("AWS::ApiGatewayV2::Route", len(names.ROUTES) + 1)  # $default
    template.resource_count_is("AWS::ApiGatewayV2::Authorizer", 1)
    template.resource_count_is("AWS::DynamoDB::Table", len(names.TABLES))
    template.resource_count_is("AWS::S3::Bucket", 4)  # data, access logs, dashboard, CDN logs
    template.resource_count_is("AWS::SQS::Queue", 4)  # processing and webhooks, each + DLQ
    template.resource_count_is("AWS::KinesisFirehose::DeliveryStream", 1)
    template.resource_count_is("AWS::Events::EventBus", 1)
    template.resource_count_is("AWS::Events::Rule", 2)  # the sweep schedule, webhook events
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 2)
    template.resource_count_is("AWS::KMS::Key", 1)
    throttle_alarms = -(-len(names.FUNCTIONS) // ALARM_MATH_MAX_METRICS)  # 10 functions each
    template.resource_count_is(
        "AWS::CloudWatch::Alarm", 7 + throttle_alarms + 4 + len(names.TABLES)
    )
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)
