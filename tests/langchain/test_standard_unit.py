"""LangChain's standard unit suites (no network)."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings

ENV = {"LM_API_TOKEN": "env-token", "LMSTUDIO_BASE_URL": "http://127.0.0.1:4321"}


class TestChatLMStudioUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatLMStudio]:
        return ChatLMStudio

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "tiny-chat"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            ENV,
            {"model": "tiny-chat"},
            {"api_key": "env-token", "base_url": "http://127.0.0.1:4321/v1"},
        )


class TestLMStudioEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[LMStudioEmbeddings]:
        return LMStudioEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "tiny-embed", "chunk_size": 16}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            ENV,
            {"model": "tiny-embed"},
            {"api_key": "env-token", "base_url": "http://127.0.0.1:4321/v1"},
        )
