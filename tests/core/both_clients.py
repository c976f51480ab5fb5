"""Both core clients behind one awaitable facade, so a wire test proves sync/async parity.

The ``kind`` and ``make_api`` fixtures (tests/core/conftest.py) build an `Api` pointed at
pytest-httpserver; tests.support.httpserver_answers
reads what that server received.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
