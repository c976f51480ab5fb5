"""Error answers on the wire become typed errors.

200 with an error body, in-stream errors, context overflow, unknown model, authentication.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lmstudio_core import (
    AsyncLMStudioClient,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    LMStudioClient,
    ModelNotFoundError,
    ServerError,
)
from lmstudio_core.testing import CONTEXT_OVERFLOW_ERROR, FakeLMStudio
from lmstudio_core.testing.replies import sse_body
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    API_V1_MODELS,
    CHAT,
    HI,
    KEY,
    OSLO_QUESTION,
    chunk,
)
from tests.support.httpserver_answers import request_paths

N_KEEP = (
    "The number of tokens to keep from the initial prompt is greater than the context length "
    "(n_keep: 13055>= n_ctx: 4096). Try to load the model with a larger context length."
)
NO_MODELS = "No models loaded. Please load a model in the developer page or use 'lms load'."
INVALID_ID = 'Invalid model identifier "o4-mini". Please specify a valid downloaded model.'


def _echo_key(request: Request) -> Response:
    """A 401 that (badly) quotes the token it got: the core must redact it."""
    header = request.headers.get("Authorization", "")
    body = {
        "error": {
            "type": "invalid_request",
            "code": "invalid_api_key",
            "message": f"An LM Studio API token is required. Got '{header}'.",
        }
    }
    return Response(json.dumps(body), status=401, content_type="application/json")


@pytest.mark.parametrize(
    "body", [{"error": N_KEEP}, {"error": {"message": N_KEEP, "type": "invalid_request_error"}}]
)
@pytest.mark.parametrize("stream", [False, True])
async def test_200_with_error_body(
    httpserver: HTTPServer, make_api: MakeApi, body: Any, stream: bool
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(body, status=200)
    api = make_api()
    with pytest.raises(ContextLengthExceededError) as info:
        await api.answer(stream, model="m")
    assert info.value.status_code == 200
    assert "n_keep" in info.value.message


async def test_unexpected_endpoint_200(httpserver: HTTPServer, make_api: MakeApi) -> None:
    body = {"error": "Unexpected endpoint or method. (POST /v1/chat/completions)"}
    httpserver.expect_request(CHAT).respond_with_json(body)
    with pytest.raises(BadRequestError, match="ends in /v1") as info:
        await make_api().call("chat", USER, model="m")
    assert type(info.value) is BadRequestError


async def test_in_stream_error_keeps_the_partial_answer(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    error = {"error": {"message": "Model unloaded.", "type": "internal_error"}}
    body = sse_body(chunk({"content": "Hel"}), chunk({"content": "lo"}), error, done=False)
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    api = make_api()
    with pytest.raises(ServerError, match="Model unloaded") as info:
        await api.stream(model="m")
    assert info.value.status_code is None
    assert info.value.partial is not None
    assert info.value.partial.content == "Hello"
    assert info.value.body == error


async def test_in_stream_error_event_name(httpserver: HTTPServer, make_api: MakeApi) -> None:
    body = (
        sse_body(chunk({"content": "a"}), done=False)
        + 'event: error\ndata: {"message": "boom"}\n\n'
    )
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    with pytest.raises(ServerError) as info:
        await make_api().stream(model="m")
    assert info.value.partial.content == "a"


async def test_in_stream_context_overflow(httpserver: HTTPServer, make_api: MakeApi) -> None:
    body = sse_body({"error": {"message": "Context size has been exceeded."}}, done=False)
    httpserver.expect_request(CHAT).respond_with_data(body, content_type="text/event-stream")
    with pytest.raises(ContextLengthExceededError) as info:
        await make_api().stream(model="m")
    assert info.value.partial.content == ""


async def test_empty_stream_is_an_error(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT).respond_with_data("", content_type="text/event-stream")
    with pytest.raises(ServerError, match="without any output"):
        await make_api().stream(model="m")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"error": NO_MODELS}),
        (400, {"error": NO_MODELS}),
        (
            400,
            {
                "error": {
                    "message": INVALID_ID,
                    "type": "invalid_request_error",
                    "param": "model",
                    "code": "model_not_found",
                }
            },
        ),
        (
            404,
            {"error": {"message": NO_MODELS, "param": "model", "code": "model_not_found"}},
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_model_not_found_lists_models(
    httpserver: HTTPServer, make_api: MakeApi, status: int, body: Any, stream: bool
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(body, status=status)
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    api = make_api()
    with pytest.raises(ModelNotFoundError) as info:
        await api.answer(stream, model="o4-mini")
    error = info.value
    assert error.status_code == status
    assert error.model == "o4-mini"
    assert error.available_models == ["qwen/qwen3-4b-2507", "text-embedding-nomic-embed-text-v1.5"]
    assert "qwen/qwen3-4b-2507" in error.message
    assert request_paths(httpserver) == ["POST /v1/chat/completions", "GET /api/v1/models"]


async def test_model_not_found_when_the_catalog_fails_too(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request(CHAT).respond_with_json({"error": NO_MODELS}, status=404)
    for path in ("/api/v1/models", "/api/v0/models", "/v1/models"):
        httpserver.expect_request(path).respond_with_json({"error": NO_MODELS}, status=404)
    with pytest.raises(ModelNotFoundError) as info:
        await make_api().call("chat", USER, model="x")
    assert info.value.available_models is None


@pytest.mark.parametrize("stream", [False, True])
async def test_401_without_the_key_in_the_error(
    httpserver: HTTPServer, make_api: MakeApi, stream: bool
) -> None:
    httpserver.expect_request(CHAT).respond_with_handler(_echo_key)
    api = make_api(api_key=KEY, max_retries=3)
    with pytest.raises(AuthenticationError) as info:
        await api.answer(stream, model="m")
    error = info.value
    assert error.status_code == 401
    assert "LM_API_TOKEN" in error.message
    for text in (str(error), repr(error), json.dumps(error.body), repr(error.args)):
        assert KEY not in text
        assert "secretsecret" not in text
    assert "***" in json.dumps(error.body)
    assert len(httpserver.log) == 1  # 401 is not retried


async def test_401_on_the_catalog(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_handler(_echo_key)
    with pytest.raises(AuthenticationError) as info:
        await make_api(api_key=KEY).call("list_models")
    assert KEY not in str(info.value)
    assert request_paths(httpserver) == ["GET /api/v1/models"]


async def test_non_json_error_body(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT).respond_with_data("<h1>Bad Gateway</h1>", status=502)
    with pytest.raises(ServerError, match="Bad Gateway"):
        await make_api().call("chat", USER, model="m")


def test_context_overflow(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(400, CONTEXT_OVERFLOW_ERROR)
    with pytest.raises(ContextLengthExceededError) as caught:
        client.chat(OSLO_QUESTION)
    assert caught.value.status_code == 400


def test_context_overflow_with_http_200(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_error(200, CONTEXT_OVERFLOW_ERROR)
    fake_lmstudio.reply_error(200, CONTEXT_OVERFLOW_ERROR)
    with pytest.raises(ContextLengthExceededError):
        client.chat(OSLO_QUESTION)
    with pytest.raises(ContextLengthExceededError):
        list(client.chat_stream(OSLO_QUESTION))


def test_server_error_is_typed(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(500, {"message": "engine crashed", "type": "server_error"})
    with pytest.raises(ServerError, match="engine crashed"):
        client.chat(OSLO_QUESTION)


def test_error_inside_the_stream_keeps_the_partial_answer(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_stream_error(2, "Model unloaded during generation", text="Hello world")
    received: list[str] = []
    stream = client.chat_stream(OSLO_QUESTION)
    with pytest.raises(ServerError, match="Model unloaded") as caught:
        received.extend(delta.content for delta in stream)
    assert "".join(received) == "Hello world"
    assert caught.value.partial is not None
    assert caught.value.partial.content == "Hello world"


def test_unknown_model() -> None:
    with FakeLMStudio(models=["qwen3-4b", "nomic-embed"]) as fake:
        with LMStudioClient(base_url=fake.base_url, verify=False, max_retries=0) as client:
            with pytest.raises(ModelNotFoundError) as caught:
                client.chat(OSLO_QUESTION, model="gpt-4o")
    assert caught.value.model == "gpt-4o"
    assert caught.value.available_models == ["qwen3-4b", "nomic-embed"]


def test_unknown_endpoint(fake_lmstudio: FakeLMStudio) -> None:
    with LMStudioClient(
        base_url=fake_lmstudio.root_url + "/wrong/v1", max_retries=0, verify=False
    ) as client:
        with pytest.raises(BadRequestError, match="does not know this endpoint"):
            client.chat(OSLO_QUESTION, model="fake-llm")


def test_auth() -> None:
    with FakeLMStudio(api_key="sk-lm-abc:secret") as fake:
        with LMStudioClient(base_url=fake.base_url, verify=False, max_retries=0) as anonymous:
            with pytest.raises(AuthenticationError) as caught:
                anonymous.chat(OSLO_QUESTION, model="fake-llm")
            assert caught.value.status_code == 401
        with LMStudioClient(
            base_url=fake.base_url, verify=False, api_key="sk-lm-abc:secret"
        ) as client:
            assert client.chat(OSLO_QUESTION, model="fake-llm").content == "ok"
            assert client.list_models()
        assert fake.last_request.headers["authorization"] == "Bearer sk-lm-abc:secret"


async def test_errors(aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(400, CONTEXT_OVERFLOW_ERROR)
    fake_lmstudio.reply_stream_error(1, "boom")
    with pytest.raises(ContextLengthExceededError):
        await aclient.chat(HI)
    stream = aclient.chat_stream(HI)
    with pytest.raises(ServerError, match="boom") as caught:
        _ = [d async for d in stream]
    assert caught.value.partial is not None
    assert caught.value.partial.content == "This answer stops here"
