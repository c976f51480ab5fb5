"""Catalog, context length, default model and health against the real server."""

from __future__ import annotations

import socket

import pytest

from lmstudio_core import AsyncLMStudioClient, LMStudioClient, LoadNotSupportedError
from tests.integration.core_support import async_client, client
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def test_catalog(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        models = lm.list_models()
        assert [m.id for m in models] == [llama_server.model]
        info = models[0]
        assert info.source == "/v1/models"
        assert info.loaded_context_length == llama_server.ctx
        assert lm.context_length() == llama_server.ctx
        assert lm.context_length(llama_server.model) == llama_server.ctx
        assert lm.model_info(llama_server.model) == info
        assert lm.default_model() == llama_server.model
        assert lm.default_model(embeddings=True) == llama_server.model


def test_model_facts(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        facts = lm.model_facts()
        assert facts.model == llama_server.model
        assert facts.context_length == llama_server.ctx
        assert (facts.tools, facts.vision, facts.reasoning) == (None, None, None)
        assert lm.model_facts(llama_server.model) is facts


async def test_catalog_async(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as lm:
        assert [m.id for m in await lm.list_models()] == [llama_server.model]
        assert await lm.context_length() == llama_server.ctx
        assert await lm.default_model() == llama_server.model


def test_health(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        assert lm.health() is True
    with LMStudioClient(base_url=_closed_port_url(), max_retries=0) as down:
        assert down.health() is False


async def test_health_async(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as lm:
        assert await lm.health() is True
    async with AsyncLMStudioClient(base_url=_closed_port_url(), max_retries=0) as down:
        assert await down.health() is False


def test_llama_server_cannot_load_or_unload(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        with pytest.raises(LoadNotSupportedError) as loading:
            lm.load_model(llama_server.model, progress=False)
        with pytest.raises(LoadNotSupportedError) as unloading:
            lm.unload_model(llama_server.model)
    assert loading.value.status_code == 404
    message = loading.value.message
    assert "cannot load models over HTTP" in message
    assert "llama-server -m MODEL.gguf" in message
    assert "ends in /v1" not in message
    assert "llama-server serves the model it was started with" in unloading.value.message
