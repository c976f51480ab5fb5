"""LM Studio response shapes for pytest-httpserver (written from reference/lmstudio_api.md)."""

from __future__ import annotations

import json
from typing import Any

from pytest_httpserver import HTTPServer

from llama_index_lmstudio import LMStudio

USAGE = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}


def completion(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A non-streamed chat.completion body."""
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "qwen3-4b",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}
        ],
        "usage": USAGE,
        **extra,
    }


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    """One chat.completion.chunk."""
    return {
        "id": "chatcmpl-2",
        "object": "chat.completion.chunk",
        "model": "qwen3-4b",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def sse(*chunks: dict[str, Any], usage: bool = True) -> str:
    """An SSE body: the chunks, a usage chunk, [DONE]."""
    events = [*chunks]
    if usage:
        events.append({"id": "chatcmpl-2", "model": "qwen3-4b", "choices": [], "usage": USAGE})
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


def serve_chat(httpserver: HTTPServer, body: dict[str, Any]) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(body)


def serve_stream(httpserver: HTTPServer, body: str) -> None:
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_data(
        body, content_type="text/event-stream"
    )


def make_llm(httpserver: HTTPServer, **options: Any) -> LMStudio:
    """An LMStudio on the fake server that never needs the catalog."""
    defaults: dict[str, Any] = {
        "model": "qwen3-4b",
        "context_window": 4096,
        "is_function_calling_model": True,
        "max_retries": 0,
    }
    return LMStudio(base_url=httpserver.url_for("/v1"), **{**defaults, **options})


def sent_bodies(httpserver: HTTPServer, path: str = "/v1/chat/completions") -> list[Any]:
    """JSON bodies the fake server received on ``path``."""
    return [json.loads(req.get_data()) for req, _ in httpserver.log if req.path == path]
