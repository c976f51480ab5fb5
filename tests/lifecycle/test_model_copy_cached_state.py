"""A copy leaves behind what its original cached from its fields (lmstudio_core/lifecycle.py).

langchain-core caches ``_serialized`` in the instance ``__dict__`` after the first call; a copy
that carried it made ``model_copy`` validation take it for an unknown request option, warn,
and send it at the top level of every request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings
from llama_index_lmstudio import LMStudio, LMStudioEmbedding
from lmstudio_core.testing import FakeLMStudio

LI_HI = [ChatMessage(role="user", content="hi")]


@pytest.fixture
def lms() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as server:
        yield server


@pytest.fixture
def other() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as server:
        yield server


@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize(
    ("make", "use"),
    [
        (lambda url: ChatLMStudio(base_url=url, model="m"), lambda obj: obj.invoke("hi")),
        (
            lambda url: LMStudioEmbeddings(base_url=url, model="fake-embed"),
            lambda obj: obj.embed_query("x"),
        ),
        (
            lambda url: LMStudio(base_url=url, model="m", context_window=4096),
            lambda obj: obj.chat(LI_HI),
        ),
        (
            lambda url: LMStudioEmbedding(base_url=url, model_name="fake-embed"),
            lambda obj: obj.get_text_embedding("x"),
        ),
    ],
    ids=["ChatLMStudio", "LMStudioEmbeddings", "LMStudio", "LMStudioEmbedding"],
)
def test_model_copy_leaves_cached_values_behind(
    lms: FakeLMStudio, other: FakeLMStudio, make: Callable[[str], Any], use: Callable[[Any], Any]
) -> None:
    """A ``cached_property`` value in ``__dict__`` (langchain-core's ``_serialized``) is not
    carried into a copy, where validation would take it for a request option."""
    original = make(lms.base_url)
    use(original)
    original.__dict__["_cached_view"] = {"base_url": lms.base_url}  # as a cached_property stores
    twin = original.model_copy(update={"base_url": other.base_url, "timeout": 30})
    assert "_cached_view" not in twin.__dict__
    assert "_serialized" not in twin.__dict__
    use(twin)
    body = other.last_request.json
    assert "_cached_view" not in body
    assert "_serialized" not in body
    assert "_cached_view" in original.__dict__  # the original keeps its own


@pytest.mark.filterwarnings("error::UserWarning")
def test_the_newcomers_repro_sends_no_serialized(lms: FakeLMStudio, other: FakeLMStudio) -> None:
    llm = ChatLMStudio(base_url=lms.base_url, model="fake-llm")
    llm.invoke("hi")
    assert "_serialized" in llm.__dict__  # langchain-core cached it: the case being tested
    copied = llm.model_copy(update={"base_url": other.base_url})
    copied.invoke("hi")
    assert set(other.last_request.json) == {"model", "messages"}
    assert copied.model_kwargs == {}
