"""ChatLMStudio and LMStudioEmbeddings end to end against the real llama.cpp server.

The tiny model's text is noise, but its tool calls (always the first tool, one per turn, text
after a tool result) and json_schema output are real and valid, so these tests check the
LangChain plumbing: chains, tool loops, structured output, streaming, batch, async, agents.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from pydantic import BaseModel
from typing_extensions import TypedDict

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings
from lmstudio_core import AuthenticationError
from tests.conftest import AUTH_API_KEY
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration


class Person(BaseModel):
    """A person."""

    name: str
    age: int


class PersonDict(TypedDict):
    """A person."""

    name: str
    age: int


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"It is sunny in {city}."


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@pytest.fixture
def llm(llama_server: RunningServer) -> ChatLMStudio:
    return ChatLMStudio(
        model=llama_server.model, base_url=llama_server.base_url, temperature=0, max_tokens=64
    )


def _sum(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


def test_lcel_chain_invoke_stream_batch(llm: ChatLMStudio) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are terse."), ("human", "Say something about {topic}.")]
    )
    chain = prompt | llm | StrOutputParser()
    text = chain.invoke({"topic": "cats"})
    assert isinstance(text, str)
    assert text
    pieces = list(chain.stream({"topic": "cats"}))
    assert len(pieces) > 1
    assert all(isinstance(piece, str) for piece in pieces)
    batch = chain.batch([{"topic": "cats"}, {"topic": "dogs"}, {"topic": "owls"}])
    assert len(batch) == 3
    assert all(isinstance(item, str) and item for item in batch)


def test_invoke_metadata(llm: ChatLMStudio, llama_server: RunningServer) -> None:
    message = llm.invoke("Hello")
    assert isinstance(message, AIMessage)
    assert message.response_metadata["model_provider"] == "lmstudio"
    assert message.response_metadata["model_name"] == llama_server.model
    assert message.response_metadata["finish_reason"] in ("stop", "length")
    assert "predicted_n" in message.response_metadata["timings"]
    usage = message.usage_metadata
    assert usage is not None
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert message.id
    assert message.id.startswith("chatcmpl")


def test_stream_usage_once_and_last_chunk(llm: ChatLMStudio) -> None:
    chunks = list(llm.stream("Hello"))
    with_usage = [chunk for chunk in chunks if chunk.usage_metadata]
    assert len(with_usage) == 1
    assert chunks[-1] is with_usage[0]
    assert chunks[-1].chunk_position == "last"
    full = _sum(chunks)
    assert full.content == "".join(str(chunk.content) for chunk in chunks)
    assert full.response_metadata["model_name"] == "tiny-chat"
    assert full.response_metadata["model_provider"] == "lmstudio"


def test_stream_usage_off(llama_server: RunningServer) -> None:
    llm = ChatLMStudio(base_url=llama_server.base_url, max_tokens=32, stream_usage=False)
    chunks = list(llm.stream("Hello"))
    assert all(chunk.usage_metadata is None for chunk in chunks)
    assert chunks[-1].chunk_position == "last"


def test_tool_loop_with_tool_message(llm: ChatLMStudio) -> None:
    with_tools = llm.bind_tools([get_weather])
    question = HumanMessage("What is the weather in Paris?")
    first = with_tools.invoke([question])
    assert isinstance(first, AIMessage)
    assert len(first.tool_calls) == 1
    call = first.tool_calls[0]
    assert call["name"] == "get_weather"
    assert isinstance(call["args"]["city"], str)
    assert first.response_metadata["finish_reason"] == "tool_calls"
    result = get_weather.invoke(call)
    assert isinstance(result, ToolMessage)
    assert result.tool_call_id == call["id"]
    answer = with_tools.invoke([question, first, result])
    assert isinstance(answer, AIMessage)
    assert answer.tool_calls == []
    assert answer.text


def test_named_tool_choice_calls_that_tool(llm: ChatLMStudio) -> None:
    message = llm.bind_tools([get_weather, add], tool_choice="add").invoke("Add 2 and 3.")
    assert [call["name"] for call in message.tool_calls] == ["add"]
    assert set(message.tool_calls[0]["args"]) <= {"a", "b"}


def test_streaming_tool_call_chunks_merge(llm: ChatLMStudio) -> None:
    chunks = list(llm.bind_tools([get_weather]).stream("Weather in Oslo?"))
    fragments = [fragment for chunk in chunks for fragment in chunk.tool_call_chunks]
    assert len(fragments) > 1
    assert fragments[0]["name"] == "get_weather"
    assert fragments[0]["id"]
    assert all(fragment["name"] is None for fragment in fragments[1:])
    full = _sum(chunks)
    assert len(full.tool_calls) == 1
    assert full.tool_calls[0]["name"] == "get_weather"
    assert full.tool_calls[0]["id"] == fragments[0]["id"]
    arguments = "".join(fragment["args"] or "" for fragment in fragments)
    assert full.tool_calls[0]["args"] == json.loads(arguments)
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert full.invalid_tool_calls == []


@pytest.mark.parametrize("schema", [Person, PersonDict, Person.model_json_schema()])
def test_structured_output_json_schema(llm: ChatLMStudio, schema: Any) -> None:
    result = llm.with_structured_output(schema).invoke("Ada Lovelace was 36.")
    if schema is Person:
        assert isinstance(result, Person)
    else:
        assert isinstance(result, dict)
        Person.model_validate(result)


def test_structured_output_function_calling(llm: ChatLMStudio) -> None:
    result = llm.with_structured_output(Person, method="function_calling").invoke("Ada, 36")
    assert isinstance(result, Person)
    raw = llm.with_structured_output(
        Person.model_json_schema(), method="function_calling", include_raw=True
    ).invoke("Ada, 36")
    assert raw["parsing_error"] is None
    Person.model_validate(raw["parsed"])
    assert raw["raw"].tool_calls[0]["name"] == "Person"


def test_structured_output_json_mode(llm: ChatLMStudio) -> None:
    result = llm.with_structured_output(method="json_mode", include_raw=True).invoke(
        "Return a JSON object."
    )
    assert isinstance(result["raw"], AIMessage)
    assert result["parsing_error"] is None
    assert isinstance(result["parsed"], dict)
    assert result["parsed"] == json.loads(result["raw"].content)


def test_structured_output_streams(llm: ChatLMStudio) -> None:
    parts = list(llm.with_structured_output(PersonDict).stream("Ada, 36"))
    assert parts
    Person.model_validate(parts[-1])


async def test_async_invoke_stream_batch(llm: ChatLMStudio) -> None:
    message = await llm.ainvoke("Hello")
    assert isinstance(message, AIMessage)
    assert message.text
    chunks = [chunk async for chunk in llm.astream("Hello")]
    assert chunks[-1].chunk_position == "last"
    assert _sum(chunks).usage_metadata is not None
    batch = await llm.abatch(["one", "two", "three"])
    assert [type(item) for item in batch] == [AIMessage] * 3
    tool_chunks = [chunk async for chunk in llm.bind_tools([get_weather]).astream("Weather?")]
    assert _sum(tool_chunks).tool_calls[0]["name"] == "get_weather"
    person = await llm.with_structured_output(Person).ainvoke("Ada, 36")
    assert isinstance(person, Person)


def test_batch(llm: ChatLMStudio) -> None:
    results = llm.batch(["a", "b", "c", "d"], config={"max_concurrency": 2})
    assert len(results) == 4
    assert all(isinstance(result, AIMessage) and result.usage_metadata for result in results)


def test_langgraph_react_agent_runs_to_completion(llm: ChatLMStudio) -> None:
    from langgraph.prebuilt import create_react_agent

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # create_react_agent is deprecated in LangGraph 1.x
        agent = create_react_agent(llm, [get_weather])
    assert_weather_round_trip(agent.invoke({"messages": [HumanMessage(WEATHER_QUESTION)]}))


WEATHER_QUESTION = "What's the weather in Rome?"


def assert_weather_round_trip(state: dict[str, Any]) -> None:
    """An agent's messages: the question, a get_weather call, its result, a final answer."""
    messages = state["messages"]
    kinds = [type(message).__name__ for message in messages]
    assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert messages[1].tool_calls[0]["name"] == "get_weather"
    assert messages[2].content.startswith("It is sunny in")
    assert messages[3].tool_calls == []
    assert messages[3].text


def test_one_core_client_reused_and_http_client_passed_through(
    llama_server: RunningServer,
) -> None:
    seen: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: seen.append(request.url.path)]})
    llm = ChatLMStudio(model="tiny-chat", base_url=llama_server.base_url, http_client=http)
    llm.invoke("a", max_tokens=8)
    client = llm.client
    list(llm.stream("b", max_tokens=8))
    llm.invoke("c", max_tokens=8)
    assert llm.client is client
    assert client.http is http
    # llama-server closes the socket after a stream; the next call may hit that dead pooled
    # connection once and be retried by the core (no response was received), hence 3 or 4.
    assert seen.count("/v1/chat/completions") in (3, 4)
    http.close()


async def test_async_http_client_passed_through(llama_server: RunningServer) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    async with httpx.AsyncClient(event_hooks={"request": [hook]}) as http:
        llm = ChatLMStudio(base_url=llama_server.base_url, http_async_client=http, max_tokens=8)
        await llm.ainvoke("a")
        client = llm.async_client
        await llm.ainvoke("b")
        assert llm.async_client is client
    assert seen.count("/v1/chat/completions") == 2


def test_server_information(llm: ChatLMStudio, llama_server: RunningServer) -> None:
    assert llm.get_context_window() == llama_server.ctx
    assert [model.id for model in llm.list_models()] == [llama_server.model]
    profile = llm.fetch_profile()
    assert profile["max_input_tokens"] == llama_server.ctx
    assert llm.profile == profile


def test_default_model_resolved_from_server(llama_server: RunningServer) -> None:
    llm = ChatLMStudio(base_url=llama_server.base_url, max_tokens=16)
    assert llm.model is None
    assert llm.invoke("Hi").response_metadata["model_name"] == llama_server.model


def test_api_key_required_by_server(llama_server_auth: RunningServer) -> None:
    ok = ChatLMStudio(base_url=llama_server_auth.base_url, api_key=AUTH_API_KEY, max_tokens=8)
    assert isinstance(ok.invoke("Hi"), AIMessage)
    refused = ChatLMStudio(
        model="tiny-chat", base_url=llama_server_auth.base_url, api_key=None, max_tokens=8
    )
    with pytest.raises(AuthenticationError):
        refused.invoke("Hi")


def test_embeddings(llama_server: RunningServer) -> None:
    texts = ["alpha", "beta", "gamma", "alpha", "delta"]
    batched = LMStudioEmbeddings(base_url=llama_server.base_url, batch_size=2)
    vectors = batched.embed_documents(texts)
    assert len(vectors) == 5
    assert all(len(vector) == 64 for vector in vectors)
    # One text per request: each vector must be that text's own (llama.cpp's values depend
    # on the position inside a multi-input request, so order is checked one by one).
    single = LMStudioEmbeddings(base_url=llama_server.base_url, chunk_size=1)
    one_by_one = single.embed_documents(texts)
    for text, vector in zip(texts, one_by_one, strict=True):
        assert single.embed_query(text) == pytest.approx(vector)
    assert one_by_one[0] == pytest.approx(one_by_one[3])
    assert one_by_one[1] != pytest.approx(one_by_one[0])
    assert single.embed_documents([]) == []


async def test_async_embeddings(llama_server: RunningServer) -> None:
    embeddings = LMStudioEmbeddings(base_url=llama_server.base_url, chunk_size=1)
    vectors = await embeddings.aembed_documents(["alpha", "beta"])
    assert len(vectors) == 2
    assert await embeddings.aembed_query("alpha") == pytest.approx(vectors[0])
