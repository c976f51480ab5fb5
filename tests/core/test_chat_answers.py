"""Non-streamed chat: LM Studio's `chat.completion` bodies become one normalised `ChatResult`."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    ChatRequest,
    InvalidResponseError,
    LMStudioClient,
    Usage,
)
from lmstudio_core.accumulate import parse_chat_completion
from lmstudio_core.results import ChatResult
from lmstudio_core.testing import FakeLMStudio
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    CHAT,
    CHAT_COMPLETION,
    OSLO_QUESTION,
    V0_STATS,
    answer_with,
)
from tests.support.httpserver_answers import sent_bodies


def test_plain_lm_studio_answer() -> None:
    result = parse_chat_completion(CHAT_COMPLETION)
    assert result.content == "Paris is the capital of France."
    assert result.reasoning is None
    assert result.tool_calls == []
    assert result.finish_reason == "stop"
    assert result.id == "chatcmpl-3k9x0example"
    assert result.model == "qwen/qwen3-4b-2507"
    assert result.usage == Usage(
        prompt_tokens=24, completion_tokens=9, total_tokens=33, reasoning_tokens=0
    )
    assert result.stats is None  # LM Studio's empty "stats": {} on /v1
    assert result.raw == CHAT_COMPLETION


@pytest.mark.parametrize("content", [None, ""])
def test_null_or_empty_content(content: str | None) -> None:
    assert parse_chat_completion(answer_with(content=content)).content == ""


def test_stats_and_timings() -> None:
    body = copy.deepcopy(CHAT_COMPLETION)
    body["stats"] = V0_STATS
    result = parse_chat_completion(body)
    assert result.stats == V0_STATS
    assert result.tokens_per_second == 51.4
    body["stats"] = {}
    body["timings"] = {"predicted_per_second": 5813.9}
    assert parse_chat_completion(body).tokens_per_second == 5813.9
    del body["timings"]
    assert parse_chat_completion(body).tokens_per_second is None


def test_content_parts_are_joined() -> None:
    body = answer_with(content=[{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])
    assert parse_chat_completion(body).content == "ab"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "text",
        [],
        {"error": "x"},
        {"choices": "nope"},
        {"choices": []},
        {"choices": [3]},
        {"choices": [{"message": "text"}]},
    ],
)
def test_not_a_completion(body: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_chat_completion(body)


def test_usage_from_wire() -> None:
    assert Usage.from_wire(None) is None
    assert Usage.from_wire("x") is None
    usage = Usage.from_wire({"prompt_tokens": 3, "completion_tokens": 4})
    assert usage == Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7)
    odd = Usage.from_wire({"prompt_tokens": "3", "completion_tokens": True})
    assert odd == Usage()


def test_chat_result_defaults() -> None:
    result = ChatResult()
    assert (result.content, result.reasoning, result.tool_calls, result.usage) == (
        "",
        None,
        [],
        None,
    )


async def test_plain_answer_and_request_body(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_json(CHAT_COMPLETION)
    result = await make_api().call(
        "chat",
        USER,
        model="qwen/qwen3-4b-2507",
        temperature=0,
        top_k=40,
        ttl=600,
        cache_prompt=True,
    )
    assert result.content == "Paris is the capital of France."
    assert result.tool_calls == []
    assert result.usage.total_tokens == 33
    (body,) = sent_bodies(httpserver)
    assert body == {
        "model": "qwen/qwen3-4b-2507",
        "messages": USER,
        "temperature": 0,
        "top_k": 40,
        "ttl": 600,
        "cache_prompt": True,
    }


async def test_chat_request_object(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_json(CHAT_COMPLETION)
    request = ChatRequest.create(messages=USER, model="m", mirostat=2)
    await make_api().call("chat", request, max_tokens=5)
    (body,) = sent_bodies(httpserver)
    assert (body["model"], body["mirostat"], body["max_tokens"]) == ("m", 2, 5)


async def test_stats_in_a_response(httpserver: HTTPServer, make_api: MakeApi) -> None:
    body = copy.deepcopy(CHAT_COMPLETION)
    body["stats"] = {**V0_STATS, "draft_model": "d", "accepted_draft_tokens_count": 7}
    httpserver.expect_request(CHAT).respond_with_json(body)
    result = await make_api().call("chat", USER, model="m")
    assert result.stats["stop_reason"] == "eosFound"
    assert result.stats["accepted_draft_tokens_count"] == 7
    assert result.tokens_per_second == 51.4


def test_text(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("Sunny and mild.", usage={"prompt_tokens": 12})
    result = client.chat(OSLO_QUESTION, model="fake-llm", temperature=0.2)
    assert result.content == "Sunny and mild."
    assert result.finish_reason == "stop"
    assert result.tool_calls == []
    assert result.reasoning is None
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (12, 3)
    assert fake_lmstudio.last_request.json["temperature"] == 0.2


def test_model_defaults_to_the_loaded_llm(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    client.chat(OSLO_QUESTION)
    assert fake_lmstudio.last_request.json["model"] == "fake-llm"
