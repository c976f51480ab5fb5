"""The adapters' ensure_model / aensure_model: the object's own model by default, same options."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings
from llama_index_lmstudio import LMStudio, LMStudioEmbedding
from lmstudio_core import LMStudioError, ModelNotFoundError, ReadyModel
from lmstudio_core.testing import FakeLMStudio, FakeModel
from tests.models.conftest import GB, QWEN, paths

FAST = 0.01
CATALOG = "GET /api/v1/models"
LOAD = "POST /api/v1/models/load"


def _objects(fake: FakeLMStudio, model: str, embedding: str) -> list[Any]:
    connection = {"base_url": fake.base_url, "max_retries": 0}
    return [
        ChatLMStudio(model=model, **connection),
        LMStudio(model=model, **connection),
        LMStudioEmbeddings(model=embedding, **connection),
        LMStudioEmbedding(model_name=embedding, **connection),
    ]


def test_each_adapter_ensures_its_own_model(fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=1)
    chat, llm, lc_embed, li_embed = _objects(fake, QWEN, "fake-embed")
    ready = chat.ensure_model(context_length=8192, progress=False, poll_interval=FAST)
    assert isinstance(ready, ReadyModel)
    assert ready.model == QWEN
    assert ready.was_downloaded
    assert ready.was_loaded
    assert ready.context_length == 8192
    fake.clear()
    assert llm.ensure_model(context_length=8192, progress=False).model == QWEN
    assert paths(fake) == [CATALOG]  # the LlamaIndex object finds it ready: nothing else
    fake.clear()
    assert lc_embed.ensure_model(progress=False).facts.type == "embeddings"
    assert li_embed.ensure_model(progress=False).model == "fake-embed"
    assert paths(fake) == [CATALOG, CATALOG]


async def test_aensure_model_with_load_options(fake: FakeLMStudio) -> None:
    chat, llm, _, li_embed = _objects(fake, "idle-llm", "fake-embed")
    ready = await llm.aensure_model(context_length=8192, ttl=300, flash_attention=False)
    assert ready.was_loaded
    assert ready.context_length == 8192
    assert fake.requests[-1].json == {
        "model": "idle-llm",
        "echo_load_config": True,
        "context_length": 8192,
        "ttl": 300,
        "flash_attention": False,
    }
    fake.clear()
    again = await chat.aensure_model(context_length=8192, flash_attention=False, progress=False)
    assert not again.was_loaded
    assert paths(fake) == [CATALOG]
    assert (await li_embed.aensure_model("fake-embed", progress=False)).model == "fake-embed"
    await chat.aclose()
    await llm.aclose()
    await li_embed.aclose()


def _without_model(fake: FakeLMStudio) -> list[Any]:
    connection = {"base_url": fake.base_url, "max_retries": 0}
    return [
        ChatLMStudio(**connection),
        LMStudio(**connection),
        LMStudioEmbeddings(**connection),
        LMStudioEmbedding(**connection),
    ]


def test_without_a_model_the_default_model_is_ensured(fake: FakeLMStudio) -> None:
    # the same model a chat / an embedding call of the object would use: the one loaded
    chat, llm, lc_embed, li_embed = _without_model(fake)
    assert chat.ensure_model(progress=False).model == "fake-llm"
    assert llm.ensure_model(progress=False).model == "fake-llm"
    assert lc_embed.ensure_model(progress=False).model == "fake-embed"
    assert li_embed.ensure_model(progress=False).model == "fake-embed"
    assert chat.client.default_model() == "fake-llm"


async def test_aensure_model_without_a_model_uses_the_default(fake: FakeLMStudio) -> None:
    chat, _, _, li_embed = _without_model(fake)
    assert (await chat.aensure_model(progress=False)).model == "fake-llm"
    assert (await li_embed.aensure_model(progress=False)).model == "fake-embed"
    await chat.aclose()
    await li_embed.aclose()


def test_without_a_model_and_none_loaded_says_so() -> None:
    with FakeLMStudio(models=[FakeModel("idle-llm", loaded=False)]) as fake:
        chat = ChatLMStudio(base_url=fake.base_url, max_retries=0)
        with pytest.raises(LMStudioError) as caught:
            chat.ensure_model(progress=False)
    assert "needs a model" not in caught.value.message
    assert "idle-llm" in caught.value.message  # default_model's own error names the models


def test_a_chat_object_refuses_an_embedding_model(fake: FakeLMStudio) -> None:
    connection = {"base_url": fake.base_url, "max_retries": 0}
    chats = [
        ChatLMStudio(model="fake-embed", **connection),
        LMStudio(model="fake-embed", **connection),
    ]
    for chat in chats:
        with pytest.raises(ModelNotFoundError) as caught:
            chat.ensure_model(progress=False)
        assert "'fake-embed' is an embedding model" in caught.value.message
        assert "chat needs an llm or vlm model" in caught.value.message
        assert "fake-llm (llm)" in caught.value.message  # the chat models it could use
    assert LOAD not in paths(fake)


async def test_an_embedding_object_refuses_a_chat_model(fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=1)
    embed = LMStudioEmbedding(model_name="idle-llm", base_url=fake.base_url, max_retries=0)
    with pytest.raises(ModelNotFoundError) as caught:
        await embed.aensure_model(progress=False)
    assert "'idle-llm' is a chat model (llm), not an embedding model" in caught.value.message
    assert "fake-embed (embeddings)" in caught.value.message
    with pytest.raises(ModelNotFoundError, match="not an embedding model"):
        LMStudioEmbeddings(model="fake-llm", base_url=fake.base_url).ensure_model(progress=False)
    assert paths(fake) == [CATALOG, CATALOG]  # nothing loaded
    await embed.aclose()


def test_the_wrong_kind_is_found_after_a_download_before_the_load(fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=1)  # an LLM, unknown until downloaded
    embed = LMStudioEmbeddings(model=QWEN, base_url=fake.base_url, max_retries=0)
    with pytest.raises(ModelNotFoundError, match="not an embedding model"):
        embed.ensure_model(progress=False, poll_interval=FAST)
    assert LOAD not in paths(fake)
