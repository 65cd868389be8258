"""Least privilege and cdk-nag: no wildcard IAM action that was not acknowledged with a
reason, each function's role holds only what its handler needs, and AwsSolutionsChecks
has nothing left to report."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from functions.core.config import names
from infra.webhooks import DISPATCHER_ITEMS
from tests.infra.conftest import Synthesized

WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "s3:PutObject",
    "s3:DeleteObject",
}


def _acknowledgements(synthesized: Synthesized) -> dict[str, dict[str, str]]:
    """Construct path → {rule id: reason}, as recorded by ``Validations.acknowledge``."""
    found: dict[str, dict[str, str]] = {}
    for construct in synthesized.app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                found.setdefault(construct.node.path, {}).update(entry.data)
    return found


def _is_acknowledged(acknowledged: dict[str, dict[str, str]], path: str, rule: str) -> bool:
    """Whether ``rule`` (as cdk-nag names it) is acknowledged on ``path`` or above."""
    return any(
        path == owner or path.startswith(f"{owner}/")
        for owner, rules in acknowledged.items()
        if f"AwsSolutions::{rule}" in rules
    )


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    props = resource["Properties"]
    documents = [props["PolicyDocument"]] if "PolicyDocument" in props else []
    documents += [p["PolicyDocument"] for p in props.get("Policies", [])]
    return [s for d in documents for s in d["Statement"]]


def _function(synthesized: Synthesized, key: str) -> Any:
    """The function construct of ``names.FUNCTIONS[key]``, in whichever construct owns it."""
    stack = synthesized.stack
    owners = (stack.processing, stack.webhooks)
    return stack.api.functions.get(key) or next(getattr(o, key) for o in owners if hasattr(o, key))


def _role_statements(synthesized: Synthesized, key: str) -> list[dict[str, Any]]:
    function = _function(synthesized, key)
    role_id = synthesized.logical_id(function.role)
    return [
        s
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for s in _statements(policy)
    ]


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in _listify(s["Action"])}


def test_wildcard_actions_only_where_acknowledged(synthesized: Synthesized) -> None:
    acknowledged = _acknowledgements(synthesized)
    seen = set()
    for resource_type in ("AWS::IAM::Policy", "AWS::IAM::Role"):
        for logical_id, resource in synthesized.of_type(resource_type).items():
            path = synthesized.paths[logical_id]
            for action in _actions(_statements(resource)):
                if "*" in action:
                    rule = f"AwsSolutions-IAM5[Action::{action}]"
                    assert _is_acknowledged(acknowledged, path, rule), f"{path}: {action}"
                    seen.add(path.split("/")[1])
    cdk_handlers = {p for p in seen if p.startswith("Custom::CDKBucketDeployment")}
    assert seen - cdk_handlers <= {"Ingest"}, (
        "only Firehose's L2-made role and CDK's dashboard deployment handler may hold "
        "wildcard actions"
    )


def test_every_acknowledgement_has_a_reason(synthesized: Synthesized) -> None:
    acknowledged = _acknowledgements(synthesized)
    assert acknowledged
    for path, rules in acknowledged.items():
        for rule, reason in rules.items():
            assert len(reason.split()) >= 5, f"{path}: {rule} has no real reason"


def test_function_roles_have_no_managed_policies(synthesized: Synthesized) -> None:
    for key in names.FUNCTIONS:
        function = _function(synthesized, key)
        role = synthesized.resources[synthesized.logical_id(function.role)]["Properties"]
        assert "ManagedPolicyArns" not in role, key


@pytest.mark.parametrize("key", list(names.FUNCTIONS))
def test_star_resources_only_for_xray(synthesized: Synthesized, key: str) -> None:
    for statement in _role_statements(synthesized, key):
        if "*" in _listify(statement["Resource"]):
            assert {a.split(":")[0] for a in _listify(statement["Action"])} == {"xray"}


def test_openapi_touches_no_data(synthesized: Synthesized) -> None:
    services = {a.split(":")[0] for a in _actions(_role_statements(synthesized, "openapi"))}
    assert services <= {"logs", "xray"}


def _sends_to(synthesized: Synthesized, key: str, queue: Any) -> bool:
    queue_id = synthesized.logical_id(queue)
    return any(
        "sqs:SendMessage" in _listify(s["Action"]) and queue_id in str(s["Resource"])
        for s in _role_statements(synthesized, key)
    )


def test_finalizers_can_send_to_the_queue_and_readers_cannot(synthesized: Synthesized) -> None:
    for key in names.FUNCTIONS:
        can_send = _sends_to(synthesized, key, synthesized.stack.processing.queue)
        assert can_send == (key in {"sessions", "manage", "sweeper"}), key


def test_only_the_webhook_functions_queue_attempts(synthesized: Synthesized) -> None:
    for key in names.FUNCTIONS:
        can_send = _sends_to(synthesized, key, synthesized.stack.webhooks.queue)
        assert can_send == (key in {"webhooks", "dispatcher"}), key
        actions = _actions(_role_statements(synthesized, key))
        assert ("sqs:SendMessage" in actions) == (
            key in {"sessions", "manage", "sweeper", "webhooks", "dispatcher"}
        ), key


def test_only_the_api_encrypts_and_only_the_dispatcher_decrypts_secrets(
    synthesized: Synthesized,
) -> None:
    key_id = synthesized.logical_id(synthesized.stack.webhooks.key)
    for key in names.FUNCTIONS:
        statements = _role_statements(synthesized, key)
        kms = {a for a in _actions(statements) if a.startswith("kms:")}
        expected = {"webhooks": {"kms:Encrypt"}, "dispatcher": {"kms:Decrypt"}}.get(key, set())
        assert kms == expected, key
        for statement in statements:
            if any(a.startswith("kms:") for a in _listify(statement["Action"])):
                assert key_id in str(statement["Resource"])


def test_the_dispatcher_reaches_only_webhook_data(synthesized: Synthesized) -> None:
    tables = synthesized.stack.storage.tables
    webhook_ids = {synthesized.logical_id(tables[t]) for t in DISPATCHER_ITEMS}
    other_ids = {synthesized.logical_id(t) for n, t in tables.items() if n not in DISPATCHER_ITEMS}
    statements = _role_statements(synthesized, "dispatcher")
    resources = " ".join(str(s["Resource"]) for s in statements)
    assert all(table_id in resources for table_id in webhook_ids)
    assert not any(table_id in resources for table_id in other_ids)
    services = {a.split(":")[0] for a in _actions(statements)}
    assert services == {"dynamodb", "sqs", "kms", "logs", "xray"}


def test_only_telemetry_puts_to_firehose(synthesized: Synthesized) -> None:
    for key in names.FUNCTIONS:
        puts = "firehose:PutRecordBatch" in _actions(_role_statements(synthesized, key))
        assert puts == (key == "telemetry"), key


S3_ACTIONS = {
    "reads": {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"},
    "manage": {
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:ListBucket",
        "s3:ListBucketVersions",
    },
    "processor": {"s3:GetObject", "s3:PutObject", "s3:ListBucket"},
}
"""What each handler does with the bucket (presign reads; photo upload and erasure; chunks)."""


@pytest.mark.parametrize("key", list(names.FUNCTIONS))
def test_s3_access_is_exactly_what_the_handler_does(synthesized: Synthesized, key: str) -> None:
    actions = {a for a in _actions(_role_statements(synthesized, key)) if a.startswith("s3:")}
    assert actions == S3_ACTIONS.get(key, set())


def test_listing_is_prefix_bound_except_where_404s_are_needed(synthesized: Synthesized) -> None:
    """reads HEADs photos that may not exist yet: only an unconditioned ListBucket gives
    404 there; everyone else lists under ``sessions/`` only."""
    for key in S3_ACTIONS:
        (listing,) = [
            s
            for s in _role_statements(synthesized, key)
            if "s3:ListBucket" in _listify(s["Action"])
        ]
        if key == "reads":
            assert "Condition" not in listing
        else:
            assert listing["Condition"] == {
                "StringLike": {"s3:prefix": [f"{names.SESSIONS_PREFIX}*"]}
            }


DYNAMODB_ACTIONS = {
    "authorizer": {"keys": {"GetItem", "UpdateItem"}},  # UpdateItem: the key's lastUsedAt
    "sessions": {
        "sessions": {"GetItem", "PutItem", "UpdateItem"},
        "sessions/index/byDelivery": {"Query"},
        "idempotency": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        "batches": {"GetItem"},
        "answers": {"PutItem"},
    },
    "telemetry": {
        "sessions": {"GetItem", "UpdateItem"},
        "batches": {"PutItem", "UpdateItem"},
        "answers": {"PutItem"},
    },
    "reads": {
        "sessions": {"GetItem"},
        "sessions/index/byTenantCreated": {"Query"},
        "sessions/index/byDelivery": {"Query"},
        "sessions/index/byRider": {"Query"},
        "insights": {"GetItem"},
        "batches": {"Query"},
        "answers": {"PutItem"},
        "buildings": {"GetItem"},  # GET /v1/buildings/{id}
    },
    "manage": {
        "sessions": {"GetItem", "UpdateItem", "DeleteItem"},
        "batches": {"Query", "BatchWriteItem", "PutItem"},
        "insights": {"DeleteItem"},
        "answers": {"PutItem"},
        "buildings": {"GetItem", "PutItem"},  # erase: forget what the session taught
    },
    "console": {
        "keys": {"PutItem", "UpdateItem"},
        "keys/index/byOrg": {"Query"},
        "projects": {"Query", "PutItem"},
        "answers": {"Query", "PutItem"},
    },
    "processor": {
        "sessions": {"GetItem", "UpdateItem"},
        "batches": {"PutItem", "Query"},  # the object's ledger item, the session's others
        "insights": {"GetItem", "PutItem"},
        "buildings": {"GetItem", "PutItem"},  # learn: read, put back on condition
    },
    "sweeper": {"sessions": {"UpdateItem"}, "sessions/index/bySweep": {"Query"}},
    "webhooks": {
        "webhooks": {"GetItem", "PutItem", "Query", "UpdateItem", "DeleteItem"},
        "webhook-deliveries": {"GetItem", "PutItem", "Query", "UpdateItem"},
        "webhook-messages": {"PutItem", "Query"},
        "answers": {"PutItem"},
    },
    "dispatcher": {
        "webhooks": {"GetItem", "Query", "UpdateItem"},
        "webhook-deliveries": {"GetItem", "PutItem", "UpdateItem"},
        "webhook-messages": {"PutItem"},
    },
}
"""Each handler's single-item calls, table by table (no Scan, no batch calls where one item
is written at a time, each index by name)."""


def _dynamodb_grants(synthesized: Synthesized, key: str) -> dict[str, set[str]]:
    tables = {
        synthesized.logical_id(table): logical
        for logical, table in synthesized.stack.storage.tables.items()
    }
    grants: dict[str, set[str]] = {}
    for statement in _role_statements(synthesized, key):
        actions = {a for a in _listify(statement["Action"]) if a.startswith("dynamodb:")}
        if not actions:
            continue
        for resource in _listify(statement["Resource"]):
            text = str(resource)
            (logical_id,) = [t for t in tables if t in text]
            suffix = text.partition("/index/")[2].partition("'")[0]
            name = tables[logical_id] + (f"/index/{suffix}" if suffix else "")
            grants.setdefault(name, set()).update(a.split(":", 1)[1] for a in actions)
    return grants


@pytest.mark.parametrize("key", list(names.FUNCTIONS))
def test_dynamodb_access_is_exactly_what_the_handler_does(
    synthesized: Synthesized, key: str
) -> None:
    assert _dynamodb_grants(synthesized, key) == DYNAMODB_ACTIONS.get(key, {})


def test_only_the_processor_and_session_routes_publish_events(synthesized: Synthesized) -> None:
    """insight.* from the processor; session.* from start/stop and erase."""
    for key in names.FUNCTIONS:
        puts = "events:PutEvents" in _actions(_role_statements(synthesized, key))
        assert puts == (key in {"processor", "sessions", "manage"}), key


def test_cdk_nag_has_nothing_unacknowledged(synthesized: Synthesized) -> None:
    """``validate_scope`` reports raw findings; each must be acknowledged where it is."""
    acknowledged = _acknowledgements(synthesized)
    report = AwsSolutionsChecks().validate_scope(synthesized.stack)
    unacknowledged = [
        (violation.rule_name, resource.construct_path)
        for violation in report.violations
        for resource in violation.violating_resources
        if not _is_acknowledged(acknowledged, str(resource.construct_path), violation.rule_name)
    ]
    assert unacknowledged == []


def test_cdk_nag_check_is_live() -> None:
    """The check above can fail: an unprotected queue is reported."""
    stack = Stack(App(), "Probe")
    sqs.Queue(stack, "Plain")
    report = AwsSolutionsChecks().validate_scope(stack)
    assert not report.success
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= {v.rule_name for v in report.violations}
