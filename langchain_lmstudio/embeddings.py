"""`LMStudioEmbeddings`: LangChain embeddings over LM Studio's ``/v1/embeddings``."""

from __future__ import annotations

from typing import Any

import httpx
from langchain_core.embeddings import Embeddings
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
)

from langchain_lmstudio._clients import CoreClients, client_settings
from lmstudio_core import AsyncLMStudioClient, LMStudioClient
from lmstudio_core.settings import api_key_from_env, base_url_from_env, normalize_base_url

__all__ = ["LMStudioEmbeddings"]


class LMStudioEmbeddings(BaseModel, Embeddings):
    """Embeddings from a model loaded in LM Studio.

    Texts are always sent as strings (never token ids), in batches of ``batch_size``;
    vectors come back in input order.

    Example:
        ```python
        from langchain_lmstudio import LMStudioEmbeddings

        embeddings = LMStudioEmbeddings(model="text-embedding-nomic-embed-text-v1.5")
        vectors = embeddings.embed_documents(["first text", "second text"])
        query = embeddings.embed_query("what is in the texts?")
        ```
    """

    model_config = ConfigDict(
        extra="forbid", arbitrary_types_allowed=True, populate_by_name=True, protected_namespaces=()
    )

    model: str | None = None
    """Embedding model key; ``None`` uses the single loaded embedding model."""
    base_url: str = Field(default_factory=base_url_from_env, validate_default=True)
    """Server URL, normalised to end in ``/v1``. Env: ``LMSTUDIO_BASE_URL``."""
    api_key: SecretStr | None = Field(default_factory=api_key_from_env)
    """API token, sent as ``Authorization: Bearer`` only when set. Env: ``LM_API_TOKEN``."""
    batch_size: int = Field(
        default=512, ge=1, validation_alias=AliasChoices("batch_size", "chunk_size")
    )
    """Texts per request (also accepted as ``chunk_size``)."""
    timeout: float | None = None
    """Read timeout in seconds; unset: 600 s or ``LMSTUDIO_TIMEOUT``; ``None`` waits forever."""
    max_retries: int = 2
    """Retries on connection errors, 408/429/5xx."""
    default_headers: dict[str, str] | None = None
    """Headers added to every request."""
    client_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other `LMStudioSettings` fields (``connect_timeout``, ``verify``, ...)."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """An `httpx.Client` to use for sync calls (not closed by this object)."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """An `httpx.AsyncClient` to use for async calls (not closed by this object)."""

    _clients: CoreClients = PrivateAttr(default_factory=CoreClients)

    @field_validator("base_url")
    @classmethod
    def _normalize_base_url(cls, value: str) -> str:
        return normalize_base_url(value)

    @property
    def client(self) -> LMStudioClient:
        """The core sync client (created on first use, then reused)."""
        return self._clients.sync(client_settings(self), self.http_client)

    @property
    def async_client(self) -> AsyncLMStudioClient:
        """The core async client (created on first use; a new one if the event loop changed)."""
        return self._clients.async_(client_settings(self), self.http_async_client)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order."""
        if not texts:
            return []
        return self.client.embed(texts, self.model, batch_size=self.batch_size).vectors

    def embed_query(self, text: str) -> list[float]:
        """The vector of one text."""
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async `embed_documents`."""
        if not texts:
            return []
        result = await self.async_client.embed(texts, self.model, batch_size=self.batch_size)
        return result.vectors

    async def aembed_query(self, text: str) -> list[float]:
        """Async `embed_query`."""
        return (await self.aembed_documents([text]))[0]
