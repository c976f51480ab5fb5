"""Chat and streaming through the core against the real llama.cpp server."""

from __future__ import annotations

import pytest

from tests.integration.core_support import QUESTION, async_client, client
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration


def test_chat(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        result = lm.chat(QUESTION, model=llama_server.model, temperature=0, max_tokens=32)
    assert result.finish_reason in ("stop", "length")
    assert result.model == llama_server.model
    assert result.id
    assert result.usage is not None
    assert result.usage.prompt_tokens > 0
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens
    assert result.timings is not None
    assert result.tokens_per_second is not None
    assert result.tool_calls == []
    assert result.raw is not None


def test_chat_is_reproducible_at_temperature_zero(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        first = lm.chat(QUESTION, temperature=0, max_tokens=16, seed=1)
        second = lm.chat(QUESTION, temperature=0, max_tokens=16, seed=1)
    assert first.content == second.content


def test_extra_llama_cpp_fields_are_accepted(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        result = lm.chat(
            QUESTION,
            max_tokens=8,
            ignore_eos=True,
            cache_prompt=True,
            mirostat=0,
            top_k=40,
            min_p=0.05,
        )
    assert result.finish_reason == "length"
    assert result.usage is not None
    assert result.usage.completion_tokens == 8


def test_stream_with_usage(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        stream = lm.chat_stream(QUESTION, temperature=0, max_tokens=24)
        deltas = list(stream)
        result = stream.result()
        whole = lm.chat(QUESTION, temperature=0, max_tokens=24)
    assert len(deltas) >= 2
    assert "".join(d.content for d in deltas) == result.content
    assert result.content == whole.content
    assert deltas[-1].usage is not None
    assert result.usage is not None
    assert result.usage.completion_tokens == whole.usage.completion_tokens  # type: ignore[union-attr]
    assert result.finish_reason in ("stop", "length")


def test_twenty_sequential_streams_on_one_client(llama_server: RunningServer) -> None:
    # llama-server closes the TCP connection after every stream; the pool must cope.
    with client(llama_server) as lm:
        results = []
        for _ in range(20):
            with lm.chat_stream(QUESTION, max_tokens=8) as stream:
                for _delta in stream:
                    pass
            results.append(stream.result())
        after = lm.chat(QUESTION, max_tokens=4)
    assert all(r.finish_reason in ("stop", "length") for r in results)
    assert all(r.usage is not None for r in results)
    assert after.usage is not None


async def test_async_chat(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as lm:
        result = await lm.chat(QUESTION, temperature=0, max_tokens=16)
    with client(llama_server) as lm_sync:
        expected = lm_sync.chat(QUESTION, temperature=0, max_tokens=16)
    assert result.content == expected.content
    assert result.usage is not None


async def test_async_stream(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as lm:
        for _ in range(3):
            stream = lm.chat_stream(QUESTION, temperature=0, max_tokens=16)
            deltas = [delta async for delta in stream]
            result = stream.result()
            assert "".join(d.content for d in deltas) == result.content
            assert result.usage is not None
            assert result.finish_reason in ("stop", "length")
