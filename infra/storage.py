"""Storage: the data bucket (raw Firehose output and per-session data), its access-log
bucket, and the DynamoDB tables of ``names.TABLES``.

Decisions:
- SSE-S3 on both buckets: presigned URLs and S3 → SQS notifications work without key
  policies, and server access logs can only be delivered to an SSE-S3 bucket.
- The data bucket is versioned (an overwrite or a stray delete of telemetry is recoverable)
  with noncurrent versions expiring after ``NONCURRENT_EXPIRY_DAYS``. ``DELETE
  /v1/sessions/{id}`` deletes every version under the session's prefix at once; the raw
  Firehose objects (mixed sessions, not erasable one by one) are gone for good
  ``names.RAW_OBJECT_EXPIRY_DAYS`` + ``NONCURRENT_EXPIRY_DAYS`` after they were written.
- ``raw/`` objects expire after ``names.RAW_OBJECT_EXPIRY_DAYS``: once the processor split
  them into ``sessions/`` they are only a replay source.
- Tables are on-demand, encrypted with the AWS managed key, with point-in-time recovery,
  and deletion protection in live.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from functions.core.config import names
from infra.config import DeployConfig
from infra.nag import acknowledge, arn_ref, principal_construct

NONCURRENT_EXPIRY_DAYS = 1
RAW_ERROR_EXPIRY_DAYS = 30
"""Records Firehose could not deliver: kept long enough for someone to look at them."""
ACCESS_LOG_EXPIRY_DAYS = 90


def private_bucket(
    scope: Construct, construct_id: str, *, config: DeployConfig, **props: Any
) -> s3.Bucket:
    """A bucket as every Doorproof bucket is: SSE-S3, TLS only, no public access, objects
    owned by the bucket (unless ``props`` says otherwise), retained in live and emptied and
    deleted with a sandbox stack."""
    defaults: dict[str, Any] = {
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "enforce_ssl": True,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "removal_policy": config.removal_policy,
        "auto_delete_objects": not config.live,
    }
    return s3.Bucket(scope, construct_id, **(defaults | props))


class Storage(Construct):
    """The bucket and tables every other construct reads from and writes to."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = private_bucket(
            self,
            "AccessLogs",
            config=config,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(ACCESS_LOG_EXPIRY_DAYS))],
        )
        self.bucket = private_bucket(
            self,
            "Data",
            config=config,
            bucket_name=names.bucket_name(config.stage, Aws.ACCOUNT_ID),
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="data/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="raw",
                    prefix=names.RAW_PREFIX,
                    expiration=Duration.days(names.RAW_OBJECT_EXPIRY_DAYS),
                ),
                s3.LifecycleRule(
                    id="raw-errors",
                    prefix=names.RAW_ERROR_PREFIX,
                    expiration=Duration.days(RAW_ERROR_EXPIRY_DAYS),
                ),
                s3.LifecycleRule(
                    id="erasure",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_EXPIRY_DAYS),
                    expired_object_delete_marker=True,
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
        )
        self._specs = {table.logical: table for table in names.TABLES}
        self.tables = {logical: self._table(spec, config) for logical, spec in self._specs.items()}

    def _table(self, spec: names.Table, config: DeployConfig) -> dynamodb.Table:
        string = dynamodb.AttributeType.STRING

        def key(name: str | None) -> dynamodb.Attribute | None:
            return dynamodb.Attribute(name=name, type=string) if name else None

        table = dynamodb.Table(
            self,
            spec.logical.capitalize(),
            table_name=spec.physical(config.stage),
            partition_key=dynamodb.Attribute(name=spec.partition_key, type=string),
            sort_key=key(spec.sort_key),
            time_to_live_attribute=spec.ttl_attribute,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=config.live,
            removal_policy=config.removal_policy,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=string),
                sort_key=key(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def grant_items(
        self,
        grantee: iam.IGrantable,
        logical: str,
        *actions: str,
        indexes: tuple[str, ...] = (),
    ) -> None:
        """Exactly ``actions`` (e.g. ``dynamodb:GetItem``) on one table, and ``Query`` on the
        named ``indexes`` of it.

        Used instead of CDK's ``grant_read_data``/``grant_read_write_data``, which add
        ``Scan``, ``BatchWriteItem``, ``DeleteItem`` and the rest to every grantee and cover
        every index with ``index/*``. A transaction (``TransactWriteItems``) is authorised
        item by item, by the actions of its parts (``PutItem``, ``UpdateItem``).
        """
        table = self.tables[logical]
        if actions:
            iam.Grant.add_to_principal(
                grantee=grantee, actions=list(actions), resource_arns=[table.table_arn]
            )
        known = {index.name for index in self._specs[logical].indexes}
        unknown = set(indexes) - known
        if unknown:
            raise ValueError(f"table {logical} has no index {sorted(unknown)}")
        if indexes:
            iam.Grant.add_to_principal(
                grantee=grantee,
                actions=["dynamodb:Query"],
                resource_arns=[f"{table.table_arn}/index/{name}" for name in indexes],
            )

    def grant_objects(self, grantee: iam.IGrantable, prefix: str, *actions: str) -> None:
        """Exactly ``actions`` (e.g. ``s3:GetObject``) on the objects under ``prefix``.

        Used instead of ``bucket.grant_read``/``grant_write``, which add wildcard actions
        (``s3:GetObject*``, ``s3:List*``, ``s3:DeleteObject*``, …) no handler needs.
        """
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(actions),
            resource_arns=[self.bucket.arn_for_objects(f"{prefix}*")],
        )
        acknowledge(
            principal_construct(grantee),
            f"AwsSolutions-IAM5[Resource::{arn_ref(self.bucket)}/{prefix}*]",
            "Object keys under this prefix are per session and unknown in advance; the "
            "grant is limited to the prefix and to the listed actions.",
        )

    def grant_list(
        self, grantee: iam.IGrantable, prefix: str | None, *, versions: bool = False
    ) -> None:
        """``s3:ListBucket`` (and with ``versions``, ``s3:ListBucketVersions``, to erase every
        version): restricted to keys under ``prefix`` (enough to list them), or
        unrestricted with ``None``, which a function needs when a HEAD or GET of a missing key
        must answer 404 rather than 403: S3 checks ListBucket for that without a prefix in
        the request, so a prefix condition would never match."""
        conditions = {"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:ListBucket"] + (["s3:ListBucketVersions"] if versions else []),
            resource_arns=[self.bucket.bucket_arn],
            conditions=conditions,
        )
