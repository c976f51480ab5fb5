"""Fixtures for model management: a strict fake catalog and one call that runs sync or async."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lmstudio_core import AsyncLMStudioClient, LMStudioClient
from lmstudio_core.testing import FakeLMStudio, FakeModel

Call = Callable[..., Any]
"""``call(method_name, *args, **kwargs)``: the client method's result (awaited when async)."""

QWEN = "qwen/qwen3-4b-2507"
GB = 1_000_000_000


def catalog() -> list[FakeModel]:
    """A loaded LLM, a downloaded but unloaded LLM, and a loaded embedding model."""
    return [
        FakeModel("fake-llm", context_length=4096),
        FakeModel("idle-llm", loaded=False),
        FakeModel("fake-embed", type="embeddings", context_length=2048, capabilities=()),
    ]


@pytest.fixture
def fake() -> Iterator[FakeLMStudio]:
    """A fake LM Studio 0.4 with `catalog` (strict: unknown models are rejected)."""
    with FakeLMStudio(models=catalog()) as server:
        yield server


def client_options(fake: FakeLMStudio) -> dict[str, Any]:
    """No retries or breaker: errors surface at once."""
    return {
        "base_url": fake.base_url,
        "max_retries": 0,
        "circuit_breaker_threshold": 0,
        "verify": False,
    }


def make_call(fake: FakeLMStudio, mode: str) -> Call:
    """Run a client method with a fresh sync or async client."""

    def call(method: str, *args: Any, **kwargs: Any) -> Any:
        if mode == "sync":
            with LMStudioClient(**client_options(fake)) as client:
                return getattr(client, method)(*args, **kwargs)

        async def run() -> Any:
            async with AsyncLMStudioClient(**client_options(fake)) as client:
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(run())

    return call


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest, fake: FakeLMStudio) -> Call:
    """The same test against `LMStudioClient` and `AsyncLMStudioClient`."""
    return make_call(fake, request.param)


def paths(fake: FakeLMStudio) -> list[str]:
    """``METHOD /path`` of every request the fake received."""
    return [f"{r.method} {r.path}" for r in fake.requests]
