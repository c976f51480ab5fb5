"""Bad input fails before anything is sent, with a clear error; bad tool JSON never crashes."""

from __future__ import annotations

from typing import Any

import pytest

from lmstudio_core import ContextLengthExceededError, InvalidRequestError, LMStudioClient
from tests.faults.fault_server import fault_server, reply, sse
from tests.faults.paths import Path, drive

BAD_OPTIONS = [
    pytest.param({"max_tokens": -5}, "max_tokens", id="negative-max_tokens"),
    pytest.param({"max_tokens": 0}, "max_tokens", id="zero-max_tokens"),
    pytest.param({"temperature": 3.5}, "temperature", id="temperature-too-high"),
    pytest.param({"temperature": -0.1}, "temperature", id="temperature-negative"),
    pytest.param({"top_p": 1.5}, "top_p", id="top_p-too-high"),
]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.mark.parametrize(("options", "name"), BAD_OPTIONS)
def test_invalid_option_fails_before_any_request(
    path: Path, options: dict[str, Any], name: str
) -> None:
    with fault_server(reply(500, {"error": "must not be reached"})) as server:
        out = drive(path, server.base_url, max_retries=0, timeout=2, chat_options=options)
    assert isinstance(out.error, ValueError), out.error
    assert name in str(out.error)
    assert server.requests == []


@pytest.mark.parametrize(
    "tool_choice",
    ["bogus_tool", {"type": "banana"}, 42],
    ids=["unknown-name", "unknown-dict", "number"],
)
@pytest.mark.parametrize("model", ["m", None], ids=["model-given", "model-resolved"])
def test_unknown_tool_choice_fails_before_any_request(
    core_pair: Path, tool_choice: Any, model: str | None
) -> None:
    options = {"model": model, "tools": [WEATHER_TOOL], "tool_choice": tool_choice}
    with fault_server(reply(500, {"error": "must not be reached"})) as server:
        out = drive(core_pair, server.base_url, max_retries=0, timeout=2, chat_options=options)
    assert isinstance(out.error, InvalidRequestError), out.error
    assert "tool_choice" in str(out.error)
    assert server.requests == []


def test_required_tool_choice_without_tools_fails_before_any_request(core_pair: Path) -> None:
    options = {"tool_choice": "required"}
    with fault_server(reply(500, {"error": "must not be reached"})) as server:
        out = drive(core_pair, server.base_url, max_retries=0, timeout=2, chat_options=options)
    assert isinstance(out.error, InvalidRequestError)
    assert server.requests == []


def _tool_call_chunk(arguments: str) -> dict[str, Any]:
    call = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }
    return {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": "tool_calls"}],
    }


def _tool_call_completion(arguments: str) -> dict[str, Any]:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }


BROKEN_ARGS = '{"city": Paris}'
TRUNCATED_ARGS = '{"city": "Par'


def test_core_keeps_unparseable_tool_arguments_verbatim() -> None:
    with fault_server(reply(200, _tool_call_completion(BROKEN_ARGS))) as server:
        with LMStudioClient(base_url=server.base_url, max_retries=0) as client:
            result = client.chat([{"role": "user", "content": "hi"}], model="m")
    assert result.tool_calls[0].name == "get_weather"
    assert result.tool_calls[0].arguments == BROKEN_ARGS


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_langchain_bad_tool_json_becomes_invalid_tool_calls(stream: bool) -> None:
    _langchain_invalid_tool_call(stream, BROKEN_ARGS)


def test_langchain_truncated_tool_json_is_invalid_on_invoke() -> None:
    _langchain_invalid_tool_call(False, TRUNCATED_ARGS)


def _langchain_invalid_tool_call(stream: bool, arguments: str) -> None:
    from langchain_core.messages import AIMessageChunk

    from langchain_lmstudio import ChatLMStudio

    script = (
        sse(_tool_call_chunk(arguments), finish=False)
        if stream
        else reply(200, _tool_call_completion(arguments))
    )
    with fault_server(script) as server:
        model = ChatLMStudio(model="m", base_url=server.base_url, max_retries=0)
        bound = model.bind_tools([WEATHER_TOOL])
        if stream:
            chunks = list(bound.stream("weather?"))
            message: Any = chunks[0]
            for chunk in chunks[1:]:
                message = message + chunk
            assert isinstance(message, AIMessageChunk)
        else:
            message = bound.invoke("weather?")
    assert message.tool_calls == []
    assert len(message.invalid_tool_calls) == 1
    invalid = message.invalid_tool_calls[0]
    assert invalid["name"] == "get_weather"
    assert invalid["args"] == arguments
    assert invalid["id"] == "call_1"


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param(BROKEN_ARGS, id="unparseable"),
        pytest.param(TRUNCATED_ARGS, id="truncated"),
    ],
)
def test_llama_index_bad_tool_json_reaches_the_agent_as_a_tool_error(arguments: str) -> None:
    from llama_index.core.llms import ChatMessage
    from llama_index.core.tools import FunctionTool
    from llama_index.core.tools.calling import call_tool_with_selection

    from llama_index_lmstudio import LMStudio

    def get_weather(city: str) -> str:
        """Weather in a city."""
        return f"sunny in {city}"

    tool = FunctionTool.from_defaults(get_weather)
    with fault_server(reply(200, _tool_call_completion(arguments))) as server:
        llm = LMStudio(model="m", base_url=server.base_url, max_retries=0, context_window=2048)
        response = llm.chat_with_tools([tool], chat_history=[ChatMessage(role="user", content="?")])
        selections = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    assert len(selections) == 1
    assert selections[0].tool_name == "get_weather"
    assert isinstance(selections[0].tool_kwargs, dict)
    output = call_tool_with_selection(selections[0], [tool])
    assert output.is_error, output


@pytest.mark.integration
def test_prompt_over_the_context_raises_context_length_exceeded(
    llama_server: Any, path: Path
) -> None:
    prompt = "hello world " * 3000
    options = {"model": llama_server.model, "max_tokens": 8}
    out = drive(
        path,
        llama_server.base_url,
        max_retries=0,
        timeout=30,
        deadline=60,
        chat_options=options,
        messages=[{"role": "user", "content": prompt}],
    )
    assert isinstance(out.error, ContextLengthExceededError), out.error
    assert "context" in str(out.error).lower()
