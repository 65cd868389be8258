"""Typed runtime settings read from the environment.

The CDK app and the local stack both set these variables (``environment_for`` builds the
mapping from a stage name, so neither side spells a variable by hand). Handlers read them
once per cold start through ``get_settings``.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field

from functions.core import names


class Settings(BaseModel):
    """Where the data lives and how long things may take."""

    stage: str = "local"
    keys_table: str = Field(default_factory=lambda: names.KEYS_TABLE.physical("local"))
    sessions_table: str = Field(default_factory=lambda: names.SESSIONS_TABLE.physical("local"))
    batches_table: str = Field(default_factory=lambda: names.BATCHES_TABLE.physical("local"))
    insights_table: str = Field(default_factory=lambda: names.INSIGHTS_TABLE.physical("local"))
    idempotency_table: str = Field(
        default_factory=lambda: names.IDEMPOTENCY_TABLE.physical("local")
    )
    buildings_table: str = Field(default_factory=lambda: names.BUILDINGS_TABLE.physical("local"))
    data_bucket: str = Field(default_factory=lambda: names.bucket_name("local"))
    telemetry_stream: str = Field(default_factory=lambda: names.stream_name("local"))
    processing_queue_url: str = ""
    event_bus: str = Field(default_factory=lambda: names.bus_name("local"))
    inactivity_timeout_s: float = names.SESSION_INACTIVITY_TIMEOUT_S
    finalize_deadline_s: float = names.FINALIZE_DEADLINE_S
    late_data_grace_s: float = names.LATE_DATA_GRACE_S
    projects_table: str = Field(default_factory=lambda: names.PROJECTS_TABLE.physical("local"))
    answers_table: str = Field(default_factory=lambda: names.ANSWERS_TABLE.physical("local"))
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    """The dashboard's Cognito user pool and app client (people's sign-in); empty: no one
    can sign in, only keys work."""


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
}


def environment_for(stage: str, account: str = "local") -> dict[str, str]:
    """The environment variables for a stage whose resources carry the names in ``names``.

    ``PROCESSING_QUEUE_URL``, ``USER_POOL_ID`` and ``USER_POOL_CLIENT_ID`` are left out: only
    the deployer knows them (CDK tokens, or the ids moto hands back).
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
    }


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    values = {field: env[var] for field, var in ENV_VARS.items() if var in env}
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (a Lambda cold start reads them once)."""
    return load_settings()
