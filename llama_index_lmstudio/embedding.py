"""`LMStudioEmbedding`: LlamaIndex embeddings from LM Studio's ``/v1/embeddings``."""

from __future__ import annotations

from typing import Any

import httpx
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SecretStr

from llama_index_lmstudio._clients import client_options
from lmstudio_core import AsyncLMStudioClient, LMStudioClient
from lmstudio_core.settings import base_url_from_env

__all__ = ["LMStudioEmbedding"]


class LMStudioEmbedding(BaseEmbedding):
    """LM Studio embedding model for LlamaIndex.

    Examples:
        ```python
        from llama_index_lmstudio import LMStudioEmbedding

        embed_model = LMStudioEmbedding(model_name="text-embedding-nomic-embed-text-v1.5")
        vector = embed_model.get_text_embedding("hello")
        ```

    Only strings are sent (never token ids); vectors come back in input order. Leave
    ``model_name`` out to use the one embedding model loaded in LM Studio.
    """

    model_name: str | None = Field(  # type: ignore[assignment]
        default=None,
        description="Embedding model key; None uses the single loaded embedding model.",
    )
    base_url: str = Field(
        default_factory=base_url_from_env,
        description="LM Studio server URL (normalised to end in /v1). Env: LMSTUDIO_BASE_URL.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="API token for LM Studio 0.4+ authentication. Env: LM_API_TOKEN.",
    )
    timeout: float | None = Field(
        default=None,
        description="Seconds to wait for each read; None uses LMSTUDIO_TIMEOUT or 600 s.",
    )
    max_retries: int = Field(
        default=2, ge=0, description="Retries on connection errors, 408, 429 and 5xx."
    )
    client_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Other LMStudioSettings fields (connect_timeout, circuit_breaker_threshold, "
        "default_headers, verify, allowed_models, ...).",
    )
    http_client: httpx.Client | None = Field(
        default=None, exclude=True, description="An httpx.Client to send sync requests with."
    )
    async_http_client: httpx.AsyncClient | None = Field(
        default=None,
        exclude=True,
        description="An httpx.AsyncClient to send async requests with.",
    )

    _client: LMStudioClient | None = PrivateAttr(default=None)
    _aclient: AsyncLMStudioClient | None = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        """The LlamaIndex component name."""
        return "LMStudioEmbedding"

    @property
    def client(self) -> LMStudioClient:
        """The core sync client (created on first use, then reused)."""
        if self._client is None:
            self._client = LMStudioClient(http_client=self.http_client, **client_options(self))
        return self._client

    @property
    def async_client(self) -> AsyncLMStudioClient:
        """The core async client (created on first use, then reused)."""
        if self._aclient is None:
            self._aclient = AsyncLMStudioClient(
                http_client=self.async_http_client, **client_options(self)
            )
        return self._aclient

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        result = self.client.embed(texts, self.model_name, batch_size=self.embed_batch_size)
        return result.vectors

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        result = await self.async_client.embed(
            texts, self.model_name, batch_size=self.embed_batch_size
        )
        return result.vectors

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self._aget_text_embeddings([text]))[0]

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._get_text_embedding(query)

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await self._aget_text_embedding(query)
