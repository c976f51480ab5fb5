"""Tool calls in answers.

Streamed fragments merged by index, ids, arguments, parallel and malformed calls.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    AsyncLMStudioClient,
    LMStudioClient,
    parse_tool_arguments,
)
from lmstudio_core.accumulate import parse_chat_completion
from lmstudio_core.results import new_tool_call_id
from lmstudio_core.testing import FakeLMStudio
from lmstudio_core.testing.replies import sse_body
from tests.core.accumulator_runs import accumulate
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    BARE_WEATHER_TOOL,
    CHAT,
    HI,
    OSLO_QUESTION,
    TIME_TOOL,
    TOOL_CALL_COMPLETION,
    WEATHER_TOOL,
    answer_with,
    chunk,
    usage_chunk,
)
from tests.support.httpserver_answers import sent_bodies, serve_stream


def test_tool_calls_merged_by_index() -> None:
    chunks = [
        chunk({"role": "assistant", "content": None}),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "730116245",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
        chunk(
            {
                "tool_calls": [
                    {"index": 1, "id": "2", "function": {"name": "add", "arguments": '{"a":'}},
                    {"index": 0, "id": None, "function": {"name": None, "arguments": '"Oslo"}'}},
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": "1}"}}]}),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    deltas, acc = accumulate(chunks)
    fragments = [tc for d in deltas for tc in d.tool_calls or []]
    assert [(f.index, f.id, f.name) for f in fragments] == [
        (0, "730116245", "get_weather"),
        (0, None, None),
        (1, "2", "add"),
        (0, None, None),
        (1, None, None),
    ]
    result = acc.result()
    assert [(c.index, c.id, c.name, c.arguments) for c in result.tool_calls] == [
        (0, "730116245", "get_weather", '{"city":"Oslo"}'),
        (1, "2", "add", '{"a":1}'),
    ]
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls[0].parsed_arguments() == ({"city": "Oslo"}, None)


def test_empty_tool_call_ids_are_generated_once_per_call() -> None:
    chunks = [
        chunk(
            {"tool_calls": [{"index": 0, "id": "", "function": {"name": "f", "arguments": "{"}}]}
        ),
        chunk({"tool_calls": [{"index": 0, "id": "", "function": {"arguments": "}"}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"name": "g"}}]}),
    ]
    deltas, acc = accumulate(chunks)
    first_id = deltas[0].tool_calls[0].id  # type: ignore[index]
    assert first_id
    assert first_id.startswith("call_")
    result = acc.result()
    assert result.tool_calls[0].id == first_id
    assert result.tool_calls[1].id
    assert result.tool_calls[1].id != first_id
    assert result.tool_calls[0].arguments == "{}"


def test_empty_arguments_mean_empty_object() -> None:
    _, acc = accumulate(
        [chunk({"tool_calls": [{"index": 0, "id": "1", "function": {"name": "ping"}}]})]
    )
    call = acc.result().tool_calls[0]
    assert call.arguments == "{}"
    assert call.parsed_arguments() == ({}, None)


def test_object_arguments_are_serialised() -> None:
    raw = {"index": 0, "id": "1", "function": {"name": "f", "arguments": {"x": [1, 2]}}}
    _, acc = accumulate([chunk({"tool_calls": [raw]})])
    assert json.loads(acc.result().tool_calls[0].arguments) == {"x": [1, 2]}


def test_name_arriving_after_the_first_fragment() -> None:
    chunks = [
        chunk({"tool_calls": [{"index": 0, "id": "1", "function": {"arguments": "{}"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"name": "late"}}]}),
    ]
    deltas, acc = accumulate(chunks)
    assert deltas[1].tool_calls[0].name == "late"  # type: ignore[index]
    assert acc.result().tool_calls[0].name == "late"


def test_empty_tool_calls_list_means_none() -> None:
    deltas, acc = accumulate([chunk({"content": "hi", "tool_calls": []}, "stop")])
    assert deltas[0].tool_calls is None
    assert acc.result().tool_calls == []


def test_tool_call_answer_without_content() -> None:
    result = parse_chat_completion(TOOL_CALL_COMPLETION)
    assert result.content == ""
    assert result.finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert (call.id, call.name, call.index) == ("582730194", "search_products", 0)
    assert call.parsed_arguments() == ({"query": "usb hub", "max_price": 30}, None)


def test_several_tool_calls_empty_id_and_arguments() -> None:
    body = answer_with(
        content="",
        tool_calls=[
            {"id": "", "type": "function", "function": {"name": "a", "arguments": ""}},
            {"id": "9", "type": "function", "function": {"name": "b", "arguments": '{"x":1}'}},
        ],
    )
    result = parse_chat_completion(body)
    first, second = result.tool_calls
    assert first.id.startswith("call_")
    assert first.arguments == "{}"
    assert (second.id, second.index, second.arguments) == ("9", 1, '{"x":1}')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ({}, None)),
        ("  ", ({}, None)),
        ('{"a": 1}', ({"a": 1}, None)),
    ],
)
def test_parse_tool_arguments_ok(text: str, expected: Any) -> None:
    assert parse_tool_arguments(text) == expected


@pytest.mark.parametrize(("text", "reason"), [("{", "not valid JSON"), ("[1]", "JSON object")])
def test_parse_tool_arguments_bad(text: str, reason: str) -> None:
    value, error = parse_tool_arguments(text)
    assert value is None
    assert error is not None
    assert reason in error


def test_new_tool_call_ids_are_unique() -> None:
    ids = {new_tool_call_id() for _ in range(100)}
    assert len(ids) == 100


async def test_empty_tool_calls_list(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT).respond_with_json(answer_with(content="hi", tool_calls=[]))
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
    serve_stream(
        httpserver,
        sse_body(
            chunk(
                {"tool_calls": [{**first, "function": {"name": "get_weather", "arguments": ""}}]}
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}),
            chunk({}, "tool_calls"),
            usage_chunk({"prompt_tokens": 250, "completion_tokens": 31, "total_tokens": 281}),
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


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call(client: LMStudioClient, fake_lmstudio: FakeLMStudio, stream: bool) -> None:
    fake_lmstudio.reply_tool_call("get_weather", {"city": "Oslo"})
    if stream:
        chat_stream = client.chat_stream(OSLO_QUESTION, tools=[WEATHER_TOOL])
        deltas = [d for d in chat_stream if d.tool_calls]
        assert deltas[0].tool_calls is not None
        assert deltas[0].tool_calls[0].name == "get_weather"
        result = chat_stream.result()
    else:
        result = client.chat(OSLO_QUESTION, tools=[WEATHER_TOOL])
    assert result.finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert call.name == "get_weather"
    assert call.id.isdigit()
    assert json.loads(call.arguments) == {"city": "Oslo"}


@pytest.mark.parametrize("stream", [False, True])
def test_parallel_and_malformed_tool_calls(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio, stream: bool
) -> None:
    fake_lmstudio.reply_tool_calls(
        [("get_weather", {"city": "Oslo"}), ("get_time", ""), ("get_weather", '{"city": ')]
    )
    if stream:
        chat_stream = client.chat_stream(OSLO_QUESTION, tools=[WEATHER_TOOL, TIME_TOOL])
        list(chat_stream)
        result = chat_stream.result()
    else:
        result = client.chat(OSLO_QUESTION, tools=[WEATHER_TOOL, TIME_TOOL])
    assert [c.name for c in result.tool_calls] == ["get_weather", "get_time", "get_weather"]
    assert [c.index for c in result.tool_calls] == [0, 1, 2]
    assert parse_tool_arguments(result.tool_calls[1].arguments) == ({}, None)
    parsed, error = parse_tool_arguments(result.tool_calls[2].arguments)
    assert parsed is None
    assert error


async def test_streamed_tool_call(
    aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_tool_call("get_weather", {"city": "Oslo"})
    stream = aclient.chat_stream(HI, tools=[BARE_WEATHER_TOOL], tool_choice="get_weather")
    async for _ in stream:
        pass
    (call,) = stream.result().tool_calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Oslo"})
    assert fake_lmstudio.last_request.json["tool_choice"] == "required"
