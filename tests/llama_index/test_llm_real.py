"""`LMStudio` against the real llama.cpp server: chat, streams, tools, agents, structure."""

from __future__ import annotations

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ToolCallBlock
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from llama_index_lmstudio import LMStudio
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration

HELLO = [ChatMessage(role="user", content="Say hello.")]


def get_weather(city: str) -> str:
    """Return the weather in a city."""
    return f"It is sunny in {city}."


def get_time(city: str) -> str:
    """Return the local time in a city."""
    return f"It is noon in {city}."


WEATHER = FunctionTool.from_defaults(fn=get_weather)
TIME = FunctionTool.from_defaults(fn=get_time)


class City(BaseModel):
    """A city and its country."""

    name: str
    country: str


def _check_final(response: ChatResponse) -> None:
    assert response.additional_kwargs["total_tokens"] == (
        response.additional_kwargs["prompt_tokens"]
        + response.additional_kwargs["completion_tokens"]
    )
    assert response.additional_kwargs["completion_tokens"] > 0
    assert response.additional_kwargs["finish_reason"] in ("stop", "length")
    assert "timings" in response.additional_kwargs  # llama.cpp reports them


def test_metadata_context_window_comes_from_the_server(
    llm: LMStudio, llama_server: RunningServer
) -> None:
    meta = llm.metadata
    assert meta.context_window == llama_server.ctx == 2048
    assert meta.model_name == "tiny-chat"
    assert meta.is_chat_model is True
    assert meta.is_function_calling_model is True
    assert meta.num_output == 64


def test_model_none_uses_the_single_loaded_model(llama_server: RunningServer) -> None:
    llm = LMStudio(base_url=llama_server.base_url, max_tokens=8)
    assert llm.metadata.model_name == "tiny-chat"
    assert llm.metadata.context_window == 2048
    assert llm.chat(HELLO).message.content


def test_chat(llm: LMStudio) -> None:
    response = llm.chat(HELLO)
    assert response.message.role == "assistant"
    assert response.message.content
    assert response.raw["object"] == "chat.completion"
    _check_final(response)


async def test_achat(llm: LMStudio) -> None:
    response = await llm.achat(HELLO)
    assert response.message.content
    _check_final(response)


def test_stream_chat(llm: LMStudio) -> None:
    responses = list(llm.stream_chat(HELLO))
    assert len(responses) > 2
    text = "".join(r.delta or "" for r in responses)
    assert text
    assert text == responses[-1].message.content
    _check_final(responses[-1])


async def test_astream_chat(llm: LMStudio) -> None:
    responses = [r async for r in await llm.astream_chat(HELLO)]
    text = "".join(r.delta or "" for r in responses)
    assert text
    assert text == responses[-1].message.content
    _check_final(responses[-1])


def test_stream_equals_chat_with_same_seed(llm: LMStudio) -> None:
    llm.temperature = 0
    streamed = list(llm.stream_chat(HELLO))[-1].message.content
    assert streamed == llm.chat(HELLO).message.content


def test_complete_variants(llm: LMStudio) -> None:
    response = llm.complete("The sky is")
    assert response.text
    assert response.additional_kwargs["completion_tokens"] > 0
    chunks = list(llm.stream_complete("The sky is"))
    assert chunks[-1].text == "".join(c.delta or "" for c in chunks)


async def test_acomplete_variants(llm: LMStudio) -> None:
    response = await llm.acomplete("The sky is")
    assert response.text
    chunks = [c async for c in await llm.astream_complete("The sky is")]
    assert chunks[-1].text == "".join(c.delta or "" for c in chunks)


def test_tool_round_trip(llm: LMStudio) -> None:
    response = llm.chat_with_tools([WEATHER], user_msg="Weather in Paris?")
    calls = llm.get_tool_calls_from_response(response)
    assert len(calls) == 1
    assert calls[0].tool_name == "get_weather"
    assert isinstance(calls[0].tool_kwargs, dict)
    assert response.message.additional_kwargs["tool_calls"][0]["id"] == calls[0].tool_id
    output = WEATHER.call(**calls[0].tool_kwargs) if "city" in calls[0].tool_kwargs else None
    history = [
        ChatMessage(role="user", content="Weather in Paris?"),
        response.message,
        ChatMessage(
            role="tool",
            content=str(output or "sunny"),
            additional_kwargs={"tool_call_id": calls[0].tool_id},
        ),
    ]
    final = llm.chat_with_tools([WEATHER], chat_history=history)
    assert llm.get_tool_calls_from_response(final, error_on_no_tool_call=False) == []
    assert final.message.content


def test_tool_choice_names_the_tool(llm: LMStudio) -> None:
    response = llm.chat_with_tools([WEATHER, TIME], user_msg="Time?", tool_choice="get_time")
    calls = llm.get_tool_calls_from_response(response)
    assert [c.tool_name for c in calls] == ["get_time"]


def test_tool_required(llm: LMStudio) -> None:
    response = llm.chat_with_tools([TIME, WEATHER], user_msg="Hi", tool_required=True)
    assert [c.tool_name for c in llm.get_tool_calls_from_response(response)] == ["get_time"]


def test_stream_chat_with_tools_accumulates_the_call(llm: LMStudio) -> None:
    responses = list(llm.stream_chat_with_tools([WEATHER], user_msg="Weather in Rome?"))
    final = responses[-1]
    calls = llm.get_tool_calls_from_response(final)
    assert [c.tool_name for c in calls] == ["get_weather"]
    assert len([b for b in final.message.blocks if isinstance(b, ToolCallBlock)]) == 1
    assert final.additional_kwargs["finish_reason"] == "tool_calls"


async def test_astream_chat_with_tools(llm: LMStudio) -> None:
    stream = await llm.astream_chat_with_tools([WEATHER], user_msg="Weather?")
    responses = [r async for r in stream]
    calls = llm.get_tool_calls_from_response(responses[-1])
    assert [c.tool_name for c in calls] == ["get_weather"]


def test_predict_and_call(llm: LMStudio) -> None:
    result = llm.predict_and_call([WEATHER], user_msg="Weather in Oslo?")
    assert len(result.sources) == 1
    assert result.sources[0].tool_name == "get_weather"
    assert result.response == result.sources[0].content


async def test_apredict_and_call(llm: LMStudio) -> None:
    result = await llm.apredict_and_call([WEATHER], user_msg="Weather in Oslo?")
    assert [s.tool_name for s in result.sources] == ["get_weather"]


@pytest.mark.parametrize("streaming", [False, True])
async def test_function_agent_runs_to_completion(llm: LMStudio, streaming: bool) -> None:
    called: list[dict[str, str]] = []

    def lookup(city: str) -> str:
        """Look up facts about a city."""
        called.append({"city": city})
        return f"{city} is a city."

    agent = FunctionAgent(tools=[lookup], llm=llm, streaming=streaming)
    output = await agent.run(user_msg="Tell me about Paris.")
    assert len(called) == 1
    assert [t.tool_name for t in output.tool_calls] == ["lookup"]
    assert output.response.role == "assistant"
    assert output.response.content


def test_structured_predict(llm: LMStudio) -> None:
    prompt = PromptTemplate("Name a city in {country}.")
    city = llm.structured_predict(City, prompt, country="France")
    assert isinstance(city, City)


async def test_astructured_predict(llm: LMStudio) -> None:
    city = await llm.astructured_predict(City, PromptTemplate("A city?"))
    assert isinstance(city, City)


def test_stream_structured_predict(llm: LMStudio) -> None:
    llm.max_tokens = 200
    parts = list(llm.stream_structured_predict(City, PromptTemplate("A city?")))
    assert parts
    final = City.model_validate(parts[-1].model_dump())
    assert isinstance(final.name, str)


async def test_astream_structured_predict(llm: LMStudio) -> None:
    llm.max_tokens = 200
    parts = [p async for p in await llm.astream_structured_predict(City, PromptTemplate("?"))]
    assert City.model_validate(parts[-1].model_dump())


def test_as_structured_llm(llm: LMStudio) -> None:
    structured = llm.as_structured_llm(City)
    response = structured.chat([ChatMessage(role="user", content="A city?")])
    assert isinstance(response.raw, City)


def test_function_calling_program_mode(llama_server: RunningServer) -> None:
    llm = LMStudio(
        base_url=llama_server.base_url,
        max_tokens=200,
        pydantic_program_mode=PydanticProgramMode.FUNCTION,
    )
    city = llm.structured_predict(City, PromptTemplate("A city?"))
    assert isinstance(city, City)
