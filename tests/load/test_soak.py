"""Soak: 200 streamed requests from 16 concurrent async clients against the real llama.cpp server.

Every answer must be complete (finish reason, usage), and afterwards no connection or file
descriptor may be left open. Bounded: a fixed number of requests and a hard outer deadline.
"""

from __future__ import annotations

import asyncio
import gc
import os
from typing import Any

import pytest

from lmstudio_core import AsyncLMStudioClient, ChatResult

pytestmark = pytest.mark.integration

REQUESTS = 200
CLIENTS = 16
MAX_TOKENS = 8
DEADLINE = 120.0
FD_SLACK = 4


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _worker(
    base_url: str, model: str, jobs: asyncio.Queue[int], results: list[tuple[int, ChatResult]]
) -> None:
    async with AsyncLMStudioClient(base_url=base_url, timeout=30, max_retries=2) as client:
        while True:
            try:
                number = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            messages = [{"role": "user", "content": f"Request {number}: say something."}]
            stream = client.chat_stream(messages, model=model, max_tokens=MAX_TOKENS, seed=number)
            pieces = [delta.content async for delta in stream if delta.content]
            result = stream.result()
            assert result.content == "".join(pieces)
            results.append((number, result))


async def _soak(base_url: str, model: str, requests: int) -> list[tuple[int, ChatResult]]:
    jobs: asyncio.Queue[int] = asyncio.Queue()
    for number in range(requests):
        jobs.put_nowait(number)
    results: list[tuple[int, ChatResult]] = []
    workers = [_worker(base_url, model, jobs, results) for _ in range(CLIENTS)]
    await asyncio.wait_for(asyncio.gather(*workers), DEADLINE)
    return results


def test_soak_200_streams_16_clients_no_leaks(llama_server: Any) -> None:
    asyncio.run(_soak(llama_server.base_url, llama_server.model, CLIENTS))  # warm-up (imports)
    gc.collect()
    before = _open_fds()
    results = asyncio.run(_soak(llama_server.base_url, llama_server.model, REQUESTS))
    gc.collect()
    after = _open_fds()

    assert sorted(number for number, _ in results) == list(range(REQUESTS))
    for number, result in results:
        assert result.finish_reason in ("stop", "length"), (number, result)
        assert result.usage is not None, number
        assert 1 <= result.usage.completion_tokens <= MAX_TOKENS, (number, result.usage)
        assert result.usage.prompt_tokens > 0, number
        assert result.usage.total_tokens == (
            result.usage.prompt_tokens + result.usage.completion_tokens
        )
    assert after <= before + FD_SLACK, f"file descriptors: {before} before, {after} after"
