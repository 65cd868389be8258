"""The dashboard's AWS side: a Cognito user pool for people (MFA, no self sign-up, the role
groups, the organisation attribute), the app on a private bucket behind CloudFront with a
strict content security policy, and the authorizer pointed at the pool."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from doorproof.local.dashboard import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from functions.core.config import names, settings
from infra.dashboard import content_security_policy
from tests.infra.conftest import Synthesized


def _one(synthesized: Synthesized, resource_type: str) -> dict[str, Any]:
    (resource,) = synthesized.of_type(resource_type).values()
    return resource["Properties"]


def test_people_sign_in_with_mfa_and_no_self_sign_up(synthesized: Synthesized) -> None:
    pool = _one(synthesized, "AWS::Cognito::UserPool")
    assert pool["MfaConfiguration"] == "ON"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    (attribute,) = [a for a in pool["Schema"] if a["Name"] == "organizationId"]
    assert attribute["Mutable"] is False
    groups = {
        g["Properties"]["GroupName"]
        for g in synthesized.of_type("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == set(names.ROLES)


def test_the_app_client_is_public_with_code_grant_and_the_getuser_scope(
    synthesized: Synthesized,
) -> None:
    client = _one(synthesized, "AWS::Cognito::UserPoolClient")
    assert client.get("GenerateSecret") in (None, False)
    assert client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "aws.cognito.signin.user.admin"}
    assert client["EnableTokenRevocation"] is True


def test_the_site_is_private_behind_cloudfront_with_a_strict_csp(synthesized: Synthesized) -> None:
    distribution = _one(synthesized, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert distribution["Origins"][0]["OriginAccessControlId"]
    policy = _one(synthesized, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = str(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert (
        "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp.replace("*.", "")
    )
    assert "frame-ancestors 'none'" in csp
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000


def test_the_authorizer_knows_the_pool_and_client(synthesized: Synthesized) -> None:
    function = synthesized.stack.api.functions["authorizer"]
    environment = synthesized.resources[synthesized.logical_id(function)]["Properties"][
        "Environment"
    ]["Variables"]
    assert environment[settings.ENV_VARS["user_pool_id"]]
    assert environment[settings.ENV_VARS["user_pool_client_id"]]


def test_the_api_is_behind_the_same_origin_uncached(synthesized: Synthesized) -> None:
    distribution = _one(synthesized, "AWS::CloudFront::Distribution")["DistributionConfig"]
    (api,) = distribution["CacheBehaviors"]
    assert api["PathPattern"] == "/v1/*"
    assert set(api["AllowedMethods"]) >= {"GET", "POST", "DELETE", "OPTIONS"}
    assert "ForwardedValues" not in api and api["CachePolicyId"]
    assert "CustomErrorResponses" not in distribution  # API errors stay API errors


def test_the_app_learns_cognito_and_its_api_from_a_config_deployed_with_it(
    synthesized: Synthesized,
) -> None:
    """config.json is written next to the built app at deploy time (its tokens resolved by
    CloudFormation), so the app needs nothing from elsewhere at run time."""
    (deployment,) = synthesized.of_type("Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    dashboard = synthesized.stack.dashboard
    assert props["DestinationBucketName"] == {"Ref": synthesized.logical_id(dashboard.bucket)}
    assert "/config.json" in props["DistributionPaths"]
    markers = json.dumps(props["SourceMarkers"])
    assert json.dumps({"Ref": synthesized.logical_id(dashboard.client)}) in markers
    assert json.dumps({"Ref": synthesized.logical_id(dashboard.domain)}) in markers
    outdir = Path(synthesized.app.outdir)
    sources = [outdir / f"asset.{key.removesuffix('.zip')}" for key in props["SourceObjectKeys"]]
    (config_file,) = [p / "config.json" for p in sources if (p / "config.json").is_file()]
    # Each token is a marker the deployment handler replaces with its JSON-quoted value.
    config = config_file.read_text()
    for marker in props["SourceMarkers"][sources.index(config_file.parent)]:
        assert marker in config
    config = re.sub(r"<<marker:0xbaba:\d+>>", '"resolved"', config)
    assert json.loads(config) == {
        "apiUrl": "",  # the API is behind the same origin (/v1/*)
        "auth": {"kind": "cognito", "domain": "resolved", "clientId": "resolved"},
    }
    (app,) = [p / "index.html" for p in sources if (p / "index.html").is_file()]
    assert not re.search(r"(src|href)=\"(https?:)?//", app.read_text()), "loads from elsewhere"


def _directives(policy: str) -> dict[str, set[str]]:
    """A CSP as directive → its sources, without hosts (``https://…``, ``http://…``)."""
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = {s for s in sources if not s.startswith(("https://", "http://"))}
    return parsed


def test_the_local_dashboard_is_served_under_the_deployed_policy() -> None:
    """The e2e tests run the app under the local policy: it must be the deployed one, hosts
    aside, or a violation would only show in AWS."""
    deployed = _directives(content_security_policy("https://login.example", "data-bucket"))
    assert _directives(CONTENT_SECURITY_POLICY) == deployed
    assert deployed["default-src"] == {"'none'"}
    assert dict(SECURITY_HEADERS)["content-security-policy"] == CONTENT_SECURITY_POLICY
