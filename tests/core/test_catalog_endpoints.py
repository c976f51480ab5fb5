"""The model catalog on the wire: ``/api/v1/models``, the fallbacks, and what is derived from it."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    InvalidResponseError,
    LMStudioClient,
    ModelNotFoundError,
)
from lmstudio_core.testing import FakeLMStudio, FakeModel
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    API_V0_MODELS,
    API_V1_MODELS,
    CHAT_COMPLETION,
    LLAMA_CPP_MODELS,
    OPENAI_MODELS,
    UNEXPECTED_ENDPOINT,
)
from tests.support.httpserver_answers import request_paths, sent_bodies

NOT_FOUND = {"error": {"message": "File Not Found", "type": "not_found_error", "code": 404}}


async def test_api_v1_models(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models", method="GET").respond_with_json(API_V1_MODELS)
    models = await make_api().call("list_models")
    assert [(m.id, m.type, m.context_length) for m in models] == [
        ("qwen/qwen3-4b-2507", "llm", 8192),
        ("text-embedding-nomic-embed-text-v1.5", "embeddings", 2048),
    ]
    assert request_paths(httpserver) == ["GET /api/v1/models"]


async def test_v1_404_falls_back_to_v0(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(NOT_FOUND, status=404)
    httpserver.expect_request("/api/v0/models").respond_with_json(API_V0_MODELS)
    api = make_api()
    models = await api.call("list_models")
    assert [(m.id, m.state, m.context_length) for m in models] == [
        ("google/gemma-3-4b", "loaded", 12918),
        ("text-embedding-nomic-embed-text-v1.5", "not-loaded", 2048),
    ]
    assert request_paths(httpserver) == ["GET /api/v1/models", "GET /api/v0/models"]
    await api.call("list_models")  # the endpoint that answered is remembered
    assert request_paths(httpserver)[2:] == ["GET /api/v0/models"]


async def test_v1_unexpected_endpoint_200_falls_back(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(UNEXPECTED_ENDPOINT)
    httpserver.expect_request("/api/v0/models").respond_with_json(API_V0_MODELS)
    models = await make_api().call("list_models")
    assert models[0].id == "google/gemma-3-4b"
    assert request_paths(httpserver) == ["GET /api/v1/models", "GET /api/v0/models"]


async def test_plain_v1_models_without_created(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(UNEXPECTED_ENDPOINT)
    httpserver.expect_request("/api/v0/models").respond_with_json(NOT_FOUND, status=404)
    httpserver.expect_request("/v1/models").respond_with_json(OPENAI_MODELS)
    api = make_api()
    models = await api.call("list_models")
    assert [(m.id, m.type) for m in models] == [
        ("qwen/qwen3-4b-2507", "unknown"),
        ("text-embedding-nomic-embed-text-v1.5", "embeddings"),
    ]
    assert await api.call("default_model") == "qwen/qwen3-4b-2507"
    assert await api.call("default_model", embeddings=True) == (
        "text-embedding-nomic-embed-text-v1.5"
    )


async def test_no_catalog_at_all(httpserver: HTTPServer, make_api: MakeApi) -> None:
    for path in ("/api/v1/models", "/api/v0/models", "/v1/models"):
        httpserver.expect_request(path).respond_with_data("<html>nope</html>")
    with pytest.raises(InvalidResponseError):
        await make_api().call("list_models")


async def test_context_length_from_catalog(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    api = make_api()
    assert await api.call("context_length", "qwen/qwen3-4b-2507") == 8192
    assert await api.call("context_length") == 8192
    info = await api.call("model_info", "text-embedding-nomic-embed-text-v1.5")
    assert info.is_embedding
    assert await api.call("model_info", "missing") is None


async def test_context_length_from_llama_cpp_props(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(NOT_FOUND, status=404)
    httpserver.expect_request("/api/v0/models").respond_with_json(NOT_FOUND, status=404)
    body = {"object": "list", "data": [{"id": "tiny-chat", "object": "model"}]}
    httpserver.expect_request("/v1/models").respond_with_json(body)
    httpserver.expect_request("/props").respond_with_json(
        {"default_generation_settings": {"n_ctx": 2048}}
    )
    assert await make_api().call("context_length") == 2048
    assert request_paths(httpserver)[-1] == "GET /props"


async def test_llama_cpp_models_meta(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(NOT_FOUND, status=404)
    httpserver.expect_request("/api/v0/models").respond_with_json(NOT_FOUND, status=404)
    httpserver.expect_request("/v1/models").respond_with_json(LLAMA_CPP_MODELS)
    assert await make_api().call("context_length", "tiny-chat") == 2048


async def test_chat_without_model_uses_the_loaded_one(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    httpserver.expect_request("/v1/chat/completions").respond_with_json(CHAT_COMPLETION)
    api = make_api()
    await api.call("chat", USER)
    await api.call("chat", USER)
    assert [b["model"] for b in sent_bodies(httpserver)] == ["qwen/qwen3-4b-2507"] * 2
    assert request_paths(httpserver).count("GET /api/v1/models") == 1


async def test_default_model_when_nothing_is_loaded(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    body = {"models": [{**API_V1_MODELS["models"][0], "loaded_instances": []}]}
    httpserver.expect_request("/api/v1/models").respond_with_json(body)
    with pytest.raises(ModelNotFoundError, match="No chat model") as info:
        await make_api().call("chat", USER)
    assert info.value.available_models == ["qwen/qwen3-4b-2507"]
    assert sent_bodies(httpserver) == []


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
