"""parse_chat_completion and the small wire helpers."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lmstudio_core import InvalidResponseError, Usage, parse_tool_arguments
from lmstudio_core.accumulate import parse_chat_completion
from lmstudio_core.results import ChatResult, new_tool_call_id
from tests.unit.lmstudio_bodies import CHAT_COMPLETION, TOOL_CALL_COMPLETION, V0_STATS


def _with_message(**message: Any) -> dict[str, Any]:
    body = copy.deepcopy(CHAT_COMPLETION)
    body["choices"][0]["message"] = {"role": "assistant", **message}
    return body


def test_plain_lm_studio_answer() -> None:
    result = parse_chat_completion(CHAT_COMPLETION)
    assert result.content == "Paris is the capital of France."
    assert result.reasoning is None
    assert result.tool_calls == []
    assert result.finish_reason == "stop"
    assert result.id == "chatcmpl-3k9x0example"
    assert result.model == "qwen/qwen3-4b-2507"
    assert result.usage == Usage(
        prompt_tokens=24, completion_tokens=9, total_tokens=33, reasoning_tokens=0
    )
    assert result.stats is None  # LM Studio's empty "stats": {} on /v1
    assert result.raw == CHAT_COMPLETION


def test_tool_call_answer_without_content() -> None:
    result = parse_chat_completion(TOOL_CALL_COMPLETION)
    assert result.content == ""
    assert result.finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert (call.id, call.name, call.index) == ("582730194", "search_products", 0)
    assert call.parsed_arguments() == ({"query": "usb hub", "max_price": 30}, None)


@pytest.mark.parametrize("content", [None, ""])
def test_null_or_empty_content(content: str | None) -> None:
    assert parse_chat_completion(_with_message(content=content)).content == ""


def test_reasoning_content_and_reasoning() -> None:
    a = parse_chat_completion(_with_message(content="A", reasoning_content="R1"))
    b = parse_chat_completion(_with_message(content="A", reasoning="R2"))
    c = parse_chat_completion(_with_message(content="<think>R3</think>\nA"))
    assert (a.content, a.reasoning) == ("A", "R1")
    assert (b.content, b.reasoning) == ("A", "R2")
    assert (c.content, c.reasoning) == ("\nA", "R3")


def test_think_tags_kept_when_disabled() -> None:
    body = _with_message(content="<think>R</think>A")
    result = parse_chat_completion(body, parse_think_tags=False)
    assert result.content == "<think>R</think>A"
    assert result.reasoning is None


def test_trailing_partial_tag_is_content() -> None:
    assert parse_chat_completion(_with_message(content="x <thi")).content == "x <thi"


def test_several_tool_calls_empty_id_and_arguments() -> None:
    body = _with_message(
        content="",
        tool_calls=[
            {"id": "", "type": "function", "function": {"name": "a", "arguments": ""}},
            {"id": "9", "type": "function", "function": {"name": "b", "arguments": '{"x":1}'}},
        ],
    )
    result = parse_chat_completion(body)
    first, second = result.tool_calls
    assert first.id.startswith("call_")
    assert first.arguments == "{}"
    assert (second.id, second.index, second.arguments) == ("9", 1, '{"x":1}')


def test_stats_and_timings() -> None:
    body = copy.deepcopy(CHAT_COMPLETION)
    body["stats"] = V0_STATS
    result = parse_chat_completion(body)
    assert result.stats == V0_STATS
    assert result.tokens_per_second == 51.4
    body["stats"] = {}
    body["timings"] = {"predicted_per_second": 5813.9}
    assert parse_chat_completion(body).tokens_per_second == 5813.9
    del body["timings"]
    assert parse_chat_completion(body).tokens_per_second is None


def test_content_parts_are_joined() -> None:
    body = _with_message(content=[{"type": "text", "text": "a"}, {"type": "text", "text": "b"}])
    assert parse_chat_completion(body).content == "ab"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "text",
        [],
        {"error": "x"},
        {"choices": "nope"},
        {"choices": []},
        {"choices": [3]},
        {"choices": [{"message": "text"}]},
    ],
)
def test_not_a_completion(body: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_chat_completion(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ({}, None)),
        ("  ", ({}, None)),
        ('{"a": 1}', ({"a": 1}, None)),
    ],
)
def test_parse_tool_arguments_ok(text: str, expected: Any) -> None:
    assert parse_tool_arguments(text) == expected


@pytest.mark.parametrize(("text", "reason"), [("{", "not valid JSON"), ("[1]", "JSON object")])
def test_parse_tool_arguments_bad(text: str, reason: str) -> None:
    value, error = parse_tool_arguments(text)
    assert value is None
    assert error is not None
    assert reason in error


def test_usage_from_wire() -> None:
    assert Usage.from_wire(None) is None
    assert Usage.from_wire("x") is None
    usage = Usage.from_wire({"prompt_tokens": 3, "completion_tokens": 4})
    assert usage == Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7)
    odd = Usage.from_wire({"prompt_tokens": "3", "completion_tokens": True})
    assert odd == Usage()


def test_new_tool_call_ids_are_unique() -> None:
    ids = {new_tool_call_id() for _ in range(100)}
    assert len(ids) == 100


def test_chat_result_defaults() -> None:
    result = ChatResult()
    assert (result.content, result.reasoning, result.tool_calls, result.usage) == (
        "",
        None,
        [],
        None,
    )
