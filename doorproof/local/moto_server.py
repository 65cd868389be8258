"""moto in server mode, in this process, with DynamoDB requests run one at a time.

moto's DynamoDB is not safe under concurrent requests: ``transact_write_items`` deep-copies
each table it touches before it starts and, when the transaction is cancelled (the batch
ledger relies on conditional transactions), puts the copy back — erasing what other threads
wrote in between. Measured with 8 devices uploading at once through the front door: now and
then a session vanished (a spurious 404 ``SESSION_NOT_FOUND``). DynamoDB itself runs
transactions serializably, so serialising moto's DynamoDB calls gives what AWS guarantees, not
less. (A cancelled transaction is undone item by item, not by putting back a copy of each
table: ``moto_speedups``.) Every other service stays concurrent — SQS long polls in
particular, which sleep inside the request and would otherwise stall the API.

Otherwise this is ``moto.server.ThreadedMotoServer`` (same app, same request handler). It
binds in the caller's thread, and a busy port raises ``OSError`` (not hangs, not exits).

``MotoProcess`` runs the same server in a process of its own, as AWS is a service of its own:
with workers (``lambdas.Lambdas.start_workers``) the stack's process then only receives
requests, and moto gets a GIL of its own (profiled under load, moto was three quarters of the
stack's process). The stack's process holds one end of a pipe; when it is gone (``kill -9``)
moto's process exits at once, as if killed with it, without writing a snapshot: the next start
finds the data directory as a ``kill -9`` of one process leaves it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from doorproof.local.moto_speedups import speed_up_moto
from doorproof.local.persistence import StateKeeper

DYNAMODB_TARGET_PREFIX = "DynamoDB_"
"""DynamoDB's JSON protocol names the operation in ``X-Amz-Target: DynamoDB_20120810.…``."""


class _SerialDynamoDB:
    """WSGI middleware: DynamoDB requests hold one lock; everything else passes through."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET_PREFIX):
            return self._app(environ, start_response)
        with self._lock:
            return list(self._app(environ, start_response))


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without its access log (errors are still logged): a line per
    request on the terminal, which the front door's log makes redundant, cost a tenth of
    moto's CPU under load (docs/reliability.md)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


def _check_port_free(host: str, port: int) -> None:
    """Raise ``OSError`` for a busy port: werkzeug would print and ``sys.exit(1)`` instead."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


class MotoServer:
    """``MotoServer("127.0.0.1", 0).start()``; ``url`` once started; ``stop()``.

    With ``data_dir``, moto's state is kept there (``persistence.StateKeeper``): call
    ``start()`` restores it before it returns.
    """

    def __init__(self, host: str, port: int, data_dir: Path | None = None) -> None:
        if port:
            _check_port_free(host, port)
        speed_up_moto()
        app: Any = _SerialDynamoDB(DomainDispatcherApplication(create_backend_app))
        self.keeper = StateKeeper(app, data_dir) if data_dir is not None else None
        self._server = make_server(
            host,
            port,
            self.keeper or app,
            threaded=True,
            request_handler=_QuietRequestHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="doorproof-moto", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> int:
        """Serve: from nothing (moto keeps its state in the process, which may hold a previous
        stack's; moto's public reset API), then from what ``data_dir`` kept. Returns how many
        logged requests were replayed (0 without ``data_dir``)."""
        self._thread.start()
        reset = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310
        return self.keeper.restore() if self.keeper is not None else 0

    def snapshot(self) -> None:
        """Write a snapshot now (nothing without ``data_dir``): resources just created are kept
        as they are, since replaying their creation would not make the same KMS key."""
        if self.keeper is not None:
            self.keeper.compact()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        if self.keeper is not None:
            self.keeper.close()


START_TIMEOUT_S = 300.0
"""A restart replays the data directory's log before moto answers (seconds, on a busy
machine more)."""


class MotoProcess:
    """``MotoServer`` in a process of its own: ``start()`` (returns requests replayed), ``url``,
    ``stop()`` (a clean stop: the snapshot is written)."""

    def __init__(self, host: str, port: int, data_dir: Path | None = None) -> None:
        if port:
            _check_port_free(host, port)
        self._where = (host, port, data_dir)
        self._conn: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self.url = ""

    def start(self) -> int:
        parent, child = multiprocessing.get_context("spawn").Pipe()
        context = multiprocessing.get_context("spawn")
        self._process = context.Process(
            target=_serve, args=(child, *self._where), name="doorproof-moto", daemon=True
        )
        self._process.start()
        child.close()
        self._conn = parent
        if not parent.poll(START_TIMEOUT_S):
            raise OSError(f"moto did not start within {START_TIMEOUT_S:.0f} s")
        answer = parent.recv()
        if answer[0] == "error":
            raise OSError(answer[1])
        _, self.url, replayed = answer
        return int(replayed)

    def snapshot(self) -> None:
        """``MotoServer.snapshot`` in moto's process; returns once it is written."""
        if self._conn is not None:
            self._conn.send("snapshot")
            if not self._conn.poll(START_TIMEOUT_S) or self._conn.recv() != "snapshot written":
                raise OSError("moto did not write its snapshot")

    def stop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send("stop")
                self._conn.poll(START_TIMEOUT_S)  # the snapshot is written, then it answers
            except (BrokenPipeError, EOFError, OSError):
                pass
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.kill()
            self._process = None


def _serve(conn: Connection, host: str, port: int, data_dir: Path | None) -> None:
    """In moto's process: serve until told to stop, or until the stack's process is gone.
    Ctrl-C reaches every process of the terminal: the stack's process decides, and stops this
    one with a snapshot."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server = MotoServer(host, port, data_dir)
        replayed = server.start()
    except OSError as exc:
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", server.url, replayed))
    try:
        while conn.recv() == "snapshot":
            server.snapshot()
            conn.send("snapshot written")
    except (EOFError, OSError):  # the stack was killed: so is moto, with nothing written
        os._exit(0)
    server.stop()
    conn.send("stopped")
