"""`LMStudioEmbedding` and a whole RAG pipeline against the real llama.cpp server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex

from llama_index_lmstudio import LMStudio, LMStudioEmbedding
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration

TEXTS = ["Paris is in France.", "Rome is in Italy.", "Oslo is in Norway."]


def test_sync_embeddings_keep_order(embed_model: LMStudioEmbedding) -> None:
    vectors = embed_model.get_text_embedding_batch(TEXTS)
    assert len(vectors) == 3
    assert all(len(v) == 64 for v in vectors)
    assert vectors[0] != vectors[1]
    assert embed_model.get_text_embedding(TEXTS[1]) == pytest.approx(vectors[1], abs=1e-4)
    assert len(embed_model.get_query_embedding("Where is Rome?")) == 64


async def test_async_embeddings_keep_order(embed_model: LMStudioEmbedding) -> None:
    vectors = await embed_model.aget_text_embedding_batch(TEXTS)
    assert len(vectors) == 3
    single = await embed_model.aget_text_embedding(TEXTS[2])
    assert single == pytest.approx(vectors[2], abs=1e-4)
    assert len(await embed_model.aget_query_embedding("Where?")) == 64


def test_small_batches_preserve_order(llama_server: RunningServer) -> None:
    # llama.cpp embeds the first input of a multi-input request slightly differently with this
    # random-weight model, so compare two batchings of the same list, not batch vs single.
    small = LMStudioEmbedding(base_url=llama_server.base_url, embed_batch_size=2)
    whole = LMStudioEmbedding(base_url=llama_server.base_url, embed_batch_size=3)
    batched = small.get_text_embedding_batch(TEXTS)
    at_once = whole.get_text_embedding_batch(TEXTS)
    for got, want in zip(batched, at_once, strict=True):
        assert got == pytest.approx(want, abs=1e-4)
    assert batched[2] == pytest.approx(small.get_text_embedding(TEXTS[2]), abs=1e-4)


def test_model_name_none_uses_the_loaded_model(llama_server: RunningServer) -> None:
    embed = LMStudioEmbedding(base_url=llama_server.base_url)
    assert len(embed.get_text_embedding("hi")) == 64
    assert embed.client is embed.client


@pytest.fixture
def restore_settings() -> Iterator[None]:
    saved = (Settings._llm, Settings._embed_model)
    yield
    Settings._llm, Settings._embed_model = saved


def test_rag_pipeline(
    llm: LMStudio, embed_model: LMStudioEmbedding, restore_settings: None
) -> None:
    Settings.llm = llm
    Settings.embed_model = embed_model
    docs = [Document(text=t, metadata={"n": i}) for i, t in enumerate(TEXTS)]
    index = VectorStoreIndex.from_documents(docs)
    response = index.as_query_engine(similarity_top_k=2).query("Where is Rome?")
    assert len(response.source_nodes) == 2
    assert {n.node.metadata["n"] for n in response.source_nodes} <= {0, 1, 2}
    assert isinstance(response.response, str)
    assert response.response


async def test_async_rag_pipeline(llm: LMStudio, embed_model: LMStudioEmbedding) -> None:
    docs = [Document(text=t) for t in TEXTS]
    index = VectorStoreIndex.from_documents(docs, embed_model=embed_model)
    engine = index.as_query_engine(llm=llm, similarity_top_k=1)
    response = await engine.aquery("Where is Oslo?")
    assert len(response.source_nodes) == 1
    assert response.source_nodes[0].node.get_content() in TEXTS
