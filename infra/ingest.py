"""Ingest: the Firehose delivery stream that writes telemetry to ``raw/`` in the data bucket.

Direct PUT from the telemetry Lambda; objects are time-partitioned and mixed across
sessions (the processor sessionizes them: see docs/decisions.md for why not dynamic
partitioning). Buffering is ``BUFFER_INTERVAL_S`` or ``BUFFER_SIZE_MIB``, whichever comes
first. 60 s: insights follow a stop by about a minute (the last object is written up to one
interval after the last upload), and each session's data in an object costs the processor
an invocation share, a chunk PUT, a ledger write and two session reads, so a longer interval
is cheaper: 15 s cost $0.3-0.4 more per 1,000 ten-minute deliveries (reports/bench.md,
docs/decisions.md issue 14). GZIP keeps the objects small; records Firehose cannot deliver
go to the error prefix, split by error type.
"""

from __future__ import annotations

from aws_cdk import Duration, Size
from aws_cdk import aws_kinesisfirehose as firehose
from constructs import Construct

from functions.core.config import names
from infra.config import DeployConfig
from infra.logs import log_group
from infra.nag import acknowledge, arn_ref
from infra.storage import Storage

BUFFER_INTERVAL_S = 60
BUFFER_SIZE_MIB = 5
RAW_OBJECT_PREFIX = f"{names.RAW_PREFIX}!{{timestamp:yyyy/MM/dd/HH}}/"
RAW_ERROR_OBJECT_PREFIX = (
    f"{names.RAW_ERROR_PREFIX}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd/HH}}/"
)


class Ingest(Construct):
    """``self.stream``: the delivery stream the telemetry Lambda puts record batches to."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeployConfig, storage: Storage
    ) -> None:
        super().__init__(scope, construct_id)
        destination = firehose.S3Bucket(
            storage.bucket,
            data_output_prefix=RAW_OBJECT_PREFIX,
            error_output_prefix=RAW_ERROR_OBJECT_PREFIX,
            buffering_interval=Duration.seconds(BUFFER_INTERVAL_S),
            buffering_size=Size.mebibytes(BUFFER_SIZE_MIB),
            compression=firehose.Compression.GZIP,
            logging_config=firehose.EnableLogging(log_group(self, "Logs", config)),
        )
        self.stream = firehose.DeliveryStream(
            self,
            "Stream",
            delivery_stream_name=names.stream_name(config.stage),
            destination=destination,
            encryption=firehose.StreamEncryption.aws_owned_key(),
        )
        self._acknowledge_delivery_role(storage)

    def _acknowledge_delivery_role(self, storage: Storage) -> None:
        """The S3 destination grants its service role ``bucket.grantReadWrite`` (not
        configurable in the L2): wildcard actions over the bucket's objects."""
        reason = (
            "Firehose's S3 destination role gets CDK's standard read/write grant on the "
            "data bucket; Firehose itself writes only under raw/ and raw-errors/."
        )
        findings = [
            "Action::s3:Abort*",
            "Action::s3:DeleteObject*",
            "Action::s3:GetBucket*",
            "Action::s3:GetObject*",
            "Action::s3:List*",
            f"Resource::{arn_ref(storage.bucket)}/*",
        ]
        for finding in findings:
            acknowledge(self.stream, f"AwsSolutions-IAM5[{finding}]", reason)
