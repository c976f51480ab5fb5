"""A server that rejects exactly what LM Studio rejects: the core never sends those shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lmstudio_core.testing.replies import sse_body
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    CHAT,
    CHAT_COMPLETION,
    chunk,
)
from tests.support.httpserver_answers import sent_bodies

TOOLS = [
    {
        "type": "function",
        "function": {"name": n, "parameters": {"type": "object", "properties": {}}},
    }
    for n in ("get_weather", "add")
]


def lm_studio_strict(request: Request) -> Response:
    """LM Studio's answers: 400 for ``json_object`` and for an object ``tool_choice``."""
    body = request.get_json()
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_object":
        error = "'response_format.type' must be 'json_schema' or 'text'"
    elif isinstance(body.get("tool_choice"), dict):
        error = "Invalid tool_choice type: 'object'. Supported string values: none, auto, required"
    elif body.get("stream"):
        return Response(
            sse_body(chunk({"content": "{}"}), chunk({}, "stop")), content_type="text/event-stream"
        )
    else:
        return Response(json.dumps(CHAT_COMPLETION), content_type="application/json")
    return Response(json.dumps({"error": error}), status=400, content_type="application/json")


@pytest.fixture
def strict(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(lm_studio_strict)
    return httpserver


@pytest.mark.parametrize(
    "body",
    [
        {"response_format": {"type": "json_object"}},
        {"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "add"}}},
    ],
)
def test_the_handler_really_rejects(strict: HTTPServer, body: dict[str, Any]) -> None:
    answer = httpx.post(strict.url_for(CHAT), json={"messages": USER, **body}, trust_env=False)
    assert answer.status_code == 400
    assert "error" in answer.json()


@pytest.mark.parametrize("stream", [False, True])
async def test_json_mode_is_sent_as_json_schema(
    strict: HTTPServer, make_api: MakeApi, stream: bool
) -> None:
    api = make_api()
    if stream:
        _, result = await api.stream(model="m", response_format={"type": "json_object"})
    else:
        result = await api.call("chat", USER, model="m", response_format={"type": "json_object"})
    assert result.content
    (body,) = sent_bodies(strict)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}


@pytest.mark.parametrize(
    "tool_choice",
    [{"type": "function", "function": {"name": "add"}}, "add", {"type": "tool", "name": "add"}],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_named_tool_choice_is_sent_as_required(
    strict: HTTPServer, make_api: MakeApi, tool_choice: Any, stream: bool
) -> None:
    api = make_api()
    if stream:
        await api.stream(model="m", tools=TOOLS, tool_choice=tool_choice)
    else:
        await api.call("chat", USER, model="m", tools=TOOLS, tool_choice=tool_choice)
    (body,) = sent_bodies(strict)
    assert body["tool_choice"] == "required"
    assert [t["function"]["name"] for t in body["tools"]] == ["add"]


@pytest.mark.parametrize(
    ("given", "sent"), [("any", "required"), (True, "required"), ("auto", "auto")]
)
async def test_string_tool_choices(
    strict: HTTPServer, make_api: MakeApi, given: Any, sent: str
) -> None:
    await make_api().call("chat", USER, model="m", tools=TOOLS, tool_choice=given)
    (body,) = sent_bodies(strict)
    assert body["tool_choice"] == sent
    assert len(body["tools"]) == 2
