"""LM Studio-only response shapes (pytest-httpserver): reasoning, stats, tool-call quirks, 400s."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from pydantic import BaseModel
from pytest_httpserver import HTTPServer

from langchain_lmstudio import ChatLMStudio
from tests.langchain.lmstudio_answers import (
    MODEL,
    USAGE_CHUNK,
    chunk,
    completion,
    lmstudio_validator,
)
from tests.support.httpserver_answers import serve_chat, serve_events


class City(BaseModel):
    """A city."""

    city: str


def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return city


def get_time(zone: str) -> str:
    """Get the time in a time zone."""
    return zone


@pytest.fixture
def llm(httpserver: HTTPServer) -> ChatLMStudio:
    return ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"), api_key=None)


def _sent(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def _sum(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for item in chunks[1:]:
        full = full + item
    return full


REASONING_MESSAGES = {
    "reasoning_content": {"content": "Paris.", "reasoning_content": "The capital is Paris."},
    "reasoning": {"content": "Paris.", "reasoning": "The capital is Paris."},
    "think_tags": {"content": "<think>The capital is Paris.</think>Paris."},
}

REASONING_STREAMS = {
    "reasoning_content": [
        {"role": "assistant", "reasoning_content": "The capital "},
        {"reasoning_content": "is Paris."},
        {"content": "Par"},
        {"content": "is."},
    ],
    "reasoning": [
        {"role": "assistant", "reasoning": "The capital "},
        {"reasoning": "is Paris."},
        {"content": "Paris."},
    ],
    "think_tags": [
        {"role": "assistant", "content": "<thi"},
        {"content": "nk>The capital "},
        {"content": "is Paris.</th"},
        {"content": "ink>Paris."},
    ],
}


@pytest.mark.parametrize("form", sorted(REASONING_MESSAGES))
def test_reasoning_invoke(httpserver: HTTPServer, llm: ChatLMStudio, form: str) -> None:
    serve_chat(httpserver, completion(REASONING_MESSAGES[form]))
    message = llm.invoke("Capital of France?")
    assert message.content == "Paris."
    assert message.additional_kwargs["reasoning_content"] == "The capital is Paris."
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_token_details"] == {"reasoning": 4}


@pytest.mark.parametrize("form", sorted(REASONING_STREAMS))
def test_reasoning_stream(httpserver: HTTPServer, llm: ChatLMStudio, form: str) -> None:
    deltas = REASONING_STREAMS[form]
    serve_events(httpserver, *(chunk(d) for d in deltas), chunk({}, "stop"), USAGE_CHUNK)
    chunks = list(llm.stream("Capital of France?"))
    assert any(c.additional_kwargs.get("reasoning_content") for c in chunks[:-1])
    full = _sum(chunks)
    assert full.content == "Paris."
    assert full.additional_kwargs["reasoning_content"] == "The capital is Paris."
    assert full.response_metadata["finish_reason"] == "stop"


async def test_reasoning_astream(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    deltas = REASONING_STREAMS["think_tags"]
    serve_events(httpserver, *(chunk(d) for d in deltas), chunk({}, "stop"), USAGE_CHUNK)
    full = _sum([c async for c in llm.astream("Capital of France?")])
    assert full.content == "Paris."
    assert full.additional_kwargs["reasoning_content"] == "The capital is Paris."


def test_stream_sum_equals_invoke(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    serve_chat(httpserver, completion(REASONING_MESSAGES["reasoning_content"]))
    invoked = llm.invoke("q")
    httpserver.clear()
    deltas = REASONING_STREAMS["reasoning_content"]
    serve_events(httpserver, *(chunk(d) for d in deltas), chunk({}, "stop"), USAGE_CHUNK)
    streamed = _sum(list(llm.stream("q")))
    assert streamed.content == invoked.content
    assert streamed.additional_kwargs == invoked.additional_kwargs
    assert streamed.usage_metadata == invoked.usage_metadata
    assert streamed.id == invoked.id
    for key in ("model_name", "model_provider", "finish_reason"):
        assert streamed.response_metadata[key] == invoked.response_metadata[key]


def test_reasoning_as_v1_content_blocks(httpserver: HTTPServer) -> None:
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"), output_version="v1")
    serve_chat(httpserver, completion(REASONING_MESSAGES["reasoning"]))
    message = llm.invoke("Capital of France?")
    assert message.content == [
        {"type": "reasoning", "reasoning": "The capital is Paris."},
        {"type": "text", "text": "Paris."},
    ]
    httpserver.clear()
    deltas = REASONING_STREAMS["reasoning"]
    serve_events(httpserver, *(chunk(d) for d in deltas), chunk({}, "stop"), USAGE_CHUNK)
    full = _sum(list(llm.stream("Capital of France?")))
    blocks = [
        (block["type"], block.get("reasoning") or block.get("text")) for block in full.content
    ]
    assert blocks == [("reasoning", "The capital is Paris."), ("text", "Paris.")]


def test_reasoning_is_not_sent_back(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    serve_chat(httpserver, completion({"content": "ok"}))
    history = [
        ("human", "hi"),
        AIMessage("Hello.", additional_kwargs={"reasoning_content": "secret thoughts"}),
        AIMessage(
            [{"type": "reasoning", "reasoning": "more thoughts"}, {"type": "text", "text": "Yes."}],
            response_metadata={"output_version": "v1", "model_provider": "lmstudio"},
        ),
        ("human", "and?"),
    ]
    llm.invoke(history)
    sent = _sent(httpserver)[0]
    assert "thoughts" not in json.dumps(sent)
    assert [m["content"] for m in sent["messages"] if m["role"] == "assistant"] == [
        "Hello.",
        "Yes.",
    ]


def test_stats_in_response_metadata(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    stats = {"tokens_per_second": 51.2, "time_to_first_token": 0.12, "stop_reason": "eosFound"}
    serve_chat(httpserver, completion({"content": "Hi."}, stats=stats))
    assert llm.invoke("hi").response_metadata["stats"] == stats
    httpserver.clear()
    usage_with_stats = {**USAGE_CHUNK, "stats": stats}
    serve_events(httpserver, chunk({"content": "Hi."}), chunk({}, "stop"), usage_with_stats)
    chunks = list(llm.stream("hi"))
    assert chunks[-1].response_metadata["stats"] == stats
    assert [c for c in chunks if "stats" in c.response_metadata] == [chunks[-1]]


def test_empty_tool_calls_mean_none(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    serve_chat(httpserver, completion({"content": "No tools needed.", "tool_calls": []}))
    message = llm.bind_tools([get_weather]).invoke("hi")
    assert message.tool_calls == []
    assert message.invalid_tool_calls == []
    assert message.content == "No tools needed."


def _call(arguments: str, id: str = "365174485") -> dict[str, Any]:
    return {
        "id": id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }


def test_malformed_arguments_become_invalid_tool_calls(
    httpserver: HTTPServer, llm: ChatLMStudio
) -> None:
    calls = [_call('{"city": "Par'), _call('["not", "an object"]', "2"), _call("", "3")]
    body = completion({"content": None, "tool_calls": calls}, finish_reason="tool_calls")
    serve_chat(httpserver, body)
    message = llm.bind_tools([get_weather]).invoke("weather?")
    assert message.content == ""
    assert [call["args"] for call in message.tool_calls] == [{}]
    invalid = message.invalid_tool_calls
    assert [(call["id"], call["args"]) for call in invalid] == [
        ("365174485", '{"city": "Par'),
        ("2", '["not", "an object"]'),
    ]
    assert all(call["error"] for call in invalid)


def test_malformed_streamed_arguments_become_invalid(
    httpserver: HTTPServer, llm: ChatLMStudio
) -> None:
    first = {"index": 0, "id": "7", "type": "function", "function": {"name": "get_weather"}}
    first["function"]["arguments"] = '{"city": '
    rest = {"index": 0, "function": {"arguments": "Par}"}}
    serve_events(
        httpserver,
        chunk({"role": "assistant", "tool_calls": [first]}),
        chunk({"tool_calls": [rest]}),
        chunk({}, "tool_calls"),
        USAGE_CHUNK,
    )
    full = _sum(list(llm.bind_tools([get_weather]).stream("weather?")))
    assert full.tool_calls == []
    assert [(c["name"], c["args"]) for c in full.invalid_tool_calls] == [
        ("get_weather", '{"city": Par}')
    ]


def test_fixture_rejects_what_lmstudio_rejects(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lmstudio_validator)
    url = httpserver.url_for("/v1/chat/completions")
    messages = [{"role": "user", "content": "hi"}]
    json_object = {"messages": messages, "response_format": {"type": "json_object"}}
    assert httpx.post(url, json=json_object).status_code == 400
    named = {"type": "function", "function": {"name": "get_weather"}}
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    object_choice = {"messages": messages, "tools": tools, "tool_choice": named}
    assert httpx.post(url, json=object_choice).status_code == 400


def test_json_mode_never_sends_json_object(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lmstudio_validator)
    assert llm.with_structured_output(City, method="json_mode").invoke("city?") == City(
        city="Paris"
    )
    assert llm.with_structured_output(method="json_mode").invoke("city?") == {"city": "Paris"}
    for body in _sent(httpserver):
        assert body["response_format"]["type"] == "json_schema"


def test_json_schema_method_body(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lmstudio_validator)
    assert llm.with_structured_output(City, strict=True).invoke("city?") == City(city="Paris")
    response_format = _sent(httpserver)[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "City"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"]["required"] == ["city"]


@pytest.mark.parametrize(
    "choice", ["get_time", {"type": "function", "function": {"name": "get_time"}}]
)
def test_named_tool_choice_sent_as_required_with_that_tool(
    httpserver: HTTPServer, llm: ChatLMStudio, choice: Any
) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lmstudio_validator)
    message = llm.bind_tools([get_weather, get_time], tool_choice=choice).invoke("time?")
    assert [call["name"] for call in message.tool_calls] == ["get_time"]
    body = _sent(httpserver)[0]
    assert body["tool_choice"] == "required"
    assert [tool["function"]["name"] for tool in body["tools"]] == ["get_time"]


@pytest.mark.parametrize(("choice", "sent"), [("any", "required"), (True, "required")])
def test_any_tool_choice_sent_as_required(
    httpserver: HTTPServer, llm: ChatLMStudio, choice: Any, sent: str
) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lmstudio_validator)
    llm.bind_tools([get_weather, get_time], tool_choice=choice).invoke("weather?")
    body = _sent(httpserver)[0]
    assert body["tool_choice"] == sent
    assert len(body["tools"]) == 2


def test_function_calling_structured_output_body(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lmstudio_validator)
    raw = llm.with_structured_output(City, method="function_calling", include_raw=True)
    result = raw.invoke("city?")
    assert result["parsed"] == City(city="Paris")
    assert result["parsing_error"] is None
    body = _sent(httpserver)[0]
    assert body["tool_choice"] == "required"
    assert [tool["function"]["name"] for tool in body["tools"]] == ["City"]


def test_include_raw_reports_parsing_error(httpserver: HTTPServer, llm: ChatLMStudio) -> None:
    serve_chat(httpserver, completion({"content": "not json"}))
    result = llm.with_structured_output(City, include_raw=True).invoke("city?")
    assert result["parsed"] is None
    assert result["parsing_error"] is not None
    assert result["raw"].content == "not json"


def test_unknown_tool_choice_fails_at_bind_time(llm: ChatLMStudio) -> None:
    with pytest.raises(ValueError, match="not one of the bound tools"):
        llm.bind_tools([get_weather], tool_choice="get_time")


@pytest.mark.parametrize(
    "message",
    [
        {"content": '{"city": "Paris"}', "reasoning_content": 'Maybe {"city": "Rome"}?'},
        {"content": '<think>{"city": "Rome"} or not</think>{"city": "Paris"}'},
    ],
)
def test_reasoning_never_reaches_the_parser(
    httpserver: HTTPServer, llm: ChatLMStudio, message: dict[str, Any]
) -> None:
    serve_chat(httpserver, completion(message))
    assert llm.with_structured_output(City).invoke("city?") == City(city="Paris")
    assert llm.with_structured_output(City, method="json_mode").invoke("city?") == City(
        city="Paris"
    )
