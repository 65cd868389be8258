"""The HTTP API: API Gateway v2, the key authorizer, one route per ``names.ROUTES`` entry,
and the Lambdas behind them with their grants.

Authorizer (decided by the lead, see docs/deploy.md): a Lambda REQUEST authorizer with
payload 2.0 and simple responses on every route whose ``authorized`` flag is set, with **no
identity source and no result caching at API Gateway**. HTTP APIs cannot customise gateway
responses: with an identity source, API Gateway itself would answer a request without the
header with ``{"message": "Unauthorized"}`` instead of the one error shape of API.md, and it
could not accept ``Authorization: Bearer`` as an alternative to ``Desmo-Key``. The
authorizer Lambda caches key look-ups in memory instead. The OpenAPI document is public.

The ``$default`` stage auto-deploys and writes JSON access logs. It throttles only the
backend routes (``RATE_LIMIT_RPS``/``BURST_LIMIT`` each, answered 429, which a backend
retries). The SDK's routes (``names.DATA_PLANE_ROUTES``) are not throttled by the gateway:
the SDK deletes a batch answered 429 like any 4xx. Their overload is shed as a 5xx instead,
which the SDK retries: a throttled Lambda invocation is answered 500 by API Gateway, and a
Firehose or DynamoDB throttle inside the telemetry function 503 (docs/reliability.md).
CORS is configured only when a dashboard origin is given: the SDKs and backends do not need
it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_events as events
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.core.config import names
from infra.config import DeployConfig
from infra.lambdas import FunctionFactory
from infra.logs import log_group
from infra.nag import acknowledge
from infra.storage import Storage
from infra.webhooks import Webhooks

RATE_LIMIT_RPS = 500
BURST_LIMIT = 1000
CORS_MAX_AGE = Duration.hours(1)

ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "organizationId": "$context.authorizer.organizationId",
}
"""One JSON object per request; ``organizationId`` comes from the authorizer's context."""


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """``IAccessLogSettings`` is a jsii interface, not a struct: Python must implement it."""

    def __init__(self, destination: apigwv2.IAccessLogDestination) -> None:
        self._destination = destination

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))


class Api(Construct):
    """``self.http_api``, ``self.stage`` (its ``url`` is the API's base URL) and the
    functions behind the routes, by ``names.FUNCTIONS`` key."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        storage: Storage,
        stream: firehose.DeliveryStream,
        queue: sqs.IQueue,
        bus: events.IEventBus,
        webhooks: Webhooks,
        functions: FunctionFactory,
    ) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, lambda_.Function] = {}

        authorizer_fn = functions.create(self, "authorizer")
        # The key's look-up, and its lastUsedAt (at most once a minute per container).
        storage.grant_items(authorizer_fn, "keys", "dynamodb:GetItem", "dynamodb:UpdateItem")

        sessions = self._route_function(functions, "sessions", queue)
        storage.grant_items(
            sessions,
            "sessions",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            indexes=("byDelivery",),  # a start retried without Idempotency-Key
        )
        # Powertools' idempotency record: get, put, update, and delete when the call failed.
        storage.grant_items(
            sessions,
            "idempotency",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        )
        storage.grant_items(sessions, "batches", "dynamodb:GetItem")  # erased markers
        queue.grant_send_messages(sessions)
        bus.grant_put_events_to(sessions)  # session.started, session.stopped

        telemetry = self._route_function(functions, "telemetry")
        # Claim the batch, then one transaction: batch accepted + session counters.
        storage.grant_items(telemetry, "sessions", "dynamodb:GetItem", "dynamodb:UpdateItem")
        storage.grant_items(telemetry, "batches", "dynamodb:PutItem", "dynamodb:UpdateItem")
        stream.grant_put_records(telemetry)

        reads = self._route_function(functions, "reads")
        storage.grant_items(
            reads,
            "sessions",
            "dynamodb:GetItem",
            indexes=("byTenantCreated", "byDelivery", "byRider"),
        )
        storage.grant_items(reads, "insights", "dynamodb:GetItem")
        storage.grant_items(reads, "buildings", "dynamodb:GetItem")
        # Presigned GETs for path images and PoD photos are signed with this role; the
        # unrestricted listing makes a HEAD on a photo not yet uploaded answer 404, not 403.
        storage.grant_objects(reads, names.SESSIONS_PREFIX, "s3:GetObject", "s3:GetObjectVersion")
        # The photo shown is the first JPEG version of pod.jpg (presign.first_photo).
        storage.grant_list(reads, prefix=None, versions=True)

        manage = self._route_function(functions, "manage", queue)
        # Reprocess reads the session; erasing marks it, deletes the ledger in batches (many
        # items: BatchWriteItem), the insights item, leaves the erased marker, deletes it.
        storage.grant_items(
            manage, "sessions", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
        )
        storage.grant_items(
            manage, "batches", "dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:PutItem"
        )
        storage.grant_items(manage, "insights", "dynamodb:DeleteItem")
        # erasing a session removes what it taught its building
        storage.grant_items(manage, "buildings", "dynamodb:GetItem", "dynamodb:PutItem")
        # PutObject signs the presigned PoD photo upload; erasing lists and deletes every
        # version (a plain delete leaves the data as noncurrent versions).
        storage.grant_objects(
            manage,
            names.SESSIONS_PREFIX,
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
        )
        storage.grant_list(manage, names.SESSIONS_PREFIX, versions=True)
        queue.grant_send_messages(manage)
        bus.grant_put_events_to(manage)  # session.deleted

        webhooks_api = self._route_function(functions, "webhooks", environment=webhooks.environment)
        webhooks.grant_api(webhooks_api)

        self._route_function(functions, "openapi")

        console = self._route_function(functions, "console")
        # Keys: list and revoke by organisation (byOrg), create, revoke; projects: list and
        # create; answers: a key's last errors.
        storage.grant_items(
            console, "keys", "dynamodb:PutItem", "dynamodb:UpdateItem", indexes=("byOrg",)
        )
        storage.grant_items(console, "projects", "dynamodb:Query", "dynamodb:PutItem")
        storage.grant_items(console, "answers", "dynamodb:Query")
        storage.grant_items(reads, "batches", "dynamodb:Query")  # the integration debugger
        # Every route function writes the error answers it gives (the integration debugger)
        # and nothing else into that table; the OpenAPI route has no caller to answer to.
        for key, function in self.functions.items():
            if key != "openapi":
                storage.grant_items(function, "answers", "dynamodb:PutItem")

        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"doorproof-{config.stage}",
            description="Doorproof: proof-of-delivery sessions, telemetry and insights",
            create_default_stage=False,
            cors_preflight=self._cors(config),
            # ``$default``: a request matching no route gets ROUTE_NOT_FOUND in the API's
            # error shape from this function instead of API Gateway's {"message": ...}.
            default_integration=integrations.HttpLambdaIntegration(
                "DefaultRouteIntegration", self.functions[names.DEFAULT_ROUTE_HANDLER]
            ),
        )
        acknowledge(
            self.http_api.node.find_child("DefaultRoute"),
            "AwsSolutions-APIG4",
            "The $default route only answers 404 ROUTE_NOT_FOUND: it serves no data, and a "
            "caller must learn that a route does not exist whatever key it holds.",
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(
                apigwv2.LogGroupLogDestination(log_group(self, "AccessLogs", config))
            ),
        )
        authorizer = authorizers.HttpLambdaAuthorizer(
            "DesmoKey",
            authorizer_fn,
            authorizer_name="desmo-key",
            response_types=[authorizers.HttpLambdaResponseType.SIMPLE],
            identity_source=[],
            results_cache_ttl=Duration.seconds(0),
        )
        routes = self._add_routes(authorizer)
        self._throttle_backend_routes(routes)
        # The L2 writes ``IdentitySource: []``; leave the property out altogether, which is
        # what API Gateway documents for a Lambda authorizer with caching disabled.
        cfn_authorizer = self.http_api.node.find_child("DesmoKey").node.default_child
        assert isinstance(cfn_authorizer, apigwv2.CfnAuthorizer)
        cfn_authorizer.add_property_deletion_override("IdentitySource")
        self.functions["authorizer"] = authorizer_fn

    def _route_function(
        self,
        functions: FunctionFactory,
        key: str,
        queue: sqs.IQueue | None = None,
        environment: Mapping[str, str] | None = None,
    ) -> lambda_.Function:
        function = functions.create(self, key, queue=queue, environment=environment)
        self.functions[key] = function
        return function

    @staticmethod
    def _cors(config: DeployConfig) -> apigwv2.CorsPreflightOptions | None:
        if not config.dashboard_origin:
            return None
        return apigwv2.CorsPreflightOptions(
            allow_origins=[config.dashboard_origin],
            allow_methods=[
                apigwv2.CorsHttpMethod.GET,
                apigwv2.CorsHttpMethod.POST,
                apigwv2.CorsHttpMethod.PATCH,
                apigwv2.CorsHttpMethod.DELETE,
                apigwv2.CorsHttpMethod.PATCH,
                apigwv2.CorsHttpMethod.OPTIONS,
            ],
            allow_headers=[names.KEY_HEADER, "Authorization", "Content-Type", "Content-Encoding"],
            max_age=CORS_MAX_AGE,
        )

    def _throttle_backend_routes(self, routes: list[apigwv2.HttpRoute]) -> None:
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        throttle = {"ThrottlingRateLimit": RATE_LIMIT_RPS, "ThrottlingBurstLimit": BURST_LIMIT}
        throttled = [
            f"{route.method} {route.path}"
            for route in names.ROUTES
            if (route.method, route.path) not in names.DATA_PLANE_ROUTES
        ]
        # ``$default`` too: every stray request costs an invocation.
        cfn_stage.route_settings = {key: throttle for key in [*throttled, "$default"]}
        # Route settings name routes, which must exist before the stage.
        for route_construct in [*routes, self.http_api.node.find_child("DefaultRoute")]:
            cfn_stage.node.add_dependency(route_construct)

    def _add_routes(self, authorizer: authorizers.HttpLambdaAuthorizer) -> list[apigwv2.HttpRoute]:
        added_routes: list[apigwv2.HttpRoute] = []
        integration_by_handler = {
            key: integrations.HttpLambdaIntegration(f"{key.capitalize()}Integration", fn)
            for key, fn in self.functions.items()
        }
        for route in names.ROUTES:
            added = self.http_api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod(route.method)],
                integration=integration_by_handler[route.handler],
                authorizer=authorizer if route.authorized else apigwv2.HttpNoneAuthorizer(),
            )
            added_routes.extend(added)
            if not route.authorized:
                for public in added:
                    acknowledge(
                        public,
                        "AwsSolutions-APIG4",
                        "The OpenAPI document is public by design: it describes the API and "
                        "holds no data.",
                    )
        return added_routes
