"""`LMStudio.metadata` from the core's cached server facts: one catalog request per client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_index.core.base.llms.types import ChatMessage

from llama_index_lmstudio import LMStudio
from lmstudio_core.testing import FakeLMStudio, FakeModel

HI = [ChatMessage(role="user", content="hi")]


@pytest.fixture
def fake() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as server:
        yield server


def _catalog_requests(fake: FakeLMStudio) -> list[str]:
    return [r.path for r in fake.requests if r.path.endswith("/models") or r.path == "/props"]


def test_metadata_and_chat_ask_the_catalog_once(fake: FakeLMStudio) -> None:
    llm = LMStudio(base_url=fake.base_url, max_retries=0)
    meta = llm.metadata
    assert (meta.model_name, meta.context_window, meta.is_function_calling_model) == (
        "fake-llm",
        4096,
        True,
    )
    assert llm.metadata.context_window == 4096
    llm.chat(HI)
    assert _catalog_requests(fake) == ["/api/v1/models"]
    assert fake.chat_requests[-1].json["model"] == "fake-llm"


def test_load_and_unload_refresh_the_context_window(fake: FakeLMStudio) -> None:
    llm = LMStudio(model="fake-llm", base_url=fake.base_url, max_retries=0)
    assert llm.metadata.context_window == 4096
    llm.client.load_model("fake-llm", context_length=16384)
    assert llm.metadata.context_window == 16384
    llm.client.unload_model("fake-llm")
    assert llm.metadata.context_window == 32768  # not loaded: the model's maximum
    assert len(_catalog_requests(fake)) == 3


def test_capabilities_the_catalog_reports() -> None:
    no_tools = FakeModel("plain", capabilities=())
    with FakeLMStudio(models=[no_tools]) as fake:
        llm = LMStudio(model="plain", base_url=fake.base_url, max_retries=0)
        assert llm.metadata.is_function_calling_model is False
        assert LMStudio(
            model="plain", base_url=fake.base_url, is_function_calling_model=True
        ).metadata.is_function_calling_model
