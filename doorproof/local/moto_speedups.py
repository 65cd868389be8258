"""moto's costs that grow with everything stored, or that every request pays for nothing,
cut to what a request needs.

Each was found by profiling ``doorproof loadtest`` (docs/reliability.md); each keeps moto's
own logic and answers, and only stops it copying, scanning or looking up what the request
does not touch.

- **Transactions**: moto's ``transact_write_items`` deep-copies every table a transaction
  names, to put the copy back if the transaction is cancelled. Every telemetry batch commits
  in one transaction over the batch ledger and the sessions table, so each batch paid for a
  copy of the whole ledger (78 ms at 2,500 ledger items against 0.6 ms,
  ``tests/bench/test_moto_speedups_bench.py``): quadratic over a run. Here, while the call
  runs, a deep copy of a table it names is that table itself (an instance ``__deepcopy__``,
  which ``copy.deepcopy`` looks up on the instance); the items the transaction names are
  copied before and put back if it fails in any way. A cancelled transaction still leaves
  every table as it was.
- **Version listings**: moto's ``list_object_versions`` deep-copies every version of every
  object in the bucket, contents included, before it filters by prefix. The insights read
  lists the versions of one photo key (``Presigner.first_photo``), so every GET of insights
  copied all the telemetry stored (the 64-phone run: 1.8 GB resident while phones polled
  their insights). Here moto's listing sees only the keys under the prefix.
- **Receives**: for every message it hands out, moto's SQS ``receive_message`` asks for the
  queue's retention period through ``get_queue_attributes``, which computes every attribute,
  counts of delayed and in-flight messages included, three times: a receive cost three scans
  of the whole queue per message, so draining a backlog (after a restart, every message sent
  since the snapshot is delivered again) was quadratic. Here the retention period is read
  from the queue.
- **Queries**: moto's ``Query`` on a table (no index) sorts every item of the table, then
  keeps those of the hash key asked for. The processor queries a session's stored-object
  items in the batch ledger, the biggest table, once per object. Here moto's query sees only
  the items of that hash key (it sorts them by range key itself).

- **DynamoDB answers**: moto's response serializer looks every member of every attribute
  value up through its alias providers (ten members, each tried under several names, for
  every attribute of every item): a query answering 100 ledger items took 77 ms of moto's
  CPU. moto's DynamoDB values are plain dicts keyed by their type tags (``{"S": "x"}``), so
  here an attribute value's members are read by exactly those keys; moto's serializer still
  writes every value.
- **Per-request look-ups**: moto's server lists its package directory (a ``stat`` per
  service) to route every request, and lists a response class's methods with ``inspect``
  to dispatch it; both answers are fixed once moto is imported, so they are computed once.

The local stack runs DynamoDB requests one at a time (``moto_server``), so no other request
sees a table between a failed transaction's writes and their undoing.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import moto.backends
import moto.core.responses
from moto.core.serialize import JSONSerializer
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.s3.models import S3Backend
from moto.sqs.models import SQSBackend

_MARK = "_doorproof_speedup"
"""Set on a wrapped method, so that wrapping twice is a no-op."""

Undo = tuple[Table, DynamoType, DynamoType | None, Item | None]
"""A table, an item's hash and range key, and a copy of the item (None: it did not exist)."""


def speed_up_moto() -> None:
    """Install them all (idempotent, process-wide: the same answers, so harmless to
    mock_aws)."""
    _wrap(DynamoDBBackend, "transact_write_items", _journaled)
    _wrap(Table, "query", _by_hash_key)
    _wrap(S3Backend, "list_object_versions", _under_prefix)
    _wrap(SQSBackend, "is_message_valid_based_on_retention_period", _retention_read)
    _wrap(JSONSerializer, "_serialize_type_structure", _attribute_values_by_tag)
    _wrap(moto.backends, "list_of_moto_modules", _once)
    _wrap(moto.core.responses, "method_names_from_class", _once)


def _wrap(
    owner: object, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Replace ``owner.name`` (a class's method or a module's function) by ``make(it)``."""
    original = getattr(owner, name)
    if getattr(original, _MARK, False):
        return
    wrapped = functools.wraps(original)(make(original))
    setattr(wrapped, _MARK, True)
    setattr(owner, name, wrapped)


# --- transactions ---------------------------------------------------------------------


def _journaled(original: Callable[..., None]) -> Callable[..., None]:
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        undo = _journal(self, transact_items)
        tables = {id(table): table for table, *_ in undo}.values()
        for table in tables:
            table.__dict__["__deepcopy__"] = functools.partial(_itself, table)
        try:
            original(self, transact_items)
        except BaseException:
            _put_back(undo)
            raise
        finally:
            for table in tables:
                table.__dict__.pop("__deepcopy__", None)

    return transact_write_items


def _itself(table: Table, _memo: dict[int, Any]) -> Table:
    return table


def _key_of(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    key = op["Item"] if op_type == "Put" else op["Key"]
    range_attr = table.range_key_attr
    return (
        DynamoType(key[table.hash_key_attr]),
        DynamoType(key[range_attr]) if range_attr is not None else None,
    )


def _journal(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Undo]:
    """A copy of every item the transaction names (malformed operations are left to moto)."""
    undo: list[Undo] = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName", "")) if isinstance(op, dict) else None
            if table is None:
                continue
            try:
                hash_key, range_key = _key_of(table, op_type, op)
            except (KeyError, TypeError):
                continue
            before = table.get_item(hash_key, range_key)
            undo.append((table, hash_key, range_key, copy.deepcopy(before)))
    return undo


def _put_back(undo: list[Undo]) -> None:
    """Each item as it was (without ``Table.delete_item``, which would add a stream record)."""
    for table, hash_key, range_key, before in reversed(undo):
        items: Any = table.items  # {hash: Item}, or {hash: {range: Item}} with a range key
        if range_key is None:
            items.pop(hash_key, None)
            if before is not None:
                items[hash_key] = before
        else:
            items[hash_key].pop(range_key, None)
            if before is not None:
                items[hash_key][range_key] = before


# --- version listings -----------------------------------------------------------------


def _under_prefix(original: Callable[..., Any]) -> Callable[..., Any]:
    def list_object_versions(
        self: S3Backend,
        bucket_name: str,
        delimiter: str | None = None,
        key_marker: str | None = None,
        max_keys: int | None = 1000,
        prefix: str = "",
        version_id_marker: str | None = None,
    ) -> Any:
        # Keys under a prefix are one run of moto's name-sorted listing, and a paginator's
        # key marker is one of them: the page is the same with or without the others. A
        # marker elsewhere (never a paginator's) gets moto's own listing.
        narrowed = bool(prefix) and (key_marker is None or key_marker.startswith(prefix))
        backend: Any = _KeysUnder(self, prefix) if narrowed else self
        return original(
            backend, bucket_name, delimiter, key_marker, max_keys, prefix, version_id_marker
        )

    return list_object_versions


class _KeysUnder:
    """What ``S3Backend.list_object_versions`` reads of its backend (``get_bucket(name)``,
    then ``bucket.keys.iterlists()``), showing only the keys that start with ``prefix``."""

    def __init__(self, backend: S3Backend, prefix: str) -> None:
        self._backend, self._prefix = backend, prefix

    def get_bucket(self, name: str) -> _KeysUnder:
        self._bucket = self._backend.get_bucket(name)
        return self

    @property
    def keys(self) -> _KeysUnder:
        return self

    def iterlists(self) -> Iterator[tuple[str, list[Any]]]:
        for name, versions in self._bucket.keys.iterlists():
            if name.startswith(self._prefix):
                yield name, versions


# --- receives -------------------------------------------------------------------------


def _retention_read(original: Callable[..., bool]) -> Callable[..., bool]:
    def is_message_valid_based_on_retention_period(
        self: SQSBackend, queue_name: str, message: Any
    ) -> bool:
        return original(_RetentionOnly(self), queue_name, message)

    return is_message_valid_based_on_retention_period


class _RetentionOnly:
    """What ``SQSBackend.is_message_valid_based_on_retention_period`` reads of its backend
    (``get_queue_attributes(name, ["MessageRetentionPeriod"])``), without the others."""

    def __init__(self, backend: SQSBackend) -> None:
        self._backend = backend

    def get_queue_attributes(self, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
        queue: Any = self._backend.get_queue(queue_name)  # attributes set from their names
        return {"MessageRetentionPeriod": queue.message_retention_period}


# --- queries --------------------------------------------------------------------------


def _by_hash_key(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        asked = signature.bind(self, *args, **kwargs).arguments
        hash_key = asked.get("hash_key")
        if asked.get("index_name") or hash_key is None:
            return original(self, *args, **kwargs)
        # While it runs, the table's ``all_items`` are the hash key's (an instance attribute).
        self.__dict__["all_items"] = functools.partial(_items_of, self, hash_key)
        try:
            return original(self, *args, **kwargs)
        finally:
            self.__dict__.pop("all_items", None)

    return query


def _items_of(table: Table, hash_key: DynamoType) -> list[Item]:
    found: Any = table.items.get(hash_key)
    if found is None:
        return []
    return list(found.values()) if table.range_key_attr else [found]


# --- DynamoDB answers -------------------------------------------------------------------

ATTRIBUTE_VALUE = "AttributeValue"
"""The DynamoDB model's shape of one typed value (``{"S": "x"}``, ``{"M": {...}}``, …)."""


def _attribute_values_by_tag(original: Callable[..., None]) -> Callable[..., None]:
    def _serialize_type_structure(
        self: JSONSerializer, serialized: Any, value: Any, shape: Any, key: str
    ) -> None:
        if (
            shape.name != ATTRIBUTE_VALUE
            or not key
            or not isinstance(value, dict)
            or self.operation_model.service_model.service_name != "dynamodb"
        ):
            return original(self, serialized, value, shape, key)
        # moto's loop over the members, each read by its own key instead of its aliases.
        wrapper: Any = self.MAP_TYPE()
        for member_key, member_shape in shape.members.items():
            member_value = value.get(member_key)
            if member_value is not None:
                self._serialize(wrapper, member_value, member_shape, member_key)
        self._default_serialize(serialized, wrapper, shape, key)
        return None

    return _serialize_type_structure


# --- per-request look-ups ---------------------------------------------------------------


def _once(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original``'s answer per argument, computed once (a tuple: the callers only iterate
    it or test membership)."""
    answers: dict[Any, tuple[Any, ...]] = {}

    def once(*args: Any) -> tuple[Any, ...]:
        if args not in answers:
            answers[args] = tuple(original(*args))
        return answers[args]

    return once
