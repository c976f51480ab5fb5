"""LM Studio's answer shapes, streamed and not, reach ChatResult/ChatDelta normalised."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import ChatRequest
from tests.protocol.conftest import USER, MakeApi, sent_bodies, sse
from tests.unit.lmstudio_bodies import (
    CHAT_COMPLETION,
    TOOL_CALL_COMPLETION,
    V0_STATS,
    chunk,
    usage_chunk,
)

CHAT = "/v1/chat/completions"


def _answer(**message: Any) -> dict[str, Any]:
    body = copy.deepcopy(CHAT_COMPLETION)
    body["choices"][0]["message"] = {"role": "assistant", **message}
    return body


def _stream(httpserver: HTTPServer, body: str) -> None:
    httpserver.expect_request(CHAT, method="POST").respond_with_data(
        body, content_type="text/event-stream"
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


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_non_stream(httpserver: HTTPServer, make_api: MakeApi, field: str) -> None:
    httpserver.expect_request(CHAT).respond_with_json(_answer(content="42", **{field: "I think"}))
    result = await make_api().call("chat", USER, model="m")
    assert (result.content, result.reasoning) == ("42", "I think")


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_stream(httpserver: HTTPServer, make_api: MakeApi, field: str) -> None:
    _stream(
        httpserver,
        sse(
            chunk({"role": "assistant", field: "I "}),
            chunk({field: "think"}),
            chunk({"content": "42"}),
            chunk({}, "stop"),
            usage_chunk(),
        ),
    )
    deltas, result = await make_api().stream(model="m")
    assert "".join(d.reasoning for d in deltas) == "I think"
    assert (result.content, result.reasoning) == ("42", "I think")


async def test_think_tags_stream(httpserver: HTTPServer, make_api: MakeApi) -> None:
    _stream(
        httpserver,
        sse(
            chunk({"content": "<thi"}),
            chunk({"content": "nk>plan</th"}),
            chunk({"content": "ink>ok"}),
            chunk({}, "stop"),
        ),
    )
    deltas, result = await make_api().stream(model="m")
    assert "".join(d.content for d in deltas) == "ok"
    assert (result.content, result.reasoning) == ("ok", "plan")


async def test_empty_tool_calls_list(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT).respond_with_json(_answer(content="hi", tool_calls=[]))
    result = await make_api().call("chat", USER, model="m")
    assert result.tool_calls == []
    assert result.finish_reason == "stop"


async def test_tool_call_answer(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT).respond_with_json(TOOL_CALL_COMPLETION)
    result = await make_api().call("chat", USER, model="m")
    assert result.tool_calls[0].name == "search_products"
    assert result.tool_calls[0].parsed_arguments()[0] == {"query": "usb hub", "max_price": 30}


async def test_streamed_tool_call_and_usage_chunk(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    first = {"index": 0, "id": "730116245", "type": "function"}
    _stream(
        httpserver,
        sse(
            chunk(
                {"tool_calls": [{**first, "function": {"name": "get_weather", "arguments": ""}}]}
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}),
            chunk({}, "tool_calls"),
            usage_chunk(250, 31),
        ),
    )
    deltas, result = await make_api().stream(model="m")
    assert deltas[-1].usage is not None
    assert deltas[-1].usage.total_tokens == 281
    assert result.usage.prompt_tokens == 250
    assert result.finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert (call.id, call.name, call.arguments) == ("730116245", "get_weather", '{"city":"Oslo"}')
    (body,) = sent_bodies(httpserver)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_stream_without_usage_is_fine(httpserver: HTTPServer, make_api: MakeApi) -> None:
    _stream(httpserver, sse(chunk({"content": "a"}), chunk({}, "stop")))
    _, result = await make_api().stream(model="m")
    assert result.content == "a"
    assert result.usage is None


async def test_stream_answered_with_one_json_completion(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(_answer(content="<think>r</think>whole <"))
    deltas, result = await make_api().stream(model="m")
    assert "".join(d.content for d in deltas) == "whole <"
    assert (result.content, result.reasoning) == ("whole <", "r")
    assert result.usage.total_tokens == 33
    assert result.finish_reason == "stop"


async def test_stream_with_crlf_and_keep_alives(httpserver: HTTPServer, make_api: MakeApi) -> None:
    body = sse(chunk({"content": "a"}), chunk({"content": "b"}), chunk({}, "stop"))
    body = ": ping\n\n" + body.replace("\n", "\r\n")
    _stream(httpserver, body)
    deltas, result = await make_api().stream(model="m")
    assert [d.content for d in deltas] == ["a", "b", ""]
    assert result.content == "ab"


async def test_embeddings_batches_in_order(httpserver: HTTPServer, make_api: MakeApi) -> None:
    def answer(request: Any) -> Any:
        from werkzeug import Response

        texts = request.get_json()["input"]
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), float(i)]}
            for i, t in reversed(list(enumerate(texts)))
        ]
        body = {"object": "list", "data": data, "model": "nomic@q4", "usage": {"prompt_tokens": 2}}
        import json

        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/v1/embeddings", method="POST").respond_with_handler(answer)
    result = await make_api().call("embed", ["a", "bb", "ccc"], "nomic", batch_size=2)
    assert result.vectors == [[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]
    assert result.model == "nomic@q4"
    assert result.usage.prompt_tokens == 4
    bodies = sent_bodies(httpserver, "/v1/embeddings")
    assert bodies == [
        {"model": "nomic", "input": ["a", "bb"], "encoding_format": "float"},
        {"model": "nomic", "input": ["ccc"], "encoding_format": "float"},
    ]
