"""Connections that are refused, reset, stalled or slow: typed errors, bounded, right retries."""

from __future__ import annotations

from lmstudio_core import LMStudioConnectionError, LMStudioTimeoutError
from tests.faults.fault_server import (
    chat_completion,
    closed_port_url,
    cut_reply,
    fault_server,
    reset,
    slow_reply,
    sse,
    stall,
)
from tests.faults.paths import Path, drive


def test_refused_connection_says_how_to_start_the_server(path: Path) -> None:
    url = closed_port_url()
    out = drive(path, url, max_retries=1, timeout=2)
    assert isinstance(out.error, LMStudioConnectionError)
    assert not isinstance(out.error, LMStudioTimeoutError)
    assert "lms server start" in str(out.error)
    assert url in str(out.error)
    assert out.text is None
    assert out.streamed == []


def test_reset_before_any_answer_is_retried_then_reported(path: Path) -> None:
    with fault_server(reset()) as server:
        out = drive(path, server.base_url, max_retries=1, timeout=2)
    assert isinstance(out.error, LMStudioConnectionError)
    assert "retry" in str(out.error).lower()
    assert server.count("/chat/completions") == 2


def test_reset_before_any_answer_then_success(path: Path) -> None:
    with fault_server(reset(), sse("ok") if path.stream else _ok()) as server:
        out = drive(path, server.base_url, max_retries=1, timeout=2)
    assert out.error is None
    assert out.text == "ok"
    assert server.count("/chat/completions") == 2


def _ok() -> object:
    from tests.faults.fault_server import reply

    return reply(200, chat_completion("ok"))


def test_reset_mid_stream_keeps_partial_and_never_retries(stream_path: Path) -> None:
    with fault_server(sse("Hel", "lo", finish=False, done=False, then="reset")) as server:
        out = drive(stream_path, server.base_url, max_retries=3, timeout=2)
    assert isinstance(out.error, LMStudioConnectionError)
    assert out.streamed == ["Hel", "lo"]
    assert out.partial_text == "Hello"
    assert server.count("/chat/completions") == 1


def test_reset_mid_body_of_plain_answer_is_retried(plain_path: Path) -> None:
    with fault_server(cut_reply(chat_completion("x" * 2000), then="reset")) as server:
        out = drive(plain_path, server.base_url, max_retries=1, timeout=2)
    assert isinstance(out.error, LMStudioConnectionError)
    assert server.count("/chat/completions") == 2


def test_stall_before_answer_times_out_without_retry(path: Path) -> None:
    with fault_server(stall()) as server:
        out = drive(path, server.base_url, max_retries=2, timeout=0.2)
    assert isinstance(out.error, LMStudioTimeoutError)
    assert "timeout" in str(out.error).lower()
    assert server.count("/chat/completions") == 1


def test_stall_mid_stream_times_out_with_partial(stream_path: Path) -> None:
    with fault_server(sse("Hel", finish=False, done=False, then="stall")) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=0.2)
    assert isinstance(out.error, LMStudioTimeoutError)
    assert out.streamed == ["Hel"]
    assert out.partial_text == "Hel"
    assert server.count("/chat/completions") == 1


def test_stall_mid_body_of_plain_answer_times_out(plain_path: Path) -> None:
    with fault_server(cut_reply(chat_completion("x" * 2000), then="stall")) as server:
        out = drive(plain_path, server.base_url, max_retries=2, timeout=0.2)
    assert isinstance(out.error, LMStudioTimeoutError)
    assert server.count("/chat/completions") == 1


def test_slow_stream_within_read_timeout_completes(stream_path: Path) -> None:
    pieces = ["a", "b", "c", "d", "e", "f"]
    with fault_server(sse(*pieces, delay=0.03)) as server:
        out = drive(stream_path, server.base_url, max_retries=0, timeout=0.15)
    assert out.error is None
    assert out.streamed == pieces
    assert out.text == "abcdef"
    assert server.count("/chat/completions") == 1


def test_slow_plain_body_within_read_timeout_completes(plain_path: Path) -> None:
    with fault_server(slow_reply(chat_completion("slow"), pieces=8, delay=0.03)) as server:
        out = drive(plain_path, server.base_url, max_retries=0, timeout=0.15)
    assert out.error is None
    assert out.text == "slow"
    assert server.count("/chat/completions") == 1
