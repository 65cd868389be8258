"""The backend-side client: read sessions and insights, wait for a case file, manage and
organise sessions, replay recordings made earlier, manage webhook endpoints, and verify the
webhooks Doorproof sends (``verify_webhook``).

For a company's own servers, with a secret key (``sk_…``). Results are the server's own wire
models (``functions.core.wire.models``), so a field the server adds shows up here unchanged
(responses keep unknown fields). Every failure is a ``DoorproofError``.
"""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from standardwebhooks import Webhook as StandardWebhook

from doorproof.client.backoff import RetryPolicy
from doorproof.client.transport import (
    DoorproofError,
    NetworkError,
    Transport,
    open_channel,
    quote,
)
from functions.core.wire.models.buildings import BuildingProfile
from functions.core.wire.models.insights import InsightsDocument
from functions.core.wire.models.manage import PodUpload, ReprocessAccepted
from functions.core.wire.models.sessions import Session, SessionList, SessionStatusResponse
from functions.core.wire.models.telemetry import TelemetryAccepted
from functions.core.wire.models.webhooks import (
    DeliveryList,
    DeliveryQueued,
    ReplayQueued,
    Webhook,
    WebhookList,
)


def verify_webhook(headers: Mapping[str, str], body: bytes | str, secret: str) -> dict[str, Any]:
    """The event of a webhook Doorproof sent, after checking its Standard Webhooks signature
    (``webhook-id``, ``webhook-timestamp`` within 5 minutes, ``webhook-signature``) with the
    endpoint's ``whsec_…`` secret. ``body`` must be the raw request body. Raises
    ``standardwebhooks.WebhookVerificationError`` when the webhook is not genuine."""
    event: dict[str, Any] = StandardWebhook(secret).verify(body, dict(headers.items()))
    return event


def multipart(fields: dict[str, str], photo: bytes, content_type: str) -> tuple[bytes, str]:
    """An S3 presigned-POST form: every field, then the file last (S3 ignores what follows
    it). Returns the body and its Content-Type."""
    boundary = f"doorproof-{secrets.token_hex(12)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="pod.jpg"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class InsightsTimeout(TimeoutError):
    """``wait_for_insights`` ran out of time; ``last`` is the last document seen, if any."""

    def __init__(self, session_id: str, timeout_s: float, last: InsightsDocument | None) -> None:
        status = last.status if last else "no answer"
        super().__init__(f"insights of {session_id} not final after {timeout_s:.0f}s ({status})")
        self.last = last


class BackendClient:
    """``BackendClient(url_or_transport, secret_key)``."""

    def __init__(self, target: str | Transport, key: str, *, timeout_s: float = 30.0) -> None:
        self._channel = open_channel(target, key, timeout_s=timeout_s)

    def get_session(self, session_id: str) -> Session:
        return Session.model_validate(self._get(f"/v1/sessions/{quote(session_id)}"))

    def list_sessions_page(
        self, *, limit: int | None = None, cursor: str | None = None, **filters: Any
    ) -> SessionList:
        """One page of GET /v1/sessions. ``filters``: deliveryId, externalRiderId, status,
        sessionType, createdAfter, createdBefore, tag, reasonCode, terminalOutcome, archived
        (bool), mode (docs/api.md). An unknown filter name is refused (400)."""
        query = {
            **{k: (str(v).lower() if isinstance(v, bool) else v) for k, v in filters.items()},
            "limit": limit,
            "cursor": cursor,
        }
        return SessionList.model_validate(self._get("/v1/sessions", query=query))

    def list_sessions(self, *, page_size: int | None = None, **filters: Any) -> Iterator[Session]:
        """Every matching session, newest first, fetching pages as the iteration needs them."""
        cursor: str | None = None
        while True:
            page = self.list_sessions_page(limit=page_size, cursor=cursor, **filters)
            yield from page.sessions
            cursor = page.nextCursor
            if not cursor:
                return

    def get_insights(self, session_id: str) -> InsightsDocument:
        """The case file; ``status`` is processing until the engine has run."""
        path = f"/v1/sessions/{quote(session_id)}/insights"
        return InsightsDocument.model_validate(self._get(path))

    def get_building(self, building_id: str) -> BuildingProfile:
        """Your fleet's profile of a building (``insights.building.buildingId``): storey
        height, lobby, entrance floor and entrances, with how sure each is. 404
        ``BUILDING_NOT_FOUND`` until one of your sessions there was finalized."""
        return BuildingProfile.model_validate(self._get(f"/v1/buildings/{quote(building_id)}"))

    def wait_for_insights(
        self,
        session_id: str,
        timeout_s: float = 120.0,
        *,
        poll_s: float = 1.0,
        min_version: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> InsightsDocument:
        """Poll until the insights are final (ready or failed) and at least ``min_version``
        (pass the old version + 1 after a reprocess). Raises ``InsightsTimeout``."""
        deadline = time.monotonic() + timeout_s
        last: InsightsDocument | None = None
        while True:
            try:
                last = self.get_insights(session_id)
            except DoorproofError as exc:
                if not exc.retryable:
                    raise
            if last and last.status != "processing" and last.version >= min_version:
                return last
            left = deadline - time.monotonic()
            if left <= 0:
                raise InsightsTimeout(session_id, timeout_s, last)
            sleep(min(poll_s, left))

    def reprocess(self, session_id: str, engine_version: str = "current") -> ReprocessAccepted:
        """Recompute the insights from stored telemetry with ``engine_version`` (``current``,
        or the deployed engine's version string). Follow with
        ``wait_for_insights(id, min_version=answer.fromVersion + 1)``."""
        answer = self._channel.call(
            "POST",
            f"/v1/sessions/{quote(session_id)}/reprocess",
            {"engineVersion": engine_version},
        )
        return ReprocessAccepted.model_validate(answer)

    def update_session(self, session_id: str, **changes: Any) -> Session:
        """PATCH /v1/sessions/{id}: ``tags`` (replaces the set), ``title``, ``notes``,
        ``metadata`` (a JSON object, returned untouched), ``archived``; None clears a field."""
        answer = self._channel.call("PATCH", f"/v1/sessions/{quote(session_id)}", changes)
        return Session.model_validate(answer)

    def archive_session(self, session_id: str, archived: bool = True) -> Session:
        """Archive (or with ``archived=False`` unarchive) a session."""
        return self.update_session(session_id, archived=archived)

    def start_replay(self, start: Mapping[str, Any]) -> SessionStatusResponse:
        """Open a ``mode: replay`` session for a recording made earlier (``start`` is a POST
        /v1/sessions/start body; its samples may be days or years old)."""
        answer = self._channel.call("POST", "/v1/sessions/start", {**start, "mode": "replay"})
        return SessionStatusResponse.model_validate(answer)

    def send_telemetry(
        self,
        session_id: str,
        samples: list[dict[str, Any]],
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> TelemetryAccepted:
        """POST one batch, retrying 5xx and network errors with backoff (a 4xx is final)."""
        policy = retry or RetryPolicy()
        failures = 0
        while True:
            try:
                answer = self._channel.call(
                    "POST", "/v1/telemetry", {"sessionId": session_id, "events": samples}
                )
                return TelemetryAccepted.model_validate(answer)
            except DoorproofError as exc:
                failures += 1
                if not exc.retryable or policy.gives_up(failures):
                    raise
                sleep(policy.delay(failures))

    def replay(
        self,
        start: Mapping[str, Any],
        batches: Iterable[list[dict[str, Any]]],
        *,
        timeout_s: float = 300.0,
        on_batch: Callable[[TelemetryAccepted], None] | None = None,
    ) -> InsightsDocument:
        """A recording made earlier as a server-side case: start a replay session, upload
        ``batches`` (each a list of SDK samples), stop, and wait for the insights."""
        session_id = self.start_replay(start).sessionId
        for batch in batches:
            accepted = self.send_telemetry(session_id, batch)
            if on_batch is not None:
                on_batch(accepted)
        self.stop_session(session_id)
        return self.wait_for_insights(session_id, timeout_s)

    def stop_session(self, session_id: str) -> SessionStatusResponse:
        """End a session on the courier's behalf (POST /v1/sessions/{id}/stop)."""
        answer = self._channel.call("POST", f"/v1/sessions/{quote(session_id)}/stop")
        return SessionStatusResponse.model_validate(answer)

    def pod_upload(self, session_id: str) -> PodUpload:
        """A presigned upload for the proof-of-delivery photo (POST /v1/sessions/{id}/pod)."""
        answer = self._channel.call("POST", f"/v1/sessions/{quote(session_id)}/pod")
        return PodUpload.model_validate(answer)

    def upload_pod_photo(self, session_id: str, photo: bytes) -> PodUpload:
        """Ask for a presigned upload and send ``photo`` (JPEG) through it; the insights'
        ``pod`` then points at it. Raises ``DoorproofError`` if storage refuses it."""
        upload = self.pod_upload(session_id)
        body, content_type = multipart(upload.fields, photo, upload.contentType)
        request = urllib.request.Request(  # noqa: S310 (the API's presigned URL)
            upload.url, data=body, method=upload.method, headers={"Content-Type": content_type}
        )
        try:
            urllib.request.urlopen(request, timeout=60).close()  # noqa: S310
        except urllib.error.HTTPError as exc:
            raise DoorproofError(exc.code, "POD_UPLOAD_FAILED", exc.read()[:300].decode()) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise NetworkError(f"POST {upload.url}: {exc}") from exc
        return upload

    def delete_session(self, session_id: str) -> None:
        """Erase the session, its telemetry, insights and images."""
        self._channel.call("DELETE", f"/v1/sessions/{quote(session_id)}")

    # --- webhook endpoints (docs/webhooks.md) ------------------------------------------

    def create_webhook(
        self, url: str, *, events: list[str] | None = None, description: str | None = None
    ) -> Webhook:
        """A new endpoint; keep the answer's ``secret`` (shown only now). ``events``: the
        types to send (default: all, including future ones)."""
        document: dict[str, Any] = {"url": url}
        if events is not None:
            document["events"] = events
        if description is not None:
            document["description"] = description
        return Webhook.model_validate(self._channel.call("POST", "/v1/webhooks", document))

    def list_webhooks(self) -> list[Webhook]:
        return WebhookList.model_validate(self._get("/v1/webhooks")).webhooks

    def get_webhook(self, webhook_id: str) -> Webhook:
        return Webhook.model_validate(self._get(f"/v1/webhooks/{quote(webhook_id)}"))

    def update_webhook(self, webhook_id: str, **changes: Any) -> Webhook:
        """PATCH ``url``, ``events``, ``description`` or ``status`` (``"enabled"`` re-enables)."""
        answer = self._channel.call("PATCH", f"/v1/webhooks/{quote(webhook_id)}", changes)
        return Webhook.model_validate(answer)

    def delete_webhook(self, webhook_id: str) -> None:
        self._channel.call("DELETE", f"/v1/webhooks/{quote(webhook_id)}")

    def rotate_webhook_secret(self, webhook_id: str) -> Webhook:
        """A new ``secret``; the old one keeps signing beside it for 24 h."""
        answer = self._channel.call("POST", f"/v1/webhooks/{quote(webhook_id)}/rotate")
        return Webhook.model_validate(answer)

    def test_webhook(self, webhook_id: str) -> DeliveryQueued:
        """Queue a ``webhook.test`` event; follow it with ``webhook_deliveries``."""
        answer = self._channel.call("POST", f"/v1/webhooks/{quote(webhook_id)}/test")
        return DeliveryQueued.model_validate(answer)

    def webhook_deliveries(
        self, webhook_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> DeliveryList:
        """One page of the delivery log, newest first, with every attempt."""
        path = f"/v1/webhooks/{quote(webhook_id)}/deliveries"
        return DeliveryList.model_validate(
            self._get(path, query={"limit": limit, "cursor": cursor})
        )

    def retry_webhook_delivery(self, webhook_id: str, delivery_id: str) -> DeliveryQueued:
        path = f"/v1/webhooks/{quote(webhook_id)}/deliveries/{quote(delivery_id)}/retry"
        return DeliveryQueued.model_validate(self._channel.call("POST", path))

    def replay_webhooks(self, webhook_id: str, since: datetime | str) -> ReplayQueued:
        """Send again every event since ``since`` (a timezone-aware datetime or ISO-8601)."""
        when = since.isoformat() if isinstance(since, datetime) else since
        path = f"/v1/webhooks/{quote(webhook_id)}/replay"
        return ReplayQueued.model_validate(self._channel.call("POST", path, {"since": when}))

    def _get(self, path: str, *, query: dict[str, Any] | None = None) -> Any:
        return self._channel.call("GET", path, query=query)
