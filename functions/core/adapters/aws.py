"""boto3 clients and tables, and the per-container caches built on them.

Created lazily (on first use, once per container), never at import, so importing a handler
costs nothing and unit tests can start ``moto.mock_aws`` first. ``AWS_ENDPOINT_URL`` (set by
the local stack) is honoured by boto3 itself. ``reset`` forgets every such cache: the local
stack and tests call it when they point the process at a new backend.
"""

from __future__ import annotations

import threading
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


def own_table(name: str) -> Any:
    """A Table on a resource of its own (uncached): what a ``per_thread`` factory uses."""
    return boto3.resource("dynamodb", config=CONFIG).Table(name)


def per_thread(factory: Callable[[], T]) -> Callable[[], T]:
    """Build once per thread: for a handler that works on several threads at once (boto3
    resources such as ``Table`` are not thread-safe). In Lambda a container's threads are
    reused, so this costs a few builds per container; ``reset`` clears it too."""
    local = threading.local()

    def built() -> T:
        generation = len(_resets)
        if getattr(local, "generation", None) != generation:
            local.value = factory()
            local.generation = generation
        value: T = local.value
        return value

    return built


_resets: list[None] = []
"""One entry per ``reset``: a per-thread value built before the last reset is rebuilt."""


def reset() -> None:
    """Forget cached clients and services built on them."""
    client.cache_clear()
    table.cache_clear()
    for cached in _caches:
        cached.cache_clear()
    _resets.append(None)
