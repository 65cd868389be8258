"""Tables are exactly ``names.TABLES``; buckets are encrypted, TLS-only and private."""

from __future__ import annotations

from typing import Any

import pytest

from functions.core.config import names
from tests.infra.conftest import STAGE, Synthesized


def _table(synthesized: Synthesized, spec: names.Table) -> dict[str, Any]:
    tables = synthesized.of_type("AWS::DynamoDB::Table").values()
    matches = [t for t in tables if t["Properties"]["TableName"] == spec.physical(STAGE)]
    assert len(matches) == 1, f"no table {spec.physical(STAGE)}"
    return matches[0]


def _key_schema(partition: str, sort: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition, "KeyType": "HASH"}]
    return schema + ([{"AttributeName": sort, "KeyType": "RANGE"}] if sort else [])


def test_exactly_the_tables_of_names(synthesized: Synthesized) -> None:
    names_in_template = {
        t["Properties"]["TableName"] for t in synthesized.of_type("AWS::DynamoDB::Table").values()
    }
    assert names_in_template == {t.physical(STAGE) for t in names.TABLES}


@pytest.mark.parametrize("spec", names.TABLES, ids=lambda t: t.logical)
def test_table_keys_indexes_and_ttl(synthesized: Synthesized, spec: names.Table) -> None:
    props = _table(synthesized, spec)["Properties"]
    assert props["KeySchema"] == _key_schema(spec.partition_key, spec.sort_key)
    indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {i.name for i in spec.indexes}
    for index in spec.indexes:
        assert indexes[index.name]["KeySchema"] == _key_schema(index.partition_key, index.sort_key)
        assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}
    key_names = {spec.partition_key, spec.sort_key} | {
        k for i in spec.indexes for k in (i.partition_key, i.sort_key)
    }
    assert {a["AttributeName"] for a in props["AttributeDefinitions"]} == key_names - {None}
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {
            "AttributeName": spec.ttl_attribute,
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in props


@pytest.mark.parametrize("spec", names.TABLES, ids=lambda t: t.logical)
def test_table_is_on_demand_encrypted_recoverable_and_protected_in_live(
    synthesized: Synthesized, spec: names.Table
) -> None:
    table = _table(synthesized, spec)
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_every_bucket_is_encrypted_private_and_tls_only(synthesized: Synthesized) -> None:
    buckets = synthesized.of_type("AWS::S3::Bucket")
    policies = synthesized.of_type("AWS::S3::BucketPolicy").values()
    assert len(buckets) == 4  # data, access logs, the dashboard's site and CDN logs
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert bucket["DeletionPolicy"] == "Retain"
        statements = [
            s
            for p in policies
            if p["Properties"]["Bucket"] == {"Ref": logical_id}
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        ]
        assert any(
            s["Effect"] == "Deny"
            and s["Principal"] == {"AWS": "*"}
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        ), f"{logical_id} accepts plain HTTP"


def test_data_bucket_versioned_logged_and_raw_objects_expire(synthesized: Synthesized) -> None:
    storage = synthesized.stack.storage
    props = synthesized.resources[synthesized.logical_id(storage.bucket)]["Properties"]
    assert props["BucketName"] == {
        "Fn::Join": ["", [names.bucket_name(STAGE, ""), {"Ref": "AWS::AccountId"}]]
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": synthesized.logical_id(storage.access_logs)
    }
    rules = {r.get("Prefix"): r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules[names.RAW_PREFIX]["ExpirationInDays"] == names.RAW_OBJECT_EXPIRY_DAYS
    assert names.RAW_ERROR_PREFIX in rules
    assert names.SESSIONS_PREFIX not in rules, "session data must not expire"
    (noncurrent,) = [r for r in rules.values() if "NoncurrentVersionExpiration" in r]
    # What a delete leaves behind (raw objects expired by the rule above) is gone a day later.
    assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 1
