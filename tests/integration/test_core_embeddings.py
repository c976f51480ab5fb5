"""Embeddings through the core against the real server."""

from __future__ import annotations

import math

import pytest

from lmstudio_core import InvalidRequestError
from tests.conftest import AUTH_API_KEY
from tests.integration.core_support import async_client, client
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration

TEXTS = ["the weather in Oslo", "add two numbers", "hello world", "Ünïcödé ✓", "a"]


def test_embeddings_order_dims_and_usage(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        whole = lm.embed(TEXTS, llama_server.model)
        again = lm.embed(TEXTS, llama_server.model)
    assert len(whole.vectors) == 5
    assert all(len(v) == 64 for v in whole.vectors)
    assert all(math.isclose(math.hypot(*v), 1.0, rel_tol=1e-4) for v in whole.vectors)
    assert whole.vectors == again.vectors
    assert len({tuple(v) for v in whole.vectors}) == 5
    assert whole.model == llama_server.model
    assert whole.usage is not None
    assert whole.usage.prompt_tokens > 0


def test_batching_equals_unbatched(llama_server_auth: RunningServer) -> None:
    # The one-slot server: with several slots llama-server mixes the sequences of one batch,
    # so a text's vector depends on its batch neighbours (0.698 alone vs 0.558 among four).
    lm = client(llama_server_auth, api_key=AUTH_API_KEY)
    with lm:
        whole = lm.embed(TEXTS)
        batched = lm.embed(TEXTS, batch_size=2)
        backwards = lm.embed(TEXTS[::-1], batch_size=3)
        singles = [lm.embed([text]).vectors[0] for text in TEXTS]
    assert whole.usage is not None
    assert batched.usage is not None
    assert batched.usage.prompt_tokens == whole.usage.prompt_tokens
    for other in (batched.vectors, backwards.vectors[::-1], singles):
        assert len(other) == 5
        for got, expected in zip(other, whole.vectors, strict=True):
            assert got == pytest.approx(expected, abs=1e-5)


def test_embeddings_default_model_and_bad_input(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        result = lm.embed(["x"])
        assert lm.embed([]).vectors == []
        with pytest.raises(InvalidRequestError):
            lm.embed("not a list")  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestError):
            lm.embed([1, 2, 3])  # type: ignore[list-item]
    assert len(result.vectors[0]) == 64


async def test_async_embeddings(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as lm:
        result = await lm.embed(TEXTS, batch_size=2)
    with client(llama_server) as lm_sync:
        expected = lm_sync.embed(TEXTS, batch_size=2)
    for got, want in zip(result.vectors, expected.vectors, strict=True):
        assert got == pytest.approx(want, abs=1e-5)
