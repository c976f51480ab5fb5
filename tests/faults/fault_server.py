"""A raw-socket HTTP/1.1 fault server on 127.0.0.1 for fault-injection tests.

It answers each request with a *script*: a function that writes whatever bytes it likes to the
socket (a good answer, a broken one, nothing at all, a TCP reset). Scripts are picked by the
request's position (the last one repeats), and every request is recorded so tests can assert
exact request counts. Every loop is bounded in count and in time: stopping the server wakes
every stalled script, and no connection thread lives longer than ``MAX_CONNECTION_SECONDS``.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lmstudio_core.testing.replies import ChatBodies, sse_event

__all__ = [
    "Conn",
    "FaultServer",
    "Seen",
    "chat_completion",
    "closed_port_url",
    "cut_reply",
    "slow_reply",
    "fault_server",
    "raw",
    "reply",
    "reset",
    "sse",
    "sse_pieces",
    "stall",
]

MAX_CONNECTION_SECONDS = 30.0
MAX_REQUEST_BYTES = 4 * 1024 * 1024
_POLL = 0.01


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    connection: int

    def json(self) -> Any:
        """The request body decoded as JSON."""
        return json.loads(self.body)


class Conn:
    """What a script writes with: one accepted socket plus the server's stop signal."""

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock = sock
        self.stop = stop
        self.closed = False

    def send(self, data: bytes) -> bool:
        """Write bytes; ``False`` when the peer is gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def chunk(self, data: bytes) -> bool:
        """Write one HTTP/1.1 chunk (chunked transfer encoding)."""
        return self.send(b"%x\r\n%s\r\n" % (len(data), data)) if data else True

    def pause(self, seconds: float) -> bool:
        """Wait up to ``seconds``; returns ``False`` early when the server is stopping."""
        return not self.stop.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0)."""
        if self.closed:
            return
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        """Close the connection (a clean FIN)."""
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass


Script = Callable[[Conn, Seen], bool]
"""Writes the answer to one request; returns True to keep the connection for the next one."""


def _head(status: int, headers: dict[str, str]) -> bytes:
    reason = {200: "OK", 307: "Temporary Redirect", 401: "Unauthorized", 403: "Forbidden"}.get(
        status, "Status"
    )
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _encode(body: bytes | str | dict[str, Any] | list[Any]) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/json"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


def reply(
    status: int = 200,
    body: bytes | str | dict[str, Any] | list[Any] = b"",
    headers: dict[str, str] | None = None,
    *,
    close: bool = False,
) -> Script:
    """A complete answer with a Content-Length; keeps the connection unless ``close``."""
    data, content_type = _encode(body)

    def script(conn: Conn, seen: Seen) -> bool:
        head = {"Content-Type": content_type, "Content-Length": str(len(data)), **(headers or {})}
        if close:
            head["Connection"] = "close"
        conn.send(_head(status, head) + data)
        return not close

    return script


BODIES = ChatBodies(
    model="m",
    completion_id="chatcmpl-fault",
    usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
)
"""The answers of the fault server (built by ``lmstudio_core.testing.replies``)."""


def chat_completion(content: str = "hello", *, finish_reason: str = "stop") -> dict[str, Any]:
    """A non-streamed chat completion whose answer is ``content``."""
    return BODIES.completion({"content": content}, finish_reason=finish_reason)


def content_chunk(text: str) -> dict[str, Any]:
    """One streamed chunk carrying ``text``."""
    return BODIES.chunk({"content": text})


FINISH_CHUNK: dict[str, Any] = BODIES.chunk({}, "stop")
USAGE_CHUNK: dict[str, Any] = BODIES.usage_chunk()


def _event(item: bytes | str | dict[str, Any]) -> bytes:
    return item if isinstance(item, bytes) else sse_event(item).encode()


def sse_pieces(
    pieces: Sequence[bytes],
    *,
    then: str = "end",
    delay: float = 0.0,
    gap: float = 0.002,
    close_after: bool = True,
    linger: float = 0.0,
) -> Script:
    """Stream raw byte pieces, each as its own HTTP chunk (and its own TCP write).

    Args:
        pieces: the body, cut where the test wants it cut.
        then: after the pieces: ``end`` (terminate the chunked body), ``reset`` (TCP RST),
            ``eof`` (close without the terminating chunk), ``stall`` (stop writing; wait
            until the server stops).
        delay: seconds between pieces.
        gap: a short pause after each write so that pieces tend to arrive as separate reads.
        close_after: close the socket after ``end`` (as llama-server does after a stream).
        linger: seconds to wait before that close (a next request sent meanwhile is dropped:
            the worst case of the race a client has with a server closing after each stream).
    """

    def script(conn: Conn, seen: Seen) -> bool:
        conn.send(
            _head(
                200,
                {
                    "Content-Type": "text/event-stream",
                    "Cache-Control": "no-cache",
                    "Transfer-Encoding": "chunked",
                },
            )
        )
        for piece in pieces:
            if delay and not conn.pause(delay):
                return False
            if not conn.chunk(piece):
                return False
            if gap:
                time.sleep(gap)
        if then == "reset":
            conn.reset()
            return False
        if then == "eof":
            conn.close()
            return False
        if then == "stall":
            conn.pause(MAX_CONNECTION_SECONDS)
            return False
        conn.send(b"0\r\n\r\n")
        if close_after and linger:
            conn.pause(linger)
        return not close_after

    return script


def sse(
    *events: bytes | str | dict[str, Any],
    finish: bool = True,
    done: bool = True,
    then: str = "end",
    delay: float = 0.0,
    gap: float = 0.002,
    close_after: bool = True,
    linger: float = 0.0,
) -> Script:
    """An SSE chat stream: ``events`` (strings become content chunks unless they are raw
    ``data:`` payloads given as bytes), then a finish chunk, usage and ``[DONE]``.
    """
    body = [_event(content_chunk(e)) if isinstance(e, str) else _event(e) for e in events]
    if finish:
        body += [_event(FINISH_CHUNK), _event(USAGE_CHUNK)]
    if done:
        body.append(_event("[DONE]"))
    return sse_pieces(body, then=then, delay=delay, gap=gap, close_after=close_after, linger=linger)


def reset() -> Script:
    """Read the request, then abort the connection with a TCP RST before any answer."""

    def script(conn: Conn, seen: Seen) -> bool:
        conn.reset()
        return False

    return script


def stall() -> Script:
    """Read the request and never answer (until the server stops)."""

    def script(conn: Conn, seen: Seen) -> bool:
        conn.pause(MAX_CONNECTION_SECONDS)
        return False

    return script


def raw(data: bytes, *, close: bool = True) -> Script:
    """Write these exact bytes, then close."""

    def script(conn: Conn, seen: Seen) -> bool:
        conn.send(data)
        if close:
            conn.close()
        return not close

    return script


@dataclass
class FaultServer:
    """The server: ``scripts[i]`` answers request ``i`` (the last script repeats)."""

    scripts: Sequence[Script]
    tls: ssl.SSLContext | None = None
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0
    tls_failures: int = 0

    def __post_init__(self) -> None:
        if not self.scripts:
            raise ValueError("give at least one script")
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(_POLL)
        self.port = self._listener.getsockname()[1]

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https`` when serving TLS)."""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` (``https`` when serving TLS)."""
        return self.root_url + "/v1"

    def count(self, path_suffix: str = "") -> int:
        """Requests received whose path ends with ``path_suffix``."""
        with self._lock:
            return sum(1 for r in self.requests if r.path.endswith(path_suffix))

    def start(self) -> FaultServer:
        """Start accepting in a background thread."""
        thread = threading.Thread(target=self._accept_loop, name="fault-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop, wake every script and close every socket; bounded."""
        self._stop.set()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            try:
                sock.close()
            except OSError:
                pass
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                number = self.connections
                self._socks.append(sock)
            thread = threading.Thread(
                target=self._serve, args=(sock, number), name="fault-conn", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket, number: int) -> None:
        if self.tls is not None:
            try:
                sock.settimeout(5.0)
                sock = self.tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):
                with self._lock:
                    self.tls_failures += 1
                sock.close()
                return
        conn = Conn(sock, self._stop)
        deadline = time.monotonic() + MAX_CONNECTION_SECONDS
        buffer = b""
        try:
            sock.settimeout(_POLL)
            while not self._stop.is_set() and time.monotonic() < deadline and not conn.closed:
                seen, buffer = self._read_request(sock, buffer, deadline)
                if seen is None:
                    return
                seen.connection = number
                with self._lock:
                    index = len(self.requests)
                    self.requests.append(seen)
                script = self.scripts[min(index, len(self.scripts) - 1)]
                if not script(conn, seen):
                    return
        finally:
            conn.close()

    def _read_request(
        self, sock: socket.socket, buffer: bytes, deadline: float
    ) -> tuple[Seen | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            data = self._recv(sock, deadline)
            if not data:
                return None, b""
            buffer += data
            if len(buffer) > MAX_REQUEST_BYTES:
                return None, b""
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            data = self._recv(sock, deadline)
            if not data:
                return None, b""
            rest += data
        return Seen(method, path, headers, rest[:length], 0), rest[length:]

    def _recv(self, sock: socket.socket, deadline: float) -> bytes:
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                return sock.recv(65536)
            except TimeoutError:
                continue
            except ssl.SSLError:  # TLS 1.3: a client's certificate alert comes after the handshake
                with self._lock:
                    self.tls_failures += 1
                return b""
            except OSError:
                return b""
        return b""


@contextmanager
def fault_server(*scripts: Script, tls: ssl.SSLContext | None = None) -> Iterator[FaultServer]:
    """Run a `FaultServer` (TLS when ``tls`` is given) for the duration of a ``with`` block."""
    server = FaultServer(list(scripts), tls=tls).start()
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    """A base URL on a loopback port where nothing listens (connections are refused)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}/v1"


def slow_reply(body: dict[str, Any], *, pieces: int, delay: float) -> Script:
    """A JSON answer with a Content-Length whose body arrives in ``pieces`` slow writes."""
    data = json.dumps(body).encode()
    size = -(-len(data) // pieces)

    def script(conn: Conn, seen: Seen) -> bool:
        head = {"Content-Type": "application/json", "Content-Length": str(len(data))}
        conn.send(_head(200, head))
        for start in range(0, len(data), size):
            if not conn.pause(delay) or not conn.send(data[start : start + size]):
                return False
        return True

    return script


def cut_reply(body: dict[str, Any], *, then: str) -> Script:
    """Headers promise the whole JSON body; half of it is sent, then ``reset`` or ``stall``."""
    data = json.dumps(body).encode()

    def script(conn: Conn, seen: Seen) -> bool:
        head = {"Content-Type": "application/json", "Content-Length": str(len(data))}
        conn.send(_head(200, head) + data[: len(data) // 2])
        time.sleep(0.01)
        if then == "reset":
            conn.reset()
        else:
            conn.pause(MAX_CONNECTION_SECONDS)
        return False

    return script
