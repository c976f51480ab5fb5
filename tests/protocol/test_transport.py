"""Retries, the breaker, headers and allowed_models, seen from the server's side."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lmstudio_core import (
    CircuitOpenError,
    LMStudioConnectionError,
    ModelNotFoundError,
    ServerError,
)
from tests.protocol.conftest import USER, MakeApi, sse
from tests.unit.lmstudio_bodies import API_V1_MODELS, CHAT_COMPLETION, chunk

CHAT = "/v1/chat/completions"
KEY = "sk-lm-abcd1234:secretsecretsecret00"


def _fail_first(httpserver: HTTPServer, times: int, status: int = 503) -> None:
    for _ in range(times):
        httpserver.expect_ordered_request(CHAT).respond_with_json(
            {"error": "busy"}, status=status, headers={"Retry-After": "0"}
        )


async def test_5xx_then_success_exact_count(httpserver: HTTPServer, make_api: MakeApi) -> None:
    _fail_first(httpserver, 2)
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    result = await make_api(max_retries=2).call("chat", USER, model="m")
    assert result.content == "Paris is the capital of France."
    assert len(httpserver.log) == 3
    assert [r.status_code for _, r in httpserver.log] == [503, 503, 200]


async def test_retries_are_bounded(httpserver: HTTPServer, make_api: MakeApi) -> None:
    _fail_first(httpserver, 2, status=502)
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    with pytest.raises(ServerError) as info:
        await make_api(max_retries=1).call("chat", USER, model="m")
    assert info.value.status_code == 502
    assert len(httpserver.log) == 2


async def test_429_is_retried_and_400_is_not(httpserver: HTTPServer, make_api: MakeApi) -> None:
    _fail_first(httpserver, 1, status=429)
    httpserver.expect_request(CHAT).respond_with_json({"error": "bad"}, status=400)
    with pytest.raises(Exception, match="bad"):
        await make_api(max_retries=5).call("chat", USER, model="m")
    assert [r.status_code for _, r in httpserver.log] == [429, 400]


async def test_stream_5xx_before_the_first_byte_is_retried(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    _fail_first(httpserver, 1)
    httpserver.expect_request(CHAT).respond_with_data(
        sse(chunk({"content": "ok"}), chunk({}, "stop")), content_type="text/event-stream"
    )
    _, result = await make_api(max_retries=2).stream(model="m")
    assert result.content == "ok"
    assert len(httpserver.log) == 2


def _breaking_stream(calls: list[int], *, truncate: bool) -> object:
    def handler(request: Request) -> Response:
        calls.append(1)

        def body() -> Iterator[bytes]:
            yield sse(chunk({"content": "Hel"}), chunk({"content": "lo"}), done=False).encode()

        headers = {"Content-Length": "100000"} if truncate else {}
        return Response(body(), content_type="text/event-stream", headers=headers)

    return handler


@pytest.mark.parametrize("truncate", [False, True], ids=["eof", "broken"])
async def test_no_retry_after_the_first_streamed_byte(
    httpserver: HTTPServer, make_api: MakeApi, truncate: bool
) -> None:
    calls: list[int] = []
    httpserver.expect_request(CHAT).respond_with_handler(_breaking_stream(calls, truncate=truncate))
    api = make_api(max_retries=3)
    with pytest.raises(LMStudioConnectionError) as info:
        await api.stream(model="m")
    assert calls == [1]
    assert ("broke before" if truncate else "ended before") in info.value.message
    assert info.value.partial is not None
    assert info.value.partial.content == "Hello"


async def test_connection_refused_is_retried_then_explained(make_api: MakeApi) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = make_api(base_url=f"http://127.0.0.1:{port}", max_retries=1)
    with pytest.raises(LMStudioConnectionError, match="lms server start"):
        await api.call("chat", USER, model="m")
    assert await api.call("health") is False


async def test_health_true(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request("/v1/models").respond_with_json({"object": "list", "data": []})
    assert await make_api().call("health") is True


@pytest.mark.parametrize("key", [None, KEY])
async def test_authorization_header_only_with_a_key(
    httpserver: HTTPServer, make_api: MakeApi, key: str | None
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    api = make_api(api_key=key, default_headers={"X-Trace": "t1"})
    await api.call("chat", USER, model="m")
    await api.call("list_models")
    for request, _ in httpserver.log:
        assert request.headers.get("Authorization") == (f"Bearer {key}" if key else None)
        assert request.headers.get("X-Trace") == "t1"
    assert len(httpserver.log) == 2


async def test_allowed_models_enforced_before_sending(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    api = make_api(allowed_models=frozenset({"qwen/qwen3-4b-2507"}))
    with pytest.raises(ModelNotFoundError, match="allowed_models") as info:
        await api.call("chat", USER, model="other")
    assert info.value.available_models == ["qwen/qwen3-4b-2507"]
    with pytest.raises(ModelNotFoundError):
        await api.stream(model="other")
    with pytest.raises(ModelNotFoundError):
        await api.call("embed", ["x"], "other")
    assert httpserver.log == []
    await api.call("chat", USER, model="qwen/qwen3-4b-2507")
    assert len(httpserver.log) == 1


async def test_allowed_models_check_the_resolved_default(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json(API_V1_MODELS)
    api = make_api(allowed_models=frozenset({"somewhere-else"}))
    with pytest.raises(ModelNotFoundError, match="allowed_models"):
        await api.call("chat", USER)
    assert [r.path for r, _ in httpserver.log] == ["/api/v1/models"]


async def test_circuit_opens_and_fails_fast(
    httpserver: HTTPServer, make_api: MakeApi, kind: str
) -> None:
    path = f"/breaker-{kind}/v1/chat/completions"
    httpserver.expect_request(path).respond_with_json({"error": "down"}, status=500)
    api = make_api(
        base_url=httpserver.url_for(f"/breaker-{kind}/v1"),
        circuit_breaker_threshold=2,
        circuit_breaker_cooldown=3600,
        max_retries=1,
    )
    for _ in range(2):  # a request's retries count once: two failed requests open it
        with pytest.raises(ServerError):
            await api.call("chat", USER, model="m")
    with pytest.raises(CircuitOpenError, match="breaker"):
        await api.call("chat", USER, model="m")
    assert len(httpserver.log) == 4


async def test_refused_connections_never_open_the_breaker(make_api: MakeApi) -> None:
    """LM Studio not started yet: each call says so at once, none is locked out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = make_api(
        base_url=f"http://127.0.0.1:{port}",
        max_retries=0,
        circuit_breaker_threshold=2,
        circuit_breaker_cooldown=3600,
    )
    for _ in range(4):
        with pytest.raises(LMStudioConnectionError, match="not reachable") as caught:
            await api.call("chat", USER, model="m")
        assert not isinstance(caught.value, CircuitOpenError)
    assert await api.call("health") is False


async def test_request_body_is_utf8_json(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    await make_api().call("chat", [{"role": "user", "content": "Ünïcödé ✓"}], model="m")
    request, _ = httpserver.log[0]
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data().decode("utf-8"))["messages"][0]["content"] == "Ünïcödé ✓"
