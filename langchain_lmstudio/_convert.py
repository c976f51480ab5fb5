"""Conversions between LangChain messages and the core's wire types, shared by every path.

Messages go out as OpenAI dicts (reasoning never sent back, tool calls as JSON-string
arguments, standard image blocks as ``image_url`` parts). Results come back as `AIMessage`
(invoke) or `AIMessageChunk` (stream); the chunks of a stream add up to the invoked message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    InvalidToolCall,
    ToolCall,
    convert_to_openai_messages,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from lmstudio_core import ChatDelta, Usage, parse_tool_arguments
from lmstudio_core import ChatResult as CoreChatResult

__all__ = [
    "PROVIDER",
    "StreamConverter",
    "message_from_result",
    "messages_to_openai",
    "result_to_chat_result",
    "usage_to_metadata",
]

PROVIDER = "lmstudio"
"""``response_metadata["model_provider"]`` and ``ls_provider``."""

_ASSISTANT_DROPPED_BLOCKS = frozenset(
    {"reasoning", "thinking", "redacted_thinking", "tool_call", "tool_call_chunk", "tool_use"}
)


def messages_to_openai(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages as OpenAI chat messages that LM Studio accepts.

    `convert_to_openai_messages` does the heavy lifting (standard image blocks to
    ``image_url`` data URLs, tool calls with JSON-string arguments, tool results); on top of
    it, assistant turns lose their reasoning and tool-call blocks: reasoning stays out of the
    wire, and LM Studio expects plain text content next to ``tool_calls``.
    """
    converted = convert_to_openai_messages(list(messages), text_format="string")
    return [_clean(message) for message in converted]


def _clean(message: dict[str, Any]) -> dict[str, Any]:
    if message.get("role") != "assistant":
        return message
    content = message.get("content")
    if isinstance(content, list):
        kept = [
            block
            for block in content
            if not (isinstance(block, dict) and block.get("type") in _ASSISTANT_DROPPED_BLOCKS)
        ]
        texts = [
            block if isinstance(block, str) else str(block.get("text", ""))
            for block in kept
            if isinstance(block, str) or block.get("type") == "text"
        ]
        message["content"] = "".join(texts) if len(texts) == len(kept) else kept
    if message.get("content") is None:
        message["content"] = ""
    return message


def usage_to_metadata(usage: Usage | None) -> UsageMetadata | None:
    """The core's token counts as LangChain `UsageMetadata` (with cache and reasoning details)."""
    if usage is None:
        return None
    # Built as a plain dict and cast once: which keys of these TypedDicts are required differs
    # between langchain-core releases (and how mypy reads their NotRequired), the runtime shape
    # does not.
    metadata: dict[str, Any] = {
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_tokens is not None:
        metadata["input_token_details"] = {"cache_read": usage.cached_tokens}
    if usage.reasoning_tokens is not None:
        metadata["output_token_details"] = {"reasoning": usage.reasoning_tokens}
    return cast("UsageMetadata", metadata)


def _response_metadata(result: CoreChatResult, requested_model: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "model_name": result.model or requested_model or "",
        "model_provider": PROVIDER,
        "finish_reason": result.finish_reason,
    }
    if result.stats:
        metadata["stats"] = result.stats
    if result.timings:
        metadata["timings"] = result.timings
    if result.raw and result.raw.get("system_fingerprint"):
        metadata["system_fingerprint"] = result.raw["system_fingerprint"]
    return metadata


def _tool_calls(result: CoreChatResult) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    valid: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for call in result.tool_calls:
        args, error = parse_tool_arguments(call.arguments)
        if args is None:
            invalid.append(
                invalid_tool_call(name=call.name, args=call.arguments, id=call.id, error=error)
            )
        else:
            valid.append(tool_call(name=call.name, args=args, id=call.id))
    return valid, invalid


def _reasoning_kwargs(reasoning: str | None) -> dict[str, Any]:
    return {"reasoning_content": reasoning} if reasoning else {}


def message_from_result(result: CoreChatResult, requested_model: str | None) -> AIMessage:
    """The assistant message of a completed chat; malformed tool arguments become invalid."""
    optional: dict[str, Any] = {}  # passed only when non-empty (empty is the default)
    if result.tool_calls:
        optional["tool_calls"], optional["invalid_tool_calls"] = _tool_calls(result)
    if result.reasoning:
        optional["additional_kwargs"] = _reasoning_kwargs(result.reasoning)
    return AIMessage(
        content=result.content,
        usage_metadata=usage_to_metadata(result.usage),
        response_metadata=_response_metadata(result, requested_model),
        id=result.id,
        **optional,
    )


def result_to_chat_result(result: CoreChatResult, requested_model: str | None) -> ChatResult:
    """Wrap the message the way `BaseChatModel._generate` returns it."""
    message = message_from_result(result, requested_model)
    generation_info = {"finish_reason": result.finish_reason}
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info=generation_info)],
        llm_output={"model_name": message.response_metadata["model_name"]},
    )


class StreamConverter:
    """Turns streamed `ChatDelta`s into `ChatGenerationChunk`s, then one closing chunk.

    Content, reasoning and tool-call fragments go out as they arrive; the closing chunk
    (``chunk_position="last"``) carries the usage, finish reason, model name and LM Studio
    stats once, so the sum of all chunks equals the invoked message.
    """

    def __init__(self, requested_model: str | None, *, include_usage: bool = True) -> None:
        self.requested_model = requested_model
        self.include_usage = include_usage
        self._id: str | None = None

    def chunk(self, delta: ChatDelta) -> ChatGenerationChunk | None:
        """The chunk for one delta, or ``None`` when it only carries metadata."""
        self._id = self._id or delta.id
        if not (delta.content or delta.reasoning or delta.tool_calls):
            return None
        if delta.tool_calls or delta.reasoning:
            chunks = [
                tool_call_chunk(name=call.name, args=call.arguments, id=call.id, index=call.index)
                for call in delta.tool_calls or ()
            ]
            message = AIMessageChunk(
                content=delta.content,
                additional_kwargs=_reasoning_kwargs(delta.reasoning),
                tool_call_chunks=chunks,
                response_metadata={"model_provider": PROVIDER},
                id=self._id,
            )
        else:  # plain text, the common case: empty kwargs and tool chunks are the defaults
            message = AIMessageChunk(
                content=delta.content, response_metadata={"model_provider": PROVIDER}, id=self._id
            )
        return ChatGenerationChunk(message=message)

    def last(self, result: CoreChatResult) -> ChatGenerationChunk:
        """The closing chunk: usage, finish reason, model name, stats."""
        message = AIMessageChunk(
            content="",
            usage_metadata=usage_to_metadata(result.usage) if self.include_usage else None,
            response_metadata=_response_metadata(result, self.requested_model),
            id=self._id or result.id,
            chunk_position="last",
        )
        return ChatGenerationChunk(
            message=message, generation_info={"finish_reason": result.finish_reason}
        )


def text_of(message: BaseMessage) -> str:
    """All text a message would put in the prompt, for the offline token estimate."""
    parts: list[str] = [str(message.text)]
    if isinstance(message, AIMessage):
        parts.extend(json.dumps(call["args"]) + call["name"] for call in message.tool_calls)
    return " ".join(part for part in parts if part)
