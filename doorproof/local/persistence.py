"""The local stack's data on disk: moto's state survives a restart, and a ``kill -9``.

Why this way (docs/decisions.md, issue 12): moto keeps everything in memory and has no
persistence of its own (its recorder logs every request, reads and long polls included, and
replays them over HTTP: slow, and never compacted). No maintained embedded stand-in for
DynamoDB + S3 + SQS + Firehose runs without Java or Docker. So the one process that serves
moto also keeps its state, in two files under the data directory:

- ``snapshot-<g>.pickle``: every service's moto backends, pickled (``pickle`` with a dispatch
  table that recreates locks, which is all moto's objects hold that does not pickle);
- ``wal-<g>.jsonl``: every request since that snapshot that changed something and succeeded
  (method, path, headers, body), appended and flushed before its answer leaves: what a client
  was told happened is on disk (in the OS's page cache, which a killed process does not
  lose; a power cut may lose the last moments, as with any unsynced write).

Start: load the newest snapshot, replay its log through the same WSGI app, in order; a torn
last line (killed mid-write) was never answered, and is dropped. When the log outgrows
``compact_bytes`` or half the last snapshot (and at a clean stop) requests are held, a new
snapshot ``g+1`` is written and renamed into place, and a new log begins; the old pair is
deleted after. A crash at any step leaves a snapshot and the log that belongs to it.

What a replay cannot reproduce, and why it is harmless: ids moto makes up (SQS receipt handles,
S3 version ids, Firehose object names). SQS receives and deletes are not logged, so a message
sent since the snapshot is delivered again, and Firehose puts replayed write their objects
again under new names, which notify the processor again: processing is idempotent (a chunk is
keyed by its object, a part counted once by the stored-part ledger), so counts stay exact.
"""

from __future__ import annotations

import base64
import copyreg
import io
import json
import logging
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
)
from moto.backends import get_backend as _get_backend

log = logging.getLogger("doorproof.local.persistence")

SERVICES = ("dynamodb", "s3", "sqs", "firehose", "events", "kms")
"""moto's services the stack uses (``resources.create_resources``). KMS is in the snapshots
only: a replayed ``CreateKey`` would make new key material, which opens none of the secrets
sealed before, so the stack snapshots as soon as it has created its resources."""
COMPACT_BYTES = 16 * 1024 * 1024
"""Log size at which a new snapshot is taken, or half the last snapshot's size if that is
more (so snapshots cost at most twice the bytes logged). A restart replays the log through
moto and the processor redoes what the log's Firehose puts wrote: with 128 MB as the bound,
90 s of the 64-phone load test (5,266 requests) took 50 s to replay on the shared 2-core
machine (docs/reliability.md)."""
LOGGED_TARGETS = {
    "DynamoDB_20120810": {
        "CreateTable",
        "UpdateTable",
        "DeleteTable",
        "UpdateTimeToLive",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
    },
    "AmazonSQS": {"CreateQueue", "SetQueueAttributes", "SendMessage", "SendMessageBatch"},
    "Firehose_20150804": {"CreateDeliveryStream", "PutRecord", "PutRecordBatch"},
    "AWSEvents": {"CreateEventBus", "PutRule", "PutTargets"},
}
"""JSON-protocol operations that change state (``X-Amz-Target: <service>.<operation>``).
SQS receives, deletes and visibility changes are left out on purpose (see the docstring).
EventBridge's PutEvents is left out too: replayed, it would publish the event again under a
new id, so a receiver would get a second webhook with another ``webhook-id``. What moto's
rule sent on to the webhook queue is not a logged request either, so a webhook event the
dispatcher had not yet fanned out when the process was killed is lost (docs/local.md)."""
S3_WRITES = {"PUT", "POST", "DELETE"}
"""S3 (the one REST service here) changes state with these methods only."""
_ENVIRON_KEYS = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REQUEST_URI",
    "RAW_URI",
    "wsgi.url_scheme",
)
PRIVATE_KEYS = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)
"""What moto's KMS keys hold that pickle cannot copy (a Rust object of ``cryptography``)."""
get_backend = cast(Callable[[str], Any], _get_backend)
"""moto's backend registry by service name (typed per literal name by moto)."""
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _is_logged(environ: dict[str, Any]) -> bool:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        service, _, operation = target.partition(".")
        return operation in LOGGED_TARGETS.get(service, set())
    if str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
        return False
    return environ.get("REQUEST_METHOD") in S3_WRITES


def _private_key(der: bytes) -> Any:
    """The private key of ``der`` (what a snapshot keeps of one)."""
    return load_der_private_key(der, None)


class _Pickler(pickle.Pickler):
    """Locks (moto's queues hold a Condition) are recreated, unlocked, on load; private keys
    (moto's KMS keys hold one) travel as their PKCS#8 DER bytes."""

    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[type(threading.Lock())] = lambda _lock: (threading.Lock, ())
    dispatch_table[type(threading.RLock())] = lambda _lock: (threading.RLock, ())

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, PRIVATE_KEYS):
            der = obj.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
            return _private_key, (der,)
        return NotImplemented


class _Gate:
    """Many requests at once, or one snapshot alone (a readers-writer lock)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._active = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive)
            self._active += 1
        try:
            yield
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive)
            self._exclusive = True
            self._changed.wait_for(lambda: self._active == 0)
        try:
            yield
        finally:
            with self._changed:
                self._exclusive = False
                self._changed.notify_all()


class StateKeeper:
    """WSGI middleware around moto's app that keeps its state in ``directory``.

    ``restore()`` before serving; ``compact()`` to snapshot now; ``close()`` snapshots and
    closes the log. Requests pass through ``__call__``.
    """

    def __init__(
        self, app: WsgiApp, directory: Path, *, compact_bytes: int = COMPACT_BYTES
    ) -> None:
        self._app = app
        self.directory = directory
        self._compact_bytes = compact_bytes
        self._gate = _Gate()
        self._log_lock = threading.Lock()
        self._generation = 0
        self._log: io.BufferedWriter | None = None
        self._compacting = threading.Lock()
        self._snapshot_bytes = 0

    # --- files --------------------------------------------------------------------------

    def _snapshot_path(self, generation: int) -> Path:
        return self.directory / f"snapshot-{generation}.pickle"

    def _log_path(self, generation: int) -> Path:
        return self.directory / f"wal-{generation}.jsonl"

    def _generations(self) -> list[int]:
        found = []
        for path in self.directory.glob("snapshot-*.pickle"):
            try:
                found.append(int(path.stem.split("-", 1)[1]))
            except ValueError:
                continue
        return sorted(found)

    # --- start and stop -----------------------------------------------------------------

    def restore(self) -> int:
        """Load the newest snapshot and replay its log; returns how many requests were
        replayed. A fresh directory starts empty (generation 0, no snapshot)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        generations = self._generations()
        self._generation = generations[-1] if generations else 0
        if generations:
            with self._snapshot_path(self._generation).open("rb") as file:
                _load_state(pickle.load(file))  # noqa: S301 - our own file, 0700 directory
                self._snapshot_bytes = file.tell()
        replayed = self._replay(self._log_path(self._generation))
        for old in generations[:-1]:
            self._snapshot_path(old).unlink(missing_ok=True)
            self._log_path(old).unlink(missing_ok=True)
        self._log = self._log_path(self._generation).open("ab")
        return replayed

    def close(self) -> None:
        """Snapshot (so the next start replays nothing) and close the log."""
        if self._log is None:
            return
        self.compact()
        with self._log_lock:
            self._log.close()
            self._log = None

    def compact(self) -> None:
        """Hold requests, write snapshot ``g+1``, start its empty log, drop generation g."""
        with self._compacting, self._gate.exclusive():
            old = self._generation
            new = old + 1
            temporary = self._snapshot_path(new).with_suffix(".tmp")
            with temporary.open("wb") as file:
                _Pickler(file, protocol=pickle.HIGHEST_PROTOCOL).dump(_dump_state())
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._snapshot_path(new))
            self._snapshot_bytes = self._snapshot_path(new).stat().st_size
            with self._log_lock:
                if self._log is not None:
                    self._log.close()
                self._log = self._log_path(new).open("ab")
                self._generation = new
            self._snapshot_path(old).unlink(missing_ok=True)
            self._log_path(old).unlink(missing_ok=True)
        log.info("local data compacted into %s", self._snapshot_path(new).name)

    # --- requests -----------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not _is_logged(environ):
            with self._gate.shared():
                return list(self._app(environ, start_response))
        body = _read_body(environ)
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, *args: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *args)

        with self._gate.shared():
            answer = list(self._app(environ, recording_start_response))
            if status and status[0][:1] == "2":
                self._append(environ, body)
        if self._log_size() > self._compact_threshold() and not self._compacting.locked():
            threading.Thread(target=self.compact, name="doorproof-compact", daemon=True).start()
        return answer

    def _append(self, environ: dict[str, Any], body: bytes) -> None:
        entry = {
            "environ": {
                k: v
                for k, v in environ.items()
                if isinstance(v, str) and (k in _ENVIRON_KEYS or k.startswith("HTTP_"))
            },
            "body": base64.b64encode(body).decode("ascii"),
        }
        line = json.dumps(entry, separators=(",", ":")).encode() + b"\n"
        with self._log_lock:
            if self._log is not None:
                self._log.write(line)
                self._log.flush()

    def _compact_threshold(self) -> int:
        return max(self._compact_bytes, self._snapshot_bytes // 2)

    def _log_size(self) -> int:
        with self._log_lock:
            return self._log.tell() if self._log is not None else 0

    def _replay(self, path: Path) -> int:
        if not path.exists():
            return 0
        replayed = 0
        with path.open("rb") as file:
            for line in file:
                try:
                    entry = json.loads(line)
                except ValueError:
                    log.warning("dropping a torn last entry of %s", path.name)
                    break
                environ = dict(entry["environ"])
                body = base64.b64decode(entry["body"])
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
                environ.pop("HTTP_TRANSFER_ENCODING", None)
                environ.update({"wsgi.errors": io.StringIO(), "wsgi.multithread": False,
                                "wsgi.multiprocess": False, "wsgi.run_once": False,
                                "wsgi.version": (1, 0)})  # fmt: skip
                list(self._app(environ, lambda *_args: None))
                replayed += 1
        return replayed


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request body, read once; the app then reads the same bytes."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = stream.read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
    return body


def _dump_state() -> dict[str, dict[tuple[str, str], Any]]:
    return {
        service: {
            (account, region): backend
            for account, region, backend in get_backend(service).iter_backends()
        }
        for service in SERVICES
    }


def _load_state(state: dict[str, dict[tuple[str, str], Any]]) -> None:
    for service, backends in state.items():
        live = get_backend(service)
        for (account, region), backend in backends.items():
            live[account][region] = backend
