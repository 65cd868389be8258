"""Every AWS call a benchmark's code makes, seen on its way out (botocore's one entry point
for API calls), so that benchmarks can count calls and take their time out of ours."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client

Observer = Callable[[str, str, dict[str, Any], Callable[[], Any]], Any]
"""``(service, operation, params, call)``: returns what ``call()`` (the real call) returns."""


@contextmanager
def observed(observer: Observer) -> Iterator[None]:
    """Every botocore API call goes through ``observer`` while this is entered."""
    original = botocore.client.BaseClient._make_api_call

    def through_observer(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        return observer(service, operation, params, lambda: original(client, operation, params))

    botocore.client.BaseClient._make_api_call = through_observer
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original
