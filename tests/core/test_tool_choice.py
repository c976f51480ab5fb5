"""``tool_choice``: every form is mapped to one LM Studio accepts.

A named tool becomes ``required`` with only that tool.
"""

from __future__ import annotations

from typing import Any

import pytest

from lmstudio_core import (
    BadRequestError,
    ChatRequest,
    InvalidRequestError,
    LMStudioClient,
)
from lmstudio_core.chat_request import (
    build_chat_body,
    map_tool_choice,
)
from lmstudio_core.testing import FakeLMStudio
from tests.core.samples import (
    MESSAGES,
    OSLO_QUESTION,
    TIME_TOOL,
    WEATHER_TOOL,
)


def _tool(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object", "properties": {}}},
    }


TOOLS = [_tool("get_weather"), _tool("add")]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ({"type": "auto"}, "auto"),
        ({"type": "none"}, "none"),
        ({"type": "required"}, "required"),
        ({"type": "any"}, "required"),
    ],
)
def test_plain_tool_choices(given: Any, expected: str) -> None:
    choice, tools = map_tool_choice(given, TOOLS)
    assert choice == expected
    assert tools == TOOLS


@pytest.mark.parametrize(
    "named",
    [
        "add",
        {"type": "function", "function": {"name": "add"}},
        {"type": "tool", "name": "add"},
        {"name": "add"},
    ],
)
def test_named_tool_becomes_required_with_only_that_tool(named: Any) -> None:
    choice, tools = map_tool_choice(named, TOOLS)
    assert choice == "required"
    assert tools == [_tool("add")]
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, tools=TOOLS, tool_choice=named))
    assert body["tool_choice"] == "required"
    assert [t["function"]["name"] for t in body["tools"]] == ["add"]


def test_flat_tool_definitions_are_matched_by_name() -> None:
    flat = [{"type": "function", "name": "a"}, {"type": "function", "name": "b"}]
    assert map_tool_choice("b", flat) == ("required", [flat[1]])


@pytest.mark.parametrize("absent", [None, False])
def test_no_tool_choice_sends_none(absent: Any) -> None:
    assert map_tool_choice(absent, TOOLS) == (None, TOOLS)
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, tools=TOOLS, tool_choice=absent))
    assert "tool_choice" not in body
    assert body["tools"] == TOOLS


def test_unknown_tool_name_is_invalid_request() -> None:
    with pytest.raises(InvalidRequestError, match="nope"):
        map_tool_choice("nope", TOOLS)
    with pytest.raises(InvalidRequestError):
        build_chat_body(ChatRequest.create(messages=MESSAGES, tools=TOOLS, tool_choice="nope"))


@pytest.mark.parametrize("bad", [{"type": "function"}, {}, 3])
def test_unsupported_tool_choice_shapes(bad: Any) -> None:
    with pytest.raises(InvalidRequestError):
        map_tool_choice(bad, TOOLS)


def test_tool_choice_without_tools() -> None:
    assert map_tool_choice("auto", None) == (None, None)
    assert map_tool_choice("none", []) == (None, None)
    with pytest.raises(InvalidRequestError, match="at least one tool"):
        map_tool_choice("required", None)
    with pytest.raises(InvalidRequestError):
        map_tool_choice(True, [])


def test_object_tool_choice_never_reaches_the_body() -> None:
    choice = {"type": "function", "function": {"name": "get_weather"}}
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, tools=TOOLS, tool_choice=choice))
    assert isinstance(body["tool_choice"], str)


def test_named_tool_choice_is_mapped_so_the_fake_accepts(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_tool_call("get_time", {})
    for choice in ("get_time", {"type": "function", "function": {"name": "get_time"}}):
        result = client.chat(OSLO_QUESTION, tools=[WEATHER_TOOL, TIME_TOOL], tool_choice=choice)
        assert result.finish_reason in ("tool_calls", "stop")
        body = fake_lmstudio.last_request.json
        assert body["tool_choice"] == "required"
        assert [t["function"]["name"] for t in body["tools"]] == ["get_time"]


def test_any_tool_choice_becomes_required(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    client.chat(OSLO_QUESTION, tools=[WEATHER_TOOL], tool_choice="any")
    assert fake_lmstudio.last_request.json["tool_choice"] == "required"


def test_object_tool_choice_sent_raw_is_a_bad_request(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    """Through `extra` nothing is mapped, and the fake answers as LM Studio would."""
    raw_choice = {"type": "function", "function": {"name": "get_time"}}
    with pytest.raises(BadRequestError, match="Invalid tool_choice type"):
        client.chat(OSLO_QUESTION, tools=[WEATHER_TOOL], extra={"tool_choice": raw_choice})
    assert fake_lmstudio.last_request.json["tool_choice"] == raw_choice
