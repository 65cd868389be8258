"""The webhook construct: bus rule → queue (with DLQ) → dispatcher, the secrets' key, alarms."""

from __future__ import annotations

from typing import Any

from functions.core.config import names, settings
from tests.infra.conftest import STAGE, Synthesized


def _props(synthesized: Synthesized, construct: Any) -> dict[str, Any]:
    props: dict[str, Any] = synthesized.resources[synthesized.logical_id(construct)]["Properties"]
    return props


def test_queue_has_a_dlq_encryption_and_visibility_of_six_dispatcher_timeouts(
    synthesized: Synthesized,
) -> None:
    webhooks = synthesized.stack.webhooks
    queue, dlq = _props(synthesized, webhooks.queue), _props(synthesized, webhooks.dlq)
    assert queue["QueueName"] == names.webhook_queue_name(STAGE)
    assert dlq["QueueName"] == names.webhook_dlq_name(STAGE)
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [synthesized.logical_id(webhooks.dlq), "Arn"]},
        "maxReceiveCount": names.QUEUE_MAX_RECEIVES,
    }
    assert queue["VisibilityTimeout"] >= 6 * names.FUNCTIONS["dispatcher"].timeout_s
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    for props in (queue, dlq):
        assert props["SqsManagedSseEnabled"] is True


def test_every_webhook_event_type_goes_from_the_bus_to_the_queue(
    synthesized: Synthesized,
) -> None:
    webhooks = synthesized.stack.webhooks
    rule = _props(synthesized, webhooks.rule)
    assert rule["EventBusName"] == {"Ref": synthesized.logical_id(synthesized.stack.processing.bus)}
    assert rule["EventPattern"] == {
        "source": [names.EVENT_SOURCE, names.SESSION_EVENT_SOURCE],
        "detail-type": list(names.WEBHOOK_EVENT_TYPES),
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [synthesized.logical_id(webhooks.queue), "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {
        "Fn::GetAtt": [synthesized.logical_id(webhooks.dlq), "Arn"]
    }


def test_dispatcher_consumes_the_queue_in_partial_failure_batches(
    synthesized: Synthesized,
) -> None:
    webhooks = synthesized.stack.webhooks
    (mapping,) = [
        m["Properties"]
        for m in synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": synthesized.logical_id(webhooks.dispatcher)}
    ]
    assert mapping["EventSourceArn"] == {
        "Fn::GetAtt": [synthesized.logical_id(webhooks.queue), "Arn"]
    }
    assert mapping["BatchSize"] == names.DISPATCHER_BATCH_SIZE
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] >= 2


def test_dispatcher_and_api_know_the_queue_and_keep_loopback_off(
    synthesized: Synthesized,
) -> None:
    webhooks = synthesized.stack.webhooks
    queue_ref = {"Ref": synthesized.logical_id(webhooks.queue)}
    for function in (webhooks.dispatcher, synthesized.stack.api.functions["webhooks"]):
        env = _props(synthesized, function)["Environment"]["Variables"]
        assert env[settings.ENV_VARS["webhook_queue_url"]] == queue_ref
        assert env[settings.ENV_VARS["webhook_key"]] == names.webhook_key_alias(STAGE)
        assert env[settings.ENV_VARS["webhook_sandbox_loopback"]] == "false"
        assert settings.ENV_VARS["webhook_retry_scale"] not in env


def test_secrets_key_rotates_and_is_kept_in_live(synthesized: Synthesized) -> None:
    key = synthesized.resources[synthesized.logical_id(synthesized.stack.webhooks.key)]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_alarms_watch_the_dlq_backlog_errors_and_disabled_endpoints(
    synthesized: Synthesized,
) -> None:
    alarms = {
        path.rsplit("/", 2)[-2]: synthesized.resources[logical]["Properties"]
        for logical, path in synthesized.paths.items()
        if synthesized.resources.get(logical, {}).get("Type") == "AWS::CloudWatch::Alarm"
    }
    dlq = alarms["WebhookDeadLetters"]
    assert dlq["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["Dimensions"] == [
        {
            "Name": "QueueName",
            "Value": {
                "Fn::GetAtt": [synthesized.logical_id(synthesized.stack.webhooks.dlq), "QueueName"]
            },
        }
    ]
    assert alarms["WebhookBacklog"]["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert alarms["DispatcherErrors"]["MetricName"] == "Errors"
    disabled = alarms["WebhookEndpointsDisabled"]
    assert disabled["MetricName"] == "WebhooksDisabled"
    assert disabled["Namespace"] == "Doorproof"
    topic = {"Ref": synthesized.logical_id(synthesized.stack.monitoring.topic)}
    for name in ("WebhookDeadLetters", "WebhookBacklog", "DispatcherErrors"):
        assert alarms[name]["AlarmActions"] == [topic]
