"""The HTTP API has exactly ``names.ROUTES`` plus ``$default``, each wired to its handler, and
the key authorizer on every route but the OpenAPI document and ``$default``; Lambdas follow
``names.FUNCTIONS``."""

from __future__ import annotations

from typing import Any

import pytest

from functions.core.config import names, settings
from functions.core.config.names import function_name
from infra.lambdas import TRACER_CAPTURE_RESPONSE
from infra.runtime import RUNTIME
from tests.infra.conftest import CONTEXT, STAGE, Synthesized


def _routes(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in synthesized.of_type("AWS::ApiGatewayV2::Route").values()
    }


def _function(synthesized: Synthesized, key: str) -> dict[str, Any]:
    name = function_name(STAGE, key)
    matches = [
        f["Properties"]
        for f in synthesized.of_type("AWS::Lambda::Function").values()
        if f["Properties"].get("FunctionName") == name
    ]
    assert len(matches) == 1, f"no function {name}"
    return matches[0]


def test_routes_are_exactly_names_routes_and_default(synthesized: Synthesized) -> None:
    assert set(_routes(synthesized)) == set(names.ROUTES_BY_KEY) | {names.DEFAULT_ROUTE_KEY}


@pytest.mark.parametrize("route", names.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_authorization(synthesized: Synthesized, route: names.Route) -> None:
    props = _routes(synthesized)[f"{route.method} {route.path}"]
    authorizers = synthesized.of_type("AWS::ApiGatewayV2::Authorizer")
    (authorizer_id,) = authorizers
    if route.authorized:
        assert props["AuthorizationType"] == "CUSTOM"
        assert props["AuthorizerId"] == {"Ref": authorizer_id}
    else:
        assert props["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in props


def test_only_the_openapi_document_is_public(synthesized: Synthesized) -> None:
    public = {k for k, p in _routes(synthesized).items() if p["AuthorizationType"] == "NONE"}
    assert public == {"GET /v1/openapi.json", names.DEFAULT_ROUTE_KEY}


def test_default_route_reaches_the_not_found_answer(synthesized: Synthesized) -> None:
    """A request matching no route is answered ROUTE_NOT_FOUND by a function, not API
    Gateway's own {"message": "Not Found"}."""
    props = _routes(synthesized)[names.DEFAULT_ROUTE_KEY]
    integration_id = props["Target"]["Fn::Join"][1][1]["Ref"]
    integration = synthesized.resources[integration_id]["Properties"]
    function = synthesized.stack.api.functions[names.DEFAULT_ROUTE_HANDLER]
    assert integration["IntegrationUri"] == {
        "Fn::GetAtt": [synthesized.logical_id(function), "Arn"]
    }


def test_the_sdks_routes_are_never_throttled_by_the_gateway(synthesized: Synthesized) -> None:
    """The gateway answers a throttled request 429 and the SDK deletes a batch answered 4xx:
    the data plane has no gateway throttle at all (overload becomes a retried 5xx)."""
    (stage,) = synthesized.of_type("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert "ThrottlingRateLimit" not in props.get("DefaultRouteSettings", {})
    assert "ThrottlingBurstLimit" not in props.get("DefaultRouteSettings", {})
    for method, path in names.DATA_PLANE_ROUTES:
        assert f"{method} {path}" not in props.get("RouteSettings", {})
    stage_id = next(iter(synthesized.of_type("AWS::ApiGatewayV2::Stage")))
    routes = set(synthesized.of_type("AWS::ApiGatewayV2::Route"))
    assert routes <= set(synthesized.resources[stage_id].get("DependsOn", []))


@pytest.mark.parametrize("route", names.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_reaches_its_handler(synthesized: Synthesized, route: names.Route) -> None:
    props = _routes(synthesized)[f"{route.method} {route.path}"]
    integration_id = props["Target"]["Fn::Join"][1][1]["Ref"]
    integration = synthesized.resources[integration_id]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    function = synthesized.stack.api.functions[route.handler]
    assert integration["IntegrationUri"] == {
        "Fn::GetAtt": [synthesized.logical_id(function), "Arn"]
    }


def test_authorizer_has_no_identity_source_and_no_gateway_cache(
    synthesized: Synthesized,
) -> None:
    (authorizer,) = synthesized.of_type("AWS::ApiGatewayV2::Authorizer").values()
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "REQUEST"
    assert props["AuthorizerPayloadFormatVersion"] == "2.0"
    assert props["EnableSimpleResponses"] is True
    assert props["AuthorizerResultTtlInSeconds"] == 0
    assert "IdentitySource" not in props
    authorizer_fn = synthesized.stack.api.functions["authorizer"]
    assert synthesized.logical_id(authorizer_fn) in str(props["AuthorizerUri"])


def test_stage_throttles_backend_routes_logs_and_allows_the_dashboard(
    synthesized: Synthesized,
) -> None:
    (stage,) = synthesized.of_type("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    throttled = props["RouteSettings"]
    backend = {
        f"{r.method} {r.path}"
        for r in names.ROUTES
        if (r.method, r.path) not in names.DATA_PLANE_ROUTES
    }
    assert set(throttled) == backend | {"$default"}
    for settings_ in throttled.values():
        assert settings_["ThrottlingRateLimit"] > 0 and settings_["ThrottlingBurstLimit"] > 0
    assert "$context.requestId" in props["AccessLogSettings"]["Format"]
    (api,) = synthesized.of_type("AWS::ApiGatewayV2::Api").values()
    cors = api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == [CONTEXT["dashboardOrigin"]]
    assert names.KEY_HEADER in cors["AllowHeaders"]


def test_one_function_per_names_function(synthesized: Synthesized) -> None:
    ours = {
        f["Properties"]["FunctionName"]
        for f in synthesized.of_type("AWS::Lambda::Function").values()
        if "FunctionName" in f["Properties"]
    }
    assert ours == {function_name(STAGE, key) for key in names.FUNCTIONS}


@pytest.mark.parametrize("spec", names.FUNCTIONS.values(), ids=lambda f: f.key)
def test_function_settings(synthesized: Synthesized, spec: names.Function) -> None:
    props = _function(synthesized, spec.key)
    assert props["Handler"] == spec.handler
    assert props["Runtime"] == RUNTIME.name
    assert props["Architectures"] == ["arm64"]
    assert props["MemorySize"] == spec.memory_mb
    assert props["Timeout"] == spec.timeout_s
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert "LogGroup" in props["LoggingConfig"]
    layers = synthesized.stack.layers
    expected = [layers.powertools] + ([layers.numpy] if spec.needs_numpy else [])
    assert sorted(ref["Ref"] for ref in props["Layers"]) == sorted(
        synthesized.logical_id(layer) for layer in expected
    )


@pytest.mark.parametrize("spec", names.FUNCTIONS.values(), ids=lambda f: f.key)
def test_traces_hold_no_handler_responses(synthesized: Synthesized, spec: names.Function) -> None:
    """Responses are session documents (addresses, presigned URLs): not for X-Ray."""
    env = _function(synthesized, spec.key)["Environment"]["Variables"]
    assert env[TRACER_CAPTURE_RESPONSE] == "false"


@pytest.mark.parametrize("spec", names.FUNCTIONS.values(), ids=lambda f: f.key)
def test_function_environment_is_settings_environment(
    synthesized: Synthesized, spec: names.Function
) -> None:
    env = _function(synthesized, spec.key)["Environment"]["Variables"]
    expected = settings.environment_for(STAGE, "ACCOUNT")
    bucket_var = settings.ENV_VARS["data_bucket"]
    for var, value in expected.items():
        if var != bucket_var:
            assert env[var] == value, var
    assert env[bucket_var] == {
        "Fn::Join": ["", [names.bucket_name(STAGE, ""), {"Ref": "AWS::AccountId"}]]
    }
    queue_var = settings.ENV_VARS["processing_queue_url"]
    sends_finalize = spec.key in {"sessions", "manage", "sweeper"}
    assert (queue_var in env) == sends_finalize
    if sends_finalize:
        queue_id = synthesized.logical_id(synthesized.stack.processing.queue)
        assert env[queue_var] == {"Ref": queue_id}
    assert env["POWERTOOLS_SERVICE_NAME"] == "doorproof"
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true", "no X-Ray SDK unless xraySdk is set"


def test_environment_names_the_resources_the_stack_creates(synthesized: Synthesized) -> None:
    """The env vars come from ``names``; the resources too: they must be the same."""
    env = _function(synthesized, "processor")["Environment"]["Variables"]
    stream = next(iter(synthesized.of_type("AWS::KinesisFirehose::DeliveryStream").values()))
    stream_name = stream["Properties"]["DeliveryStreamName"]
    assert env[settings.ENV_VARS["telemetry_stream"]] == stream_name
    (bus,) = synthesized.of_type("AWS::Events::EventBus").values()
    assert env[settings.ENV_VARS["event_bus"]] == bus["Properties"]["Name"]
