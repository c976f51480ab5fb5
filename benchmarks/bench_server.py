"""A fast loopback fake of LM Studio's OpenAI-compatible API, run in its own process.

Every answer is pre-encoded bytes, so the server costs next to nothing per chunk. The request's
``model`` picks the answer:

- ``bench-<n>``: a stream of ``n`` content chunks (when ``"stream": true``), else one completion;
- ``paced-<n>-<first_ms>-<every_ms>``: a stream whose first chunk comes after ``first_ms`` and
  the others every ``every_ms`` (to see whether a client blocks its event loop).

Each content chunk is its own HTTP chunk (chunked transfer encoding), as a real server sends
them, so the client pays its per-chunk HTTP parsing. ``accepted`` counts TCP connections.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
from multiprocessing.sharedctypes import Synchronized
from typing import Any

MODEL_CATALOG = {
    "models": [
        {
            "key": "bench-model",
            "type": "llm",
            "max_context_length": 4096,
            "loaded_instances": [{"id": "bench-model", "config": {"context_length": 4096}}],
        }
    ]
}
OPENAI_MODELS = {"object": "list", "data": [{"id": "bench-model", "object": "model"}]}
TOKEN = " tok"


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1731000000,
        "model": model,
        "system_fingerprint": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _usage(n: int) -> dict[str, int]:
    return {"prompt_tokens": 12, "completion_tokens": n, "total_tokens": 12 + n}


def sse_events(model: str, n: int, usage: bool = True) -> list[bytes]:
    """The SSE events of an ``n``-chunk answer, LM Studio style, ending in ``[DONE]``.

    With ``usage`` (the request's ``stream_options.include_usage``) a last chunk with empty
    ``choices`` carries the token counts, as LM Studio sends it.
    """
    events = [_chunk(model, {"role": "assistant", "content": TOKEN}, None) for _ in range(n)]
    events.append(_chunk(model, {"role": "assistant", "content": ""}, "stop"))
    if usage:
        tail = _chunk(model, {}, None)
        tail["choices"] = []
        tail["usage"] = _usage(n)
        events.append(tail)
    out = [b"data: " + json.dumps(e, separators=(",", ":")).encode() + b"\n\n" for e in events]
    out.append(b"data: [DONE]\n\n")
    return out


def http_chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk of chunked transfer encoding."""
    return b"%x\r\n%s\r\n" % (len(data), data)


STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)
LAST_CHUNK = b"0\r\n\r\n"


def json_response(body: Any, status: str = "200 OK") -> bytes:
    """A complete keep-alive JSON response."""
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}"
    return head.encode() + b"\r\n\r\n" + data


def completion(model: str) -> dict[str, Any]:
    """A non-streamed chat completion body."""
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1731000000,
        "model": model,
        "system_fingerprint": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello there, how can I help?"},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(8),
    }


class _Answers:
    """Pre-encoded answers, built once per model name."""

    def __init__(self) -> None:
        self._streams: dict[tuple[str, bool], bytes] = {}
        self._events: dict[tuple[str, bool], list[bytes]] = {}
        self._completions: dict[str, bytes] = {}
        self.models = json_response(MODEL_CATALOG)
        self.openai_models = json_response(OPENAI_MODELS)
        self.not_found = json_response({"error": "not found"}, "404 Not Found")

    def stream(self, model: str, usage: bool) -> bytes:
        data = self._streams.get((model, usage))
        if data is None:
            n = int(model.split("-")[1]) if model[6:].isdigit() else 10
            events = sse_events(model, n, usage)
            data = STREAM_HEAD + b"".join(http_chunk(e) for e in events) + LAST_CHUNK
            self._streams[model, usage] = data
        return data

    def paced_events(self, model: str, usage: bool) -> list[bytes]:
        events = self._events.get((model, usage))
        if events is None:
            n = int(model.split("-")[1])
            events = [http_chunk(e) for e in sse_events(model, n, usage)]
            self._events[model, usage] = events
        return events

    def completion(self, model: str) -> bytes:
        data = self._completions.get(model)
        if data is None:
            data = self._completions[model] = json_response(completion(model))
        return data


class _Connection(asyncio.Protocol):
    def __init__(self, answers: _Answers, accepted: Synchronized[int]) -> None:
        self.answers = answers
        self.accepted = accepted
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.accepted.get_lock():
            self.accepted.value += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._handle()

    def _handle(self) -> None:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path = head.split(" ", 2)[:2]
            if self._answer(method, path, body):
                return

    def _answer(self, method: str, path: str, body: bytes) -> bool:
        """Write the answer; True when it is paced (then the rest waits for it)."""
        assert self.transport is not None
        answers = self.answers
        if method == "POST" and path.endswith("/chat/completions"):
            request = json.loads(body)
            model = str(request.get("model") or "bench-10")
            options = request.get("stream_options")
            usage = isinstance(options, dict) and bool(options.get("include_usage"))
            if not request.get("stream"):
                self.transport.write(answers.completion(model))
            elif model.startswith("paced-"):
                self.busy = True
                asyncio.get_running_loop().create_task(self._paced(model, usage))
                return True
            else:
                self.transport.write(answers.stream(model, usage))
        elif method == "GET" and path.startswith("/api/"):
            self.transport.write(answers.models)
        elif method == "GET" and path.endswith("/models"):
            self.transport.write(answers.openai_models)
        else:
            self.transport.write(answers.not_found)
        return False

    async def _paced(self, model: str, usage: bool) -> None:
        _, _, first_ms, every_ms = model.split("-")
        if not self._write(STREAM_HEAD):
            return
        await asyncio.sleep(int(first_ms) / 1000)
        for event in self.answers.paced_events(model, usage):
            if not self._write(event):
                return
            await asyncio.sleep(int(every_ms) / 1000)
        if self._write(LAST_CHUNK):
            self.busy = False
            self._handle()

    def _write(self, data: bytes) -> bool:
        """Write unless the client went away; False when it did."""
        if self.transport is None or self.transport.is_closing():
            return False
        self.transport.write(data)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def _serve(sock: socket.socket, accepted: Synchronized[int]) -> None:
    async def main() -> None:
        answers = _Answers()
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _Connection(answers, accepted), sock=sock, backlog=512
        )
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class BenchServer:
    """The fake server in a child process; `url` is its ``.../v1`` base URL."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.accepted: Synchronized[int] = ctx.Value("i", 0)  # type: ignore[assignment]
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(512)
        self.port = self._sock.getsockname()[1]
        self.root = f"http://127.0.0.1:{self.port}"
        self.url = self.root + "/v1"
        self._process = ctx.Process(target=_serve, args=(self._sock, self.accepted), daemon=True)

    def __enter__(self) -> BenchServer:
        self._process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join(5)
        self._sock.close()

    def connections(self) -> int:
        """TCP connections accepted so far."""
        return int(self.accepted.value)
