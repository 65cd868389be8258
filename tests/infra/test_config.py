"""Deployment context is validated at synth time, with the documented defaults."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import RemovalPolicy

from infra.config import DeployConfig


class Context:
    def __init__(self, **values: Any) -> None:
        self.values = values

    def try_get_context(self, key: str) -> Any:
        return self.values.get(key)


def test_defaults_are_a_dev_sandbox() -> None:
    config = DeployConfig.from_context(Context())
    assert (config.stage, config.environment, config.live) == ("dev", "sandbox", False)
    assert config.removal_policy == RemovalPolicy.DESTROY
    assert config.alarm_email is None
    assert config.dashboard_origin is None
    assert config.xray_sdk is False


def test_xray_sdk_is_a_boolean_flag() -> None:
    assert DeployConfig.from_context(Context(xraySdk=True)).xray_sdk is True
    assert DeployConfig.from_context(Context(xraySdk="true")).xray_sdk is True
    assert DeployConfig.from_context(Context(xraySdk=False)).xray_sdk is False


def test_live_keeps_data_and_reads_every_key() -> None:
    config = DeployConfig.from_context(
        Context(
            stage="prod",
            environment="live",
            logRetentionDays="90",
            alarmEmail="ops@example.com",
            dashboardOrigin="https://dash.example.com",
        )
    )
    assert config.live
    assert config.removal_policy == RemovalPolicy.RETAIN
    assert config.log_retention_days == 90
    assert config.alarm_email == "ops@example.com"
    assert config.dashboard_origin == "https://dash.example.com"


def test_empty_strings_mean_unset() -> None:
    config = DeployConfig.from_context(Context(alarmEmail="", dashboardOrigin=""))
    assert config.alarm_email is None
    assert config.dashboard_origin is None


@pytest.mark.parametrize(
    "context",
    [
        {"stage": "Prod"},
        {"stage": "a-stage-name-far-too-long-for-buckets"},
        {"environment": "production"},
        {"logRetentionDays": 31},
        {"dashboardOrigin": "http://dash.example.com"},
        {"xraySdk": "yes"},
    ],
)
def test_invalid_context_fails_synth(context: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DeployConfig.from_context(Context(**context))
