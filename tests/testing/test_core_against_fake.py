"""The core's protocol (sync client) against the shipped fake server."""

from __future__ import annotations

import json

import pytest

from lmstudio_core import (
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    LMStudioClient,
    ModelNotFoundError,
    ServerError,
    json_schema_format,
    parse_tool_arguments,
)
from lmstudio_core.testing import CONTEXT_OVERFLOW_ERROR, FakeLMStudio, FakeModel, fake_embedding

USER = [{"role": "user", "content": "Weather in Oslo?"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}


def test_text(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("Sunny and mild.", usage={"prompt_tokens": 12})
    result = client.chat(USER, model="fake-llm", temperature=0.2)
    assert result.content == "Sunny and mild."
    assert result.finish_reason == "stop"
    assert result.tool_calls == []
    assert result.reasoning is None
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (12, 3)
    assert fake_lmstudio.last_request.json["temperature"] == 0.2


def test_streamed_text_with_usage(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("Sunny and mild.")
    stream = client.chat_stream(USER, model="fake-llm")
    pieces = [d.content for d in stream if d.content]
    assert len(pieces) == 3
    assert "".join(pieces) == "Sunny and mild."
    result = stream.result()
    assert result.content == "Sunny and mild."
    assert result.usage is not None
    assert result.usage.completion_tokens == 3
    body = fake_lmstudio.last_request.json
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_model_defaults_to_the_loaded_llm(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    client.chat(USER)
    assert fake_lmstudio.last_request.json["model"] == "fake-llm"


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call(client: LMStudioClient, fake_lmstudio: FakeLMStudio, stream: bool) -> None:
    fake_lmstudio.reply_tool_call("get_weather", {"city": "Oslo"})
    if stream:
        chat_stream = client.chat_stream(USER, tools=[WEATHER])
        deltas = [d for d in chat_stream if d.tool_calls]
        assert deltas[0].tool_calls is not None
        assert deltas[0].tool_calls[0].name == "get_weather"
        result = chat_stream.result()
    else:
        result = client.chat(USER, tools=[WEATHER])
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
        chat_stream = client.chat_stream(USER, tools=[WEATHER, TIME])
        list(chat_stream)
        result = chat_stream.result()
    else:
        result = client.chat(USER, tools=[WEATHER, TIME])
    assert [c.name for c in result.tool_calls] == ["get_weather", "get_time", "get_weather"]
    assert [c.index for c in result.tool_calls] == [0, 1, 2]
    assert parse_tool_arguments(result.tool_calls[1].arguments) == ({}, None)
    parsed, error = parse_tool_arguments(result.tool_calls[2].arguments)
    assert parsed is None
    assert error


def test_named_tool_choice_is_mapped_so_the_fake_accepts(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_tool_call("get_time", {})
    for choice in ("get_time", {"type": "function", "function": {"name": "get_time"}}):
        result = client.chat(USER, tools=[WEATHER, TIME], tool_choice=choice)
        assert result.finish_reason in ("tool_calls", "stop")
        body = fake_lmstudio.last_request.json
        assert body["tool_choice"] == "required"
        assert [t["function"]["name"] for t in body["tools"]] == ["get_time"]


def test_any_tool_choice_becomes_required(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    client.chat(USER, tools=[WEATHER], tool_choice="any")
    assert fake_lmstudio.last_request.json["tool_choice"] == "required"


@pytest.mark.parametrize("stream", [False, True])
def test_structured_json_schema(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio, stream: bool
) -> None:
    schema = {
        "title": "Person",
        "type": "object",
        "properties": {"name": {"type": "string"}, "pet": {"$ref": "#/$defs/Pet"}},
        "$defs": {"Pet": {"type": "object", "properties": {"kind": {"type": "string"}}}},
    }
    fake_lmstudio.reply_json({"name": "Ada", "pet": {"kind": "cat"}})
    fmt = json_schema_format(schema)
    if stream:
        chat_stream = client.chat_stream(USER, response_format=fmt)
        list(chat_stream)
        result = chat_stream.result()
    else:
        result = client.chat(USER, response_format=fmt)
    assert json.loads(result.content) == {"name": "Ada", "pet": {"kind": "cat"}}
    sent = fake_lmstudio.last_request.json["response_format"]
    assert sent["type"] == "json_schema"
    assert "$defs" not in json.dumps(sent)
    assert sent["json_schema"]["schema"]["properties"]["pet"]["properties"]["kind"] == {
        "type": "string"
    }


def test_json_object_is_mapped_so_the_fake_accepts(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_json({"ok": True})
    result = client.chat(USER, response_format={"type": "json_object"})
    assert json.loads(result.content) == {"ok": True}
    assert fake_lmstudio.last_request.json["response_format"]["type"] == "json_schema"


def test_object_tool_choice_sent_raw_is_a_bad_request(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    """Through `extra` nothing is mapped, and the fake answers as LM Studio would."""
    raw_choice = {"type": "function", "function": {"name": "get_time"}}
    with pytest.raises(BadRequestError, match="Invalid tool_choice type"):
        client.chat(USER, tools=[WEATHER], extra={"tool_choice": raw_choice})
    assert fake_lmstudio.last_request.json["tool_choice"] == raw_choice


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning", "think"])
@pytest.mark.parametrize("stream", [False, True])
def test_reasoning_forms(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio, field: str, stream: bool
) -> None:
    fake_lmstudio.reply_text("42", reasoning="six times seven", reasoning_field=field)  # type: ignore[arg-type]
    if stream:
        chat_stream = client.chat_stream(USER)
        reasoning = "".join(d.reasoning for d in chat_stream)
        result = chat_stream.result()
        assert reasoning == "six times seven"
    else:
        result = client.chat(USER)
    assert result.content == "42"
    assert result.reasoning == "six times seven"


def test_context_overflow(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(400, CONTEXT_OVERFLOW_ERROR)
    with pytest.raises(ContextLengthExceededError) as caught:
        client.chat(USER)
    assert caught.value.status_code == 400


def test_context_overflow_with_http_200(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_error(200, CONTEXT_OVERFLOW_ERROR)
    fake_lmstudio.reply_error(200, CONTEXT_OVERFLOW_ERROR)
    with pytest.raises(ContextLengthExceededError):
        client.chat(USER)
    with pytest.raises(ContextLengthExceededError):
        list(client.chat_stream(USER))


def test_server_error_is_typed(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(500, {"message": "engine crashed", "type": "server_error"})
    with pytest.raises(ServerError, match="engine crashed"):
        client.chat(USER)


def test_server_error_is_retried(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(503, "busy").reply_text("after retry")
    with LMStudioClient(
        base_url=fake_lmstudio.base_url,
        verify=False,
        max_retries=1,
        retry_backoff=0,
        circuit_breaker_threshold=0,
    ) as client:
        assert client.chat(USER).content == "after retry"
    assert len(fake_lmstudio.chat_requests) == 2


def test_error_inside_the_stream_keeps_the_partial_answer(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_stream_error(2, "Model unloaded during generation", text="Hello world")
    received: list[str] = []
    stream = client.chat_stream(USER)
    with pytest.raises(ServerError, match="Model unloaded") as caught:
        received.extend(delta.content for delta in stream)
    assert "".join(received) == "Hello world"
    assert caught.value.partial is not None
    assert caught.value.partial.content == "Hello world"


def test_unknown_model() -> None:
    with FakeLMStudio(models=["qwen3-4b", "nomic-embed"]) as fake:
        with LMStudioClient(base_url=fake.base_url, verify=False, max_retries=0) as client:
            with pytest.raises(ModelNotFoundError) as caught:
                client.chat(USER, model="gpt-4o")
    assert caught.value.model == "gpt-4o"
    assert caught.value.available_models == ["qwen3-4b", "nomic-embed"]


def test_unknown_endpoint(fake_lmstudio: FakeLMStudio) -> None:
    with LMStudioClient(
        base_url=fake_lmstudio.root_url + "/wrong/v1", max_retries=0, verify=False
    ) as client:
        with pytest.raises(BadRequestError, match="does not know this endpoint"):
            client.chat(USER, model="fake-llm")


def test_auth() -> None:
    with FakeLMStudio(api_key="sk-lm-abc:secret") as fake:
        with LMStudioClient(base_url=fake.base_url, verify=False, max_retries=0) as anonymous:
            with pytest.raises(AuthenticationError) as caught:
                anonymous.chat(USER, model="fake-llm")
            assert caught.value.status_code == 401
        with LMStudioClient(
            base_url=fake.base_url, verify=False, api_key="sk-lm-abc:secret"
        ) as client:
            assert client.chat(USER, model="fake-llm").content == "ok"
            assert client.list_models()
        assert fake.last_request.headers["authorization"] == "Bearer sk-lm-abc:secret"


def test_catalog(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    models = client.list_models()
    assert [(m.id, m.type, m.is_loaded) for m in models] == [
        ("fake-llm", "llm", True),
        ("fake-embed", "embeddings", True),
    ]
    assert models[0].supports_tools is True
    assert client.context_length("fake-llm") == 4096
    assert client.default_model() == "fake-llm"
    assert client.default_model(embeddings=True) == "fake-embed"
    assert fake_lmstudio.requests[0].path == "/api/v1/models"


def test_catalog_with_several_loaded_models() -> None:
    models = [FakeModel("a"), FakeModel("b", context_length=8192)]
    with (
        FakeLMStudio(models=models) as fake,
        LMStudioClient(base_url=fake.base_url, verify=False) as client,
    ):
        with pytest.raises(ModelNotFoundError, match="Several"):
            client.default_model()
        assert client.context_length("b") == 8192


def test_load_and_unload(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    client.unload_model("fake-llm")
    assert not fake_lmstudio.model("fake-llm").loaded
    assert client.model_info("fake-llm").state == "not-loaded"  # type: ignore[union-attr]
    loaded = client.load_model("fake-llm", context_length=16384, ttl=300)
    assert loaded.instance_id == "fake-llm"
    assert loaded.context_length == 16384
    assert fake_lmstudio.model("fake-llm").ttl == 300
    assert fake_lmstudio.last_request.json["ttl"] == 300
    assert client.context_length("fake-llm") == 16384
    with pytest.raises(ModelNotFoundError):
        client.load_model("not-downloaded")


def test_embeddings_keep_order_across_batches(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    texts = [f"text {i}" for i in range(7)]
    result = client.embed(texts, batch_size=3)
    assert result.vectors == [fake_embedding(t) for t in texts]
    assert result.model == "fake-embed"
    bodies = [r.json for r in fake_lmstudio.requests if r.path == "/v1/embeddings"]
    assert [len(b["input"]) for b in bodies] == [3, 3, 1]
    assert all(b["encoding_format"] == "float" for b in bodies)


def test_options_reach_the_top_level(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    client.chat(
        USER,
        ttl=600,
        draft_model="tiny-draft",
        top_k=40,
        min_p=0.05,
        repeat_penalty=1.1,
        cache_prompt=True,
        mirostat=2,
    )
    body = fake_lmstudio.last_request.json
    assert body["ttl"] == 600
    assert body["draft_model"] == "tiny-draft"
    assert (body["top_k"], body["min_p"], body["repeat_penalty"]) == (40, 0.05, 1.1)
    assert (body["cache_prompt"], body["mirostat"]) == (True, 2)
    assert "options" not in body
