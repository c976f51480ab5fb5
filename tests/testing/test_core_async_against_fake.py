"""The async core client against the shipped fake server (same wire, same results)."""

from __future__ import annotations

import asyncio
import json

import pytest

from lmstudio_core import AsyncLMStudioClient, ContextLengthExceededError, ServerError
from lmstudio_core.testing import CONTEXT_OVERFLOW_ERROR, FakeLMStudio, fake_embedding

USER = [{"role": "user", "content": "Hi"}]
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}


async def test_text_and_stream(aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("one two three", reasoning="hmm", reasoning_field="reasoning")
    fake_lmstudio.reply_text("four five", reasoning="aha", reasoning_field="think")
    first = await aclient.chat(USER)
    assert (first.content, first.reasoning) == ("one two three", "hmm")
    stream = aclient.chat_stream(USER)
    deltas = [d async for d in stream]
    assert "".join(d.content for d in deltas) == "four five"
    result = stream.result()
    assert result.reasoning == "aha"
    assert result.usage is not None


async def test_streamed_tool_call(
    aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_tool_call("get_weather", {"city": "Oslo"})
    stream = aclient.chat_stream(USER, tools=[WEATHER], tool_choice="get_weather")
    async for _ in stream:
        pass
    (call,) = stream.result().tool_calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Oslo"})
    assert fake_lmstudio.last_request.json["tool_choice"] == "required"


async def test_errors(aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(400, CONTEXT_OVERFLOW_ERROR)
    fake_lmstudio.reply_stream_error(1, "boom")
    with pytest.raises(ContextLengthExceededError):
        await aclient.chat(USER)
    stream = aclient.chat_stream(USER)
    with pytest.raises(ServerError, match="boom") as caught:
        _ = [d async for d in stream]
    assert caught.value.partial is not None
    assert caught.value.partial.content == "This answer stops here"


async def test_concurrent_requests_each_take_one_reply(
    aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    for n in range(8):
        fake_lmstudio.reply_text(f"answer {n}")
    results = await asyncio.gather(*(aclient.chat(USER) for _ in range(8)))
    assert sorted(r.content for r in results) == [f"answer {n}" for n in range(8)]
    assert fake_lmstudio.pending_replies == 0


async def test_catalog_lifecycle_and_embeddings(
    aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    assert await aclient.default_model() == "fake-llm"
    await aclient.unload_model("fake-llm")
    loaded = await aclient.load_model("fake-llm", ttl=120)
    assert loaded.status == "loaded"
    assert fake_lmstudio.model("fake-llm").ttl == 120
    result = await aclient.embed(["b", "a"])
    assert result.vectors == [fake_embedding("b"), fake_embedding("a")]
