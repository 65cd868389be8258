"""The device's on-disk outbox: a SQLite file that outlives the network and the process.

Three tables:
- ``state``: the session being recorded (so a restarted app knows it is still recording);
- ``staged``: samples recorded and not yet cut into a batch — written on every ``record``
  call, so a killed process loses nothing it was handed;
- ``ops``: what must reach the server, in order: telemetry batches (their final gzip body,
  so a retry is byte-identical and the server's batch digest recognises it) and session stops.

An op leaves the table only when the server answered it (2xx, or a 4xx that means the data
is refused for good) or when its retries ran out. Every change is one transaction, so a kill
at any moment leaves either the old or the new state, never half of one.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

OpKind = Literal["batch", "stop"]
SCHEMA = """
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staged (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    sample TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    session_id TEXT NOT NULL,
    body BLOB,
    samples INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    server_failures INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class Op:
    """One queued request."""

    id: int
    kind: OpKind
    session_id: str
    body: bytes | None
    samples: int
    failures: int
    server_failures: int


@dataclass(frozen=True)
class QueueStats:
    staged_samples: int
    batches: int
    batch_samples: int
    stops: int

    @property
    def empty(self) -> bool:
        return not (self.staged_samples or self.batches or self.stops)


class OutboxQueue:
    """Thread-safe access to one queue file (one device: one file, one writer process)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (not a power cut), at a fraction of
        # FULL's cost: the trade a phone SDK makes too.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        # A fresh process retries everything at once: the old backoff timers died with it.
        self._db.execute("UPDATE ops SET next_at = 0")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- the session being recorded -----------------------------------------------------

    def active_session(self) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE name = 'session'").fetchone()
        return row[0] if row else None

    def set_active_session(self, session_id: str | None) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM state WHERE name = 'session'")
            if session_id is not None:
                db.execute("INSERT INTO state VALUES ('session', ?)", (session_id,))

    # --- samples and batches ------------------------------------------------------------

    def stage(self, session_id: str, samples: Iterable[dict[str, Any]]) -> int:
        """Persist recorded samples; returns how many."""
        rows = [(session_id, json.dumps(s, separators=(",", ":"))) for s in samples]
        if rows:
            with self._transaction() as db:
                db.executemany("INSERT INTO staged (session_id, sample) VALUES (?, ?)", rows)
        return len(rows)

    def cut(self, max_samples: int) -> int:
        """Turn every staged sample into batches of at most ``max_samples`` (per session,
        in recording order); returns the number of batches made."""
        made = 0
        with self._transaction() as db:
            rows = db.execute("SELECT seq, session_id, sample FROM staged ORDER BY seq").fetchall()
            by_session: dict[str, list[str]] = {}
            for _, session_id, sample in rows:
                by_session.setdefault(session_id, []).append(sample)
            for session_id, samples in by_session.items():
                for start in range(0, len(samples), max_samples):
                    chunk = samples[start : start + max_samples]
                    body = gzip.compress(_batch_json(session_id, chunk), compresslevel=6)
                    db.execute(
                        "INSERT INTO ops (kind, session_id, body, samples) "
                        "VALUES ('batch', ?, ?, ?)",
                        (session_id, body, len(chunk)),
                    )
                    made += 1
            if rows:
                db.execute("DELETE FROM staged WHERE seq <= ?", (rows[-1][0],))
        return made

    def add_stop(self, session_id: str) -> int:
        """Queue the stop of ``session_id`` behind its batches; returns the op id."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO ops (kind, session_id) VALUES ('stop', ?)", (session_id,)
            )
            return int(cursor.lastrowid or 0)

    # --- the uploader's view ------------------------------------------------------------

    def next_due(self, now: float) -> Op | None:
        """The oldest op whose retry time has come. A stop waits for every earlier batch
        of its session, so the server finalises a complete session."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, kind, session_id, body, samples, failures, server_failures "
                "FROM ops o WHERE next_at <= ? AND NOT (kind = 'stop' AND EXISTS ("
                "  SELECT 1 FROM ops b WHERE b.kind = 'batch' AND b.session_id = o.session_id"
                "  AND b.id < o.id)) ORDER BY id LIMIT 1",
                (now,),
            ).fetchone()
        return Op(*row) if row else None

    def next_retry_at(self, after: float) -> float | None:
        """The earliest retry time later than ``after`` (what is due by then was either sent
        or waits behind a batch, so the uploader sleeps until this)."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(next_at) FROM ops WHERE next_at > ?", (after,)
            ).fetchone()
        return row[0] if row and row[0] is not None else None

    def done(self, op_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM ops WHERE id = ?", (op_id,))

    def failed(self, op_id: int, *, next_at: float, server: bool) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE ops SET failures = failures + 1, "
                "server_failures = server_failures + ?, next_at = ? WHERE id = ?",
                (int(server), next_at, op_id),
            )

    def hold_all(self, until: float) -> None:
        """Push every op's retry to at least ``until`` (the network is down for all)."""
        with self._transaction() as db:
            db.execute("UPDATE ops SET next_at = MAX(next_at, ?)", (until,))

    def stats(self) -> QueueStats:
        with self._lock:
            staged = self._db.execute("SELECT COUNT(*) FROM staged").fetchone()[0]
            batches, batch_samples, stops = self._db.execute(
                "SELECT COALESCE(SUM(kind = 'batch'), 0), COALESCE(SUM(samples), 0), "
                "COALESCE(SUM(kind = 'stop'), 0) FROM ops"
            ).fetchone()
        return QueueStats(staged, batches, batch_samples, stops)


def _batch_json(session_id: str, samples: list[str]) -> bytes:
    """The telemetry body, assembled from the stored sample texts without re-parsing them."""
    head = json.dumps({"sessionId": session_id}, separators=(",", ":"))[:-1]
    return f'{head},"events":[{",".join(samples)}]}}'.encode()
