"""What ChatLMStudio puts on the wire (pytest-httpserver records the requests)."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import SecretStr
from pytest_httpserver import HTTPServer

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings
from lmstudio_core import InvalidRequestError
from tests.langchain.lmstudio_answers import MODEL, USAGE_CHUNK, chunk, completion
from tests.support.httpserver_answers import serve_chat, serve_events

SECRET = "sk-lm-very-secret-token"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LM_API_TOKEN", "LMSTUDIO_API_TOKEN", "LM_STUDIO_API_KEY", "LMSTUDIO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _bodies(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def test_lmstudio_options_reach_the_top_level(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "Hi."}))
    llm = ChatLMStudio(
        model=MODEL,
        base_url=httpserver.url_for("/v1"),
        temperature=0.2,
        max_tokens=-1,
        top_k=40,
        min_p=0.05,
        repeat_penalty=1.1,
        ttl=600,
        draft_model="qwen/qwen3-0.6b",
        seed=7,
        stop=["END"],
        logit_bias={"42": -100.0},
        reasoning_effort="low",
        cache_prompt=True,
        mirostat=2,
        extra_body={"preset": "my-preset"},
    )
    assert llm.model_kwargs == {"cache_prompt": True, "mirostat": 2}
    llm.invoke("hi", typical_p=0.9, top_k=20)
    body = _bodies(httpserver)[0]
    expected = {
        "model": MODEL,
        "temperature": 0.2,
        "max_tokens": -1,
        "top_k": 20,
        "min_p": 0.05,
        "repeat_penalty": 1.1,
        "ttl": 600,
        "draft_model": "qwen/qwen3-0.6b",
        "seed": 7,
        "stop": ["END"],
        "logit_bias": {"42": -100.0},
        "reasoning_effort": "low",
        "cache_prompt": True,
        "mirostat": 2,
        "preset": "my-preset",
        "typical_p": 0.9,
    }
    assert {key: body[key] for key in expected} == expected
    assert "options" not in body
    assert "stream" not in body


def test_per_call_model_and_stop_override(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "Hi."}))
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"), stop=["a"])
    llm.invoke("hi", model="other-model", stop=["b"])
    body = _bodies(httpserver)[0]
    assert body["model"] == "other-model"
    assert body["stop"] == ["b"]
    assert llm._get_ls_params(model="other-model")["ls_model_name"] == "other-model"


def test_stream_body_asks_for_usage(httpserver: HTTPServer) -> None:
    serve_events(httpserver, chunk({"content": "Hi."}), chunk({}, "stop"), USAGE_CHUNK)
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"), cache_prompt=False)
    chunks = list(llm.stream("hi"))
    body = _bodies(httpserver)[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["cache_prompt"] is False
    assert chunks[-1].usage_metadata == {
        "input_tokens": 24,
        "output_tokens": 9,
        "total_tokens": 33,
        "output_token_details": {"reasoning": 4},
    }
    httpserver.clear_log()
    list(llm.stream("hi", stream_usage=False))
    assert _bodies(httpserver)[0]["stream_options"] == {"include_usage": False}


def test_streaming_field_streams_invoke(httpserver: HTTPServer) -> None:
    serve_events(httpserver, chunk({"content": "Hel"}), chunk({"content": "lo."}), USAGE_CHUNK)
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"), streaming=True)
    message = llm.invoke("hi")
    assert message.content == "Hello."
    assert _bodies(httpserver)[0]["stream"] is True


def test_invalid_option_fails_before_sending(httpserver: HTTPServer) -> None:
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"), temperature=5)
    with pytest.raises(InvalidRequestError, match="temperature"):
        llm.invoke("hi")
    assert httpserver.log == []


def test_messages_on_the_wire(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "Done."}))
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"))
    image = {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}
    history = [
        SystemMessage("Be brief."),
        HumanMessage([{"type": "text", "text": "What is this?"}, image]),
        HumanMessage([{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}}]),
        AIMessage(
            "",
            tool_calls=[{"name": "lookup", "args": {"q": "ü"}, "id": "call_1"}],
            additional_kwargs={"reasoning_content": "hidden"},
        ),
        ToolMessage("found it", tool_call_id="call_1"),
    ]
    llm.invoke(history)
    messages = _bodies(httpserver)[0]["messages"]
    assert messages[0] == {"role": "system", "content": "Be brief."}
    assert messages[1]["role"] == "user"
    assert messages[1]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    assert messages[2]["content"][0]["image_url"]["url"] == "data:image/jpeg;base64,/9j/"
    assistant = messages[3]
    assert assistant["content"] == ""
    assert "reasoning_content" not in assistant
    [call] = assistant["tool_calls"]
    assert call["id"] == "call_1"
    assert call["function"]["name"] == "lookup"
    assert json.loads(call["function"]["arguments"]) == {"q": "ü"}
    assert messages[4] == {"role": "tool", "tool_call_id": "call_1", "content": "found it"}


def test_api_key_sent_as_bearer_only_when_set(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "Hi."}))
    url = httpserver.url_for("/v1")
    ChatLMStudio(model=MODEL, base_url=url, api_key=SECRET).invoke("hi")
    ChatLMStudio(model=MODEL, base_url=url).invoke("hi")
    headers = [request.headers.get("Authorization") for request, _ in httpserver.log]
    assert headers == [f"Bearer {SECRET}", None]


def test_api_key_from_env(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LM_API_TOKEN", SECRET)
    monkeypatch.setenv("LMSTUDIO_BASE_URL", httpserver.url_for("/"))
    serve_chat(httpserver, completion({"content": "Hi."}))
    llm = ChatLMStudio(model=MODEL)
    assert llm.base_url == httpserver.url_for("/v1")
    llm.invoke("hi")
    assert httpserver.log[0][0].headers["Authorization"] == f"Bearer {SECRET}"


def test_api_key_never_in_repr_or_dumps() -> None:
    llm = ChatLMStudio(model=MODEL, api_key=SECRET)
    embeddings = LMStudioEmbeddings(api_key=SECRET)
    assert isinstance(llm.api_key, SecretStr)
    for text in (
        repr(llm),
        str(llm),
        dumps(llm),
        json.dumps(dumpd(llm)),
        str(llm._identifying_params),
        repr(embeddings),
        embeddings.model_dump_json(),
    ):
        assert SECRET not in text
    assert llm.lc_secrets == {"api_key": "LM_API_TOKEN"}


def test_from_uri(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "Hi."}))
    query = "temperature=0.7&top_k=20&cache_prompt=true"
    uri = f"lmstudio://qwen3-8b@{httpserver.host}:{httpserver.port}?{query}"
    llm = ChatLMStudio.from_uri(uri, max_tokens=5)
    assert llm.model == "qwen3-8b"
    assert llm.base_url == httpserver.url_for("/v1")
    llm.invoke("hi")
    body = _bodies(httpserver)[0]
    assert (body["model"], body["temperature"], body["top_k"]) == ("qwen3-8b", 0.7, 20)
    assert (body["cache_prompt"], body["max_tokens"]) == (True, 5)


def test_identity_and_ls_params() -> None:
    llm = ChatLMStudio(model=MODEL, temperature=0.5, max_tokens=9, stop=["x"], ttl=60)
    assert llm._llm_type == "lmstudio-chat"
    assert llm._get_ls_params() == {
        "ls_provider": "lmstudio",
        "ls_model_name": MODEL,
        "ls_model_type": "chat",
        "ls_temperature": 0.5,
        "ls_max_tokens": 9,
        "ls_stop": ["x"],
    }
    assert llm._identifying_params["ttl"] == 60
    assert llm._identifying_params["model"] == MODEL


def test_model_kwargs_cannot_shadow_fields() -> None:
    with pytest.raises(ValueError, match="temperature"):
        ChatLMStudio(model_kwargs={"temperature": 0.3})


def test_token_estimates_are_offline(httpserver: HTTPServer) -> None:
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"))
    assert llm.get_num_tokens("a" * 40) == 10
    assert llm.get_num_tokens("") == 0
    messages = [HumanMessage("a" * 40), AIMessage("b" * 8)]
    assert llm.get_num_tokens_from_messages(messages) == (4 + 10) + (4 + 2)

    def tool(city: str) -> str:
        """Weather."""
        return city

    assert llm.get_num_tokens_from_messages(messages, tools=[tool]) > 20
    assert httpserver.log == []


def test_construction_makes_no_request(httpserver: HTTPServer) -> None:
    ChatLMStudio(base_url=httpserver.url_for("/v1"))
    LMStudioEmbeddings(base_url=httpserver.url_for("/v1"))
    assert httpserver.log == []


def test_copies_and_pickles_get_their_own_clients(httpserver: HTTPServer) -> None:
    serve_chat(httpserver, completion({"content": "Hi."}))
    llm = ChatLMStudio(model=MODEL, base_url=httpserver.url_for("/v1"), top_k=3)
    llm.invoke("hi")
    for other in (copy.deepcopy(llm), pickle.loads(pickle.dumps(llm))):
        assert other.top_k == 3
        assert other.invoke("hi").content == "Hi."
        assert other.client is not llm.client
