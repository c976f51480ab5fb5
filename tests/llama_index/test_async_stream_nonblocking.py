"""`astream_chat` is an async generator over the HTTP stream: the event loop keeps running."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

from llama_index.core.base.llms.types import ChatMessage
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lmstudio_core.testing.replies import sse_event
from tests.llama_index.lmstudio_answers import chunk, make_llm

CHUNKS = 5


def _slow_stream(request: Request) -> Response:
    def body() -> Iterator[bytes]:
        for i in range(CHUNKS):
            yield sse_event(chunk({"content": f"w{i} "})).encode()
            time.sleep(0.1)
        yield (sse_event(chunk({}, "stop")) + sse_event("[DONE]")).encode()

    return Response(body(), mimetype="text/event-stream")


class _Ticker:
    """Another task that counts 10 ms ticks while the test awaits the stream."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.ticks += 1

    async def __aenter__(self) -> _Ticker:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_astream_chat_lets_other_tasks_run_between_chunks(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(_slow_stream)
    llm = make_llm(httpserver)
    seen: list[int] = []
    deltas: list[str] = []
    async with _Ticker() as ticker:
        async for response in await llm.astream_chat([ChatMessage(role="user", content="hi")]):
            if response.delta:
                seen.append(ticker.ticks)
                deltas.append(response.delta)
    assert deltas == [f"w{i} " for i in range(CHUNKS)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(seen)]
    assert len(gaps) == CHUNKS - 1
    # The ticker ran many times while each chunk was on its way: nothing blocked the loop.
    assert all(gap >= 3 for gap in gaps), gaps


async def test_astream_complete_is_async_too(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(_slow_stream)
    llm = make_llm(httpserver)
    seen: list[int] = []
    async with _Ticker() as ticker:
        async for response in await llm.astream_complete("hi"):
            if response.delta:
                seen.append(ticker.ticks)
    assert len(seen) == CHUNKS
    assert seen[-1] - seen[0] >= 3 * (CHUNKS - 1)
