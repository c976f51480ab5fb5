"""Framework-free transport core for LM Studio's OpenAI-compatible and native APIs.

Sync and async clients on httpx, typed results, LM Studio's quirks normalised, typed errors
that say what to do. The LangChain and LlamaIndex adapters are thin layers over this package.
"""

from lmstudio_core.accumulate import StreamAccumulator, parse_chat_completion
from lmstudio_core.client import AsyncChatStream, AsyncLMStudioClient, ChatStream, LMStudioClient
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
)
from lmstudio_core.requests import ChatRequest, json_schema_format, map_tool_choice
from lmstudio_core.settings import DEFAULT_BASE_URL, LMStudioSettings, parse_uri
from lmstudio_core.wire import (
    ChatDelta,
    ChatResult,
    EmbeddingResult,
    LoadResult,
    ModelInfo,
    ToolCall,
    ToolCallDelta,
    Usage,
    parse_tool_arguments,
)

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
    "ModelInfo",
    "ModelNotFoundError",
    "ServerError",
    "StreamAccumulator",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "json_schema_format",
    "map_tool_choice",
    "parse_chat_completion",
    "parse_tool_arguments",
    "parse_uri",
]

__version__ = "0.1.0"
