"""Framework-free transport core for LM Studio's OpenAI-compatible and native APIs.

Sync and async clients on httpx, typed results, LM Studio's quirks normalised, typed errors
that say what to do. The LangChain and LlamaIndex adapters are thin layers over this package.

Public names are imported lazily (PEP 562): ``import lmstudio_core`` is cheap, and httpx and
pydantic load when a client, request or result type is first used.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `from typing import ...`: keeps `import lmstudio_core` cheap
if TYPE_CHECKING:
    from typing import Any

    from lmstudio_core.accumulate import StreamAccumulator, parse_chat_completion
    from lmstudio_core.client import (
        AsyncChatStream,
        AsyncLMStudioClient,
        ChatStream,
        LMStudioClient,
    )
    from lmstudio_core.errors import (
        AuthenticationError,
        BadRequestError,
        CircuitOpenError,
        ContextLengthExceededError,
        InvalidRequestError,
        InvalidResponseError,
        LMStudioConnectionError,
        LMStudioError,
        LMStudioTimeoutError,
        ModelNotFoundError,
        ServerError,
        UnknownOptionError,
    )
    from lmstudio_core.requests import ChatRequest, json_schema_format, map_tool_choice
    from lmstudio_core.settings import DEFAULT_BASE_URL, LMStudioSettings, parse_uri
    from lmstudio_core.wire import (
        ChatDelta,
        ChatResult,
        EmbeddingResult,
        LoadResult,
        ModelFacts,
        ModelInfo,
        ToolCall,
        ToolCallDelta,
        Usage,
        parse_tool_arguments,
    )

_LAZY: dict[str, str] = {
    "StreamAccumulator": "lmstudio_core.accumulate",
    "parse_chat_completion": "lmstudio_core.accumulate",
    "AsyncChatStream": "lmstudio_core.client",
    "AsyncLMStudioClient": "lmstudio_core.client",
    "ChatStream": "lmstudio_core.client",
    "LMStudioClient": "lmstudio_core.client",
    "AuthenticationError": "lmstudio_core.errors",
    "BadRequestError": "lmstudio_core.errors",
    "CircuitOpenError": "lmstudio_core.errors",
    "ContextLengthExceededError": "lmstudio_core.errors",
    "InvalidRequestError": "lmstudio_core.errors",
    "InvalidResponseError": "lmstudio_core.errors",
    "LMStudioConnectionError": "lmstudio_core.errors",
    "LMStudioError": "lmstudio_core.errors",
    "LMStudioTimeoutError": "lmstudio_core.errors",
    "ModelNotFoundError": "lmstudio_core.errors",
    "ServerError": "lmstudio_core.errors",
    "UnknownOptionError": "lmstudio_core.errors",
    "ChatRequest": "lmstudio_core.requests",
    "json_schema_format": "lmstudio_core.requests",
    "map_tool_choice": "lmstudio_core.requests",
    "DEFAULT_BASE_URL": "lmstudio_core.settings",
    "LMStudioSettings": "lmstudio_core.settings",
    "parse_uri": "lmstudio_core.settings",
    "ChatDelta": "lmstudio_core.wire",
    "ChatResult": "lmstudio_core.wire",
    "EmbeddingResult": "lmstudio_core.wire",
    "LoadResult": "lmstudio_core.wire",
    "ModelFacts": "lmstudio_core.wire",
    "ModelInfo": "lmstudio_core.wire",
    "ToolCall": "lmstudio_core.wire",
    "ToolCallDelta": "lmstudio_core.wire",
    "Usage": "lmstudio_core.wire",
    "parse_tool_arguments": "lmstudio_core.wire",
}
"""Each public name and the submodule that defines it."""

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncChatStream",
    "AsyncLMStudioClient",
    "AuthenticationError",
    "BadRequestError",
    "ChatDelta",
    "ChatRequest",
    "ChatResult",
    "ChatStream",
    "CircuitOpenError",
    "ContextLengthExceededError",
    "EmbeddingResult",
    "InvalidRequestError",
    "InvalidResponseError",
    "LMStudioClient",
    "LMStudioConnectionError",
    "LMStudioError",
    "LMStudioSettings",
    "LMStudioTimeoutError",
    "LoadResult",
    "ModelFacts",
    "ModelInfo",
    "ModelNotFoundError",
    "ServerError",
    "StreamAccumulator",
    "ToolCall",
    "ToolCallDelta",
    "UnknownOptionError",
    "Usage",
    "json_schema_format",
    "map_tool_choice",
    "parse_chat_completion",
    "parse_tool_arguments",
    "parse_uri",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lmstudio_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Public names, including those not imported yet."""
    return sorted(set(globals()) | set(__all__))
