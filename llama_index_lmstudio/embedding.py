"""`LMStudioEmbedding`: LlamaIndex embeddings from LM Studio's ``/v1/embeddings``."""

from __future__ import annotations

from typing import Any, ClassVar

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field

from llama_index_lmstudio._connection import LMStudioConnection
from lmstudio_core.errors import accepted_names, check_options

__all__ = ["LMStudioEmbedding"]


class LMStudioEmbedding(LMStudioConnection, BaseEmbedding):
    """LM Studio embedding model for LlamaIndex.

    Examples:
        ```python
        from llama_index_lmstudio import LMStudioEmbedding

        embed_model = LMStudioEmbedding(model_name="text-embedding-nomic-embed-text-v1.5")
        vector = embed_model.get_text_embedding("hello")
        ```

    Only strings are sent (never token ids); vectors come back in input order. Leave
    ``model_name`` out to use the one embedding model loaded in LM Studio. ``api_base`` is an
    alias of ``base_url``; any other unknown keyword raises `UnknownOptionError`.
    """

    _ensures_embeddings: ClassVar[bool] = True  # ensure_model needs an embedding model
    model_name: str | None = Field(  # type: ignore[assignment]
        default=None,
        description="Embedding model key; None uses the single loaded embedding model.",
    )

    def __init__(self, /, **data: Any) -> None:
        """Unknown keywords raise `UnknownOptionError` (the request body has no place for them)."""
        check_options(type(self).__name__, data, accepted_names(type(self)))
        super().__init__(**data)

    @classmethod
    def class_name(cls) -> str:
        """The LlamaIndex component name."""
        return "LMStudioEmbedding"

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
