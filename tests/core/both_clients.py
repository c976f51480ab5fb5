"""Both core clients behind one awaitable facade, so a wire test proves sync/async parity.

The ``kind`` and ``make_api`` fixtures (tests/core/conftest.py) build an `Api` pointed at
pytest-httpserver; the helpers below read what that server received.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pytest_httpserver import HTTPServer

from lmstudio_core import AsyncLMStudioClient, ChatDelta, ChatResult, LMStudioClient

USER = [{"role": "user", "content": "hi"}]


class Api:
    """Drives an `LMStudioClient` or an `AsyncLMStudioClient` through the same awaitables."""

    def __init__(self, kind: str, client: LMStudioClient | AsyncLMStudioClient) -> None:
        self.kind = kind
        self.client = client

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a client method; await it when the client is async."""
        result = getattr(self.client, method)(*args, **kwargs)
        if self.kind == "async":
            result = await result
        return result

    async def stream(
        self, messages: Any = USER, **options: Any
    ) -> tuple[list[ChatDelta], ChatResult]:
        """Iterate a chat stream to the end; return the deltas and the accumulated result."""
        deltas: list[ChatDelta] = []
        if isinstance(self.client, LMStudioClient):
            with self.client.chat_stream(messages, **options) as stream:
                deltas.extend(stream)
            return deltas, stream.result()
        async with self.client.chat_stream(messages, **options) as astream:
            async for delta in astream:
                deltas.append(delta)
        return deltas, astream.result()

    async def answer(self, stream: bool, messages: Any = USER, **options: Any) -> ChatResult:
        """The result of ``chat`` or of a whole ``chat_stream``."""
        if stream:
            return (await self.stream(messages, **options))[1]
        return await self.call("chat", messages, **options)  # type: ignore[no-any-return]

    async def close(self) -> None:
        """Close the client."""
        if isinstance(self.client, LMStudioClient):
            self.client.close()
        else:
            await self.client.aclose()


MakeApi = Callable[..., Api]


def sse(*events: Any, done: bool = True) -> str:
    """An SSE body: one ``data:`` line per event (dicts are JSON-encoded), then ``[DONE]``."""
    lines = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines)


def sent_bodies(httpserver: HTTPServer, path: str = "/v1/chat/completions") -> list[Any]:
    """JSON bodies the server received on ``path``, in order."""
    return [request.get_json() for request, _ in httpserver.log if request.path == path]


def paths(httpserver: HTTPServer) -> list[str]:
    """``METHOD path`` of every request the server received, in order."""
    return [f"{request.method} {request.path}" for request, _ in httpserver.log]
