"""The chat request and the LM Studio mappings applied when it is turned into a JSON body.

Known options are typed and validated before anything is sent; everything else goes in
``extra`` and lands at the top level of the body unchanged (``cache_prompt``, ``mirostat``, any
future field). Nothing is ever wrapped in an ``options`` object.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lmstudio_core.errors import InvalidRequestError, check_tools

__all__ = [
    "REQUEST_OPTION_FIELDS",
    "ChatRequest",
    "build_chat_body",
    "inline_schema_refs",
    "json_schema_format",
    "map_response_format",
    "map_tool_choice",
    "tool_name",
]

_PLAIN_TOOL_CHOICES = frozenset({"auto", "none", "required"})
_RESERVED = frozenset({"messages", "stream"})


class ChatRequest(BaseModel):
    """A chat completion request with LM Studio's options typed and validated."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, defer_build=True)

    model: str | None = None
    """Model key or instance id; ``None`` lets the caller resolve the loaded model."""
    messages: list[dict[str, Any]]
    """OpenAI-format messages."""
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    """Sampling temperature, 0 to 2."""
    max_tokens: int | None = None
    """Most tokens to generate; ``-1`` means no limit."""
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    """Nucleus sampling probability mass, 0 to 1."""
    top_k: int | None = Field(default=None, ge=-1)
    """Sample from the k most likely tokens (LM Studio/llama.cpp extra); 0 or -1 disables."""
    min_p: float | None = Field(default=None, ge=0.0, le=1.0)
    """Minimum token probability relative to the most likely one, 0 to 1."""
    repeat_penalty: float | None = Field(default=None, gt=0.0)
    """Penalty for repeated tokens; 1 is off."""
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    """OpenAI presence penalty, -2 to 2."""
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    """OpenAI frequency penalty, -2 to 2."""
    seed: int | None = None
    """Sampling seed for reproducible output."""
    stop: str | list[str] | None = None
    """Stop string(s)."""
    logit_bias: dict[str, float] | None = None
    """Token id (as string) to bias."""
    ttl: int | None = Field(default=None, gt=0)
    """Seconds a model JIT-loaded by this request stays loaded when idle."""
    draft_model: str | None = None
    """Draft model for speculative decoding (must share the vocabulary)."""
    tools: list[dict[str, Any]] | None = None
    """OpenAI function tools."""
    tool_choice: str | bool | dict[str, Any] | None = None
    """``auto``, ``none``, ``required``/``any``/``True``, a tool name, or the OpenAI dict."""
    parallel_tool_calls: bool | None = None
    """Whether several tool calls per turn are allowed (LM Studio does not enforce ``False``)."""
    response_format: dict[str, Any] | None = None
    """``{"type": "json_schema", ...}``, ``{"type": "text"}``; ``json_object`` is mapped."""
    stream: bool = False
    """Stream the answer as server-sent events."""
    stream_options: dict[str, Any] | None = None
    """Defaults to ``{"include_usage": True}`` when streaming."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Any other fields, merged at the top level of the JSON body."""

    @field_validator("max_tokens")
    @classmethod
    def _check_max_tokens(cls, value: int | None) -> int | None:
        if value is not None and value != -1 and value < 1:
            raise ValueError("max_tokens must be a positive integer, or -1 for no limit")
        return value

    @classmethod
    def create(cls, **fields: Any) -> ChatRequest:
        """Build and validate; unknown keyword arguments go to ``extra``.

        Raises:
            InvalidRequestError: an option is out of range or of the wrong type.
        """
        known = cls.model_fields
        extra = dict(fields.pop("extra", None) or {})
        for key in [k for k in fields if k not in known]:
            extra[key] = fields.pop(key)
        check_tools(fields.get("tools"))  # names the expected shape, before anything is sent
        try:
            return cls(extra=extra, **fields)
        except ValidationError as exc:
            raise InvalidRequestError(_describe_validation(exc)) from None


def _describe_validation(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "request"
        problems.append(f"{where}: {err['msg']} (got {err.get('input')!r})"[:300])
    return "Invalid chat options: " + "; ".join(problems)


def tool_name(tool: Mapping[str, Any]) -> str | None:
    """The function name of an OpenAI tool definition."""
    function = tool.get("function")
    if isinstance(function, Mapping):
        name = function.get("name")
        return str(name) if name is not None else None
    name = tool.get("name")
    return str(name) if name is not None else None


def map_tool_choice(
    tool_choice: str | bool | Mapping[str, Any] | None,
    tools: Sequence[dict[str, Any]] | None,
) -> tuple[str | None, list[dict[str, Any]] | None]:
    """Map any tool_choice form to what LM Studio accepts.

    LM Studio takes only the strings ``auto``, ``none`` and ``required`` (an object is answered
    with 400). ``any`` and ``True`` become ``required``; a named tool becomes ``required`` with
    only that tool sent, so the model can call nothing else.

    Returns:
        ``(tool_choice to send or None, tools to send)``.

    Raises:
        InvalidRequestError: a named tool that is not among ``tools``, or an unknown form.
    """
    tool_list = list(tools) if tools else None
    if tool_choice is None or tool_choice is False:
        return None, tool_list
    if tool_choice is True:
        choice: str = "required"
    elif isinstance(tool_choice, str):
        choice = tool_choice
    elif isinstance(tool_choice, Mapping):
        kind = tool_choice.get("type")
        function = tool_choice.get("function")
        if isinstance(function, Mapping) and function.get("name"):
            choice = str(function["name"])
        elif tool_choice.get("name"):
            choice = str(tool_choice["name"])
        elif kind in ("auto", "none", "required", "any"):
            choice = str(kind)
        else:
            raise InvalidRequestError(f"Unsupported tool_choice {dict(tool_choice)!r}.")
    else:
        raise InvalidRequestError(f"Unsupported tool_choice {tool_choice!r}.")
    if choice == "any":
        choice = "required"
    if choice in _PLAIN_TOOL_CHOICES:
        if not tool_list:
            if choice == "required":
                raise InvalidRequestError("tool_choice='required' needs at least one tool.")
            return None, None
        return choice, tool_list
    names = [tool_name(t) for t in tool_list or ()]
    if choice not in names:
        raise InvalidRequestError(
            f"tool_choice={choice!r} is not one of the bound tools {names} nor one of "
            "'auto', 'none', 'required', 'any'."
        )
    return "required", [t for t in tool_list or () if tool_name(t) == choice]


def inline_schema_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a JSON schema with local ``$ref``s inlined and type arrays as ``anyOf``.

    LM Studio's grammar and Outlines backends stumble on ``$ref``/``$defs`` and on
    ``"type": [..]`` unions. Recursive references are left in place with their definitions.
    """
    schema = copy.deepcopy(schema)
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        if isinstance(schema.get(key), dict):
            defs.update({f"#/{key}/{name}": value for name, value in schema[key].items()})
    unresolved = False

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        nonlocal unresolved
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in defs:
            if ref in seen:
                unresolved = True
                return node
            target = walk(copy.deepcopy(defs[ref]), (*seen, ref))
            siblings = {k: walk(v, seen) for k, v in node.items() if k != "$ref"}
            return {**target, **siblings} if isinstance(target, dict) else target
        out = {k: walk(v, seen) for k, v in node.items() if k not in ("$defs", "definitions")}
        types = out.get("type")
        if isinstance(types, list):
            others = {k: v for k, v in out.items() if k != "type"}
            if len(types) == 1:
                out["type"] = types[0]
            else:
                return {"anyOf": [{"type": t} for t in types], **others}
        return out

    result = walk(schema, ())
    if unresolved:
        for key in ("$defs", "definitions"):
            if key in schema:
                result[key] = schema[key]
    return result  # type: ignore[no-any-return]


def json_schema_format(
    schema: Mapping[str, Any], *, name: str | None = None, strict: bool | None = None
) -> dict[str, Any]:
    """A ``response_format`` that makes LM Studio generate JSON valid against ``schema``."""
    body: dict[str, Any] = {
        "name": _schema_name(name or str(schema.get("title") or "response")),
        "schema": inline_schema_refs(dict(schema)),
    }
    if strict is not None:
        body["strict"] = strict
    return {"type": "json_schema", "json_schema": body}


def _schema_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_-" else "_" for c in name)
    return cleaned[:64] or "response"


PERMISSIVE_JSON_FORMAT: dict[str, Any] = json_schema_format({"type": "object"}, name="json_object")
"""What json mode sends instead of ``json_object`` (which LM Studio rejects with 400)."""


def map_response_format(response_format: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Map a response_format to what LM Studio accepts (``json_object`` -> a json_schema)."""
    if response_format is None:
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return copy.deepcopy(PERMISSIVE_JSON_FORMAT)
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            raise InvalidRequestError(
                "response_format json_schema needs {'json_schema': {'name': ..., 'schema': {...}}}."
            )
        return json_schema_format(spec["schema"], name=spec.get("name"), strict=spec.get("strict"))
    if kind == "text":
        return dict(response_format)
    raise InvalidRequestError(
        f"response_format type {kind!r} is not supported by LM Studio; use 'json_schema' or 'text'."
    )


REQUEST_OPTION_FIELDS: tuple[str, ...] = (
    "temperature",
    "max_tokens",
    "top_p",
    "top_k",
    "min_p",
    "repeat_penalty",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "stop",
    "logit_bias",
    "ttl",
    "draft_model",
    "parallel_tool_calls",
)
"""The typed `ChatRequest` options copied as they are to the top level of the JSON body.

Adapters derive the options they send from it (the ones that are also their own fields).
"""


def build_chat_body(request: ChatRequest, *, model: str | None = None) -> dict[str, Any]:
    """The JSON body for ``POST /v1/chat/completions``, LM Studio mappings applied."""
    body: dict[str, Any] = {"model": model or request.model, "messages": request.messages}
    for name in REQUEST_OPTION_FIELDS:
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    choice, tools = map_tool_choice(request.tool_choice, request.tools)
    if tools:
        body["tools"] = tools
    if choice is not None:
        body["tool_choice"] = choice
    response_format = map_response_format(request.response_format)
    if response_format is not None:
        body["response_format"] = response_format
    for key, value in request.extra.items():
        if key not in _RESERVED:
            body[key] = value
    if body.get("model") is None:
        body.pop("model")
    if request.stream:
        body["stream"] = True
        body["stream_options"] = request.stream_options or {"include_usage": True}
    return body
