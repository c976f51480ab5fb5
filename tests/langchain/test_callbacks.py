"""Callback handlers see each streamed token exactly once (langchain-core reports them)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler

from langchain_lmstudio import ChatLMStudio
from lmstudio_core.testing import FakeLMStudio


class _Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


class _AsyncTokens(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


@pytest.fixture
def fake() -> Any:
    with FakeLMStudio() as server:
        yield server


def _llm(fake: FakeLMStudio, **kwargs: Any) -> ChatLMStudio:
    return ChatLMStudio(model="fake-llm", base_url=fake.base_url, **kwargs)


def test_stream_reports_each_token_once(fake: FakeLMStudio) -> None:
    fake.reply_text("Hello there, world.")
    handler = _Tokens()
    chunks = list(_llm(fake).stream("hi", config={"callbacks": [handler]}))
    assert "".join(handler.tokens) == "Hello there, world."
    assert len(handler.tokens) == len(chunks)


def test_invoke_with_streaming_reports_each_token_once(fake: FakeLMStudio) -> None:
    fake.reply_text("Hello there, world.")
    handler = _Tokens()
    message = _llm(fake, streaming=True).invoke("hi", config={"callbacks": [handler]})
    assert message.content == "Hello there, world."
    assert "".join(handler.tokens) == "Hello there, world."


async def test_astream_reports_each_token_once(fake: FakeLMStudio) -> None:
    fake.reply_text("Hello there, world.")
    handler = _AsyncTokens()
    chunks = [c async for c in _llm(fake).astream("hi", config={"callbacks": [handler]})]
    assert "".join(handler.tokens) == "Hello there, world."
    assert len(handler.tokens) == len(chunks)
