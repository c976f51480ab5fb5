"""Translate between LlamaIndex messages and the OpenAI wire format `lmstudio_core` speaks.

History goes out as role, content (text and image parts), ``tool_calls`` and ``tool_call_id``
only: response metadata kept on a message (usage, stats, reasoning) is never re-sent. Results
come back as `ChatResponse`s with reasoning in a `ThinkingBlock`, tool calls both as
`ToolCallBlock`s and in ``message.additional_kwargs["tool_calls"]`` (what LlamaIndex's
structured-output helpers read), and usage, finish reason, LM Studio ``stats`` and llama.cpp
``timings`` in ``ChatResponse.additional_kwargs``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    CachePoint,
    ChatMessage,
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json

from llama_index_lmstudio._text_response import text_response
from lmstudio_core import ChatDelta, ChatResult, ToolCall, Usage, parse_tool_arguments

__all__ = [
    "StreamState",
    "chat_response",
    "parse_tool_kwargs",
    "to_wire_messages",
    "tool_selections",
]

log = logging.getLogger("llama_index_lmstudio")

_ROLE_MAP = {
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.FUNCTION: "tool",
    MessageRole.DEVELOPER: "system",
}


# -- history -> wire ------------------------------------------------------------------------


def _image_part(block: ImageBlock) -> dict[str, Any]:
    url = str(block.url) if block.url is not None else None
    remote = block.image is None and block.path is None
    if url is not None and remote and url.startswith(("http://", "https://", "data:")):
        return {"type": "image_url", "image_url": {"url": url}}
    data = block.resolve_image(as_base64=True).read().decode("ascii")
    mimetype = block.image_mimetype or "image/png"
    part: dict[str, Any] = {"url": f"data:{mimetype};base64,{data}"}
    if block.detail:
        part["detail"] = block.detail
    return {"type": "image_url", "image_url": part}


def _arguments_text(arguments: Any) -> str:
    """JSON object text; malformed text becomes ``{}`` (what the tool was called with)."""
    if isinstance(arguments, str):
        parsed, _ = parse_tool_arguments(arguments)
        return arguments if parsed is not None and arguments.strip() else json.dumps(parsed or {})
    return json.dumps(arguments or {})


def _wire_tool_call(call_id: str | None, name: str, arguments: Any) -> dict[str, Any]:
    text = _arguments_text(arguments)
    return {
        "id": call_id or name,
        "type": "function",
        "function": {"name": name, "arguments": text},
    }


def _legacy_tool_calls(raw: Any) -> list[dict[str, Any]]:
    """Tool calls stored in ``additional_kwargs["tool_calls"]`` (dicts or OpenAI objects)."""
    out: list[dict[str, Any]] = []
    for item in raw if isinstance(raw, list) else []:
        call = item.model_dump() if hasattr(item, "model_dump") else item
        if not isinstance(call, Mapping):
            continue
        function = call.get("function") or {}
        name = function.get("name") or call.get("name")
        if name:
            arguments = function.get("arguments", call.get("arguments", {}))
            out.append(_wire_tool_call(call.get("id"), str(name), arguments))
    return out


def _wire_message(message: ChatMessage) -> dict[str, Any]:
    role = _ROLE_MAP.get(message.role, message.role.value)
    texts: list[str] = []
    images: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ImageBlock):
            images.append(_image_part(block))
        elif isinstance(block, ToolCallBlock):
            tool_calls.append(
                _wire_tool_call(block.tool_call_id, block.tool_name, block.tool_kwargs)
            )
        elif isinstance(block, ThinkingBlock | CachePoint):
            continue
        else:
            raise ValueError(
                f"LM Studio's chat endpoint cannot take a {type(block).__name__} "
                "(text, images and tool calls only)."
            )
    text = "\n".join(texts)
    wire: dict[str, Any] = {"role": role}
    if images:
        parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
        wire["content"] = parts + images
    else:
        wire["content"] = text
    if role == "assistant":
        if not tool_calls:
            tool_calls = _legacy_tool_calls(message.additional_kwargs.get("tool_calls"))
        if tool_calls:
            wire["tool_calls"] = tool_calls
    elif role == "tool":
        call_id = message.additional_kwargs.get("tool_call_id")
        if call_id:
            wire["tool_call_id"] = str(call_id)
    return wire


def to_wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """OpenAI-format message dicts for ``messages``; never carries response metadata."""
    return [_wire_message(message) for message in messages]


# -- results -> ChatResponse ----------------------------------------------------------------


def parse_tool_kwargs(arguments: str) -> dict[str, Any] | str:
    """Arguments as a dict, or the raw text when it is not (yet) a JSON object."""
    parsed, _ = parse_tool_arguments(arguments)
    return parsed if parsed is not None else arguments


def _tool_call_block(call: ToolCall) -> ToolCallBlock:
    return ToolCallBlock(
        tool_call_id=call.id, tool_name=call.name, tool_kwargs=parse_tool_kwargs(call.arguments)
    )


def _usage_kwargs(usage: Usage | None) -> dict[str, Any]:
    if usage is None:
        return {}
    out: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.reasoning_tokens is not None:
        out["reasoning_tokens"] = usage.reasoning_tokens
    if usage.cached_tokens is not None:
        out["cached_tokens"] = usage.cached_tokens
    return out


def _message(
    content: str,
    reasoning: str | None,
    tool_blocks: list[ToolCallBlock],
    reasoning_tokens: int | None = None,
) -> ChatMessage:
    blocks: list[Any] = []
    if reasoning:
        blocks.append(ThinkingBlock(content=reasoning, num_tokens=reasoning_tokens))
    blocks.append(TextBlock(text=content))
    blocks.extend(tool_blocks)
    additional: dict[str, Any] = {}
    if tool_blocks:
        additional["tool_calls"] = [
            _wire_tool_call(b.tool_call_id, b.tool_name, b.tool_kwargs) for b in tool_blocks
        ]
    return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=additional)


def chat_response(result: ChatResult, *, delta: str | None = None) -> ChatResponse:
    """The `ChatResponse` for a complete `ChatResult` (``delta`` set when ending a stream)."""
    usage = result.usage
    message = _message(
        result.content,
        result.reasoning,
        [_tool_call_block(call) for call in result.tool_calls],
        usage.reasoning_tokens if usage is not None else None,
    )
    extra: dict[str, Any] = _usage_kwargs(usage)
    for key in ("finish_reason", "model", "stats", "timings"):
        value = getattr(result, key)
        if value:
            extra[key] = value
    if delta is not None:
        extra["thinking_delta"] = None
    return ChatResponse(message=message, raw=result.raw, delta=delta, additional_kwargs=extra)


class _PartialCall:
    __slots__ = ("arguments", "id", "name")

    def __init__(self) -> None:
        self.id: str | None = None
        self.name = ""
        self.arguments = ""


class StreamState:
    """Folds `ChatDelta`s into the growing `ChatResponse`s a LlamaIndex stream yields.

    Shared by the sync and async streams. The final response comes from the core's own
    accumulated `ChatResult` (see `finish`), so a stream ends exactly like a non-streamed call.
    """

    __slots__ = ("_calls", "_content", "_reasoning")

    def __init__(self) -> None:
        self._content = ""
        self._reasoning = ""
        self._calls: dict[int, _PartialCall] = {}

    @staticmethod
    def adds_output(delta: ChatDelta) -> bool:
        """Whether ``delta`` adds text, reasoning or a tool call (else `finish` reports it)."""
        return bool(delta.content or delta.reasoning or delta.tool_calls)

    def update(self, delta: ChatDelta) -> ChatResponse:
        """The response after ``delta``: the whole message so far plus what is new."""
        self._content += delta.content
        if delta.reasoning:
            self._reasoning += delta.reasoning
        if delta.tool_calls:
            for fragment in delta.tool_calls:
                call = self._calls.setdefault(fragment.index, _PartialCall())
                call.id = call.id or fragment.id
                call.name = call.name or fragment.name or ""
                call.arguments += fragment.arguments
        extra: dict[str, Any] = {"thinking_delta": delta.reasoning or None}
        if delta.usage is not None:
            extra.update(_usage_kwargs(delta.usage))
        if delta.finish_reason:
            extra["finish_reason"] = delta.finish_reason
        if delta.stats:
            extra["stats"] = delta.stats
        if self._calls or self._reasoning:
            blocks = [
                ToolCallBlock(
                    tool_call_id=c.id, tool_name=c.name, tool_kwargs=_streaming_kwargs(c.arguments)
                )
                for _, c in sorted(self._calls.items())
            ]
            message = _message(self._content, self._reasoning or None, blocks)
        else:  # plain text, the common case: see `_text_response`
            return text_response(self._content, delta.content, _delta_raw(delta), extra)
        return ChatResponse(
            message=message,
            delta=delta.content,
            raw=_delta_raw(delta),
            additional_kwargs=extra,
        )

    def finish(self, result: ChatResult) -> ChatResponse:
        """The last response: the complete message, usage, stats and timings."""
        tail = (
            result.content[len(self._content) :] if result.content.startswith(self._content) else ""
        )
        response = chat_response(result, delta=tail)
        if response.raw is None:  # a stream has no one body: what its last chunks said
            response.raw = _delta_raw(
                ChatDelta(
                    content=tail,
                    finish_reason=result.finish_reason,
                    usage=result.usage,
                    id=result.id,
                    model=result.model,
                    stats=result.stats,
                )
            )
        return response


def _streaming_kwargs(arguments: str) -> dict[str, Any]:
    """Arguments of a call still arriving, completed where cut short (for display only).

    The final response of a stream parses strictly (see `chat_response`), so a call whose
    arguments end up malformed reaches the agent as an error, never with made-up values.
    """
    parsed = parse_tool_kwargs(arguments)
    if isinstance(parsed, dict):
        return parsed
    try:
        partial = parse_partial_json(arguments)
    except (ValueError, TypeError):
        return {}
    return partial if isinstance(partial, dict) else {}


def _delta_raw(delta: ChatDelta) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": delta.id, "model": delta.model}
    if delta.content:
        raw["content"] = delta.content
    if delta.reasoning:
        raw["reasoning"] = delta.reasoning
    if delta.tool_calls:
        raw["tool_calls"] = [
            {"index": t.index, "id": t.id, "name": t.name, "arguments": t.arguments}
            for t in delta.tool_calls
        ]
    if delta.finish_reason:
        raw["finish_reason"] = delta.finish_reason
    if delta.usage is not None:
        raw["usage"] = delta.usage.model_dump()
    if delta.stats:
        raw["stats"] = delta.stats
    return raw


# -- tool selections --------------------------------------------------------------------------


def _kwargs_of(name: str, value: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    parsed, error = parse_tool_arguments(value)
    if parsed is not None:
        return parsed
    log.warning(
        "Tool call %r has malformed arguments (%s); calling it with no arguments so the "
        "tool's error reaches the agent. Raw arguments: %.200s",
        name,
        error,
        value,
    )
    return {}


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """`ToolSelection`s for the tool calls in ``response`` (malformed arguments become ``{}``)."""
    blocks = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    if not blocks:
        legacy = _legacy_tool_calls(response.message.additional_kwargs.get("tool_calls"))
        blocks = [
            ToolCallBlock(
                tool_call_id=c["id"],
                tool_name=c["function"]["name"],
                tool_kwargs=c["function"]["arguments"],
            )
            for c in legacy
        ]
    if not blocks:
        if error_on_no_tool_call:
            raise ValueError(
                "Expected at least one tool call, but the model answered without one: "
                f"{(response.message.content or '')[:200]!r}"
            )
        return []
    return [
        ToolSelection(
            tool_id=block.tool_call_id or block.tool_name,
            tool_name=block.tool_name,
            tool_kwargs=_kwargs_of(block.tool_name, block.tool_kwargs),
        )
        for block in blocks
    ]
