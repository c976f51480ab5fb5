"""HTTP-level faults: 5xx then success, auth failures, 200 with an error body, 3xx, huge bodies."""

from __future__ import annotations

import pytest

from lmstudio_core import (
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    LMStudioError,
    ModelNotFoundError,
    ServerError,
)
from tests.faults.fault_server import Script, chat_completion, fault_server, reply, sse
from tests.faults.paths import Path, drive

CHAT = "/chat/completions"


def _ok(path: Path, text: str = "ok") -> Script:
    return sse(text) if path.stream else reply(200, chat_completion(text))


def test_503_is_retried_then_succeeds(path: Path) -> None:
    with fault_server(reply(503, {"error": "busy"}), _ok(path)) as server:
        out = drive(path, server.base_url, max_retries=1, timeout=2)
    assert out.error is None, out.error
    assert out.text == "ok"
    assert server.count(CHAT) == 2


def test_5xx_n_times_within_budget_then_success(core_pair: Path) -> None:
    failing = reply(502, {"error": "busy"})
    with fault_server(failing, failing, failing, _ok(core_pair)) as server:
        out = drive(core_pair, server.base_url, max_retries=3, timeout=2)
    assert out.error is None, out.error
    assert out.text == "ok"
    assert server.count(CHAT) == 4


@pytest.mark.parametrize("status", [408, 429, 500, 502, 504])
def test_each_transient_status_is_retried(core_pair: Path, status: int) -> None:
    with fault_server(reply(status, {"error": "busy"}), _ok(core_pair)) as server:
        out = drive(core_pair, server.base_url, max_retries=1, timeout=2)
    assert out.error is None, out.error
    assert out.text == "ok"
    assert server.count(CHAT) == 2


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client_errors_are_not_retried(core_pair: Path, status: int) -> None:
    with fault_server(reply(status, {"error": "Invalid 'messages' in payload"})) as server:
        out = drive(core_pair, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, BadRequestError)
    assert out.error.status_code == status
    assert "Invalid 'messages' in payload" in str(out.error)
    assert server.count(CHAT) == 1


def test_persistent_5xx_gives_server_error_after_exact_retries(path: Path) -> None:
    with fault_server(reply(503, {"error": "Model crashed"})) as server:
        out = drive(path, server.base_url, max_retries=1, timeout=2)
    assert isinstance(out.error, ServerError)
    assert out.error.status_code == 503
    assert "Model crashed" in str(out.error)
    assert "server log" in str(out.error)
    assert server.count(CHAT) == 2


def test_no_retries_when_max_retries_is_zero(path: Path) -> None:
    with fault_server(reply(500, {"error": "boom"}), _ok(path)) as server:
        out = drive(path, server.base_url, max_retries=0, timeout=2)
    assert isinstance(out.error, ServerError)
    assert server.count(CHAT) == 1


def test_retry_after_header_is_honoured(path: Path) -> None:
    busy = reply(429, {"error": "slow down"}, {"Retry-After": "0"})
    with fault_server(busy, _ok(path)) as server:
        out = drive(path, server.base_url, max_retries=1, timeout=2)
    assert out.error is None, out.error
    assert server.count(CHAT) == 2


def test_auth_failure_is_not_retried_and_says_how_to_set_the_token(path: Path) -> None:
    _auth_failure(path, 401)


def test_forbidden_is_an_auth_failure(core_path: Path) -> None:
    _auth_failure(core_path, 403)


def _auth_failure(path: Path, status: int) -> None:
    body = {
        "error": {
            "type": "invalid_request",
            "code": "invalid_api_key",
            "message": "An LM Studio API token is required to make requests to this server.",
        }
    }
    with fault_server(reply(status, body)) as server:
        out = drive(path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, AuthenticationError)
    assert out.error.status_code == status
    assert "LM_API_TOKEN" in str(out.error)
    assert server.count(CHAT) == 1


def test_unexpected_endpoint_200_error_body_is_an_error(path: Path) -> None:
    body = {"error": "Unexpected endpoint or method. (POST /v1/chat/completions)"}
    with fault_server(reply(200, body)) as server:
        out = drive(path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, BadRequestError)
    assert "/v1" in str(out.error)
    assert out.text is None
    assert server.count(CHAT) == 1


def test_context_overflow_in_200_error_body(path: Path) -> None:
    body = {
        "error": "The number of tokens to keep from the initial prompt is greater than the "
        "context length (n_keep: 13055>= n_ctx: 4096)."
    }
    with fault_server(reply(200, body)) as server:
        out = drive(path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, ContextLengthExceededError)
    assert "context length" in str(out.error)
    assert server.count(CHAT) == 1


def test_model_not_found_lists_what_the_server_has(path: Path) -> None:
    not_found = reply(
        400,
        {
            "error": {
                "message": 'Invalid model identifier "m".',
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        },
    )
    catalog = reply(200, {"models": [{"key": "qwen-7b", "type": "llm", "loaded_instances": []}]})
    with fault_server(not_found, catalog) as server:
        out = drive(path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, ModelNotFoundError)
    assert "qwen-7b" in str(out.error)
    assert server.count(CHAT) == 1


def test_huge_error_body_gives_a_bounded_message(path: Path) -> None:
    with fault_server(reply(500, {"error": "x" * 1_000_000})) as server:
        out = drive(path, server.base_url, max_retries=0, timeout=10, deadline=30)
    assert isinstance(out.error, ServerError)
    assert len(str(out.error)) < 2000
    assert server.count(CHAT) == 1


def test_huge_plain_answer_arrives_whole(plain_path: Path) -> None:
    text = "abcdefgh" * 250_000
    with fault_server(reply(200, chat_completion(text))) as server:
        out = drive(plain_path, server.base_url, max_retries=0, timeout=10, deadline=30)
    assert out.error is None, out.error
    assert out.text == text


def test_huge_stream_arrives_whole(stream_path: Path) -> None:
    pieces = [f"{i:04d}" + "y" * 200 for i in range(1000)]
    with fault_server(sse(*pieces, gap=0)) as server:
        out = drive(stream_path, server.base_url, max_retries=0, timeout=5, deadline=30)
    assert out.error is None, out.error
    assert out.text == "".join(pieces)
    assert server.count(CHAT) == 1


def test_redirect_is_a_clear_error_not_an_empty_answer(path: Path) -> None:
    _redirect(path, 307)


@pytest.mark.parametrize("status", [301, 302, 303, 308])
def test_every_redirect_status_is_a_clear_error(core_pair: Path, status: int) -> None:
    _redirect(core_pair, status)


def _redirect(path: Path, status: int) -> None:
    moved = reply(status, b"", {"Location": "http://127.0.0.1:9/v1/chat/completions"})
    with fault_server(moved) as server:
        out = drive(path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, LMStudioError), (out.error, out.text)
    assert "redirect" in str(out.error).lower()
    assert "base_url" in str(out.error)
    assert out.text is None
    assert server.count(CHAT) == 1
