"""Shared helpers of the core integration tests (no tests here, so not named test_*)."""

from __future__ import annotations

from typing import Any

from lmstudio_core import AsyncLMStudioClient, LMStudioClient
from tests.support.llama_server import RunningServer

QUESTION = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the weather in Oslo?"},
]


def _tool(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name} tool.",
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            },
        },
    }


TOOLS = [
    _tool("get_weather", {"city": {"type": "string"}}),
    _tool("add", {"a": {"type": "integer"}, "b": {"type": "integer"}}),
]


def client(server: RunningServer, **overrides: Any) -> LMStudioClient:
    """A sync client for ``server`` (no API key unless given)."""
    return LMStudioClient(**{"base_url": server.base_url, "api_key": None, **overrides})


def async_client(server: RunningServer, **overrides: Any) -> AsyncLMStudioClient:
    """An async client for ``server`` (no API key unless given)."""
    return AsyncLMStudioClient(**{"base_url": server.base_url, "api_key": None, **overrides})
