"""Fixtures for the LlamaIndex adapter tests."""

from __future__ import annotations

import pytest

from llama_index_lmstudio import LMStudio, LMStudioEmbedding
from tests.support.llama_server import RunningServer


@pytest.fixture
def llm(llama_server: RunningServer) -> LMStudio:
    """An `LMStudio` on the real llama.cpp server; short answers, fixed seed."""
    return LMStudio(model=llama_server.model, base_url=llama_server.base_url, max_tokens=64, seed=7)


@pytest.fixture
def embed_model(llama_server: RunningServer) -> LMStudioEmbedding:
    """An `LMStudioEmbedding` on the real server (64-dim vectors)."""
    return LMStudioEmbedding(model_name=llama_server.model, base_url=llama_server.base_url)
