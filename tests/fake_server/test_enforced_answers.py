"""Unscripted, the fake obeys a JSON schema and ``tool_choice: "required"`` as LM Studio does."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from lmstudio_core import LMStudioClient, json_schema_format
from lmstudio_core.testing import FakeLMStudio
from lmstudio_core.testing.enforced import minimal_value
from lmstudio_core.testing.replies import MessageReply

HI = [{"role": "user", "content": "hi"}]


class Address(BaseModel):
    city: str
    zip_code: str = Field(min_length=4)


class Person(BaseModel):
    name: str
    age: int = Field(ge=18)
    height: float = Field(gt=1.0)
    member: bool
    role: Literal["admin", "user"]
    address: Address
    tags: list[str] = Field(min_length=2)
    nickname: str | None
    note: str = "none"


TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "minimum": 3}},
            "required": ["a", "b"],
        },
    },
}
SECOND_TOOL = {"type": "function", "function": {"name": "other", "parameters": {}}}


def test_minimal_value_is_valid_for_a_pydantic_schema() -> None:
    value = minimal_value(Person.model_json_schema())
    person = Person.model_validate(value)
    assert person.age == 18
    assert person.role == "admin"
    assert len(person.tags) == 2
    assert "note" not in value  # only the required properties


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "string"}, ""),
        ({"type": "number"}, 0),
        ({"type": "integer", "exclusiveMinimum": 0}, 1),
        ({"type": "boolean"}, False),
        ({"enum": ["b", "a"]}, "b"),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, 0),
        ({"type": ["null", "string"]}, ""),
        ({"type": "array", "items": {"type": "boolean"}}, []),
        ({"type": "object", "properties": {"x": {"type": "string"}}}, {}),
    ],
)
def test_minimal_value_of_each_kind(schema: dict[str, Any], value: Any) -> None:
    assert minimal_value(schema) == value


@pytest.mark.parametrize("stream", [False, True])
def test_a_json_schema_request_gets_a_valid_object(stream: bool) -> None:
    with FakeLMStudio() as lms, LMStudioClient(base_url=lms.base_url) as client:
        fmt = json_schema_format(Person.model_json_schema())
        if stream:
            with client.chat_stream(HI, response_format=fmt) as chunks:
                list(chunks)
            content = chunks.result().content
        else:
            content = client.chat(HI, response_format=fmt).content
    assert Person.model_validate_json(content).member is False


def test_required_tool_choice_calls_the_first_tool_with_valid_arguments() -> None:
    with FakeLMStudio() as lms, LMStudioClient(base_url=lms.base_url) as client:
        result = client.chat(HI, tools=[TOOL, SECOND_TOOL], tool_choice="required")
        auto = client.chat(HI, tools=[TOOL], tool_choice="auto")
    assert [(c.name, json.loads(c.arguments)) for c in result.tool_calls] == [
        ("add", {"a": 0, "b": 3})
    ]
    assert result.finish_reason == "tool_calls"
    assert (auto.content, auto.tool_calls) == ("ok", [])


def test_scripted_and_chosen_default_replies_win() -> None:
    fmt = json_schema_format(Person.model_json_schema())
    with FakeLMStudio() as lms, LMStudioClient(base_url=lms.base_url) as client:
        lms.reply_text("scripted")
        assert client.chat(HI, response_format=fmt).content == "scripted"
        assert client.chat(HI).content == "ok"
    chosen = MessageReply("chosen")
    with FakeLMStudio(default_reply=chosen) as lms, LMStudioClient(base_url=lms.base_url) as c:
        assert c.chat(HI, tools=[TOOL], tool_choice="required").content == "chosen"
