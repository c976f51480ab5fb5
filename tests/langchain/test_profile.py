"""The model profile LangChain 1.x agents read, without calling ``fetch_profile()``."""

from __future__ import annotations

import copy
import pickle
import socket
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from langchain_lmstudio import ChatLMStudio
from lmstudio_core.testing import FakeLMStudio, FakeModel

STATIC = {"text_inputs": True, "text_outputs": True, "structured_output": True}


class Weather(BaseModel):
    """A weather report."""

    city: str
    degrees: int


@pytest.fixture
def fake() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as server:
        yield server


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def _catalog_requests(fake: FakeLMStudio) -> list[str]:
    return [r.path for r in fake.requests if r.path.endswith("/models")]


def test_profile_reads_the_server_once(fake: FakeLMStudio) -> None:
    llm = ChatLMStudio(base_url=fake.base_url)
    assert fake.requests == []  # construction asks nothing
    assert llm.profile is not None
    assert llm.profile.get("structured_output") is True
    assert fake.requests == []  # nor do the keys every LM Studio model has
    assert llm.profile.get("max_input_tokens") == 4096
    assert llm.profile["tool_calling"] is True
    assert "image_inputs" in llm.profile
    assert llm.profile["reasoning_output"] is False
    assert llm.get_context_window() == 4096
    llm.invoke("hi")
    assert _catalog_requests(fake) == ["/api/v1/models"]


def test_profile_follows_load_and_unload(fake: FakeLMStudio) -> None:
    llm = ChatLMStudio(model="fake-llm", base_url=fake.base_url)
    assert llm.profile is not None
    assert llm.profile["max_input_tokens"] == 4096
    llm.client.load_model("fake-llm", context_length=8192)
    assert llm.profile["max_input_tokens"] == 8192
    llm.client.unload_model("fake-llm")
    assert llm.profile["max_input_tokens"] == 32768
    assert len(_catalog_requests(fake)) == 3


def test_a_profile_set_by_the_user_is_kept(fake: FakeLMStudio) -> None:
    llm = ChatLMStudio(base_url=fake.base_url, profile={"max_input_tokens": 100})
    assert llm.profile == {"max_input_tokens": 100}
    assert llm.fetch_profile()["max_input_tokens"] == 100
    assert llm.profile["tool_calling"] is True


def test_vision_and_reasoning_from_the_catalog() -> None:
    vlm = FakeModel("vlm", type="vlm", capabilities=("reasoning",), context_length=8192)
    with FakeLMStudio(models=[vlm]) as fake:
        profile = ChatLMStudio(model="vlm", base_url=fake.base_url).profile
        assert profile is not None
        assert (profile["image_inputs"], profile["reasoning_output"]) == (True, True)
        assert profile["tool_calling"] is False


@pytest.mark.timeout(20)
def test_no_server_neither_raises_nor_hangs() -> None:
    llm = ChatLMStudio(base_url=_closed_port_url())
    assert llm.profile is not None
    assert llm.profile.get("max_input_tokens") is None  # quietly the static part
    assert "tool_calling" not in llm.profile
    assert dict(llm.profile) == STATIC


def test_copies_and_pickles_keep_a_working_profile(fake: FakeLMStudio) -> None:
    llm = ChatLMStudio(base_url=fake.base_url)
    for other in (copy.deepcopy(llm), pickle.loads(pickle.dumps(llm))):
        assert other.profile is not None
        assert other.profile["max_input_tokens"] == 4096
        assert other.profile is not llm.profile
