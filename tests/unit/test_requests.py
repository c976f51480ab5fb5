"""ChatRequest validation and build_chat_body: every typed field, extras, LM Studio mappings."""

from __future__ import annotations

from typing import Any

import pytest

from lmstudio_core import ChatRequest, InvalidRequestError, json_schema_format
from lmstudio_core.chat_request import (
    build_chat_body,
    inline_schema_refs,
    map_response_format,
    map_tool_choice,
)

MESSAGES = [{"role": "user", "content": "hi"}]


def _tool(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object", "properties": {}}},
    }


TOOLS = [_tool("get_weather"), _tool("add")]


def test_every_typed_field_reaches_the_top_level() -> None:
    fields: dict[str, Any] = {
        "temperature": 0.3,
        "max_tokens": 50,
        "top_p": 0.9,
        "top_k": 40,
        "min_p": 0.05,
        "repeat_penalty": 1.1,
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
        "seed": 7,
        "stop": ["END", "STOP"],
        "logit_bias": {"300": -100.0},
        "ttl": 600,
        "draft_model": "qwen2.5-0.5b-instruct",
        "parallel_tool_calls": False,
    }
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, model="m", **fields))
    assert body == {"model": "m", "messages": MESSAGES, **fields}


def test_unset_fields_are_not_sent() -> None:
    body = build_chat_body(ChatRequest.create(messages=MESSAGES))
    assert body == {"messages": MESSAGES}


def test_model_argument_overrides_request_model() -> None:
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, model="a"), model="b")
    assert body["model"] == "b"


def test_unknown_options_go_to_extra_and_the_top_level() -> None:
    request = ChatRequest.create(
        messages=MESSAGES, cache_prompt=True, mirostat=2, mirostat_tau=5.0, extra={"n_probs": 3}
    )
    assert request.extra == {"n_probs": 3, "cache_prompt": True, "mirostat": 2, "mirostat_tau": 5.0}
    body = build_chat_body(request)
    assert body["cache_prompt"] is True
    assert body["mirostat"] == 2
    assert body["mirostat_tau"] == 5.0
    assert body["n_probs"] == 3
    assert "options" not in body
    assert "extra" not in body


def test_extra_cannot_replace_messages_or_stream() -> None:
    body = build_chat_body(
        ChatRequest.create(messages=MESSAGES, extra={"messages": [], "stream": 1})
    )
    assert body["messages"] == MESSAGES
    assert "stream" not in body


def test_stream_asks_for_usage() -> None:
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, stream=True))
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    custom = ChatRequest.create(messages=MESSAGES, stream=True, stream_options={"x": 1})
    assert build_chat_body(custom)["stream_options"] == {"x": 1}
    assert "stream_options" not in build_chat_body(ChatRequest.create(messages=MESSAGES))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_tokens", -5),
        ("max_tokens", 0),
        ("temperature", 3),
        ("temperature", -0.1),
        ("top_p", 1.5),
        ("top_p", -0.1),
        ("top_p", "lots"),
        ("min_p", 2),
        ("top_k", -2),
        ("repeat_penalty", 0),
        ("presence_penalty", 3),
        ("frequency_penalty", -3),
        ("ttl", 0),
        ("seed", "abc"),
        ("stop", 5),
    ],
)
def test_invalid_options_raise_before_sending(field: str, value: Any) -> None:
    with pytest.raises(InvalidRequestError, match=field) as info:
        ChatRequest.create(messages=MESSAGES, **{field: value})
    assert isinstance(info.value, ValueError)


def test_max_tokens_minus_one_means_no_limit() -> None:
    assert ChatRequest.create(messages=MESSAGES, max_tokens=-1).max_tokens == -1


def test_messages_are_required() -> None:
    with pytest.raises(InvalidRequestError, match="messages"):
        ChatRequest.create(model="m")


# -- tool_choice ---------------------------------------------------------------------------------


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


# -- response_format -----------------------------------------------------------------------------


def test_json_object_becomes_permissive_json_schema() -> None:
    body = build_chat_body(
        ChatRequest.create(messages=MESSAGES, response_format={"type": "json_object"})
    )
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == {"type": "object"}
    assert fmt["json_schema"]["name"]


def test_text_format_passes_through() -> None:
    assert map_response_format({"type": "text"}) == {"type": "text"}
    assert map_response_format(None) is None


def test_json_schema_format_is_rebuilt_with_refs_inlined() -> None:
    given = {
        "type": "json_schema",
        "json_schema": {
            "name": "Person record!",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"pet": {"$ref": "#/$defs/Pet"}},
                "$defs": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}},
            },
        },
    }
    fmt = map_response_format(given)
    assert fmt is not None
    assert fmt["json_schema"]["name"] == "Person_record_"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == {
        "type": "object",
        "properties": {"pet": {"type": "object", "properties": {"name": {"type": "string"}}}},
    }


@pytest.mark.parametrize(
    "bad",
    [{"type": "xml"}, {"type": "json_schema"}, {"type": "json_schema", "json_schema": {"x": 1}}],
)
def test_unsupported_response_formats(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError):
        map_response_format(bad)


def test_json_schema_format_name_from_title_and_default() -> None:
    assert json_schema_format({"title": "Person", "type": "object"})["json_schema"]["name"] == (
        "Person"
    )
    fmt = json_schema_format({"type": "object"})
    assert fmt == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": fmt["json_schema"]["schema"]},
    }
    assert "strict" not in fmt["json_schema"]
    assert (
        json_schema_format({"type": "object"}, name="x", strict=False)["json_schema"]["strict"]
        is False
    )


def test_inline_refs_nested_and_definitions_key() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"$ref": "#/definitions/A", "description": "kept"},
            "list": {"type": "array", "items": {"$ref": "#/definitions/B"}},
        },
        "definitions": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/definitions/B"}}},
            "B": {"type": "integer"},
        },
    }
    out = inline_schema_refs(schema)
    assert out == {
        "type": "object",
        "properties": {
            "a": {
                "type": "object",
                "properties": {"b": {"type": "integer"}},
                "description": "kept",
            },
            "list": {"type": "array", "items": {"type": "integer"}},
        },
    }
    assert "definitions" in schema  # the input is not modified


def test_inline_refs_recursive_keeps_definitions() -> None:
    schema = {
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/Node"}},
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "value": {"type": "integer"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
            }
        },
    }
    out = inline_schema_refs(schema)
    node = out["properties"]["root"]
    assert node["properties"]["value"] == {"type": "integer"}
    assert node["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert out["$defs"] == schema["$defs"]


def test_type_arrays_become_any_of() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": ["string", "null"], "description": "d"},
            "single": {"type": ["integer"]},
        },
    }
    out = inline_schema_refs(schema)
    assert out["properties"]["name"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "d",
    }
    assert out["properties"]["single"] == {"type": "integer"}


def test_properties_named_type_are_not_mistaken_for_type_arrays() -> None:
    schema = {"type": "object", "properties": {"type": {"type": "string"}}}
    assert inline_schema_refs(schema) == schema
