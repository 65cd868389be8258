"""Settings fail fast: nothing defaults to a resource name, and a function missing a variable
fails before any work with an error naming the variable."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from functions.core.config import settings
from functions.core.config.settings import SettingsError, configured, load_settings

COMPLETE = settings.environment_for("unit", "local")


def test_the_environment_for_a_stage_is_complete() -> None:
    loaded = load_settings(COMPLETE)
    assert loaded.sessions_table == "doorproof-unit-sessions"
    assert loaded.processing_queue_url is None
    assert loaded.webhook_queue_url is None
    assert loaded.webhooks_table == "doorproof-unit-webhooks"


def test_no_resource_name_has_a_local_default() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({})
    message = str(raised.value)
    for var in COMPLETE:
        assert var in message, f"{var} missing from: {message}"


@pytest.mark.parametrize("var", sorted(COMPLETE))
def test_a_missing_variable_is_named(var: str) -> None:
    environ = {k: v for k, v in COMPLETE.items() if k != var}
    with pytest.raises(SettingsError, match=rf"missing environment variable\(s\) {var}:"):
        load_settings(environ)


def test_an_invalid_value_is_named_with_what_is_wrong() -> None:
    environ = {**COMPLETE, "LATE_DATA_GRACE_S": "a day", "SESSIONS_TABLE": ""}
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert "LATE_DATA_GRACE_S='a day'" in str(raised.value)
    assert "SESSIONS_TABLE=''" in str(raised.value)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for var in settings.ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    settings.get_settings.cache_clear()
    yield monkeypatch
    settings.get_settings.cache_clear()


def test_a_configured_handler_fails_before_its_work(environment: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    @configured()
    def handler(event: object, context: object) -> str:
        calls.append(event)
        return "done"

    with pytest.raises(SettingsError, match="SESSIONS_TABLE"):
        handler({}, None)
    assert calls == []
    for var, value in COMPLETE.items():
        environment.setenv(var, value)
    settings.get_settings.cache_clear()
    assert handler({}, None) == "done"


def test_an_optional_setting_a_function_needs_is_checked_too(
    environment: pytest.MonkeyPatch,
) -> None:
    for var, value in COMPLETE.items():
        environment.setenv(var, value)

    @configured(requires=("processing_queue_url",))
    def handler(event: object, context: object) -> str:
        return "sent"

    with pytest.raises(SettingsError, match="PROCESSING_QUEUE_URL"):
        handler({}, None)
    environment.setenv("PROCESSING_QUEUE_URL", "https://sqs.example/q")
    settings.get_settings.cache_clear()
    assert handler({}, None) == "sent"


@pytest.mark.parametrize("module", ["functions.processing.dispatcher", "functions.api.webhooks"])
def test_the_webhook_functions_need_the_webhook_queue(
    module: str, environment: pytest.MonkeyPatch
) -> None:
    for var, value in COMPLETE.items():
        environment.setenv(var, value)
    handler = importlib.import_module(module).handler
    with pytest.raises(SettingsError, match="WEBHOOK_QUEUE_URL"):
        handler({}, None)
