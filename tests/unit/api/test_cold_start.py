"""The collector pause of a Lambda cold start: only in Lambda, and always resumed."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from functions.api import cold_start


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone (frozen objects thawed, collecting)."""
    yield
    gc.unfreeze()
    gc.enable()


def test_outside_lambda_the_collector_is_left_alone(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cold_start, "IN_LAMBDA", False)
    cold_start.pause()
    assert gc.isenabled()
    cold_start.done()
    assert gc.get_freeze_count() == 0


def test_in_lambda_the_imports_run_without_collections_and_end_frozen(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cold_start, "IN_LAMBDA", True)
    cold_start.pause()
    assert not gc.isenabled()
    cold_start.done()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_done_without_a_pause_freezes_nothing(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler module imported after another one in the same process (the local stack in a
    Lambda-like environment) must not freeze what the first one's invocations made."""
    monkeypatch.setattr(cold_start, "IN_LAMBDA", True)
    cold_start.done()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
