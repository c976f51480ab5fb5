"""`model_facts`: one catalog request per client, cached, refreshed by load and unload."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    AsyncLMStudioClient,
    LMStudioClient,
    ModelFacts,
    ModelNotFoundError,
)
from lmstudio_core.testing import FakeLMStudio, FakeModel

USER = [{"role": "user", "content": "Hi"}]


def _catalog_requests(fake: FakeLMStudio) -> list[str]:
    return [r.path for r in fake.requests if "models" in r.path or r.path == "/props"]


def test_one_catalog_request_for_the_facts(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    facts = client.model_facts()
    assert facts == ModelFacts(
        model="fake-llm",
        type="llm",
        context_length=4096,
        tools=True,
        vision=False,
        reasoning=False,
        source="/api/v1/models",
    )
    assert client.model_facts() is facts
    assert client.model_facts("fake-llm") is facts  # the resolved name shares the entry
    client.chat(USER)  # the default model is known: no second catalog request
    assert _catalog_requests(fake_lmstudio) == ["/api/v1/models"]
    assert fake_lmstudio.chat_requests[-1].json["model"] == "fake-llm"


def test_load_and_unload_refresh_the_facts(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    assert client.model_facts("fake-llm").context_length == 4096
    client.unload_model("fake-llm")
    assert client.model_facts("fake-llm").context_length == 32768  # not loaded: the maximum
    client.load_model("fake-llm", context_length=16384)
    assert client.model_facts("fake-llm").context_length == 16384
    assert client.model_facts("fake-llm").context_length == 16384
    assert _catalog_requests(fake_lmstudio) == [
        "/api/v1/models",
        "/api/v1/models/unload",
        "/api/v1/models",
        "/api/v1/models/load",
        "/api/v1/models",
    ]


def test_capabilities_of_a_vision_reasoning_model() -> None:
    vlm = FakeModel("vlm", type="vlm", capabilities=("reasoning",), context_length=8192)
    with (
        FakeLMStudio(models=[vlm, "fake-embed"]) as fake,
        LMStudioClient(base_url=fake.base_url, verify=False) as client,
    ):
        facts = client.model_facts("vlm")
        assert (facts.type, facts.context_length) == ("vlm", 8192)
        assert (facts.tools, facts.vision, facts.reasoning) == (False, True, True)
        embed = client.model_facts("fake-embed")
        assert (embed.type, embed.tools) == ("embeddings", False)
        assert len(_catalog_requests(fake)) == 2  # one per model asked


def test_no_or_several_loaded_models_raise_and_are_not_cached() -> None:
    models = [FakeModel("a"), FakeModel("b")]
    with (
        FakeLMStudio(models=models) as fake,
        LMStudioClient(base_url=fake.base_url, verify=False) as client,
    ):
        with pytest.raises(ModelNotFoundError, match="Several"):
            client.model_facts()
        client.unload_model("b")
        assert client.model_facts().model == "a"


def test_a_model_the_catalog_does_not_know(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    facts = client.model_facts("elsewhere")
    assert facts == ModelFacts(model="elsewhere")
    # LM Studio answers /props with its 200 "Unexpected endpoint" error: no context length.
    assert _catalog_requests(fake_lmstudio) == ["/api/v1/models", "/props"]


def test_props_only_when_the_catalog_has_no_context_length(httpserver: HTTPServer) -> None:
    unexpected = {"error": "Unexpected endpoint or method. (GET /api/v1/models)"}
    httpserver.expect_request("/api/v1/models").respond_with_json(unexpected)
    httpserver.expect_request("/api/v0/models").respond_with_json(unexpected)
    httpserver.expect_request("/v1/models").respond_with_json(
        {"object": "list", "data": [{"id": "m", "object": "model"}]}
    )
    httpserver.expect_request("/props").respond_with_json(
        {"default_generation_settings": {"n_ctx": 2048}}
    )
    with LMStudioClient(base_url=httpserver.url_for("/v1"), verify=False) as client:
        facts = client.model_facts()
        assert (facts.model, facts.context_length, facts.tools) == ("m", 2048, None)
        assert client.model_facts("m") is facts
    assert [r.path for r, _ in httpserver.log] == [
        "/api/v1/models",
        "/api/v0/models",
        "/v1/models",
        "/props",
    ]


async def test_async_facts_share_the_flow(
    aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    facts = await aclient.model_facts()
    assert (facts.model, facts.context_length, facts.tools) == ("fake-llm", 4096, True)
    assert await aclient.model_facts() is facts
    await aclient.unload_model("fake-llm")
    assert (await aclient.model_facts("fake-llm")).context_length == 32768
    assert _catalog_requests(fake_lmstudio) == [
        "/api/v1/models",
        "/api/v1/models/unload",
        "/api/v1/models",
    ]
