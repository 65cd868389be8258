"""The dashboard in AWS: who may sign in (a Cognito user pool) and where the app is served from
(a private S3 bucket behind CloudFront, with a strict content security policy).

- **People**: a user pool without self sign-up (an operator invites people), e-mail as user
  name, MFA required (TOTP), a strong password policy, the custom attribute
  ``organizationId`` (immutable) and the groups of ``names.ROLES``. One public app client
  (no secret: the app runs in a browser) with the authorization-code grant and PKCE, the
  scopes ``openid`` and ``aws.cognito.signin.user.admin`` (what ``GetUser`` needs to check
  the token, ``functions.core.adapters.people``), one-hour access tokens, token revocation on.
- **Site**: the built app (``dashboard/dist``, ``make dashboard``) and a generated
  ``config.json`` (Cognito domain and client id) are deployed to a bucket that only
  CloudFront can read (origin access control). The same distribution forwards ``/v1/*`` to
  the HTTP API (no caching, every viewer header but Host), so the app calls its own origin:
  no CORS, and ``connect-src`` names only ``'self'`` and Cognito. (The API cannot be named
  in the CSP *and* name the CDN in its CORS: that is a CloudFormation cycle.) A CloudFront
  Function sends the app's own pages (``/sessions/…``, ``/keys``: paths without a dot) to
  ``index.html``; error pages are not rewritten, so API errors stay API errors. Every
  response carries the security headers: CSP ``default-src 'none'`` and only what the app
  loads itself, Cognito to talk to, and S3 (presigned path images and photos) for images;
  HSTS, nosniff, no referrer, no framing.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, DefaultStackSynthesizer, Duration, Stack, Token
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from functions.core.adapters.people import ORGANIZATION_ATTRIBUTE
from functions.core.config import names
from infra.config import DeployConfig
from infra.nag import acknowledge, arn_ref
from infra.storage import ACCESS_LOG_EXPIRY_DAYS, private_bucket

DIST = Path(__file__).resolve().parent.parent / "dashboard" / "dist"
ACCESS_TOKEN_TTL = Duration.hours(1)
APP_PAGES_FUNCTION = """
function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""
REFRESH_TOKEN_TTL = Duration.hours(12)


def content_security_policy(cognito_url: str, data_bucket: str) -> str:
    """What the app may load and talk to: itself (and the API behind it), Cognito, and S3 for
    images."""
    images = f"https://{data_bucket}.s3.amazonaws.com https://{data_bucket}.s3.{Aws.REGION}.amazonaws.com"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {images}",
            f"connect-src 'self' {cognito_url}",
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            f"form-action 'self' {cognito_url}",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


class Dashboard(Construct):
    """``self.user_pool`` now; ``publish(api, data_bucket)``, once the API exists, makes the
    CDN (``self.origin``: ``https://…cloudfront.net``), the app client (``self.client``) and
    deploys the app."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        access_logs: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        if not (DIST / "index.html").is_file():
            raise FileNotFoundError(
                f"{DIST / 'index.html'} is missing: build the dashboard first (make dashboard)"
            )
        self._config = config
        self.user_pool = self._user_pool(config)
        self.domain = self.user_pool.add_domain(
            "Login",
            cognito_domain=cognito.CognitoDomainOptions(
                domain_prefix=f"doorproof-{config.stage}-{Aws.ACCOUNT_ID}"
            ),
            managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
        )
        self.bucket = private_bucket(
            self,
            "Site",
            config=config,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="dashboard/",
        )
        self._headers_scope = Construct(self, "Headers")
        self.distribution: cloudfront.Distribution | None = None
        self.cdn_logs = private_bucket(
            self,
            "CdnLogs",
            config=config,
            # CloudFront's standard logs are delivered with an ACL.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(ACCESS_LOG_EXPIRY_DAYS))],
        )
        acknowledge(
            self.cdn_logs,
            "AwsSolutions-S1",
            "This bucket receives CloudFront's access logs; logging a log bucket would only "
            "log the log deliveries.",
        )

    @property
    def cognito_url(self) -> str:
        return f"https://{self.domain.domain_name}.auth.{Aws.REGION}.amazoncognito.com"

    def _user_pool(self, config: DeployConfig) -> cognito.UserPool:
        pool = cognito.UserPool(
            self,
            "People",
            user_pool_name=f"doorproof-{config.stage}-people",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            custom_attributes={
                ORGANIZATION_ATTRIBUTE.removeprefix("custom:"): cognito.StringAttribute(
                    min_len=1, max_len=64, mutable=False
                )
            },
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=config.live,
            removal_policy=config.removal_policy,
        )
        for finding in ("AwsSolutions-COG3", "AwsSolutions-COG8"):
            acknowledge(
                pool,
                finding,
                "Threat protection needs the Plus feature plan (billed per user); sign-in "
                "already requires MFA, there is no self sign-up, and an operator can turn it on.",
            )
        for role in names.ROLES:
            cognito.CfnUserPoolGroup(
                self,
                f"{role.capitalize()}Group",
                user_pool_id=pool.user_pool_id,
                group_name=role,
                description=f"Doorproof dashboard role: {role}",
            )
        return pool

    def publish(self, *, api: apigwv2.HttpApi, data_bucket: str) -> None:
        """The CDN, the app client (its callback is the CDN's URL) and the deployed files."""
        csp = content_security_policy(self.cognito_url, data_bucket)
        headers = cloudfront.ResponseHeadersPolicy(
            self._headers_scope,
            "Policy",
            comment="Doorproof dashboard: strict CSP and security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365),
                    include_subdomains=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
        )
        pages = cloudfront.Function(
            self,
            "AppPages",
            comment="The dashboard's own pages are index.html",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(APP_PAGES_FUNCTION),
        )
        api_domain = f"{api.api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        self.distribution = cloudfront.Distribution(
            self,
            "Cdn",
            comment=f"Doorproof {self._config.stage} dashboard",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=pages, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors={
                "/v1/*": cloudfront.BehaviorOptions(
                    origin=origins.HttpOrigin(api_domain),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    # With caching off, this forwards Authorization too; Host must stay
                    # API Gateway's own.
                    origin_request_policy=(
                        cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
                    ),
                )
            },
            enable_logging=True,
            log_bucket=self.cdn_logs,
            log_file_prefix="cdn/",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "The dashboard is for the customer's own staff wherever they are; sign-in, not "
            "geography, decides who sees data.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "CloudFront serves static files only; every data request goes to the API, which "
            "authenticates and throttles. A WAF web ACL can be attached per deployment.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The distribution uses CloudFront's default certificate (*.cloudfront.net), whose "
            "TLS policy cannot be chosen; a custom domain with its own certificate lifts it.",
        )
        self.origin = f"https://{self.distribution.distribution_domain_name}"
        self.client = self.user_pool.add_client(
            "Dashboard",
            user_pool_client_name="dashboard",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.COGNITO_ADMIN],
                callback_urls=[f"{self.origin}/callback"],
                logout_urls=[f"{self.origin}/"],
            ),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=ACCESS_TOKEN_TTL,
            id_token_validity=ACCESS_TOKEN_TTL,
            refresh_token_validity=REFRESH_TOKEN_TTL,
        )
        config_json = {
            "apiUrl": "",
            "auth": {
                "kind": "cognito",
                "domain": self.cognito_url,
                "clientId": self.client.user_pool_client_id,
            },
        }
        s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=[
                s3deploy.Source.asset(str(DIST)),
                s3deploy.Source.json_data("config.json", config_json),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/index.html", "/config.json"],
            memory_limit=256,
            prune=True,
        )
        _acknowledge_deployment_handler(self, self.bucket)


def _asset_objects(stack: Stack) -> str:
    """The objects of the stack's CDK asset bucket as cdk-nag spells them in a finding.

    The deployment handler reads its source from there. cdk-nag prints what the template
    holds: the pseudo-parameter ``<AWS::Region>`` when the stack is environment-agnostic
    (the in-process tests), the region itself when the CLI resolved one (``cdk synth``),
    and then also the partition, which a concrete region fixes.
    """

    def shown(value: str, token: str) -> str:
        return token if Token.is_unresolved(value) else value

    synthesizer = stack.synthesizer
    qualifier = (
        synthesizer.bootstrap_qualifier
        if isinstance(synthesizer, DefaultStackSynthesizer) and synthesizer.bootstrap_qualifier
        else DefaultStackSynthesizer.DEFAULT_QUALIFIER
    )
    region = shown(stack.region, "<AWS::Region>")
    partition = (
        "<AWS::Partition>"
        if Token.is_unresolved(stack.region)
        else RegionInfo.get(stack.region).partition or "aws"
    )
    account = shown(stack.account, "<AWS::AccountId>")
    return f"arn:{partition}:s3:::cdk-{qualifier}-assets-{account}-{region}/*"


def _acknowledge_deployment_handler(scope: Construct, site: s3.IBucket) -> None:
    """BucketDeployment copies the files with a CDK-provided singleton Lambda at stack level
    (its role, runtime and policies are CDK's, not configurable)."""
    stack = Stack.of(scope)
    wildcards = [f"Action::s3:{a}*" for a in ("Abort", "DeleteObject", "GetBucket", "GetObject")]
    wildcards += [
        "Action::s3:List*",
        "Resource::*",
        f"Resource::{arn_ref(site)}/*",
        f"Resource::{_asset_objects(stack)}",
    ]
    for child in stack.node.children:
        if not child.node.id.startswith("Custom::CDKBucketDeployment"):
            continue
        acknowledge(
            child,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "CDK's own deployment handler writes only its logs with this policy.",
        )
        for finding in wildcards:
            acknowledge(
                child,
                f"AwsSolutions-IAM5[{finding}]",
                "CDK's deployment handler syncs the whole site bucket from its asset "
                "(CDK's grant_read_write) and invalidates the CDN (no resource-level "
                "permission); neither is configurable.",
            )
        acknowledge(
            child,
            "AwsSolutions-L1",
            "The runtime of CDK's deployment handler is chosen by aws-cdk-lib, and moves with it.",
        )
