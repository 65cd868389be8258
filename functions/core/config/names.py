"""Names, shapes and limits shared by the CDK app, the Lambda code and the local stack.

This module is the single source of truth for every resource the system creates: the CDK
constructs in ``infra/`` build their tables, bucket, stream, queues and routes from it, and
the local stack (``doorproof.local``) creates its moto resources from exactly the same
definitions, so the two cannot drift. It imports nothing but the standard library on
purpose: the Lambda code and the local stack must never pull in aws-cdk-lib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

# --- keys -------------------------------------------------------------------------------

ENVIRONMENTS = ("sandbox", "live")
KEY_PREFIXES = {
    ("publishable", "sandbox"): "pk_sandbox_",
    ("publishable", "live"): "pk_live_",
    ("secret", "sandbox"): "sk_sandbox_",
    ("secret", "live"): "sk_live_",
}
KEY_HEADER = "Desmo-Key"
ROLES = ("viewer", "admin")
"""What a person signed in to the dashboard may be: a viewer reads, an admin also manages
keys, projects and sessions (reprocess, delete). Cognito groups of the same names."""
PROJECT_HEADER = "Doorproof-Project"
ENVIRONMENT_HEADER = "Doorproof-Environment"
"""A person belongs to an organisation, not to one project: the dashboard names the project
and environment it is looking at in these headers (a key carries both itself)."""

# --- limits -----------------------------------------------------------------------------

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest body accepted, compressed or not. API Gateway takes 10 MB, but the event carries
a gzip body base64-encoded (a third larger) and Lambda refuses events over 6 MB with a
gateway error in its own shape; 4 MB keeps every refusal in the API's error shape."""
MAX_DECOMPRESSED_BYTES = 20 * 1024 * 1024
"""Largest body after gunzip: guards against gzip bombs."""
MAX_SAMPLES_PER_BATCH = 20_000
FIREHOSE_RECORD_LIMIT_BYTES = 1_000 * 1024
"""Firehose rejects records over 1,000 KiB; ingest splits below this."""
FIREHOSE_BATCH_LIMIT_RECORDS = 500
FIREHOSE_BATCH_LIMIT_BYTES = 4 * 1024 * 1024
SAMPLE_TS_SLACK_S = 24 * 3600.0
"""A sample more than a day before session start or after now is rejected as invalid."""
LATE_DATA_GRACE_S = 30 * 24 * 3600.0
"""Batches for a stopped session are still accepted this long after the stop. The SDK keeps
unsent batches on the phone across days and retries them only while some session is
recording, so a courier offline at the end of a shift sends them at the next shift, which
may be after a weekend or a holiday; 30 days covers that (docs/decisions.md, issue 12)."""
SESSION_INACTIVITY_TIMEOUT_S = 2 * 3600.0
"""A session that has been silent this long without a stop is ended by the sweeper."""
FINALIZE_DEADLINE_S = 15 * 60.0
"""After a stop, insights are computed with what arrived once this long has passed."""
SWEEP_INTERVAL_MIN = 5
LIST_DEFAULT_LIMIT = 50
LIST_MAX_LIMIT = 200
BATCH_DEDUPE_TTL_S = int(LATE_DATA_GRACE_S) + 14 * 24 * 3600
"""How long a batch's ledger item (its de-duplication record) lives after it was first
received. It must outlive every retry of that batch, which can come until the session's
stop plus ``LATE_DATA_GRACE_S``: the 14 days on top cover the session's own length."""
START_RETRY_WINDOW_S = 15 * 60.0
"""A start without ``Idempotency-Key`` whose body equals that of a session started this
recently, still recording and without telemetry, is a retry (the SDK's read timed out after
the server had answered) and returns that session instead of opening a second one."""
ERASED_MARKER_TTL_S = int(LATE_DATA_GRACE_S)
"""How long an erased session's marker lets its phone's stop succeed (the phone may retry
the stop for as long as it retries late batches)."""
PRESIGNED_URL_TTL_S = 3600
POD_CONTENT_TYPE = "image/jpeg"
POD_MAX_BYTES = 10 * 1024 * 1024
"""The proof-of-delivery photo: one JPEG of at most 10 MiB (the upload's POST policy)."""
HISTORY_LENGTH = 10
"""How many of a session's computations its ``insightsHistory`` keeps (the newest)."""
RAW_OBJECT_EXPIRY_DAYS = 7

# --- storage ----------------------------------------------------------------------------

RAW_PREFIX = "raw/"
"""Firehose output prefix (time-partitioned, mixed sessions)."""
RAW_ERROR_PREFIX = "raw-errors/"
SESSIONS_PREFIX = "sessions/"
"""Per-session data: ``sessions/<sessionId>/chunks/…``, ``…/path.png``, ``…/pod.jpg``."""
EVENT_SOURCE = "doorproof.insights"
SESSION_EVENT_SOURCE = "doorproof.sessions"
"""The bus source of ``session.*`` events (``EVENT_SOURCE`` is that of ``insight.*``)."""


@dataclass(frozen=True)
class Index:
    """A global secondary index: its name, keys (string attributes) and projection."""

    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class Table:
    """A DynamoDB table: on-demand, string keys, optional TTL attribute and GSIs."""

    logical: str
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None
    indexes: tuple[Index, ...] = field(default_factory=tuple)

    def physical(self, stage: str) -> str:
        return f"doorproof-{stage}-{self.logical}"


KEYS_TABLE = Table(
    "keys",
    partition_key="keyHash",
    indexes=(Index("byOrg", "organizationId", "createdAt"),),
)
SESSIONS_TABLE = Table(
    "sessions",
    partition_key="sessionId",
    indexes=(
        Index("byTenantCreated", "tenant", "createdKey"),
        Index("byDelivery", "tenantDelivery", "createdKey"),
        Index("byRider", "tenantRider", "createdKey"),
        # Sparse: only sessions whose insights are not final carry sweepShard/sweepAt.
        Index("bySweep", "sweepShard", "sweepAt"),
        # Sparse: only filter items (tag, reason code, outcome, archived) carry filterKey.
        Index("byFilter", "filterKey", "createdKey"),
    ),
)
BATCHES_TABLE = Table(
    "batches", partition_key="sessionId", sort_key="itemId", ttl_attribute="expiresAt"
)
INSIGHTS_TABLE = Table("insights", partition_key="sessionId")
IDEMPOTENCY_TABLE = Table("idempotency", partition_key="id", ttl_attribute="expiration")
PROJECTS_TABLE = Table("projects", partition_key="organizationId", sort_key="projectId")
ANSWERS_TABLE = Table(
    "answers", partition_key="keyId", sort_key="answerKey", ttl_attribute="expiresAt"
)
"""The last error answers given to each key (the integration debugger), kept 14 days."""
BUILDINGS_TABLE = Table("buildings", partition_key="buildingKey")
"""Building memory: one item per tenant and building
(``functions.core.adapters.building_store``)."""
WEBHOOKS_TABLE = Table("webhooks", partition_key="tenant", sort_key="endpointId")
"""Webhook endpoints, one partition per tenant: the dispatcher's fan-out is one query, and
another tenant's endpoint is not even addressable."""
WEBHOOK_DELIVERIES_TABLE = Table(
    "webhook-deliveries",
    partition_key="endpointId",
    sort_key="deliveryId",
    ttl_attribute="expiresAt",
)
"""One item per event and endpoint, holding every attempt (the delivery log); ``deliveryId``
starts with the creation time, so a query lists an endpoint's deliveries in time order."""
WEBHOOK_MESSAGES_TABLE = Table(
    "webhook-messages", partition_key="tenant", sort_key="messageKey", ttl_attribute="expiresAt"
)
"""Every webhook event of a tenant by time (``createdAt#messageId``): what replay re-sends."""
TABLES: tuple[Table, ...] = (
    KEYS_TABLE,
    SESSIONS_TABLE,
    BATCHES_TABLE,
    INSIGHTS_TABLE,
    IDEMPOTENCY_TABLE,
)
TABLES += (PROJECTS_TABLE, ANSWERS_TABLE, BUILDINGS_TABLE)
TABLES += (WEBHOOKS_TABLE, WEBHOOK_DELIVERIES_TABLE, WEBHOOK_MESSAGES_TABLE)
SWEEP_SHARDS = 4


def bucket_name(stage: str, account: str = "local") -> str:
    """The data bucket (raw Firehose output and per-session data)."""
    return f"doorproof-{stage}-data-{account}"


def stream_name(stage: str) -> str:
    return f"doorproof-{stage}-telemetry"


def queue_name(stage: str) -> str:
    return f"doorproof-{stage}-processing"


def dlq_name(stage: str) -> str:
    return f"doorproof-{stage}-processing-dlq"


def bus_name(stage: str) -> str:
    return f"doorproof-{stage}-insights"


def webhook_queue_name(stage: str) -> str:
    return f"doorproof-{stage}-webhooks"


def webhook_dlq_name(stage: str) -> str:
    return f"doorproof-{stage}-webhooks-dlq"


def webhook_rule_name(stage: str) -> str:
    """The bus rule that sends every webhook event type to the webhook queue."""
    return f"doorproof-{stage}-webhooks"


def webhook_key_alias(stage: str) -> str:
    """The KMS key that encrypts webhook signing secrets at rest."""
    return f"alias/doorproof-{stage}-webhooks"


PROCESSOR_TIMEOUT_S = 120
QUEUE_VISIBILITY_TIMEOUT_S = 6 * PROCESSOR_TIMEOUT_S
"""AWS advises at least six times the consuming function's timeout for an SQS event source,
so a batch that is still being worked on is never delivered to a second instance."""
QUEUE_MAX_RECEIVES = 5
"""Deliveries before a message moves to the DLQ."""
PROCESSOR_BATCH_SIZE = 10

# --- webhooks ---------------------------------------------------------------------------

SessionEventKind = Literal["session.started", "session.stopped", "session.deleted"]
"""The bus's ``session.*`` events (source ``SESSION_EVENT_SOURCE``)."""
EventKind = Literal["insight.ready", "insight.updated", "insight.failed"]
"""The bus's ``insight.*`` events (source ``EVENT_SOURCE``)."""
SESSION_EVENT_TYPES: tuple[SessionEventKind, ...] = get_args(SessionEventKind)
INSIGHT_EVENT_TYPES: tuple[EventKind, ...] = get_args(EventKind)
WEBHOOK_EVENT_TYPES = SESSION_EVENT_TYPES + INSIGHT_EVENT_TYPES
"""Every event published on the bus, each of which is also a webhook event."""
WEBHOOK_TEST_EVENT = "webhook.test"
"""What ``POST /v1/webhooks/{id}/test`` sends (whatever the endpoint subscribed to)."""
WEBHOOK_RETRY_SCHEDULE_S = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
"""Standard Webhooks' schedule: the delay before each attempt (the first is immediate)."""
WEBHOOK_RETRY_JITTER = 0.1
"""Each delay is stretched or shrunk by up to this fraction, so retries do not arrive in herds."""
WEBHOOK_TIMEOUT_S = 15
WEBHOOK_RESPONSE_LIMIT_BYTES = 1024
"""How much of an endpoint's answer is read and kept in the delivery log."""
WEBHOOK_DISABLE_AFTER_S = 5 * 24 * 3600
"""An endpoint whose deliveries have failed for this long (no success since) is disabled."""
WEBHOOK_SECRET_OVERLAP_S = 24 * 3600
"""After a rotation the previous secret keeps signing (beside the new one) this long."""
WEBHOOK_LOG_RETENTION_S = 30 * 24 * 3600
"""Deliveries and messages are kept (delivery log, replay window) this long."""
WEBHOOK_REPLAY_MAX = 500
"""Messages one replay call re-sends at most; the answer says where to continue."""
SQS_MAX_DELAY_S = 900
DISPATCHER_TIMEOUT_S = 60
DISPATCHER_BATCH_SIZE = 10
WEBHOOK_QUEUE_VISIBILITY_TIMEOUT_S = 6 * DISPATCHER_TIMEOUT_S

# --- functions and routes ---------------------------------------------------------------

HandlerKey = Literal["sessions", "telemetry", "reads", "manage", "openapi", "console", "webhooks"]


@dataclass(frozen=True)
class Function:
    """A Lambda function: its handler path inside the ``functions`` code asset."""

    key: str
    handler: str
    memory_mb: int
    timeout_s: int
    needs_numpy: bool = False
    """Whether the handler's imports reach numpy (it then gets the numpy layer): only the
    processor, which decodes records and runs the engine. No API handler may (a cold start
    would pay ~0.6 s for it); tests/infra checks this against the real imports."""
    local_instances: int = 1
    """How many invocations the local stack runs at once (AWS runs many environments). Above
    one only for handlers whose state is per thread: locally they share one process."""


FUNCTIONS = {
    f.key: f
    for f in (
        Function("authorizer", "functions.api.authorizer.handler", 256, 5),
        Function("sessions", "functions.api.sessions.handler", 256, 10),
        Function("telemetry", "functions.api.telemetry.handler", 512, 15),
        Function("reads", "functions.api.reads.handler", 256, 10),
        Function("manage", "functions.api.manage.handler", 256, 15),
        Function("openapi", "functions.api.openapi.handler", 256, 10),
        Function("console", "functions.api.console.handler", 256, 10),
        Function(
            "processor", "functions.processing.processor.handler", 1536, PROCESSOR_TIMEOUT_S, True
        ),
        Function("sweeper", "functions.processing.sweeper.handler", 512, 120),
        Function("webhooks", "functions.api.webhooks.handler", 256, 15),
        Function(
            "dispatcher",
            "functions.processing.dispatcher.handler",
            256,
            DISPATCHER_TIMEOUT_S,
            local_instances=4,
        ),
    )
}


def function_name(stage: str, key: str) -> str:
    """``doorproof-<stage>-<key>``: a function's name, deployed or in the local stack."""
    return f"doorproof-{stage}-{key}"


@dataclass(frozen=True)
class Route:
    """One HTTP API route: method, path (API Gateway syntax), handler and whether it is
    behind the key authorizer."""

    method: str
    path: str
    handler: HandlerKey
    authorized: bool = True
    people: Literal["viewer", "admin"] | None = None
    """The least role a person signed in to the dashboard needs here (None: keys only)."""
    keys: bool = True
    """Whether an API key may call it (the control plane is for people only)."""


ROUTES: tuple[Route, ...] = (
    Route("POST", "/v1/sessions/start", "sessions"),
    Route("POST", "/v1/sessions/stop", "sessions"),
    Route("POST", "/v1/sessions/{sessionId}/stop", "sessions"),
    Route("POST", "/v1/telemetry", "telemetry"),
    Route("GET", "/v1/sessions", "reads", people="viewer"),
    Route("GET", "/v1/sessions/{sessionId}", "reads", people="viewer"),
    Route("GET", "/v1/sessions/{sessionId}/insights", "reads", people="viewer"),
    Route("POST", "/v1/sessions/{sessionId}/reprocess", "manage", people="admin"),
    Route("POST", "/v1/sessions/{sessionId}/pod", "manage"),
    Route("DELETE", "/v1/sessions/{sessionId}", "manage", people="admin"),
    Route("GET", "/v1/buildings/{buildingId}", "reads", people="viewer"),
    Route("PATCH", "/v1/sessions/{sessionId}", "manage", people="admin"),
    Route("GET", "/v1/openapi.json", "openapi", authorized=False),
    Route("POST", "/v1/webhooks", "webhooks"),
    Route("GET", "/v1/webhooks", "webhooks"),
    Route("GET", "/v1/webhooks/{webhookId}", "webhooks"),
    Route("PATCH", "/v1/webhooks/{webhookId}", "webhooks"),
    Route("DELETE", "/v1/webhooks/{webhookId}", "webhooks"),
    Route("POST", "/v1/webhooks/{webhookId}/rotate", "webhooks"),
    Route("POST", "/v1/webhooks/{webhookId}/test", "webhooks"),
    Route("POST", "/v1/webhooks/{webhookId}/replay", "webhooks"),
    Route("GET", "/v1/webhooks/{webhookId}/deliveries", "webhooks"),
    Route("POST", "/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry", "webhooks"),
)
ROUTES += (
    Route("GET", "/v1/sessions/{sessionId}/batches", "reads", people="viewer"),
    Route("GET", "/v1/me", "console", people="viewer", keys=False),
    Route("GET", "/v1/projects", "console", people="viewer", keys=False),
    Route("POST", "/v1/projects", "console", people="admin", keys=False),
    Route("GET", "/v1/keys", "console", people="viewer", keys=False),
    Route("POST", "/v1/keys", "console", people="admin", keys=False),
    Route("DELETE", "/v1/keys/{keyId}", "console", people="admin", keys=False),
    Route("GET", "/v1/keys/{keyId}/errors", "console", people="viewer", keys=False),
)
"""The control plane (``functions.api.console``): people only, through the dashboard."""

DATA_PLANE_ROUTES = frozenset(
    {
        ("POST", "/v1/sessions/start"),
        ("POST", "/v1/sessions/stop"),
        ("POST", "/v1/sessions/{sessionId}/stop"),
        ("POST", "/v1/telemetry"),
    }
)
"""Routes a publishable key may call; every other authorized route needs a secret key."""

ROUTES_BY_KEY = {f"{r.method} {r.path}": r for r in ROUTES}
"""Each route by its API Gateway route key (``"POST /v1/sessions/{sessionId}/stop"``): the
handlers' decorators name their route by this key (``functions.api.common.route``), so every
route is spelled once, here."""


def path_parameters(template: str, path: str) -> dict[str, str] | None:
    """The ``{param}`` segments of ``path`` when it has the shape of the route path
    ``template`` (a parameter matches one non-empty segment, its value as sent), else None."""
    pattern, segments = template.split("/"), path.split("/")
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(pattern, segments, strict=True):
        if part.startswith("{") and part.endswith("}") and segment:
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params


def methods_at(path: str) -> list[str]:
    """The methods of the resource ``path`` names, sorted (none: no route has that path): a
    request with another method is answered 405 with these as its ``Allow`` header. The
    resource is the route path matching with the fewest parameters, as literal segments win
    in routing: ``/v1/sessions/stop`` is POST only, though a GET there is the session route's."""
    matching = [(r, path_parameters(r.path, path)) for r in ROUTES]
    counts = [len(params) for _, params in matching if params is not None]
    return sorted(
        {r.method for r, params in matching if params is not None and len(params) == min(counts)}
    )


DEFAULT_ROUTE_KEY = "$default"
DEFAULT_ROUTE_HANDLER: HandlerKey = "openapi"
"""The function behind API Gateway's ``$default`` route (public): a request that matches no
route in ``ROUTES`` reaches it and is answered in the API's error shape (405
``METHOD_NOT_ALLOWED`` when only the method is wrong, else 404 ``ROUTE_NOT_FOUND``), where
API Gateway alone would answer ``{"message": "Not Found"}``."""
