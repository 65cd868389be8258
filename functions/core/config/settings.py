"""Typed runtime settings read from the environment, required and checked at cold start.

The CDK app and the local stack both set these variables (``environment_for`` builds the
mapping from a stage name, so neither side spells a variable by hand; only the local stack
supplies local names). Nothing defaults to a resource name: a function missing a variable
fails on its first invocation, before any work, with an error naming the variable
(``configured``), instead of quietly talking to another stage's tables. Handlers read the
settings once per cold start through ``get_settings``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import lru_cache, wraps
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from functions.core.config import names


class SettingsError(RuntimeError):
    """The environment lacks a variable, or holds one that is not valid."""


class Settings(BaseModel):
    """Where the data lives and how long things may take."""

    stage: str = Field(min_length=1)
    keys_table: str = Field(min_length=1)
    sessions_table: str = Field(min_length=1)
    batches_table: str = Field(min_length=1)
    insights_table: str = Field(min_length=1)
    idempotency_table: str = Field(min_length=1)
    buildings_table: str = Field(min_length=1)
    data_bucket: str = Field(min_length=1)
    telemetry_stream: str = Field(min_length=1)
    processing_queue_url: str | None = None
    """Only the functions that send "finalize" messages get it (``configured(requires=…)``)."""
    event_bus: str = Field(min_length=1)
    inactivity_timeout_s: float = names.SESSION_INACTIVITY_TIMEOUT_S
    finalize_deadline_s: float = names.FINALIZE_DEADLINE_S
    late_data_grace_s: float = names.LATE_DATA_GRACE_S
    projects_table: str = Field(min_length=1)
    answers_table: str = Field(min_length=1)
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    """The dashboard's Cognito user pool and app client (people's sign-in); empty: no one
    can sign in, only keys work."""
    webhooks_table: str = Field(min_length=1)
    webhook_deliveries_table: str = Field(min_length=1)
    webhook_messages_table: str = Field(min_length=1)
    webhook_queue_url: str | None = None
    """Only the webhooks API function and the dispatcher get it (``configured(requires=…)``)."""
    webhook_key: str = Field(min_length=1)
    webhook_retry_scale: float = Field(default=1.0, gt=0.0, le=1.0)
    """Multiplies every delay of the retry schedule: 1.0 (the specification's) unless a test
    compresses it (``WEBHOOK_RETRY_SCALE=0.001`` turns 5 min into 0.3 s)."""
    webhook_sandbox_loopback: bool = False
    """Whether sandbox endpoints may be ``http://127.0.0.1`` (the local stack sets it)."""

    def required(self, field: str) -> str:
        """An optional field this function cannot do without, or ``SettingsError``."""
        value = getattr(self, field)
        if not value:
            raise SettingsError(
                f"missing environment variable {ENV_VARS[field]}: this function needs it "
                "(the CDK app passes it only to the functions that send to that queue)"
            )
        return str(value)


ENV_VARS = {
    "stage": "DOORPROOF_STAGE",
    "keys_table": "KEYS_TABLE",
    "sessions_table": "SESSIONS_TABLE",
    "batches_table": "BATCHES_TABLE",
    "insights_table": "INSIGHTS_TABLE",
    "idempotency_table": "IDEMPOTENCY_TABLE",
    "buildings_table": "BUILDINGS_TABLE",
    "data_bucket": "DATA_BUCKET",
    "telemetry_stream": "TELEMETRY_STREAM",
    "processing_queue_url": "PROCESSING_QUEUE_URL",
    "event_bus": "EVENT_BUS_NAME",
    "inactivity_timeout_s": "SESSION_INACTIVITY_TIMEOUT_S",
    "finalize_deadline_s": "FINALIZE_DEADLINE_S",
    "late_data_grace_s": "LATE_DATA_GRACE_S",
    "projects_table": "PROJECTS_TABLE",
    "answers_table": "ANSWERS_TABLE",
    "user_pool_id": "USER_POOL_ID",
    "user_pool_client_id": "USER_POOL_CLIENT_ID",
    "webhooks_table": "WEBHOOKS_TABLE",
    "webhook_deliveries_table": "WEBHOOK_DELIVERIES_TABLE",
    "webhook_messages_table": "WEBHOOK_MESSAGES_TABLE",
    "webhook_queue_url": "WEBHOOK_QUEUE_URL",
    "webhook_key": "WEBHOOK_KEY",
    "webhook_retry_scale": "WEBHOOK_RETRY_SCALE",
    "webhook_sandbox_loopback": "WEBHOOK_SANDBOX_LOOPBACK",
}


def environment_for(stage: str, account: str = "local") -> dict[str, str]:
    """The environment variables for a stage whose resources carry the names in ``names``.

    ``PROCESSING_QUEUE_URL``, ``WEBHOOK_QUEUE_URL``, ``USER_POOL_ID`` and
    ``USER_POOL_CLIENT_ID`` are left out: only the deployer knows them (CDK tokens, or the
    ids moto hands back). So are the webhook retry scale and sandbox loopback switch, whose
    defaults hold unless a deployer changes them.
    """
    return {
        ENV_VARS["stage"]: stage,
        ENV_VARS["keys_table"]: names.KEYS_TABLE.physical(stage),
        ENV_VARS["sessions_table"]: names.SESSIONS_TABLE.physical(stage),
        ENV_VARS["batches_table"]: names.BATCHES_TABLE.physical(stage),
        ENV_VARS["insights_table"]: names.INSIGHTS_TABLE.physical(stage),
        ENV_VARS["idempotency_table"]: names.IDEMPOTENCY_TABLE.physical(stage),
        ENV_VARS["buildings_table"]: names.BUILDINGS_TABLE.physical(stage),
        ENV_VARS["data_bucket"]: names.bucket_name(stage, account),
        ENV_VARS["telemetry_stream"]: names.stream_name(stage),
        ENV_VARS["event_bus"]: names.bus_name(stage),
        ENV_VARS["projects_table"]: names.PROJECTS_TABLE.physical(stage),
        ENV_VARS["answers_table"]: names.ANSWERS_TABLE.physical(stage),
        ENV_VARS["webhooks_table"]: names.WEBHOOKS_TABLE.physical(stage),
        ENV_VARS["webhook_deliveries_table"]: names.WEBHOOK_DELIVERIES_TABLE.physical(stage),
        ENV_VARS["webhook_messages_table"]: names.WEBHOOK_MESSAGES_TABLE.physical(stage),
        ENV_VARS["webhook_key"]: names.webhook_key_alias(stage),
    }


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment); ``SettingsError``
    naming every missing or invalid variable."""
    env = os.environ if environ is None else environ
    missing = [
        ENV_VARS[field]
        for field, info in Settings.model_fields.items()
        if info.is_required() and ENV_VARS[field] not in env
    ]
    if missing:
        raise SettingsError(
            f"missing environment variable(s) {', '.join(missing)}: the CDK app sets them on "
            "every function (infra/lambdas.py), the local stack from settings.environment_for"
        )
    values = {field: env[var] for field, var in ENV_VARS.items() if var in env}
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_VARS[str(error['loc'][0])]}={error['input']!r}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsError(f"invalid environment variable(s): {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (a Lambda cold start reads them once)."""
    return load_settings()


def check_settings(*required: str) -> Settings:
    """The settings, with the optional fields ``required`` present too."""
    current = get_settings()
    for field in required:
        current.required(field)
    return current


Handler = TypeVar("Handler", bound=Callable[..., Any])


def configured(*, requires: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """A Lambda handler that checks the settings (and the optional ``requires``) before its
    work on every invocation: the first one of a container fails with a ``SettingsError``
    naming what is missing, the later ones cost a cached look-up."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check_settings(*requires)
            return handler(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate
