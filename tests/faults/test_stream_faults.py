"""Faults inside an SSE stream: error events, malformed or truncated events, split UTF-8, and
the server closing the connection after every stream (as llama-server does)."""

from __future__ import annotations

import asyncio
import json

import pytest

from lmstudio_core import (
    ContextLengthExceededError,
    InvalidResponseError,
    LMStudioConnectionError,
    ServerError,
)
from tests.faults.fault_server import (
    FINISH_CHUNK,
    USAGE_CHUNK,
    chat_completion,
    content_chunk,
    fault_server,
    reply,
    sse,
    sse_pieces,
)
from tests.faults.paths import Path, drive

CHAT = "/chat/completions"


def _data(chunk: object) -> bytes:
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()


def test_in_stream_error_event_raises_with_partial(stream_path: Path) -> None:
    error = {"error": {"message": "Model unloaded while generating", "type": "server_error"}}
    with fault_server(sse("Hel", "lo", error, finish=False, done=False)) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, ServerError)
    assert "Model unloaded while generating" in str(out.error)
    assert out.streamed == ["Hel", "lo"]
    assert out.partial_text == "Hello"
    assert server.count(CHAT) == 1


def test_named_error_event_raises(core_path: Path) -> None:
    if not core_path.stream:
        return
    event = b'event: error\ndata: {"message": "engine crashed"}\n\n'
    with fault_server(sse("Hi", event, finish=False, done=False)) as server:
        out = drive(core_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, ServerError)
    assert "engine crashed" in str(out.error)
    assert out.partial_text == "Hi"
    assert server.count(CHAT) == 1


def test_in_stream_context_overflow_is_typed(stream_path: Path) -> None:
    error = {"error": "Context size has been exceeded."}
    with fault_server(sse(error, finish=False, done=False)) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, ContextLengthExceededError)
    assert server.count(CHAT) == 1


def test_malformed_event_raises_invalid_response_with_partial(stream_path: Path) -> None:
    with fault_server(sse("Hel", b"data: {not json\n\n", "lo")) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, InvalidResponseError)
    assert "malformed" in str(out.error)
    assert out.streamed == ["Hel"]
    assert out.partial_text == "Hel"
    assert server.count(CHAT) == 1


def test_stream_ending_without_finish_is_an_error_with_partial(stream_path: Path) -> None:
    with fault_server(sse("Hel", "lo", finish=False, done=False)) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, LMStudioConnectionError)
    assert "error.partial" in str(out.error)
    assert out.partial_text == "Hello"
    assert server.count(CHAT) == 1


def test_truncated_chunked_body_is_an_error_with_partial(stream_path: Path) -> None:
    with fault_server(sse("Hel", "lo", finish=False, done=False, then="eof")) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, LMStudioConnectionError)
    assert out.partial_text == "Hello"
    assert server.count(CHAT) == 1


def test_event_cut_mid_line_keeps_what_was_complete(stream_path: Path) -> None:
    cut = _data(content_chunk("lo"))[:25]
    with fault_server(sse_pieces([_data(content_chunk("Hel")), cut])) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, InvalidResponseError | LMStudioConnectionError)
    assert out.partial_text == "Hel"
    assert server.count(CHAT) == 1


def test_empty_stream_is_an_error_not_a_silent_empty_answer(stream_path: Path) -> None:
    with fault_server(sse(finish=False, done=True)) as server:
        out = drive(stream_path, server.base_url, max_retries=2, timeout=2)
    assert isinstance(out.error, ServerError)
    assert out.text is None
    assert server.count(CHAT) == 1


def test_multibyte_utf8_split_across_chunks_is_decoded(stream_path: Path) -> None:
    text = "héllo wörld — 日本語 🎉"
    body = _data(content_chunk(text)) + _data(FINISH_CHUNK) + _data(USAGE_CHUNK)
    body += b"data: [DONE]\n\n"
    start = body.index("é".encode())
    cuts = [start + 1, body.index("日".encode()) + 2, body.index("🎉".encode()) + 3]
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    with fault_server(sse_pieces(pieces, gap=0.02)) as server:
        out = drive(stream_path, server.base_url, max_retries=0, timeout=2)
    assert out.error is None, out.error
    assert out.text == text


def test_invalid_utf8_is_replaced_not_fatal(stream_path: Path) -> None:
    head = _data(content_chunk("ok ZZ done")).split(b"ZZ")
    body = [head[0] + b"\xff", b"\xfe" + head[1], _data(FINISH_CHUNK), b"data: [DONE]\n\n"]
    with fault_server(sse_pieces(body, gap=0.02)) as server:
        out = drive(stream_path, server.base_url, max_retries=0, timeout=2)
    assert out.error is None, out.error
    assert out.text is not None
    assert out.text.startswith("ok ")
    assert out.text.endswith(" done")
    assert "\ufffd" in out.text


def test_server_closing_after_every_stream_needs_no_retry(stream_path: Path) -> None:
    scripts = [sse(text, linger=0.1) for text in ("one", "two", "three")]
    with fault_server(*scripts) as server:
        out = drive(stream_path, server.base_url, max_retries=0, timeout=2, times=3)
    assert out.error is None, out.error
    assert out.texts == ["one", "two", "three"]
    assert server.count(CHAT) == 3
    assert server.connections == 3


def test_plain_call_after_a_closed_stream_connection(core_path: Path) -> None:
    plain = reply(200, chat_completion("a"), close=True)
    script = sse("a", linger=0.1) if core_path.stream else plain
    with fault_server(script) as server:
        out = drive(core_path, server.base_url, max_retries=0, timeout=2, times=4)
    assert out.error is None, out.error
    assert out.texts == ["a"] * 4
    assert server.count(CHAT) == 4


@pytest.mark.parametrize("is_async", [False, True], ids=["invoke", "ainvoke"])
def test_langchain_streaming_invoke_keeps_partial_and_never_retries(is_async: bool) -> None:
    from langchain_lmstudio import ChatLMStudio

    with fault_server(sse("Hel", "lo", finish=False, done=False, then="reset")) as server:
        model = ChatLMStudio(model="m", base_url=server.base_url, max_retries=3, streaming=True)
        call = (
            (lambda: asyncio.run(asyncio.wait_for(model.ainvoke("hi"), 10)))
            if is_async
            else (lambda: model.invoke("hi"))
        )
        with pytest.raises(LMStudioConnectionError) as caught:
            call()
    assert caught.value.partial.content == "Hello"
    assert server.count(CHAT) == 1
