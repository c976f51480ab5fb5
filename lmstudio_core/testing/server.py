"""HTTP plumbing of the fake server: a stdlib threaded server on loopback that writes `Answer`s.

It knows nothing about LM Studio: every request is handed to an ``app`` callable as
``(method, path, headers, body bytes)`` and the returned `Answer` is written back, as JSON
with a ``Content-Length`` or as server-sent events with chunked transfer encoding (so the
connection stays usable for the next request, as with LM Studio).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lmstudio_core.testing.replies import Answer, sse_event

__all__ = ["App", "BackgroundServer", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake server received."""

    method: str
    """HTTP method."""
    path: str
    """Path including any query string, e.g. ``/v1/chat/completions``."""
    headers: dict[str, str]
    """Headers, names lower-cased."""
    json: Any
    """Decoded JSON body; ``None`` without a body; the raw text when it was not JSON."""


App = Callable[[str, str, dict[str, str], bytes], Answer]
"""``(method, path, headers, body) -> Answer``."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeLMStudio/1.0"
    timeout = 30
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        answer = self.server.app(self.command, self.path, headers, body)
        try:
            if answer.events is None:
                self._write_json(answer)
            else:
                self._write_events(answer)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def _write_json(self, answer: Answer) -> None:
        payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _write_events(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in answer.events or ():
            piece = sse_event(event).encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: App, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Close kept-alive connections, so nothing is served after `BackgroundServer.stop`."""
        with self._open_lock:
            connections, self._open = self._open, set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class BackgroundServer:
    """Runs an `App` on ``127.0.0.1`` (``port``, or a free port) in a daemon thread."""

    def __init__(self, app: App, port: int = 0) -> None:
        self._app = app
        self._want_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The port the server listens on (only while running)."""
        if self._server is None:
            raise RuntimeError("the fake LM Studio server is not running; call start() first")
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Bind and start serving; does nothing if already running."""
        if self._server is not None:
            return
        self._server = _Server(self._app, self._want_port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-lmstudio-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port; does nothing if not running."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
