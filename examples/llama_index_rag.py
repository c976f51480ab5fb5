"""LlamaIndex RAG: LMStudioEmbedding + LMStudio over a few documents.

Run: python -m examples.llama_index_rag
"""

from __future__ import annotations

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.response.schema import Response

from examples._connect import Target, connect
from llama_index_lmstudio import LMStudio, LMStudioEmbedding

DOCUMENTS = [
    Document(text="LM Studio serves local models on http://localhost:1234/v1.", doc_id="server"),
    Document(text="The ttl option unloads a JIT-loaded model after idle seconds.", doc_id="ttl"),
    Document(text="Embedding models turn text into vectors for retrieval.", doc_id="embed"),
]


def main(target: Target | None = None) -> Response:
    """Index the documents and ask one question; return the response."""
    if target is None:
        with connect() as found:
            return main(found)
    if target.embedding_model is None:
        raise SystemExit("This example needs an embedding model loaded in LM Studio.")
    embed = LMStudioEmbedding(model_name=target.embedding_model, base_url=target.base_url)
    llm = LMStudio(model=target.chat_model, base_url=target.base_url, max_tokens=64)
    index = VectorStoreIndex.from_documents(DOCUMENTS, embed_model=embed)
    response = index.as_query_engine(llm=llm, similarity_top_k=2).query("What does ttl do?")
    assert isinstance(response, Response)
    print("answer:", str(response).strip())
    print("sources:", [node.node.ref_doc_id for node in response.source_nodes])
    return response


if __name__ == "__main__":
    main()
