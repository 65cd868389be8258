"""The Doorproof stack: composes one construct per concern and exports what an operator needs.

Order follows the data: storage, then ingest (Firehose into the bucket), processing (the
queue the API's finalize messages go to), webhooks (the bus's events to endpoints), the API,
and monitoring over all of them.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from functions.core.config import settings
from infra.api import Api
from infra.config import DeployConfig
from infra.dashboard import Dashboard
from infra.ingest import Ingest
from infra.lambdas import FunctionFactory
from infra.layers import Layers
from infra.monitoring import Monitoring
from infra.nag import acknowledge
from infra.processing import Processing
from infra.storage import Storage
from infra.webhooks import Webhooks


class DoorproofStack(Stack):
    """Everything one stage of Doorproof needs, in one stack."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeployConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.storage = Storage(self, "Storage", config=config)
        self.ingest = Ingest(self, "Ingest", config=config, storage=self.storage)
        self.layers = Layers(self, "Layers")
        functions = FunctionFactory(config, self.layers)
        self.processing = Processing(
            self, "Processing", config=config, storage=self.storage, functions=functions
        )
        self.dashboard = Dashboard(self, "Web", config=config, access_logs=self.storage.access_logs)
        self.webhooks = Webhooks(
            self,
            "Webhooks",
            config=config,
            storage=self.storage,
            bus=self.processing.bus,
            functions=functions,
        )
        self.api = Api(
            self,
            "Api",
            config=config,
            storage=self.storage,
            stream=self.ingest.stream,
            queue=self.processing.queue,
            bus=self.processing.bus,
            webhooks=self.webhooks,
            functions=functions,
        )
        # People sign in to the dashboard, which is served with the API behind it.
        self.dashboard.publish(api=self.api.http_api, data_bucket=self.storage.bucket.bucket_name)
        authorizer = self.api.functions["authorizer"]
        authorizer.add_environment(
            settings.ENV_VARS["user_pool_id"], self.dashboard.user_pool.user_pool_id
        )
        authorizer.add_environment(
            settings.ENV_VARS["user_pool_client_id"], self.dashboard.client.user_pool_client_id
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            api=self.api,
            processing=self.processing,
            webhooks=self.webhooks,
            stream=self.ingest.stream,
            functions=functions.functions,
            tables=self.storage.tables,
        )
        self._outputs()
        acknowledge(
            self,
            "CloudFormation-Validate::W7001",
            "The Firehose construct adds a mapping of Firehose CIDR blocks that only "
            "Redshift, Splunk and HTTP destinations use; this stream writes to S3.",
        )

    def _outputs(self) -> None:
        outputs = {
            "ApiUrl": (self.api.stage.url, "Base URL of the HTTP API (point the SDK here)"),
            "DataBucket": (self.storage.bucket.bucket_name, "Raw and per-session data"),
            "KeysTable": (self.storage.tables["keys"].table_name, "API keys (hashed)"),
            "EventBus": (self.processing.bus.event_bus_name, "session.* and insight.* events"),
            "WebhookQueue": (self.webhooks.queue.queue_url, "Webhook fan-out and attempts"),
            "AlarmTopic": (self.monitoring.topic.topic_arn, "Subscribe to receive alarms"),
            "Dashboard": (self.monitoring.dashboard.dashboard_name, "CloudWatch dashboard"),
            "DashboardUrl": (self.dashboard.origin, "The web dashboard (people sign in here)"),
            "UserPoolId": (self.dashboard.user_pool.user_pool_id, "Dashboard users: invite here"),
        }
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
