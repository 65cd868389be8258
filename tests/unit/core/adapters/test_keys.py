"""Keys: prefixes per kind and environment, hash-only storage, resolution and revocation."""

from __future__ import annotations

import pytest

from functions.core.adapters.keys import CachedResolver, KeyStore, hash_key
from functions.core.config import names


@pytest.fixture
def store(mocked_aws) -> KeyStore:
    return KeyStore(mocked_aws.table(names.KEYS_TABLE))


@pytest.mark.parametrize(
    ("kind", "env", "prefix"),
    [
        ("publishable", "sandbox", "pk_sandbox_"),
        ("publishable", "live", "pk_live_"),
        ("secret", "sandbox", "sk_sandbox_"),
        ("secret", "live", "sk_live_"),
    ],
)
def test_issued_key_has_prefix_and_resolves(store, kind, env, prefix) -> None:
    issued = store.create(organization_id="o1", project_id="p1", environment=env, kind=kind)
    assert issued.key.startswith(prefix) and len(issued.key) == len(prefix) + 32
    caller = store.resolve(issued.key)
    assert caller is not None
    assert (caller.organization_id, caller.environment, caller.scope) == ("o1", env, kind)
    assert caller.tenant == f"o1#p1#{env}"


def test_only_the_hash_is_stored(store, mocked_aws) -> None:
    issued = store.create(
        organization_id="o1", project_id="p1", environment="sandbox", kind="secret"
    )
    items = mocked_aws.table(names.KEYS_TABLE).scan()["Items"]
    assert [i["keyHash"] for i in items] == [hash_key(issued.key)]
    assert all(issued.key not in str(v) for item in items for v in item.values())
    assert all("keyHash" not in i for i in store.list("o1"))


@pytest.mark.parametrize("key", ["", "sk_sandbox_", "sk_sandbox_x" * 3, "nope", "pk_test_abc"])
def test_unknown_or_malformed_keys_resolve_to_none(store, key) -> None:
    assert store.resolve(key) is None


def test_revoked_key_stops_resolving(store) -> None:
    issued = store.create(
        organization_id="o1", project_id="p1", environment="sandbox", kind="publishable"
    )
    assert store.revoke("o2", issued.key_id) is False
    assert store.resolve(issued.key) is not None
    assert store.revoke("o1", issued.key_id) is True
    assert store.resolve(issued.key) is None


def test_cached_resolver_hits_the_table_once_per_ttl_and_records_the_use(store, mocked_aws) -> None:
    issued = store.create(
        organization_id="o1", project_id="p1", environment="sandbox", kind="secret"
    )
    calls = []

    class Counting(KeyStore):
        def resolve(self, key):
            calls.append(key)
            return store.resolve(key)

    resolver = CachedResolver(Counting(mocked_aws.table(names.KEYS_TABLE)), ttl_s=60)
    assert resolver.resolve(issued.key) == resolver.resolve(issued.key)
    assert len(calls) == 1
    (listed,) = store.list("o1")
    assert listed["lastUsedAt"] >= listed["createdAt"]


def test_unknown_environment_is_refused(store) -> None:
    with pytest.raises(ValueError, match="environments: sandbox, live"):
        store.create(organization_id="o", project_id="p", environment="prod", kind="secret")
