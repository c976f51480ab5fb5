"""Servers without the native API (llama.cpp, LM Studio 0.3): a served model is used as it is.

A context length larger than the served one cannot be had by loading over HTTP: a clear
`LoadNotSupportedError` saying how to restart or load it, and no "Loading" line before it.
"""

from __future__ import annotations

import asyncio

import pytest

from lmstudio_core import AsyncLMStudioClient, LMStudioClient, LoadNotSupportedError
from lmstudio_core.testing import FakeLMStudio, FakeModel
from tests.models.conftest import make_call
from tests.support.llama_server import RunningServer


def _options(server: RunningServer) -> dict[str, object]:
    return {"base_url": server.base_url, "max_retries": 0, "circuit_breaker_threshold": 0}


@pytest.mark.integration
def test_llama_cpp_returns_the_served_model_as_it_is(
    llama_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with LMStudioClient(**_options(llama_server)) as client:  # type: ignore[arg-type]
        ready = client.ensure_model(llama_server.model, context_length=1024, progress=True)
        same = client.ensure_model(llama_server.model, progress=True)
    assert ready.model == same.model == llama_server.model
    assert ready.context_length == llama_server.ctx
    assert not ready.was_loaded
    assert not ready.was_downloaded
    assert capsys.readouterr().err == ""  # nothing to load: no "Loading" line


@pytest.mark.integration
def test_llama_cpp_with_less_context_than_asked_says_how_to_restart(
    llama_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    wanted = llama_server.ctx * 4

    async def ensure_async() -> None:
        async with AsyncLMStudioClient(**_options(llama_server)) as lm:  # type: ignore[arg-type]
            await lm.ensure_model(llama_server.model, context_length=wanted)

    with LMStudioClient(**_options(llama_server)) as client:  # type: ignore[arg-type]
        with pytest.raises(LoadNotSupportedError) as caught:
            client.ensure_model(llama_server.model, context_length=wanted, progress=True)
    with pytest.raises(LoadNotSupportedError) as caught_async:
        asyncio.run(ensure_async())
    message = caught.value.message
    assert caught_async.value.message == message
    assert f"served with context {llama_server.ctx} < {wanted}" in message
    assert f"restart llama-server with `-c {wanted}`" in message
    assert f"context_length={wanted}" in message
    assert caught.value.model == llama_server.model
    assert "Loading" not in capsys.readouterr().err


def test_lm_studio_0_3_with_less_context_than_asked_says_lms_load() -> None:
    with FakeLMStudio(models=[FakeModel("fake-llm", context_length=4096)], api_v1=False) as old:
        call = make_call(old, "sync")
        assert call("ensure_model", "fake-llm", context_length=4096).model == "fake-llm"
        with pytest.raises(LoadNotSupportedError) as caught:
            call("ensure_model", "fake-llm", context_length=8192, progress=False)
        assert [r.path for r in old.requests] == ["/api/v1/models", "/api/v0/models"] * 2
    message = caught.value.message
    assert "served with context 4096 < 8192" in message
    assert "`lms load fake-llm --context-length 8192`" in message
