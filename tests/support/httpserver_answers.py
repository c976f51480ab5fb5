"""Script pytest-httpserver as an LM Studio chat endpoint, and read what it received."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pytest_httpserver import HTTPServer

from lmstudio_core.testing.replies import sse_body

CHAT_PATH = "/v1/chat/completions"


def serve_chat(httpserver: HTTPServer, body: dict[str, Any]) -> None:
    """Answer every chat request with the JSON ``body``."""
    httpserver.expect_request(CHAT_PATH, method="POST").respond_with_json(body)


def serve_stream(httpserver: HTTPServer, body: str) -> None:
    """Answer every chat request with ``body`` as an SSE stream (see ``replies.sse_body``)."""
    httpserver.expect_request(CHAT_PATH, method="POST").respond_with_data(
        body, content_type="text/event-stream"
    )


def serve_events(httpserver: HTTPServer, *events: Mapping[str, Any] | str) -> None:
    """Answer every chat request with the events as an SSE stream ending in ``[DONE]``."""
    serve_stream(httpserver, sse_body(*events))


def sent_bodies(httpserver: HTTPServer, path: str = CHAT_PATH) -> list[Any]:
    """JSON bodies the server received on ``path``, in order."""
    return [json.loads(request.get_data()) for request, _ in httpserver.log if request.path == path]


def request_paths(httpserver: HTTPServer) -> list[str]:
    """``METHOD path`` of every request the server received, in order."""
    return [f"{request.method} {request.path}" for request, _ in httpserver.log]
