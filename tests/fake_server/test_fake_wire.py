"""The fake server's wire format, read with plain httpx: it must look like LM Studio."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest

from lmstudio_core.testing import EMBEDDING_DIM, FakeLMStudio, FakeModel, fake_embedding

HTTP = httpx.Client(timeout=10)  # one client: creating one per call costs ~0.15 s
USER = [{"role": "user", "content": "What is the capital of France?"}]


def post(fake: FakeLMStudio, path: str, body: Any, **kw: Any) -> httpx.Response:
    return HTTP.post(fake.root_url + path, json=body, **kw)


def events(response: httpx.Response) -> list[Any]:
    """The SSE ``data:`` payloads, decoded (``[DONE]`` kept as a string)."""
    assert response.headers["content-type"].startswith("text/event-stream")
    out: list[Any] = []
    for block in response.text.split("\n\n"):
        if not block.strip():
            continue
        assert block.startswith("data: "), block
        payload = block[len("data: ") :]
        out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def chat(fake: FakeLMStudio, **extra: Any) -> httpx.Response:
    return post(fake, "/v1/chat/completions", {"model": "fake-llm", "messages": USER, **extra})


def test_non_streamed_text_has_lm_studio_shape(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("Paris is the capital.")
    body = chat(fake_lmstudio).json()
    assert body["object"] == "chat.completion"
    assert body["model"] == body["system_fingerprint"] == "fake-llm"
    assert body["stats"] == {}
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["logprobs"] is None
    assert choice["message"] == {
        "role": "assistant",
        "content": "Paris is the capital.",
        "reasoning_content": "",
        "tool_calls": [],
    }
    assert body["usage"]["completion_tokens"] == 4
    assert body["usage"]["prompt_tokens"] == 6
    assert body["usage"]["total_tokens"] == 10


def test_default_reply_is_ok_and_configurable() -> None:
    with FakeLMStudio() as fake:
        assert chat(fake).json()["choices"][0]["message"]["content"] == "ok"
    from lmstudio_core.testing import MessageReply

    with FakeLMStudio(default_reply=MessageReply("fallback")) as fake:
        fake.reply_text("first")
        contents = [chat(fake).json()["choices"][0]["message"]["content"] for _ in range(3)]
    assert contents == ["first", "fallback", "fallback"]


def test_streamed_text_without_usage(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("Paris is the capital.")
    got = events(chat(fake_lmstudio, stream=True))
    assert got[-1] == "[DONE]"
    chunks = got[:-1]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    content = [c["choices"][0]["delta"] for c in chunks[:-1]]
    assert len(content) == 3
    assert all(d["role"] == "assistant" for d in content)
    assert "".join(d["content"] for d in content) == "Paris is the capital."
    assert chunks[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert not any("usage" in c for c in chunks)


def test_streamed_usage_chunk_only_with_include_usage(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("Paris", usage={"prompt_tokens": 11, "completion_tokens": 2})
    got = events(chat(fake_lmstudio, stream=True, stream_options={"include_usage": True}))
    assert got[-1] == "[DONE]"
    usage_chunk = got[-2]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"]["prompt_tokens"] == 11
    assert usage_chunk["usage"]["total_tokens"] == 13
    assert got[-3]["choices"][0]["finish_reason"] == "stop"


def test_stream_pieces_controls_the_split() -> None:
    with FakeLMStudio(stream_pieces=5) as fake:
        fake.reply_text("abcdefghij")
        got = events(chat(fake, stream=True))
    assert [c["choices"][0]["delta"].get("content") for c in got[:-2]] == [
        "ab",
        "cd",
        "ef",
        "gh",
        "ij",
    ]


def test_tool_call_non_streamed(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_tool_call("get_weather", {"city": "Oslo"}, id="730116245")
    choice = chat(fake_lmstudio).json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"] == [
        {
            "id": "730116245",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
        }
    ]


def test_tool_call_ids_are_numeric_strings_when_not_given(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_tool_calls([("a", {}), ("b", {})])
    calls = chat(fake_lmstudio).json()["choices"][0]["message"]["tool_calls"]
    ids = [c["id"] for c in calls]
    assert all(i.isdigit() for i in ids)
    assert len(set(ids)) == 2


def test_tool_calls_streamed_as_lm_studio_fragments(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_tool_calls(
        [("get_weather", {"city": "Oslo"}), {"name": "get_time", "arguments": "", "id": "7"}]
    )
    got = events(chat(fake_lmstudio, stream=True))
    deltas = [c["choices"][0]["delta"] for c in got[:-2]]
    fragments = [d["tool_calls"][0] for d in deltas]
    first = fragments[0]
    assert first["index"] == 0
    assert first["type"] == "function"
    assert first["function"] == {"name": "get_weather", "arguments": ""}
    assert first["id"].isdigit()
    args0 = [f for f in fragments[1:] if f["index"] == 0]
    assert len(args0) == 3
    assert all(set(f) == {"index", "function"} for f in args0)
    assert json.loads("".join(f["function"]["arguments"] for f in args0)) == {"city": "Oslo"}
    second = [f for f in fragments if f["index"] == 1]
    assert second == [
        {
            "index": 1,
            "id": "7",
            "type": "function",
            "function": {"name": "get_time", "arguments": ""},
        }
    ]
    assert got[-2]["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_fields(fake_lmstudio: FakeLMStudio, field: str) -> None:
    fake_lmstudio.reply_text("42", reasoning="six times seven", reasoning_field=field)  # type: ignore[arg-type]
    fake_lmstudio.reply_text("42", reasoning="six times seven", reasoning_field=field)  # type: ignore[arg-type]
    message = chat(fake_lmstudio).json()["choices"][0]["message"]
    assert message[field] == "six times seven"
    assert message["content"] == "42"
    other = "reasoning" if field == "reasoning_content" else "reasoning_content"
    assert other not in message
    got = events(chat(fake_lmstudio, stream=True))
    reasoning = "".join(c["choices"][0]["delta"].get(field, "") for c in got[:-1])
    assert reasoning == "six times seven"
    assert got[0]["choices"][0]["delta"].get(field)  # reasoning streams before the answer


def test_reasoning_inline_think(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("42", reasoning="hmm", reasoning_field="think")
    message = chat(fake_lmstudio).json()["choices"][0]["message"]
    assert message["content"] == "<think>hmm</think>42"


def test_json_reply(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_json({"name": "Ada", "age": 36})
    content = chat(fake_lmstudio).json()["choices"][0]["message"]["content"]
    assert json.loads(content) == {"name": "Ada", "age": 36}


def test_error_replies_keep_lm_studio_shapes(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(400, "plain text error")
    fake_lmstudio.reply_error(503, {"message": "busy", "type": "server_error"})
    fake_lmstudio.reply_error(200, "Context size has been exceeded.")
    first = chat(fake_lmstudio, stream=True)
    assert (first.status_code, first.json()) == (400, {"error": "plain text error"})
    second = chat(fake_lmstudio)
    assert second.status_code == 503
    assert second.json() == {"error": {"message": "busy", "type": "server_error"}}
    third = chat(fake_lmstudio)
    assert (third.status_code, third.json()) == (200, {"error": "Context size has been exceeded."})


def test_stream_error_after_chunks(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_stream_error(2, "Model crashed", text="Hello world")
    fake_lmstudio.reply_stream_error(2, {"message": "boom", "type": "x"})
    got = events(chat(fake_lmstudio, stream=True))
    assert [c["choices"][0]["delta"]["content"] for c in got[:2]] == ["Hello ", "world"]
    assert got[2] == {
        "error": {"message": "Model crashed", "type": "server_error", "param": None, "code": None}
    }
    assert len(got) == 3  # no [DONE] after an error
    not_streamed = chat(fake_lmstudio)
    assert not_streamed.status_code == 500
    assert not_streamed.json() == {"error": {"message": "boom", "type": "x"}}


def test_json_object_is_rejected_like_lm_studio(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("never served")
    response = chat(fake_lmstudio, response_format={"type": "json_object"})
    assert response.status_code == 400
    assert response.json() == {"error": "'response_format.type' must be 'json_schema' or 'text'"}
    assert fake_lmstudio.pending_replies == 1  # a rejected request consumes no reply


def test_object_tool_choice_is_rejected_like_lm_studio(fake_lmstudio: FakeLMStudio) -> None:
    choice = {"type": "function", "function": {"name": "get_weather"}}
    response = chat(fake_lmstudio, tool_choice=choice)
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid tool_choice type: 'object'. Supported string values: none, auto, required"
    }
    assert chat(fake_lmstudio, tool_choice="required").status_code == 200


def test_missing_messages(fake_lmstudio: FakeLMStudio) -> None:
    response = post(fake_lmstudio, "/v1/chat/completions", {"model": "fake-llm"})
    assert response.status_code == 400
    assert response.json() == {"error": "'messages' field is required"}


@pytest.mark.parametrize(("method", "path"), [("POST", "/chat/completions"), ("GET", "/v1/x")])
def test_unknown_path_is_200_with_error(
    fake_lmstudio: FakeLMStudio, method: str, path: str
) -> None:
    response = HTTP.request(method, fake_lmstudio.root_url + path, json={})
    assert response.status_code == 200
    assert response.json() == {"error": f"Unexpected endpoint or method. ({method} {path})"}


def test_unknown_model_rejected_only_with_explicit_catalog() -> None:
    with FakeLMStudio() as lenient:
        answer = post(lenient, "/v1/chat/completions", {"model": "anything", "messages": USER})
        assert answer.json()["model"] == "anything"
    with FakeLMStudio(models=["qwen3-4b", "nomic-embed"]) as strict:
        response = post(strict, "/v1/chat/completions", {"model": "gpt-4o", "messages": USER})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "model_not_found"
    assert error["param"] == "model"
    assert error["message"].startswith('Invalid model identifier "gpt-4o".')
    assert "qwen3-4b" in error["message"]


def test_no_model_uses_the_loaded_one_and_jit_loads() -> None:
    models = [FakeModel("a", loaded=False), FakeModel("b"), FakeModel("e", type="embeddings")]
    with FakeLMStudio(models=models) as fake:
        assert post(fake, "/v1/chat/completions", {"messages": USER}).json()["model"] == "b"
        assert not fake.model("a").loaded
        post(fake, "/v1/chat/completions", {"model": "a", "messages": USER})
        assert fake.model("a").loaded


def test_nothing_loaded(fake_lmstudio: FakeLMStudio) -> None:
    for model in fake_lmstudio.models:
        model.loaded = False
    response = post(fake_lmstudio, "/v1/chat/completions", {"messages": USER})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("No models loaded.")


def test_catalog_shapes(fake_lmstudio: FakeLMStudio) -> None:
    v1 = HTTP.get(fake_lmstudio.base_url + "/models").json()
    assert v1 == {
        "object": "list",
        "data": [
            {"id": "fake-llm", "object": "model", "owned_by": "organization_owner"},
            {"id": "fake-embed", "object": "model", "owned_by": "organization_owner"},
        ],
    }
    v0 = HTTP.get(fake_lmstudio.root_url + "/api/v0/models").json()["data"]
    assert v0[0]["type"] == "llm"
    assert v0[0]["state"] == "loaded"
    assert v0[0]["loaded_context_length"] == 4096
    assert v0[0]["capabilities"] == ["tool_use"]
    assert v0[1]["type"] == "embeddings"
    one = HTTP.get(fake_lmstudio.root_url + "/api/v0/models/fake-embed").json()
    assert one == v0[1]
    api_v1 = HTTP.get(fake_lmstudio.root_url + "/api/v1/models").json()["models"]
    assert api_v1[0]["key"] == "fake-llm"
    assert api_v1[0]["loaded_instances"][0]["config"]["context_length"] == 4096
    assert api_v1[0]["capabilities"]["trained_for_tool_use"] is True
    assert api_v1[1]["type"] == "embedding"
    assert "capabilities" not in api_v1[1]


def test_load_and_unload_change_every_catalog(fake_lmstudio: FakeLMStudio) -> None:
    unloaded = post(fake_lmstudio, "/api/v1/models/unload", {"instance_id": "fake-llm"})
    assert unloaded.json() == {"instance_id": "fake-llm"}
    v0 = HTTP.get(fake_lmstudio.root_url + "/api/v0/models").json()["data"][0]
    assert v0["state"] == "not-loaded"
    assert "loaded_context_length" not in v0
    again = post(fake_lmstudio, "/api/v1/models/unload", {"instance_id": "fake-llm"})
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "model_not_found"
    loaded = post(
        fake_lmstudio,
        "/api/v1/models/load",
        {"model": "fake-llm", "context_length": 8192, "ttl": 600, "echo_load_config": True},
    ).json()
    assert loaded["status"] == "loaded"
    assert loaded["instance_id"] == "fake-llm"
    assert loaded["load_config"]["context_length"] == 8192
    assert fake_lmstudio.model("fake-llm").ttl == 600
    api_v1 = HTTP.get(fake_lmstudio.root_url + "/api/v1/models").json()["models"][0]
    assert api_v1["loaded_instances"][0]["config"]["context_length"] == 8192
    missing = post(fake_lmstudio, "/api/v1/models/load", {"model": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "model_not_found"


def test_embeddings_are_deterministic_normalised_and_ordered(fake_lmstudio: FakeLMStudio) -> None:
    texts = ["alpha", "beta", "alpha"]
    body = post(fake_lmstudio, "/v1/embeddings", {"model": "fake-embed", "input": texts}).json()
    assert body["object"] == "list"
    assert body["model"] == "fake-embed"
    assert [item["index"] for item in body["data"]] == [0, 1, 2]
    vectors = [item["embedding"] for item in body["data"]]
    assert vectors[0] == vectors[2] == fake_embedding("alpha")
    assert vectors[0] != vectors[1]
    assert all(len(v) == EMBEDDING_DIM for v in vectors)
    assert all(math.isclose(math.hypot(*v), 1.0) for v in vectors)
    single = post(fake_lmstudio, "/v1/embeddings", {"input": "beta"}).json()
    assert single["data"][0]["embedding"] == vectors[1]
    assert single["model"] == "fake-embed"


def test_embeddings_reject_token_ids(fake_lmstudio: FakeLMStudio) -> None:
    response = post(fake_lmstudio, "/v1/embeddings", {"input": [[1, 2, 3]]})
    assert response.status_code == 400
    assert "array of strings" in response.json()["error"]


def test_api_key_required() -> None:
    with FakeLMStudio(api_key="sk-lm-abc:def") as fake:
        missing = HTTP.get(fake.base_url + "/models")
        wrong = HTTP.get(fake.base_url + "/models", headers={"Authorization": "Bearer x"})
        right = HTTP.get(
            fake.base_url + "/models", headers={"Authorization": "Bearer sk-lm-abc:def"}
        )
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"
        assert response.json()["error"]["type"] == "invalid_request"
    assert "Authorization: Bearer $LM_API_TOKEN" in missing.json()["error"]["message"]
    assert right.status_code == 200


def test_requests_are_recorded(fake_lmstudio: FakeLMStudio) -> None:
    with pytest.raises(LookupError):
        _ = fake_lmstudio.last_request
    chat(fake_lmstudio, top_k=40, ttl=60)
    HTTP.get(fake_lmstudio.base_url + "/models", headers={"X-Trace": "1"})
    requests = fake_lmstudio.requests
    assert [(r.method, r.path) for r in requests] == [
        ("POST", "/v1/chat/completions"),
        ("GET", "/v1/models"),
    ]
    assert fake_lmstudio.last_request.headers["x-trace"] == "1"
    assert fake_lmstudio.last_request.json is None
    (only_chat,) = fake_lmstudio.chat_requests
    assert only_chat.json["top_k"] == 40
    assert only_chat.json["ttl"] == 60
    fake_lmstudio.reply_text("x")
    fake_lmstudio.clear()
    assert fake_lmstudio.requests == []
    assert fake_lmstudio.pending_replies == 0


def test_keep_alive_connection_is_reused_across_streams(fake_lmstudio: FakeLMStudio) -> None:
    with httpx.Client(base_url=fake_lmstudio.root_url) as http:
        for _ in range(3):
            with http.stream(
                "POST", "/v1/chat/completions", json={"messages": USER, "stream": True}
            ) as response:
                body = b"".join(response.iter_bytes())
            assert body.endswith(b"data: [DONE]\n\n")
        plain = http.post("/v1/chat/completions", json={"messages": USER})
    assert plain.json()["choices"][0]["message"]["content"] == "ok"


def test_stop_frees_and_restart_works() -> None:
    fake = FakeLMStudio()
    with pytest.raises(RuntimeError):
        _ = fake.base_url
    fake.start()
    url = fake.base_url
    assert HTTP.get(url + "/models").status_code == 200
    fake.stop()
    fake.stop()
    with pytest.raises(httpx.ConnectError):
        HTTP.get(url + "/models")
    with fake:
        assert HTTP.get(fake.base_url + "/models").status_code == 200
