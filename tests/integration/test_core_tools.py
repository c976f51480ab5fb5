"""Tool calls and json_schema output through the core against the real server."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from lmstudio_core import json_schema_format
from tests.integration.core_support import QUESTION, TOOLS, async_client, client
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration

PROPERTIES = {t["function"]["name"]: set(t["function"]["parameters"]["properties"]) for t in TOOLS}


@pytest.mark.parametrize("name", ["get_weather", "add"])
def test_named_tool_choice_yields_that_tool(llama_server: RunningServer, name: str) -> None:
    with client(llama_server) as lm:
        result = lm.chat(QUESTION, tools=TOOLS, tool_choice=name, max_tokens=128)
    assert result.finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert call.name == name
    assert call.id
    arguments, error = call.parsed_arguments()
    assert error is None
    assert arguments is not None
    assert set(arguments) == PROPERTIES[name]
    if name == "add":
        assert all(isinstance(v, int) for v in arguments.values())


def test_streamed_tool_call_fragments_merge(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        stream = lm.chat_stream(QUESTION, tools=TOOLS, tool_choice="required", max_tokens=128)
        deltas = list(stream)
    fragments = [f for d in deltas for f in d.tool_calls or []]
    assert len(fragments) > 1
    assert fragments[0].id
    assert fragments[0].name in PROPERTIES
    assert all(f.id is None and f.name is None for f in fragments[1:])
    result = stream.result()
    assert result.finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert call.arguments == "".join(f.arguments for f in fragments)
    assert call.name == fragments[0].name
    arguments = json.loads(call.arguments)
    assert set(arguments) == PROPERTIES[call.name]
    assert result.usage is not None


def test_tool_result_round_trip(llama_server: RunningServer) -> None:
    with client(llama_server) as lm:
        first = lm.chat(QUESTION, tools=TOOLS, tool_choice="get_weather", max_tokens=128)
        call = first.tool_calls[0]
        messages = [
            *QUESTION,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'},
        ]
        second = lm.chat(messages, tools=TOOLS, max_tokens=64)
    assert second.tool_calls == []
    assert second.finish_reason in ("stop", "length")


class Pet(BaseModel):
    name: str
    legs: int


class Person(BaseModel):
    name: str
    age: int
    pet: Pet = Field(description="Their pet.")


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_json_schema_output_is_valid(llama_server: RunningServer, temperature: float) -> None:
    schema = Person.model_json_schema()
    assert "$defs" in schema  # the core inlines it before sending
    with client(llama_server) as lm:
        result = lm.chat(
            [{"role": "user", "content": "Describe a person."}],
            response_format=json_schema_format(schema, strict=True),
            temperature=temperature,
            seed=3,
            max_tokens=256,
        )
    assert result.finish_reason == "stop"
    person = Person.model_validate_json(result.content)
    assert isinstance(person.pet.legs, int)


async def test_json_mode_gives_json_async(llama_server: RunningServer) -> None:
    async with async_client(llama_server) as lm:
        result = await lm.chat(
            [{"role": "user", "content": "Answer in JSON."}],
            response_format={
                "type": "json_schema",
                "json_schema": {
                    "name": "flat",
                    "schema": {
                        "type": "object",
                        "properties": {"ok": {"type": "boolean"}},
                        "required": ["ok"],
                        "additionalProperties": False,
                    },
                },
            },
            max_tokens=64,
        )
    assert isinstance(json.loads(result.content)["ok"], bool)
