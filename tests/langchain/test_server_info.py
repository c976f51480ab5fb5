"""Model resolution, profile, catalog and embeddings against LM Studio's catalog shapes."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings
from lmstudio_core import BadRequestError, ModelNotFoundError
from tests.langchain.lmstudio_answers import completion, model_v1, models_v1
from tests.support.httpserver_answers import serve_chat

EMBED = "text-embedding-nomic-embed-text-v1.5"


def _serve_models(httpserver: HTTPServer, *entries: dict[str, object]) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(models_v1(*entries))


def test_default_model_is_the_single_loaded_llm(httpserver: HTTPServer) -> None:
    _serve_models(
        httpserver,
        model_v1("qwen/qwen3-4b"),
        model_v1("google/gemma-3-12b", loaded=False),
        model_v1(EMBED, type="embedding"),
    )
    serve_chat(httpserver, completion({"content": "Hi."}))
    llm = ChatLMStudio(base_url=httpserver.url_for("/v1"))
    llm.invoke("hi")
    llm.invoke("again")
    chats = [r for r, _ in httpserver.log if r.path == "/v1/chat/completions"]
    assert [json.loads(r.get_data())["model"] for r in chats] == ["qwen/qwen3-4b"] * 2
    catalog_requests = [r for r, _ in httpserver.log if r.path == "/api/v1/models"]
    assert len(catalog_requests) == 1


def test_several_loaded_llms_need_a_model(httpserver: HTTPServer) -> None:
    _serve_models(httpserver, model_v1("qwen/qwen3-4b"), model_v1("google/gemma-3-12b"))
    llm = ChatLMStudio(base_url=httpserver.url_for("/v1"))
    with pytest.raises(ModelNotFoundError, match="pass model="):
        llm.invoke("hi")


def test_no_loaded_llm_is_a_clear_error(httpserver: HTTPServer) -> None:
    _serve_models(httpserver, model_v1("qwen/qwen3-4b", loaded=False))
    with pytest.raises(ModelNotFoundError, match="No chat model"):
        ChatLMStudio(base_url=httpserver.url_for("/v1")).invoke("hi")


def test_fetch_profile_from_catalog(httpserver: HTTPServer) -> None:
    caps = {"vision": True, "trained_for_tool_use": True, "reasoning": True}
    _serve_models(httpserver, model_v1("qwen/qwen3-vl-8b", capabilities=caps, context_length=16384))
    llm = ChatLMStudio(model="qwen/qwen3-vl-8b", base_url=httpserver.url_for("/v1"))
    assert dict(llm.profile or {}) == {
        "text_inputs": True,
        "text_outputs": True,
        "structured_output": True,
    }
    assert httpserver.log == []  # construction and the static keys ask nothing
    profile = llm.fetch_profile()
    assert profile["max_input_tokens"] == 16384
    assert profile["tool_calling"] is True
    assert profile["image_inputs"] is True
    assert profile["reasoning_output"] is True
    assert llm.profile == profile
    assert llm.get_context_window() == 16384
    assert [info.id for info in llm.list_models()] == ["qwen/qwen3-vl-8b"]


def test_profile_of_a_text_model_without_tools(httpserver: HTTPServer) -> None:
    _serve_models(httpserver, model_v1("base-model", context_length=4096))
    profile = ChatLMStudio(base_url=httpserver.url_for("/v1")).fetch_profile()
    assert profile["max_input_tokens"] == 4096
    assert profile["tool_calling"] is False
    assert profile["image_inputs"] is False
    assert profile["reasoning_output"] is False


def _embedding_answer(count: int) -> dict[str, object]:
    # Returned out of order on purpose: the index decides the position.
    data = [
        {"object": "embedding", "index": i, "embedding": [float(i), 0.5]}
        for i in reversed(range(count))
    ]
    return {"object": "list", "model": EMBED, "data": data, "usage": {"prompt_tokens": count}}


def test_embeddings_send_strings_in_batches_and_keep_order(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/embeddings").respond_with_handler(
        lambda request: _json_response(len(json.loads(request.get_data())["input"]))
    )
    embeddings = LMStudioEmbeddings(
        model=EMBED, base_url=httpserver.url_for("/v1"), batch_size=2, api_key="k"
    )
    vectors = embeddings.embed_documents(["a", "b", "c"])
    assert vectors == [[0.0, 0.5], [1.0, 0.5], [0.0, 0.5]]
    bodies = [json.loads(r.get_data()) for r, _ in httpserver.log]
    assert [body["input"] for body in bodies] == [["a", "b"], ["c"]]
    assert all(body["encoding_format"] == "float" and body["model"] == EMBED for body in bodies)
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer k"


def _json_response(count: int) -> Response:
    return Response(json.dumps(_embedding_answer(count)), content_type="application/json")


async def test_async_embeddings_use_default_embedding_model(httpserver: HTTPServer) -> None:
    _serve_models(httpserver, model_v1("qwen/qwen3-4b"), model_v1(EMBED, type="embedding"))
    httpserver.expect_request("/v1/embeddings").respond_with_json(_embedding_answer(1))
    embeddings = LMStudioEmbeddings(base_url=httpserver.url_for("/v1"))
    assert await embeddings.aembed_query("hello") == [0.0, 0.5]
    body = json.loads(httpserver.log[-1][0].get_data())
    assert body == {"model": EMBED, "input": ["hello"], "encoding_format": "float"}


def test_embedding_with_a_chat_model_id_explains(httpserver: HTTPServer) -> None:
    _serve_models(httpserver, model_v1("qwen/qwen3-4b"))
    httpserver.expect_request("/v1/embeddings").respond_with_json(
        {"error": "Model is not an embedding model"}, status=400
    )
    embeddings = LMStudioEmbeddings(model="qwen/qwen3-4b", base_url=httpserver.url_for("/v1"))
    with pytest.raises(BadRequestError, match="is a chat model"):
        embeddings.embed_query("hello")


def test_embeddings_reject_non_strings(httpserver: HTTPServer) -> None:
    embeddings = LMStudioEmbeddings(model=EMBED, base_url=httpserver.url_for("/v1"))
    with pytest.raises(ValueError, match="only strings"):
        embeddings.embed_documents([[101, 102]])  # type: ignore[list-item]
    assert httpserver.log == []
