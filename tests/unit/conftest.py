"""Unit-test fixtures: AWS is moto's in-process mock (``mock_aws``), never the network.

pytest-socket holds every unit test to that: a connection to anything but the loopback
interface fails the test (tests that run a server on 127.0.0.1 still work).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from doorproof.local.resources import Resources, create_resources
from doorproof.local.stack import REGION
from functions.core.adapters import aws
from functions.core.config import names, settings

STAGE = "unit"
UNIT_TESTS = Path(__file__).resolve().parent
LOOPBACK = ["127.0.0.1", "::1"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Unit tests may connect to the loopback interface only (pytest-socket)."""
    for item in items:
        if UNIT_TESTS in item.path.parents:
            item.add_marker(pytest.mark.allow_hosts(LOOPBACK))


@dataclass(frozen=True)
class MockAws:
    """The mocked account: a boto3 session, the created resources, and the settings the
    handlers will read."""

    session: boto3.Session
    resources: Resources
    settings: settings.Settings

    def table(self, table: names.Table) -> object:
        return self.session.resource("dynamodb").Table(table.physical(STAGE))


@contextmanager
def mocked_account() -> Iterator[MockAws]:
    """A mocked account with every resource and the environment pointing at it, for as long
    as the block runs (the fixture below; also package-scoped fixtures and benchmarks)."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            patch.delenv(var, raising=False)
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        session = boto3.Session(region_name=REGION)
        resources = create_resources(
            session, stage=STAGE, bucket_account="local", visibility_timeout_s=5
        )
        env = {
            **settings.environment_for(STAGE, "local"),
            settings.ENV_VARS["processing_queue_url"]: resources.queue_url,
            settings.ENV_VARS["webhook_queue_url"]: resources.webhook_queue_url,
        }
        for var, value in env.items():
            patch.setenv(var, value)
        settings.get_settings.cache_clear()
        aws.reset()
        try:
            yield MockAws(session, resources, settings.get_settings())
        finally:
            settings.get_settings.cache_clear()
            aws.reset()


@pytest.fixture
def mocked_aws() -> Iterator[MockAws]:
    with mocked_account() as account:
        yield account
