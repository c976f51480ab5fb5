"""`with_structured_output` for ChatLMStudio: json_schema (default), function_calling, json_mode.

The model binds the request options; LangChain's own output parsers read the answer. They parse
``message.content`` (or the tool call), never the reasoning, which the core has already split off.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, Literal, cast

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from lmstudio_core import json_schema_format

__all__ = ["StructuredMethod", "structured_output"]

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]

JSON_MODE_FORMAT: dict[str, Any] = {"type": "json_object"}
"""What json mode binds; the core sends a permissive json_schema instead (LM Studio has no
``json_object``)."""


def _is_pydantic_class(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


def _content_parser(schema: Any) -> Runnable[Any, Any]:
    if _is_pydantic_class(schema):
        return PydanticOutputParser(pydantic_object=schema)
    return JsonOutputParser()


def _json_schema(schema: Any) -> dict[str, Any]:
    """A JSON schema from a pydantic class, TypedDict, OpenAI function/tool or JSON schema."""
    if isinstance(schema, dict):
        if isinstance(schema.get("schema"), dict) and "name" in schema:
            return {"title": schema["name"], **schema["schema"]}
        if "function" not in schema and "parameters" not in schema:
            return dict(schema)
    return convert_to_json_schema(schema)


def structured_output(
    bind: Callable[..., Runnable[LanguageModelInput, BaseMessage]],
    bind_tools: Callable[..., Runnable[LanguageModelInput, BaseMessage]],
    schema: Any,
    *,
    method: StructuredMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, Any]:
    """Build the structured-output chain from the model's ``bind`` and ``bind_tools``.

    Raises:
        ValueError: an unknown method, or no schema for a method that needs one.
    """
    if method not in ("json_schema", "function_calling", "json_mode"):
        raise ValueError(
            f"Unrecognized method {method!r}; expected 'json_schema', 'function_calling' or "
            "'json_mode'."
        )
    if schema is None and method != "json_mode":
        raise ValueError(f"with_structured_output(method={method!r}) needs a schema.")
    trace = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    parser: Runnable[Any, Any]
    if method == "function_calling":
        tool = convert_to_openai_tool(schema, strict=strict)
        name = tool["function"]["name"]
        trace["schema"] = tool
        llm = bind_tools(
            [schema], tool_choice=name, strict=strict, ls_structured_output_format=trace
        )
        if _is_pydantic_class(schema):
            parser = PydanticToolsParser(tools=[schema], first_tool_only=True)
        else:
            parser = JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
    elif method == "json_mode":
        llm = bind(response_format=JSON_MODE_FORMAT, ls_structured_output_format=trace)
        parser = _content_parser(schema)
    else:
        schema_dict = _json_schema(schema)
        name = str(schema_dict.get("title") or "response")
        trace["schema"] = schema_dict
        llm = bind(
            response_format=json_schema_format(schema_dict, name=name, strict=strict),
            ls_structured_output_format=trace,
        )
        parser = _content_parser(schema)
    if not include_raw:
        return llm | parser
    parse_raw = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    no_parse = RunnablePassthrough.assign(parsed=lambda _: None)
    with_fallback = parse_raw.with_fallbacks([no_parse], exception_key="parsing_error")
    return cast("Runnable[LanguageModelInput, Any]", RunnableMap(raw=llm) | with_fallback)
