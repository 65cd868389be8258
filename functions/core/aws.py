"""boto3 clients and tables, and the per-container caches built on them.

Created lazily (on first use, once per container), never at import, so importing a handler
costs nothing and unit tests can start ``moto.mock_aws`` first. ``AWS_ENDPOINT_URL`` (set by
the local stack) is honoured by boto3 itself. ``reset`` forgets every such cache: the local
stack and tests call it when they point the process at a new backend.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config

CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=10)
T = TypeVar("T")
_caches: list[Any] = []


def per_container(factory: Callable[[], T]) -> Callable[[], T]:
    """Build once per Lambda container (what a handler's services are); ``reset`` clears."""
    cached = cache(factory)
    _caches.append(cached)
    return cached


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=CONFIG)


@cache
def table(name: str) -> Any:
    return boto3.resource("dynamodb", config=CONFIG).Table(name)


def reset() -> None:
    """Forget cached clients and services built on them."""
    client.cache_clear()
    table.cache_clear()
    for cached in _caches:
        cached.cache_clear()
