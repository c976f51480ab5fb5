"""Tool calling for `LMStudio`: the request a chat with tools sends, and single-call answers.

The methods LlamaIndex calls (`_prepare_chat_with_tools`, `_validate_chat_with_tools_response`)
stay on the class and delegate here; reading tool calls out of an answer is in `_convert.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock

from lmstudio_core.errors import InvalidRequestError

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["keep_first_tool_call", "prepare_tool_chat"]


def prepare_tool_chat(
    tools: Sequence[BaseTool],
    user_msg: str | ChatMessage | None,
    chat_history: list[ChatMessage] | None,
    *,
    allow_parallel_tool_calls: bool,
    tool_required: bool,
    tool_choice: str | dict[str, Any] | None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Messages, OpenAI tool specs and tool_choice for a chat with tools."""
    for index, tool in enumerate(tools):
        if not hasattr(getattr(tool, "metadata", None), "to_openai_tool"):
            raise InvalidRequestError(
                f"tools[{index}] is a {type(tool).__name__}, not a LlamaIndex tool: pass "
                "BaseTool objects, e.g. FunctionTool.from_defaults(fn=my_function) (agents "
                "such as FunctionAgent wrap plain functions themselves)."
            )
    specs = [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]
    messages = list(chat_history or [])
    if isinstance(user_msg, str):
        user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
    if user_msg is not None:
        messages.append(user_msg)
    prepared: dict[str, Any] = {"messages": messages, **kwargs}
    if specs:
        prepared["tools"] = specs
        prepared["tool_choice"] = tool_choice or ("required" if tool_required else "auto")
        prepared["parallel_tool_calls"] = allow_parallel_tool_calls
    return prepared


def keep_first_tool_call(response: ChatResponse) -> ChatResponse:
    """Drop every tool call but the first, in the blocks and in the wire ``tool_calls``."""
    message = response.message
    calls = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if len(calls) > 1:
        message.blocks = [b for b in message.blocks if not isinstance(b, ToolCallBlock)]
        message.blocks.append(calls[0])
        wire_calls = message.additional_kwargs.get("tool_calls")
        if isinstance(wire_calls, list):
            message.additional_kwargs["tool_calls"] = wire_calls[:1]
    return response
