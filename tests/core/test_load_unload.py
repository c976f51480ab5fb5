"""Model load and unload (LM Studio 0.4+ ``/api/v1/models/load|unload``)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    AsyncLMStudioClient,
    BadRequestError,
    LMStudioClient,
    ModelNotFoundError,
)
from lmstudio_core.testing import FakeLMStudio, fake_embedding
from tests.core.both_clients import MakeApi
from tests.core.samples import (
    API_V1_MODELS,
    CHAT_COMPLETION,
)
from tests.support.httpserver_answers import sent_bodies

LOADED = {
    "type": "llm",
    "instance_id": "openai/gpt-oss-20b",
    "load_time_seconds": 9.1,
    "status": "loaded",
    "load_config": {
        "context_length": 16384,
        "eval_batch_size": 512,
        "flash_attention": True,
        "offload_kv_cache_to_gpu": True,
        "num_experts": 4,
    },
}


async def test_load_with_context_length_and_ttl(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models/load", method="POST").respond_with_json(LOADED)
    result = await make_api().call(
        "load_model", "openai/gpt-oss-20b", context_length=16384, ttl=600, flash_attention=True
    )
    assert result.instance_id == "openai/gpt-oss-20b"
    assert result.status == "loaded"
    assert result.load_time_seconds == 9.1
    assert result.context_length == 16384
    assert result.raw == LOADED
    assert sent_bodies(httpserver, "/api/v1/models/load") == [
        {
            "model": "openai/gpt-oss-20b",
            "echo_load_config": True,
            "flash_attention": True,
            "context_length": 16384,
            "ttl": 600,
        }
    ]


async def test_load_minimal_answer(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models/load").respond_with_json({"status": "loaded"})
    result = await make_api().call("load_model", "m")
    assert result.instance_id == "m"
    assert result.context_length is None
    assert sent_bodies(httpserver, "/api/v1/models/load") == [
        {"model": "m", "echo_load_config": True}
    ]


async def test_unload(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models/unload", method="POST").respond_with_json(
        {"instance_id": "openai/gpt-oss-20b"}
    )
    assert await make_api().call("unload_model", "openai/gpt-oss-20b") is None
    assert sent_bodies(httpserver, "/api/v1/models/unload") == [
        {"instance_id": "openai/gpt-oss-20b"}
    ]


async def test_load_on_an_old_server(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models/load").respond_with_json(
        {"error": "Unexpected endpoint or method. (POST /api/v1/models/load)"}
    )
    with pytest.raises(BadRequestError, match="Unexpected endpoint"):
        await make_api().call("load_model", "m")


async def test_load_forgets_the_cached_default_model(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    httpserver.expect_request("/api/v1/models/load").respond_with_json(LOADED)
    httpserver.expect_request("/v1/chat/completions").respond_with_json(CHAT_COMPLETION)
    api = make_api()
    await api.call("chat", [{"role": "user", "content": "x"}])
    await api.call("load_model", "openai/gpt-oss-20b")
    await api.call("chat", [{"role": "user", "content": "x"}])
    gets = [r for r, _ in httpserver.log if r.path == "/api/v1/models"]
    assert len(gets) == 2


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


async def test_catalog_lifecycle_and_embeddings(
    aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    assert await aclient.default_model() == "fake-llm"
    await aclient.unload_model("fake-llm")
    loaded = await aclient.load_model("fake-llm", ttl=120)
    assert loaded.status == "loaded"
    assert fake_lmstudio.model("fake-llm").ttl == 120
    result = await aclient.embed(["b", "a"])
    assert result.vectors == [fake_embedding("b"), fake_embedding("a")]
