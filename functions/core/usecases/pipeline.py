"""One processing-queue message, whatever it is: the processor handler's logic.

Messages: S3 notifications for Firehose objects (keys URL-encoded, as S3 sends them), S3's
``s3:TestEvent`` (sent once when the notification is configured; ignored), and finalize
requests (``functions.core.wire.finalize_requests``). A message that fails raises, so SQS retries
it; on its last receive (``names.QUEUE_MAX_RECEIVES``) the sessions it could not finalize get
insights status ``failed`` first, so nothing stays ``processing`` while the message itself
moves on to the DLQ for inspection.
"""

from __future__ import annotations

import json
import secrets
import urllib.parse
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from functions.core.config import names
from functions.core.config.observability import logger, metrics
from functions.core.domain.session import Mode
from functions.core.ports.telemetry import FirehoseObjects
from functions.core.usecases.finalize import Finalizer, failure_message
from functions.core.usecases.sessionize import SessionizedWriter, split_by_session
from functions.core.wire.finalize_requests import FINALIZE

_FINALIZE_MODES: dict[str, Mode] = {
    "stopped": "complete",
    "deadline": "force",
    "reprocess": "reprocess",
}


class UnknownMessage(ValueError):
    """A message that is neither an S3 notification nor a finalize request."""


class FinalizeFailed(RuntimeError):
    """Finalizing one or more sessions failed; the message is retried."""


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str


def s3_objects(message: dict[str, Any]) -> list[ObjectRef]:
    """The objects an S3 notification names (keys decoded: S3 sends them URL-encoded)."""
    refs = []
    for record in message.get("Records", []):
        s3 = record.get("s3") or {}
        if not str(record.get("eventName", "ObjectCreated")).startswith("ObjectCreated"):
            continue
        refs.append(
            ObjectRef(
                bucket=s3["bucket"]["name"], key=urllib.parse.unquote_plus(s3["object"]["key"])
            )
        )
    return refs


class Pipeline:
    """Dispatches messages to the two use cases it is made of, ``writer`` (sessionizing a
    Firehose object read from ``objects``) and ``finalizer``; they are handed in built, on
    whatever ports the caller chose."""

    def __init__(
        self,
        objects: FirehoseObjects,
        writer: SessionizedWriter,
        finalizer: Finalizer,
    ) -> None:
        self._objects = objects
        self._writer = writer
        self._finalizer = finalizer

    def handle(self, body: str, receive_count: int) -> None:
        message = json.loads(body)
        last_attempt = receive_count >= names.QUEUE_MAX_RECEIVES
        if not isinstance(message, dict):
            raise UnknownMessage("message body is not a JSON object")
        if message.get("Event") == "s3:TestEvent":
            return
        if message.get("type") == FINALIZE:
            mode = _FINALIZE_MODES.get(str(message.get("reason")))
            if mode is None:
                raise UnknownMessage(f"unknown finalize reason {message.get('reason')!r}")
            from_version = message.get("fromVersion")
            self._finalize_all(
                [str(message["sessionId"])],
                mode,
                last_attempt,
                int(from_version) if from_version is not None else None,
            )
            return
        if "Records" in message:
            for ref in s3_objects(message):
                self._process_object(ref, last_attempt)
            return
        raise UnknownMessage("message is neither an S3 notification nor a finalize request")

    def _process_object(self, ref: ObjectRef, last_attempt: bool) -> None:
        slices = split_by_session(self._objects.read(ref.bucket, ref.key))
        touched = []
        for session_id, piece in slices.items():
            stored = self._writer.store(ref.key, session_id, piece)
            if stored is None:
                continue
            touched.append(session_id)
            metrics.add_metric("PartsStored", MetricUnit.Count, stored.new_parts)
            logger.info(
                "chunk stored",
                extra={
                    "sessionId": session_id,
                    "source": ref.key,
                    "newParts": stored.new_parts,
                    "newSamples": stored.new_samples,
                },
            )
        self._finalize_all(touched, "complete", last_attempt)

    def _finalize_all(
        self,
        session_ids: list[str],
        mode: Mode,
        last_attempt: bool,
        from_version: int | None = None,
    ) -> None:
        failed = []
        for session_id in session_ids:
            try:
                outcome = self._finalizer.finalize(session_id, mode, from_version)
            except Exception:
                incident = secrets.token_hex(6)
                logger.exception(
                    "finalizing failed", extra={"sessionId": session_id, "incident": incident}
                )
                failed.append(session_id)
                if last_attempt:
                    self._finalizer.fail(session_id, failure_message(session_id, incident))
                continue
            if outcome.event:
                metrics.add_metric("InsightEvents", MetricUnit.Count, 1)
                logger.info(
                    "insights published",
                    extra={
                        "sessionId": session_id,
                        "version": outcome.version,
                        "event": outcome.event,
                    },
                )
        if failed:
            raise FinalizeFailed(f"finalizing failed for {', '.join(failed)}")
