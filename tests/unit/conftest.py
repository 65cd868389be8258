"""Unit-test fixtures: AWS is moto's in-process mock (``mock_aws``), never the network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

from doorproof.local.resources import Resources, create_resources
from doorproof.local.stack import REGION
from functions.core import aws, names, settings

STAGE = "unit"


@dataclass(frozen=True)
class MockAws:
    """The mocked account: a boto3 session, the created resources, and the settings the
    handlers will read."""

    session: boto3.Session
    resources: Resources
    settings: settings.Settings

    def table(self, table: names.Table) -> object:
        return self.session.resource("dynamodb").Table(table.physical(STAGE))


@pytest.fixture
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockAws]:
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        resources = create_resources(
            session, stage=STAGE, bucket_account="local", visibility_timeout_s=5
        )
        env = {
            **settings.environment_for(STAGE, "local"),
            settings.ENV_VARS["processing_queue_url"]: resources.queue_url,
        }
        for var, value in env.items():
            monkeypatch.setenv(var, value)
        settings.get_settings.cache_clear()
        aws.reset()
        yield MockAws(session, resources, settings.get_settings())
        settings.get_settings.cache_clear()
        aws.reset()
