"""Embeddings: batches keep the order of the inputs."""

from __future__ import annotations

import json
from typing import Any

from pytest_httpserver import HTTPServer

from lmstudio_core import (
    LMStudioClient,
)
from lmstudio_core.testing import FakeLMStudio, fake_embedding
from tests.core.both_clients import MakeApi
from tests.support.httpserver_answers import sent_bodies


async def test_embeddings_batches_in_order(httpserver: HTTPServer, make_api: MakeApi) -> None:
    def answer(request: Any) -> Any:
        from werkzeug import Response

        texts = request.get_json()["input"]
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), float(i)]}
            for i, t in reversed(list(enumerate(texts)))
        ]
        body = {"object": "list", "data": data, "model": "nomic@q4", "usage": {"prompt_tokens": 2}}

        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/v1/embeddings", method="POST").respond_with_handler(answer)
    result = await make_api().call("embed", ["a", "bb", "ccc"], "nomic", batch_size=2)
    assert result.vectors == [[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]
    assert result.model == "nomic@q4"
    assert result.usage.prompt_tokens == 4
    bodies = sent_bodies(httpserver, "/v1/embeddings")
    assert bodies == [
        {"model": "nomic", "input": ["a", "bb"], "encoding_format": "float"},
        {"model": "nomic", "input": ["ccc"], "encoding_format": "float"},
    ]


def test_embeddings_keep_order_across_batches(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    texts = [f"text {i}" for i in range(7)]
    result = client.embed(texts, batch_size=3)
    assert result.vectors == [fake_embedding(t) for t in texts]
    assert result.model == "fake-embed"
    bodies = [r.json for r in fake_lmstudio.requests if r.path == "/v1/embeddings"]
    assert [len(b["input"]) for b in bodies] == [3, 3, 1]
    assert all(b["encoding_format"] == "float" for b in bodies)
