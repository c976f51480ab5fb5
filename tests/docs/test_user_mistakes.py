"""The mistakes users really make, each answered with an error that says what to do (issue 12).

Each test checks the exception type and the words a user needs to act on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    AsyncLMStudioClient,
    InvalidRequestError,
    InvalidResponseError,
    LMStudioClient,
    LMStudioConnectionError,
    LMStudioError,
    LMStudioSettings,
    ModelNotFoundError,
)
from lmstudio_core.settings import parse_uri
from lmstudio_core.testing import FakeLMStudio, FakeModel

HI = [{"role": "user", "content": "Hi"}]
HTML_404 = (
    "<!DOCTYPE HTML><html><head><title>Error response</title></head>"
    "<body><h1>Error response</h1><p>Error code: 501</p></body></html>"
)


@pytest.fixture
def lms() -> Iterator[FakeLMStudio]:
    models = [
        FakeModel("qwen2.5-7b-instruct"),
        FakeModel("gemma-3-vision", type="vlm"),
        FakeModel("text-embedding-nomic-embed-text-v1.5", type="embeddings"),
    ]
    with FakeLMStudio(models=models) as server:
        yield server


# -- a web server that is not an LLM API ----------------------------------------------------


@pytest.mark.parametrize("status", [200, 404, 405, 501])
def test_html_answer_says_not_an_openai_server(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_data(
        HTML_404, status=status, content_type="text/html"
    )
    with (
        LMStudioClient(base_url=httpserver.url_for("/"), max_retries=0) as client,
        pytest.raises(InvalidResponseError) as info,
    ):
        client.chat(HI, model="m")
    message = str(info.value)
    assert "not an OpenAI-compatible server (it answered HTML" in message
    assert "http://localhost:1234/v1" in message
    assert "base_url" in message


def test_html_answer_to_a_stream_says_not_an_openai_server(httpserver: HTTPServer) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_data(
        HTML_404, status=200, content_type="text/html"
    )
    with (
        LMStudioClient(base_url=httpserver.url_for("/"), max_retries=0) as client,
        pytest.raises(InvalidResponseError, match="not an OpenAI-compatible server"),
    ):
        list(client.chat_stream(HI, model="m"))


# -- https to a plain-http port ---------------------------------------------------------------


def test_https_to_a_plain_http_port_says_use_http(lms: FakeLMStudio) -> None:
    url = lms.base_url.replace("http://", "https://")
    with (
        LMStudioClient(base_url=url, max_retries=2, retry_backoff=5) as client,
        pytest.raises(LMStudioConnectionError) as info,
    ):
        client.chat(HI, model="qwen2.5-7b-instruct")
    message = str(info.value)
    assert "speaks plain HTTP" in message
    assert f"use {lms.base_url}" in message
    assert lms.chat_requests == []  # and not retried: the backoff would have taken 15 s


async def test_https_to_a_plain_http_port_async(lms: FakeLMStudio) -> None:
    url = lms.base_url.replace("http://", "https://")
    async with AsyncLMStudioClient(base_url=url, max_retries=0) as client:
        with pytest.raises(LMStudioConnectionError, match="use http://"):
            await client.chat(HI, model="qwen2.5-7b-instruct")


# -- a pasted endpoint URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix", ["/v1/chat/completions", "/v1/chat/completions/", "/v1/embeddings", "/api/v1"]
)
def test_pasted_endpoint_url_is_accepted(lms: FakeLMStudio, suffix: str) -> None:
    lms.reply_text("Hello")
    with LMStudioClient(base_url=lms.root_url + suffix) as client:
        assert client.settings.base_url == lms.base_url
        assert client.chat(HI, model="qwen2.5-7b-instruct").content == "Hello"


# -- the wrong kind of model -------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_embedding_model_used_for_chat(lms: FakeLMStudio, stream: bool) -> None:
    model = "text-embedding-nomic-embed-text-v1.5"
    with LMStudioClient(base_url=lms.base_url, max_retries=0) as client:
        call = (lambda: list(client.chat_stream(HI, model=model))) if stream else None
        with pytest.raises(ModelNotFoundError) as info:
            call() if call else client.chat(HI, model=model)
    message = str(info.value)
    assert "'text-embedding-nomic-embed-text-v1.5' is an embedding model" in message
    assert "chat needs an llm or vlm model" in message
    assert "the server has: qwen2.5-7b-instruct (llm), gemma-3-vision (vlm)" in message
    assert "may not fit in memory" not in message
    assert info.value.available_models == ["qwen2.5-7b-instruct", "gemma-3-vision"]


def test_chat_model_used_for_embeddings(lms: FakeLMStudio) -> None:
    with (
        LMStudioClient(base_url=lms.base_url, max_retries=0) as client,
        pytest.raises(ModelNotFoundError) as info,
    ):
        client.embed(["hello"], model="qwen2.5-7b-instruct")
    message = str(info.value)
    assert "'qwen2.5-7b-instruct' is a chat model (llm), not an embedding model" in message
    assert "the server has: text-embedding-nomic-embed-text-v1.5 (embeddings)" in message
    assert info.value.available_models == ["text-embedding-nomic-embed-text-v1.5"]


def test_embedding_error_names_only_models_the_server_has() -> None:
    with (
        FakeLMStudio(models=["qwen2.5-7b-instruct", "my-embedder"]) as lms,
        LMStudioClient(base_url=lms.base_url, max_retries=0) as client,
        pytest.raises(ModelNotFoundError) as info,
    ):
        client.embed(["hello"], model="qwen2.5-7b-instruct")
    assert "my-embedder (embeddings)" in str(info.value)
    assert "nomic" not in str(info.value)


def test_no_embedding_model_at_all_says_to_download_one() -> None:
    with (
        FakeLMStudio(models=["qwen2.5-7b-instruct"]) as lms,
        LMStudioClient(base_url=lms.base_url, max_retries=0) as client,
        pytest.raises(ModelNotFoundError, match="the server has no embedding model: download"),
    ):
        client.embed(["hello"], model="qwen2.5-7b-instruct")


def test_fake_answers_a_wrong_kind_as_lm_studio_does(lms: FakeLMStudio) -> None:
    import httpx

    chat = httpx.post(
        lms.base_url + "/chat/completions",
        json={"model": "text-embedding-nomic-embed-text-v1.5", "messages": HI},
    )
    embed = httpx.post(
        lms.base_url + "/embeddings", json={"model": "qwen2.5-7b-instruct", "input": ["x"]}
    )
    assert chat.status_code == embed.status_code == 400
    assert chat.json()["error"]["code"] == embed.json()["error"]["code"] == "model_not_found"
    assert chat.json()["error"]["message"].endswith("Error: Model is not llm.")
    assert embed.json()["error"]["message"] == (
        'Failed to load model "qwen2.5-7b-instruct". Error: Model is not embedding.'
    )


# -- a bad URL at construction -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "words"),
    [
        ("http://localhost:abc/v1", "invalid port 'abc'"),
        ("http://localhost:99999/v1", "invalid port '99999'"),
        ("http://localhost:-1/v1", "invalid port '-1'"),
        ("http://localhost:/v1", "invalid port ''"),
        ("http://:1234/v1", "no valid host name"),
        ("http://local host:1234", "no valid host name"),
        ("ftp://localhost:1234", "is not an http(s) URL"),
    ],
)
def test_bad_base_url_fails_at_construction(base_url: str, words: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        LMStudioClient(base_url=base_url)
    assert words in str(info.value)
    assert "http://localhost:1234/v1" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("lmstudio://qwen@localhost:abc", "invalid port 'abc'"),
        ("lmstudio://qwen@:1234", "no valid host name"),
        ("http://qwen@localhost:1234", "is not an LM Studio URI"),
    ],
)
def test_bad_lmstudio_uri(uri: str, words: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        parse_uri(uri)
    assert words in str(info.value)
    assert "lmstudio://model@host:port" in str(info.value)


def test_bad_url_in_the_adapters_is_the_same_error() -> None:
    from langchain_lmstudio import ChatLMStudio
    from llama_index_lmstudio import LMStudio

    for make in (
        lambda: ChatLMStudio(base_url="http://localhost:abc"),
        lambda: LMStudio(base_url="http://localhost:abc"),
    ):
        with pytest.raises(InvalidRequestError, match="invalid port 'abc'"):
            make()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: LMStudioSettings(max_retries=-1), "max_retries: Input should be greater"),
        (lambda: LMStudioClient(timeout=0), "timeout: Input should be greater than 0"),
    ],
)
def test_constructor_validation_is_an_lmstudio_error_naming_the_option(
    make: object, words: str
) -> None:
    with pytest.raises(InvalidRequestError, match=re.escape(words)):
        make()  # type: ignore[operator]


def test_adapter_validation_names_the_option() -> None:
    from langchain_lmstudio import ChatLMStudio
    from llama_index_lmstudio import LMStudio

    for make in (lambda: ChatLMStudio(temperature="hot"), lambda: LMStudio(temperature="hot")):
        with pytest.raises(InvalidRequestError, match="temperature: Input should be a valid"):
            make()


def test_api_key_is_never_quoted_in_a_validation_error() -> None:
    with pytest.raises(InvalidRequestError) as info:
        LMStudioSettings(api_key=["sk-lm-secret"])
    assert "sk-lm-secret" not in str(info.value)
    assert "api_key" in str(info.value)


# -- tools in a wrong format -------------------------------------------------------------------


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return "sunny"


@pytest.mark.parametrize(
    ("tool", "words"),
    [
        (
            {"name": "get_weather", "parameters": {"type": "object"}},
            'looks like the inner function object; wrap it as {"type": "function"',
        ),
        (get_weather, "pass Python functions to LangChain's bind_tools()"),
        ({"type": "function"}, "not an OpenAI function tool"),
    ],
)
def test_core_rejects_tools_in_a_wrong_format(lms: FakeLMStudio, tool: object, words: str) -> None:
    with (
        LMStudioClient(base_url=lms.base_url) as client,
        pytest.raises(InvalidRequestError) as info,
    ):
        client.chat(HI, model="qwen2.5-7b-instruct", tools=[tool])
    assert words in str(info.value)
    assert '{"type": "function", "function": {"name": "...", ' in str(info.value)
    assert lms.requests == []  # before any request


def test_llama_index_rejects_a_plain_function_as_a_tool(lms: FakeLMStudio) -> None:
    from llama_index_lmstudio import LMStudio

    llm = LMStudio(base_url=lms.base_url, model="qwen2.5-7b-instruct")
    with pytest.raises(InvalidRequestError) as info:
        llm.chat_with_tools([get_weather], user_msg="Weather in Oslo?")  # type: ignore[list-item]
    assert "tools[0] is a function, not a LlamaIndex tool" in str(info.value)
    assert "FunctionTool.from_defaults(fn=" in str(info.value)
    assert lms.chat_requests == []


def test_every_mistake_is_an_lmstudio_error() -> None:
    for cls in (InvalidRequestError, InvalidResponseError, ModelNotFoundError):
        assert issubclass(cls, LMStudioError)
