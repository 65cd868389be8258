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
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
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
    ``restore()`` after ``start()`` and before any client does anything.
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
            request_handler=MotoRequestHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="doorproof-moto", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def restore(self) -> int:
        """Load the kept state (requests replayed; 0 without ``data_dir``)."""
        return self.keeper.restore() if self.keeper is not None else 0

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        if self.keeper is not None:
            self.keeper.close()
