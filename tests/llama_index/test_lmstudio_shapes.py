"""LM Studio-only shapes (catalog, reasoning, stats, options) served by pytest-httpserver."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
)
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW
from llama_index.core.tools import FunctionTool
from pytest_httpserver import HTTPServer

from llama_index_lmstudio import LMStudio, LMStudioEmbedding
from lmstudio_core import ModelNotFoundError
from lmstudio_core.testing.replies import sse_body
from tests.llama_index.lmstudio_answers import chunk, completion, make_llm, usage_chunk
from tests.support.httpserver_answers import sent_bodies, serve_chat, serve_stream

HI = [ChatMessage(role="user", content="hi")]
WIRE_KEYS = {"role", "content", "tool_calls", "tool_call_id"}

API_V1_MODELS = {
    "models": [
        {
            "type": "llm",
            "key": "qwen3-4b",
            "max_context_length": 32768,
            "capabilities": {"vision": False, "trained_for_tool_use": False},
            "loaded_instances": [{"id": "qwen3-4b", "config": {"context_length": 8192}}],
        },
        {"type": "embedding", "key": "text-embedding-nomic", "loaded_instances": []},
    ]
}
API_V0_MODELS = {
    "object": "list",
    "data": [
        {
            "id": "qwen2.5-7b",
            "object": "model",
            "type": "llm",
            "state": "loaded",
            "max_context_length": 32768,
            "loaded_context_length": 4096,
            "capabilities": ["tool_use"],
        },
        {"id": "nomic-embed", "object": "model", "type": "embeddings", "state": "loaded"},
    ],
}
UNEXPECTED = {"error": "Unexpected endpoint or method. (GET /api/v1/models)"}


def _url(httpserver: HTTPServer) -> str:
    return httpserver.url_for("/v1")


def tool(fn_name: str) -> FunctionTool:
    def fn(city: str) -> str:
        return city

    fn.__name__ = fn_name
    fn.__doc__ = f"{fn_name} for a city."
    return FunctionTool.from_defaults(fn=fn)


# -- catalog: context window, capabilities, default model ------------------------------------


def test_context_and_capabilities_from_api_v1(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    llm = LMStudio(base_url=_url(httpserver), model="qwen3-4b")
    meta = llm.metadata
    assert meta.context_window == 8192
    assert meta.is_function_calling_model is False
    assert meta.model_name == "qwen3-4b"
    before = len(httpserver.log)
    assert llm.metadata.context_window == 8192
    assert len(httpserver.log) == before  # cached


def test_context_and_capabilities_from_api_v0(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(UNEXPECTED)
    httpserver.expect_request("/api/v0/models").respond_with_json(API_V0_MODELS)
    llm = LMStudio(base_url=_url(httpserver))
    meta = llm.metadata
    assert meta.model_name == "qwen2.5-7b"  # the single loaded LLM
    assert meta.context_window == 4096
    assert meta.is_function_calling_model is True


def test_user_values_win_without_asking_the_server(httpserver: HTTPServer) -> None:
    llm = make_llm(httpserver, context_window=1000, is_function_calling_model=False)
    assert llm.metadata.context_window == 1000
    assert llm.metadata.is_function_calling_model is False
    assert httpserver.log == []


def test_context_fallback_logs_a_warning(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(UNEXPECTED)
    httpserver.expect_request("/api/v0/models").respond_with_json(UNEXPECTED)
    httpserver.expect_request("/v1/models").respond_with_json(
        {"object": "list", "data": [{"id": "m", "object": "model"}]}
    )
    httpserver.expect_request("/props").respond_with_json({"error": "not found"}, status=404)
    llm = LMStudio(base_url=_url(httpserver), model="m", max_retries=0)
    with caplog.at_level(logging.WARNING, logger="llama_index_lmstudio"):
        meta = llm.metadata
    assert meta.context_window == DEFAULT_CONTEXT_WINDOW
    assert meta.is_function_calling_model is True  # unknown -> True
    assert "context_window=" in caplog.text


def test_several_loaded_models_is_a_clear_error(httpserver: HTTPServer) -> None:
    two = {"models": [{**API_V1_MODELS["models"][0], "key": k} for k in ("a", "b")]}
    httpserver.expect_request("/api/v1/models").respond_with_json(two)
    llm = LMStudio(base_url=_url(httpserver))
    with pytest.raises(ModelNotFoundError, match="pass model="):
        _ = llm.metadata
    with pytest.raises(ModelNotFoundError, match="pass model="):
        llm.chat(HI)


# -- options at the top level ------------------------------------------------------------------


def test_options_and_additional_kwargs_at_top_level(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "ok"}))
    llm = make_llm(
        httpserver,
        temperature=0.2,
        max_tokens=50,
        top_p=0.9,
        top_k=40,
        min_p=0.05,
        repeat_penalty=1.1,
        seed=3,
        stop=["END"],
        ttl=600,
        draft_model="qwen-0.5b",
        additional_kwargs={"cache_prompt": True, "mirostat": 2},
    )
    llm.chat(HI, presence_penalty=0.5, my_field="x")
    (body,) = sent_bodies(httpserver)
    assert "options" not in body
    expected = {
        "model": "qwen3-4b",
        "temperature": 0.2,
        "max_tokens": 50,
        "top_p": 0.9,
        "top_k": 40,
        "min_p": 0.05,
        "repeat_penalty": 1.1,
        "seed": 3,
        "stop": ["END"],
        "ttl": 600,
        "draft_model": "qwen-0.5b",
        "cache_prompt": True,
        "mirostat": 2,
        "presence_penalty": 0.5,
        "my_field": "x",
    }
    assert {k: body[k] for k in expected} == expected


def test_stream_sends_the_same_options_and_asks_for_usage(httpserver: HTTPServer) -> None:
    serve_stream(httpserver, sse_body(chunk({"content": "a"}), chunk({}, "stop"), usage_chunk()))
    llm = make_llm(httpserver, ttl=60, top_k=5, additional_kwargs={"cache_prompt": False})
    list(llm.stream_chat(HI))
    (body,) = sent_bodies(httpserver)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert (body["ttl"], body["top_k"], body["cache_prompt"]) == (60, 5, False)


def test_invalid_option_fails_before_sending(httpserver: HTTPServer) -> None:
    llm = make_llm(httpserver, temperature=5.0)
    with pytest.raises(ValueError, match="temperature"):
        llm.chat(HI)
    assert httpserver.log == []


# -- reasoning -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        {"content": "Paris.", "reasoning_content": "The capital is Paris."},
        {"content": "Paris.", "reasoning": "The capital is Paris."},
        {"content": "<think>The capital is Paris.</think>Paris."},
    ],
    ids=["reasoning_content", "reasoning", "think_tags"],
)
def test_reasoning_forms_in_chat(httpserver: HTTPServer, message: dict[str, str]) -> None:
    serve_chat(httpserver, completion(message))
    response = make_llm(httpserver).chat(HI)
    thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    assert [b.content for b in thinking] == ["The capital is Paris."]
    assert response.message.content == "Paris."


@pytest.mark.parametrize(
    "deltas",
    [
        [{"reasoning_content": "The capital "}, {"reasoning_content": "is Paris."}],
        [{"reasoning": "The capital "}, {"reasoning": "is Paris."}],
        [{"content": "<thi"}, {"content": "nk>The capital "}, {"content": "is Paris.</think>"}],
    ],
    ids=["reasoning_content", "reasoning", "think_tags"],
)
async def test_reasoning_forms_in_streams(
    httpserver: HTTPServer, deltas: list[dict[str, str]]
) -> None:
    body = sse_body(
        *(chunk(d) for d in deltas), chunk({"content": "Paris."}), chunk({}, "stop"), usage_chunk()
    )
    serve_stream(httpserver, body)
    serve_stream(httpserver, body)
    llm = make_llm(httpserver)
    for responses in (
        list(llm.stream_chat(HI)),
        [r async for r in await llm.astream_chat(HI)],
    ):
        thinking = "".join(r.additional_kwargs.get("thinking_delta") or "" for r in responses)
        assert thinking == "The capital is Paris."
        final = responses[-1].message
        blocks = [b for b in final.blocks if isinstance(b, ThinkingBlock)]
        assert [b.content for b in blocks] == ["The capital is Paris."]
        assert final.content == "Paris."
        assert "".join(r.delta or "" for r in responses) == "Paris."


# -- stats, usage, raw ---------------------------------------------------------------------------


def test_stats_and_usage_in_response(httpserver: HTTPServer) -> None:
    stats = {"tokens_per_second": 42.5, "time_to_first_token": 0.1, "stop_reason": "eosFound"}
    serve_chat(httpserver, completion({"content": "ok"}, stats=stats))
    response = make_llm(httpserver).chat(HI)
    extra = response.additional_kwargs
    assert extra["stats"] == stats
    assert (extra["prompt_tokens"], extra["completion_tokens"], extra["total_tokens"]) == (
        12,
        5,
        17,
    )
    assert extra["finish_reason"] == "stop"
    assert response.raw["stats"] == stats


def test_stats_in_stream(httpserver: HTTPServer) -> None:
    stats = {"tokens_per_second": 10.0}
    last = {
        "id": "c",
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        "stats": stats,
    }
    serve_stream(httpserver, sse_body(chunk({"content": "a"}), chunk({}, "stop"), last))
    responses = list(make_llm(httpserver).stream_chat(HI))
    assert responses[-1].additional_kwargs["stats"] == stats
    assert responses[-1].additional_kwargs["total_tokens"] == 3


# -- history never carries response metadata -------------------------------------------------------


def test_history_messages_do_not_carry_response_metadata(httpserver: HTTPServer) -> None:
    stats = {"tokens_per_second": 9.0}
    serve_chat(
        httpserver,
        completion({"content": "Paris.", "reasoning_content": "think"}, stats=stats),
    )
    serve_chat(httpserver, completion({"content": "ok"}))
    llm = make_llm(httpserver)
    first = llm.chat(HI)
    first.message.additional_kwargs.update(first.additional_kwargs)  # as completions do
    history = [
        ChatMessage(role="system", content="Be brief.", additional_kwargs={"x": 1}),
        *HI,
        first.message,
        ChatMessage(role="user", content="and?", additional_kwargs={"name": "bob"}),
    ]
    llm.chat(history)
    sent = sent_bodies(httpserver)[1]["messages"]
    assert sent == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "and?"},
    ]


def test_tool_history_sends_tool_calls_and_ids(httpserver: HTTPServer) -> None:
    call = {
        "id": "123",
        "type": "function",
        "function": {"name": "weather", "arguments": '{"city": "Rome"}'},
    }
    serve_chat(httpserver, completion({"content": "", "tool_calls": [call]}))
    serve_chat(httpserver, completion({"content": "Sunny."}))
    llm = make_llm(httpserver)
    first = llm.chat_with_tools([tool("weather")], user_msg="Weather?")
    (selection,) = llm.get_tool_calls_from_response(first)
    assert (selection.tool_id, selection.tool_kwargs) == ("123", {"city": "Rome"})
    result = ChatMessage(role="tool", content="sunny", additional_kwargs={"tool_call_id": "123"})
    llm.chat_with_tools([tool("weather")], chat_history=[*HI, first.message, result])
    messages = sent_bodies(httpserver)[1]["messages"]
    assert all(set(m) <= WIRE_KEYS for m in messages)
    assert messages[1]["tool_calls"] == [call]
    assert messages[2] == {"role": "tool", "content": "sunny", "tool_call_id": "123"}


# -- tools -----------------------------------------------------------------------------------------


def test_named_tool_choice_is_mapped_by_the_core(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "x"}))
    llm = make_llm(httpserver)
    llm.chat_with_tools([tool("a"), tool("b")], user_msg="hi", tool_choice="b")
    (body,) = sent_bodies(httpserver)
    assert body["tool_choice"] == "required"
    assert [t["function"]["name"] for t in body["tools"]] == ["b"]


def test_tool_required_and_default_auto(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "x"}))
    serve_chat(httpserver, completion({"content": "x"}))
    llm = make_llm(httpserver)
    llm.chat_with_tools([tool("a")], user_msg="hi", tool_required=True)
    llm.chat_with_tools([tool("a")], user_msg="hi")
    first, second = sent_bodies(httpserver)
    assert (first["tool_choice"], second["tool_choice"]) == ("required", "auto")
    assert first["parallel_tool_calls"] is False


PARALLEL = [
    {"id": "1", "type": "function", "function": {"name": "a", "arguments": '{"city": "X"}'}},
    {"id": "2", "type": "function", "function": {"name": "b", "arguments": '{"city": "Y"}'}},
]


def test_parallel_tool_calls(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": None, "tool_calls": PARALLEL}))
    serve_chat(httpserver, completion({"content": None, "tool_calls": PARALLEL}))
    llm = make_llm(httpserver)
    both = llm.chat_with_tools(
        [tool("a"), tool("b")], user_msg="hi", allow_parallel_tool_calls=True
    )
    assert [c.tool_name for c in llm.get_tool_calls_from_response(both)] == ["a", "b"]
    one = llm.chat_with_tools([tool("a"), tool("b")], user_msg="hi")
    assert [c.tool_name for c in llm.get_tool_calls_from_response(one)] == ["a"]
    assert len(one.message.additional_kwargs["tool_calls"]) == 1


def test_streamed_parallel_tool_calls_are_accumulated(httpserver: HTTPServer) -> None:
    def frag(index: int, **fields: object) -> dict[str, object]:
        function = {k: v for k, v in fields.items() if k in ("name", "arguments")}
        out: dict[str, object] = {"index": index, "function": function}
        if "id" in fields:
            out.update(id=fields["id"], type="function")
        return out

    body = sse_body(
        chunk({"tool_calls": [frag(0, id="1", name="a", arguments="")]}),
        chunk({"tool_calls": [frag(0, arguments='{"city": ')]}),
        chunk({"tool_calls": [frag(1, id="2", name="b", arguments='{"city"')]}),
        chunk({"tool_calls": [frag(0, arguments='"X"}')]}),
        chunk({"tool_calls": [frag(1, arguments=': "Y"}')]}),
        chunk({}, "tool_calls"),
        usage_chunk(),
    )
    serve_stream(httpserver, body)
    llm = make_llm(httpserver)
    responses = list(
        llm.stream_chat_with_tools(
            [tool("a"), tool("b")], user_msg="hi", allow_parallel_tool_calls=True
        )
    )
    for response in responses:  # partial arguments never crash (FunctionAgent reads every one)
        llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    calls = llm.get_tool_calls_from_response(responses[-1])
    assert [(c.tool_id, c.tool_name, c.tool_kwargs) for c in calls] == [
        ("1", "a", {"city": "X"}),
        ("2", "b", {"city": "Y"}),
    ]
    assert responses[-1].message.additional_kwargs["tool_calls"] == PARALLEL


def test_malformed_tool_arguments_do_not_crash(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    bad = [{"id": "9", "type": "function", "function": {"name": "a", "arguments": "{city: X"}}]
    serve_chat(httpserver, completion({"content": "", "tool_calls": bad}))
    serve_chat(httpserver, completion({"content": "sorry"}))
    llm = make_llm(httpserver)
    response = llm.chat_with_tools([tool("a")], user_msg="hi")
    with caplog.at_level(logging.WARNING, logger="llama_index_lmstudio"):
        (selection,) = llm.get_tool_calls_from_response(response)
    assert (selection.tool_name, selection.tool_kwargs) == ("a", {})
    assert "malformed arguments" in caplog.text
    result = ChatMessage(role="tool", content="error", additional_kwargs={"tool_call_id": "9"})
    llm.chat([*HI, response.message, result])
    resent = sent_bodies(httpserver)[1]["messages"][1]["tool_calls"][0]
    assert resent["function"]["arguments"] == "{}"  # what the tool was called with


def test_no_tool_call_error_semantics(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "plain"}))
    llm = make_llm(httpserver)
    response = llm.chat_with_tools([tool("a")], user_msg="hi")
    assert llm.get_tool_calls_from_response(response, error_on_no_tool_call=False) == []
    with pytest.raises(ValueError, match="without one"):
        llm.get_tool_calls_from_response(response)


# -- images, secrets, embeddings ------------------------------------------------------------------

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_images_become_image_url_parts(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "a pixel"}))
    llm = make_llm(httpserver)
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="What is this?"),
            ImageBlock(image=PNG),
            ImageBlock(url="https://example.com/cat.png"),
        ],
    )
    llm.chat([message])
    (body,) = sent_bodies(httpserver)
    content = body["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "What is this?"}
    assert content[1]["type"] == "image_url"
    assert (
        content[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    )
    assert content[2] == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}


def test_api_key_is_sent_but_never_shown(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "ok"}))
    llm = make_llm(httpserver, api_key="sk-lm-secret123")
    llm.chat(HI)
    request, _ = httpserver.log[0]
    assert request.headers["Authorization"] == "Bearer sk-lm-secret123"
    for text in (
        repr(llm),
        str(llm.to_dict()),
        llm.to_json(),
        str(llm.to_payload()),
        str(llm.model_dump()),
    ):
        assert "sk-lm-secret123" not in text
    embed = LMStudioEmbedding(base_url=_url(httpserver), api_key="sk-lm-secret123")
    assert "sk-lm-secret123" not in repr(embed) + embed.to_json()


def test_api_key_from_environment(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LM_API_TOKEN", "env-token-1")
    serve_chat(httpserver, completion({"content": "ok"}))
    make_llm(httpserver).chat(HI)
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer env-token-1"


def test_embedding_with_a_chat_model_explains(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/embeddings").respond_with_json(
        {"error": "Model 'qwen2.5-7b' is not an embedding model"}, status=400
    )
    httpserver.expect_request("/api/v1/models").respond_with_json(UNEXPECTED)
    httpserver.expect_request("/api/v0/models").respond_with_json(API_V0_MODELS)
    embed = LMStudioEmbedding(base_url=_url(httpserver), model_name="qwen2.5-7b", max_retries=0)
    with pytest.raises(Exception, match="chat model"):
        embed.get_text_embedding("hello")


def test_embedding_sends_strings_and_keeps_order(httpserver: HTTPServer) -> None:
    data = [{"object": "embedding", "index": i, "embedding": [float(i)] * 3} for i in (2, 0, 1)]
    httpserver.expect_request("/v1/embeddings").respond_with_json(
        {"object": "list", "data": data, "model": "e"}
    )
    embed = LMStudioEmbedding(base_url=_url(httpserver), model_name="e")
    vectors = embed.get_text_embedding_batch(["a", "b", "c"])
    assert vectors == [[0.0] * 3, [1.0] * 3, [2.0] * 3]
    (body,) = sent_bodies(httpserver, "/v1/embeddings")
    assert body == {"model": "e", "input": ["a", "b", "c"], "encoding_format": "float"}


def test_embedding_default_model_from_catalog(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(UNEXPECTED)
    httpserver.expect_request("/api/v0/models").respond_with_json(API_V0_MODELS)
    httpserver.expect_request("/v1/embeddings").respond_with_json(
        {"data": [{"index": 0, "embedding": [1.0, 2.0]}]}
    )
    assert LMStudioEmbedding(base_url=_url(httpserver)).get_query_embedding("q") == [1.0, 2.0]
    assert sent_bodies(httpserver, "/v1/embeddings")[0]["model"] == "nomic-embed"


def test_one_client_per_instance(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "a"}))
    serve_chat(httpserver, completion({"content": "b"}))
    llm = make_llm(httpserver)
    client = llm.client
    llm.chat(HI)
    llm.chat(HI)
    assert llm.client is client
    assert llm.async_client is llm.async_client
    assert json.dumps(llm.to_dict())  # serialisable without the http clients


def test_client_kwargs_reach_the_core_settings(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "ok"}))
    llm = make_llm(httpserver, client_kwargs={"default_headers": {"X-Team": "blue"}})
    llm.chat(HI)
    assert httpserver.log[0][0].headers["X-Team"] == "blue"
    assert llm.client.settings.max_retries == 0
    with pytest.raises(ModelNotFoundError, match="allowed_models"):
        make_llm(httpserver, client_kwargs={"allowed_models": {"other"}}).chat(HI)
