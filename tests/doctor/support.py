"""Helpers of the doctor tests (not collected): servers that are not LM Studio, verdicts."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lmstudio_core.doctor import DoctorReport

PAGE = b"<!doctype html><html><head><title>Router admin</title></head><body>Hi</body></html>"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class _PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def html_server() -> Iterator[str]:
    """A web server on 127.0.0.1 answering every GET with an HTML page; yields its root URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class StallingServer:
    """Accepts TCP connections on 127.0.0.1 and never answers (a TLS handshake stalls)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.accepted.append(conn)


@contextmanager
def stalling_server() -> Iterator[StallingServer]:
    """A `StallingServer`; ``len(server.accepted)`` counts the connections made to it."""
    server = StallingServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.listener.close()
        for conn in server.accepted:
            conn.close()
        server.thread.join(timeout=5)


def verdicts(report: DoctorReport) -> dict[str, str]:
    """``{check name: verdict}``."""
    return {check.name: check.verdict for check in report.checks}


SERVER_CHECKS = ("auth", "api", "models", "chat", "stream", "tools", "json", "embeddings")
"""The checks that need an answering server (all but ``server`` and ``versions``)."""
