"""What `FakeLMStudio` answers, when no reply is scripted, to a request real LM Studio constrains.

LM Studio enforces ``response_format`` ``json_schema`` with a grammar and ``tool_choice:
"required"`` by forcing a tool call, so code written against it (and ``lmstudio-doctor``) can
rely on both. The fake does the same: a JSON schema is answered with `minimal_value` of the
schema, and a required tool choice with a call of the first tool with minimal valid arguments.

`minimal_value` knows ``type`` (object, array, string, number, integer, boolean, null, or a list
of them), ``enum``, ``const``, ``anyOf``/``oneOf`` (the first choice), ``allOf`` (merged),
``required`` (only those properties are filled), ``minItems``, ``minLength``, ``minimum``,
``default`` and local ``$ref`` (``#/$defs/...``, as pydantic writes them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lmstudio_core.testing.replies import FakeToolCall, MessageReply

__all__ = ["DEFAULT_REPLY", "enforced_reply", "minimal_value"]

DEFAULT_REPLY = MessageReply("ok")
"""`FakeLMStudio`'s default answer: ``"ok"``, unless the request constrains it as LM Studio
would (`enforced_reply`). Any other ``default_reply`` is served as it is."""

_EMPTY = {"string": "", "number": 0, "integer": 0, "boolean": False, "null": None}


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, Mapping) else {}
    return _resolve(target, root) if isinstance(target, Mapping) else {}


def minimal_value(schema: Any, root: Any = None) -> Any:
    """A small value valid for the JSON ``schema``.

    The first of each choice, empty strings, zeros, ``False``, only the required properties,
    the fewest array items allowed.
    """
    if not isinstance(schema, Mapping):
        return None
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return minimal_value(schema[key][0], root)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(part, root) if isinstance(part, Mapping) else {}
            merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
            merged["properties"] = {**merged.get("properties", {}), **part.get("properties", {})}
            merged["required"] = [*merged.get("required", []), *part.get("required", [])]
        return minimal_value(merged, root)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else None
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: minimal_value(properties.get(name), root) for name in schema.get("required", [])
        }
    if kind == "array":
        return [minimal_value(schema.get("items"), root) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "a" * int(schema.get("minLength", 0))
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = max(0, low) if isinstance(low, int | float) else 0
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            value = schema["exclusiveMinimum"] + 1
        return int(value) if kind == "integer" else value
    return _EMPTY.get(str(kind))


def enforced_reply(request: Mapping[str, Any]) -> MessageReply | None:
    """LM Studio's constrained answer to ``request``, or ``None`` when it is unconstrained."""
    response_format = request.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") == "json_schema":
        wrapper = response_format.get("json_schema")
        schema = wrapper.get("schema") if isinstance(wrapper, Mapping) else None
        return MessageReply(json.dumps(minimal_value(schema or {"type": "object"})))
    tools = request.get("tools")
    if request.get("tool_choice") == "required" and isinstance(tools, list) and tools:
        function = tools[0].get("function", {}) if isinstance(tools[0], Mapping) else {}
        parameters = function.get("parameters") or {"type": "object"}
        arguments = minimal_value(parameters)
        call = FakeToolCall.create(str(function.get("name", "")), json.dumps(arguments))
        return MessageReply(tool_calls=(call,))
    return None
