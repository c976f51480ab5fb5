"""`LMStudioEmbeddings`: LangChain embeddings over LM Studio's ``/v1/embeddings``."""

from __future__ import annotations

from typing import Any, ClassVar

from langchain_core.embeddings import Embeddings
from pydantic import AliasChoices, ConfigDict, Field

from langchain_lmstudio._connection import LMStudioConnection
from lmstudio_core.errors import accepted_names, check_options

__all__ = ["LMStudioEmbeddings"]


class LMStudioEmbeddings(LMStudioConnection, Embeddings):
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

    _ensures_embeddings: ClassVar[bool] = True  # ensure_model needs an embedding model
    model: str | None = None
    """Embedding model key; ``None`` uses the single loaded embedding model."""
    batch_size: int = Field(
        default=512, ge=1, validation_alias=AliasChoices("batch_size", "chunk_size")
    )
    """Texts per request (also accepted as ``chunk_size``)."""

    def __init__(self, /, **data: Any) -> None:
        """Unknown keywords raise `UnknownOptionError` (the request body has no place for them)."""
        check_options(type(self).__name__, data, accepted_names(type(self)))
        super().__init__(**data)

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
