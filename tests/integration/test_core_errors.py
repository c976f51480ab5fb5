"""Context overflow and authentication errors from the real server."""

from __future__ import annotations

import pytest

from lmstudio_core import (
    AuthenticationError,
    ChatResult,
    ContextLengthExceededError,
    LMStudioClient,
)
from tests.conftest import AUTH_API_KEY
from tests.integration.core_support import QUESTION, async_client, client
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration


def _answer(lm: LMStudioClient, messages: list[dict[str, str]], *, stream: bool) -> ChatResult:
    if not stream:
        return lm.chat(messages, max_tokens=8)
    with lm.chat_stream(messages, max_tokens=8) as chat_stream:
        list(chat_stream)
    return chat_stream.result()


LONG = [{"role": "user", "content": "the weather in Oslo is fine " * 700}]


@pytest.mark.parametrize("stream", [False, True])
def test_context_overflow(llama_server: RunningServer, stream: bool) -> None:
    with client(llama_server) as lm:
        with pytest.raises(ContextLengthExceededError) as info:
            _answer(lm, LONG, stream=stream)
        after = lm.chat(QUESTION, max_tokens=4)  # the client still works
    error = info.value
    assert error.status_code == 400
    assert error.context_length == llama_server.ctx
    assert error.prompt_tokens is not None
    assert error.prompt_tokens > llama_server.ctx
    assert "context" in error.message
    assert after.usage is not None


async def test_context_overflow_async(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as lm:
        with pytest.raises(ContextLengthExceededError) as info:
            await lm.chat(LONG, max_tokens=8)
    assert info.value.context_length == llama_server.ctx


@pytest.mark.parametrize("key", [None, "sk-lm-wrong123:wrongwrongwrongwrong0"])
def test_auth_rejected_without_leaking_the_key(
    llama_server_auth: RunningServer, key: str | None
) -> None:
    lm = LMStudioClient(base_url=llama_server_auth.base_url, api_key=key)
    with lm, pytest.raises(AuthenticationError) as info:
        lm.chat(QUESTION, model=llama_server_auth.model, max_tokens=4)
    error = info.value
    assert error.status_code == 401
    assert "LM_API_TOKEN" in error.message
    for text in (str(error), repr(error), str(error.body)):
        assert AUTH_API_KEY not in text
        if key:
            assert key not in text


def test_auth_accepted_with_the_key(llama_server_auth: RunningServer) -> None:
    with LMStudioClient(base_url=llama_server_auth.base_url, api_key=AUTH_API_KEY) as lm:
        result = lm.chat(QUESTION, max_tokens=4)
        stream = lm.chat_stream(QUESTION, max_tokens=4)
        list(stream)
        models = lm.list_models()
    assert result.usage is not None
    assert stream.result().finish_reason in ("stop", "length")
    assert [m.id for m in models] == [llama_server_auth.model]


async def test_auth_async(llama_server_auth: RunningServer) -> None:
    async with async_client(llama_server_auth) as lm:
        with pytest.raises(AuthenticationError):
            await lm.chat(QUESTION, max_tokens=4)
    async with async_client(llama_server_auth, api_key=AUTH_API_KEY) as lm:
        assert (await lm.chat(QUESTION, max_tokens=4)).usage is not None
