"""Retries: which failures are retried, how often, the backoff and ``Retry-After``.

Never after the first streamed byte; a probe with a timeout is not retried.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lmstudio_core import (
    LMStudioClient,
    LMStudioConnectionError,
    ServerError,
)
from lmstudio_core.resilience import RETRYABLE_STATUS, RetryPolicy
from lmstudio_core.testing import FakeLMStudio
from lmstudio_core.testing.replies import sse_body
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    CHAT,
    CHAT_COMPLETION,
    OSLO_QUESTION,
    chunk,
)


def _fail_first(httpserver: HTTPServer, times: int, status: int = 503) -> None:
    for _ in range(times):
        httpserver.expect_ordered_request(CHAT).respond_with_json(
            {"error": "busy"}, status=status, headers={"Retry-After": "0"}
        )


def _breaking_stream(calls: list[int], *, truncate: bool) -> object:
    def handler(request: Request) -> Response:
        calls.append(1)

        def body() -> Iterator[bytes]:
            yield sse_body(chunk({"content": "Hel"}), chunk({"content": "lo"}), done=False).encode()

        headers = {"Content-Length": "100000"} if truncate else {}
        return Response(body(), content_type="text/event-stream", headers=headers)

    return handler


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry_status(0, status)
    assert policy.should_retry_status(1, status)
    assert not policy.should_retry_status(2, status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501])
def test_client_errors_are_not_retried(status: int) -> None:
    assert status not in RETRYABLE_STATUS
    assert not RetryPolicy(max_retries=5).should_retry_status(0, status)


def test_connection_retries_count() -> None:
    policy = RetryPolicy(max_retries=1)
    assert policy.should_retry_connection(0)
    assert not policy.should_retry_connection(1)
    assert not RetryPolicy(max_retries=0).should_retry_connection(0)


def test_backoff_doubles_with_jitter_and_caps() -> None:
    low = RetryPolicy(backoff=0.5, max_backoff=3.0, random=lambda: 0.0)
    high = RetryPolicy(backoff=0.5, max_backoff=3.0, random=lambda: 1.0)
    assert [low.delay(a) for a in range(5)] == [0.25, 0.5, 1.0, 1.5, 1.5]
    assert [high.delay(a) for a in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    mid = RetryPolicy(backoff=1.0, max_backoff=100.0, random=lambda: 0.5)
    assert mid.delay(2) == 3.0


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(backoff=0.5, max_backoff=8.0, random=lambda: 0.0)
    assert policy.delay(0, "2") == 2.0
    assert policy.delay(0, "1.5") == 1.5
    assert policy.delay(0, "120") == 8.0
    assert policy.delay(0, "-3") == 0.0
    assert policy.delay(1, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.5
    assert policy.delay(1, "") == 0.5


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
        sse_body(chunk({"content": "ok"}), chunk({}, "stop")), content_type="text/event-stream"
    )
    _, result = await make_api(max_retries=2).stream(model="m")
    assert result.content == "ok"
    assert len(httpserver.log) == 2


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


async def test_server_error_after_retries(httpserver: HTTPServer, make_api: MakeApi) -> None:
    body = {"error": {"code": 500, "message": "kaput", "type": "server_error"}}
    httpserver.expect_request(CHAT).respond_with_json(body, status=500)
    with pytest.raises(ServerError, match="kaput") as info:
        await make_api(max_retries=2).call("chat", USER, model="m")
    assert info.value.status_code == 500
    assert len(httpserver.log) == 3


def test_server_error_is_retried(fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_error(503, "busy").reply_text("after retry")
    with LMStudioClient(
        base_url=fake_lmstudio.base_url,
        verify=False,
        max_retries=1,
        retry_backoff=0,
        circuit_breaker_threshold=0,
    ) as client:
        assert client.chat(OSLO_QUESTION).content == "after retry"
    assert len(fake_lmstudio.chat_requests) == 2


def test_a_probe_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/models").respond_with_json({"error": "busy"}, status=503)
    with LMStudioClient(
        base_url=httpserver.url_for("/v1"),
        max_retries=2,
        retry_backoff=0,
        circuit_breaker_threshold=0,
        verify=False,
    ) as client:
        with pytest.raises(ServerError):
            client.model_facts("m", timeout=1.0)
        assert len(httpserver.log) == 1
        with pytest.raises(ServerError):
            client.model_facts("m")
        assert len(httpserver.log) == 4  # without a timeout: the usual retries
