"""Structured output: ``response_format`` becomes a ``json_schema`` LM Studio accepts.

Refs inlined, names, type arrays.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lmstudio_core import (
    ChatRequest,
    InvalidRequestError,
    LMStudioClient,
    json_schema_format,
)
from lmstudio_core.chat_request import (
    build_chat_body,
    inline_schema_refs,
    map_response_format,
)
from lmstudio_core.testing import FakeLMStudio
from tests.core.samples import (
    MESSAGES,
    OSLO_QUESTION,
)


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


@pytest.mark.parametrize("stream", [False, True])
def test_structured_json_schema(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio, stream: bool
) -> None:
    schema = {
        "title": "Person",
        "type": "object",
        "properties": {"name": {"type": "string"}, "pet": {"$ref": "#/$defs/Pet"}},
        "$defs": {"Pet": {"type": "object", "properties": {"kind": {"type": "string"}}}},
    }
    fake_lmstudio.reply_json({"name": "Ada", "pet": {"kind": "cat"}})
    fmt = json_schema_format(schema)
    if stream:
        chat_stream = client.chat_stream(OSLO_QUESTION, response_format=fmt)
        list(chat_stream)
        result = chat_stream.result()
    else:
        result = client.chat(OSLO_QUESTION, response_format=fmt)
    assert json.loads(result.content) == {"name": "Ada", "pet": {"kind": "cat"}}
    sent = fake_lmstudio.last_request.json["response_format"]
    assert sent["type"] == "json_schema"
    assert "$defs" not in json.dumps(sent)
    assert sent["json_schema"]["schema"]["properties"]["pet"]["properties"]["kind"] == {
        "type": "string"
    }


def test_json_object_is_mapped_so_the_fake_accepts(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    fake_lmstudio.reply_json({"ok": True})
    result = client.chat(OSLO_QUESTION, response_format={"type": "json_object"})
    assert json.loads(result.content) == {"ok": True}
    assert fake_lmstudio.last_request.json["response_format"]["type"] == "json_schema"
