"""Framework-free transport core for LM Studio's OpenAI-compatible and native APIs.

Sync and async clients on httpx, typed results, LM Studio's quirks normalised, typed errors
that say what to do. The LangChain and LlamaIndex adapters are thin layers over this package.

Public names are imported lazily (PEP 562): ``import lmstudio_core`` is cheap, and httpx and
pydantic load when a client, request or result type is first used.
"""

from __future__ import annotations

import importlib

_PUBLIC: dict[str, tuple[str, ...]] = {
    "lmstudio_core.async_client": ("AsyncChatStream", "AsyncLMStudioClient"),
    "lmstudio_core.client": ("ChatStream", "LMStudioClient"),
    "lmstudio_core.errors": (
        "AuthenticationError",
        "BadRequestError",
        "CircuitOpenError",
        "ContextLengthExceededError",
        "InvalidRequestError",
        "InvalidResponseError",
        "LMStudioConnectionError",
        "LMStudioError",
        "LMStudioTimeoutError",
        "ModelNotFoundError",
        "ServerError",
        "UnknownOptionError",
    ),
    "lmstudio_core.download_errors": (
        "DownloadError",
        "DownloadFailedError",
        "DownloadInterrupted",
        "DownloadNotSupportedError",
        "DownloadWatchLostError",
    ),
    "lmstudio_core.load_errors": ("LoadNotSupportedError",),
    "lmstudio_core.chat_request": ("ChatRequest", "json_schema_format"),
    "lmstudio_core.model_results": ("DownloadResult", "ProgressUpdate", "ReadyModel"),
    "lmstudio_core.model_setup": ("LOAD_OPTIONS",),
    "lmstudio_core.resilience": ("reset_breakers",),
    "lmstudio_core.settings": ("DEFAULT_BASE_URL", "LMStudioSettings", "ParsedURI", "parse_uri"),
    "lmstudio_core.results": (
        "ChatDelta",
        "ChatResult",
        "EmbeddingResult",
        "LoadResult",
        "ModelFacts",
        "ModelInfo",
        "ToolCall",
        "ToolCallDelta",
        "Usage",
        "parse_tool_arguments",
    ),
}
"""The public names, by the submodule that defines them: the one list (the docs use them all)."""

_LAZY = {name: module for module, names in _PUBLIC.items() for name in names}
__all__ = sorted(_LAZY)

TYPE_CHECKING = False  # not `from typing import ...`: keeps `import lmstudio_core` cheap
if TYPE_CHECKING:  # the same names, spelled out for type checkers (a test checks they agree)
    from typing import Any

    from lmstudio_core.async_client import AsyncChatStream as AsyncChatStream
    from lmstudio_core.async_client import AsyncLMStudioClient as AsyncLMStudioClient
    from lmstudio_core.chat_request import ChatRequest as ChatRequest
    from lmstudio_core.chat_request import json_schema_format as json_schema_format
    from lmstudio_core.client import ChatStream as ChatStream
    from lmstudio_core.client import LMStudioClient as LMStudioClient
    from lmstudio_core.download_errors import DownloadError as DownloadError
    from lmstudio_core.download_errors import DownloadFailedError as DownloadFailedError
    from lmstudio_core.download_errors import DownloadInterrupted as DownloadInterrupted
    from lmstudio_core.download_errors import (
        DownloadNotSupportedError as DownloadNotSupportedError,
    )
    from lmstudio_core.download_errors import DownloadWatchLostError as DownloadWatchLostError
    from lmstudio_core.errors import AuthenticationError as AuthenticationError
    from lmstudio_core.errors import BadRequestError as BadRequestError
    from lmstudio_core.errors import CircuitOpenError as CircuitOpenError
    from lmstudio_core.errors import ContextLengthExceededError as ContextLengthExceededError
    from lmstudio_core.errors import InvalidRequestError as InvalidRequestError
    from lmstudio_core.errors import InvalidResponseError as InvalidResponseError
    from lmstudio_core.errors import LMStudioConnectionError as LMStudioConnectionError
    from lmstudio_core.errors import LMStudioError as LMStudioError
    from lmstudio_core.errors import LMStudioTimeoutError as LMStudioTimeoutError
    from lmstudio_core.errors import ModelNotFoundError as ModelNotFoundError
    from lmstudio_core.errors import ServerError as ServerError
    from lmstudio_core.errors import UnknownOptionError as UnknownOptionError
    from lmstudio_core.load_errors import LoadNotSupportedError as LoadNotSupportedError
    from lmstudio_core.model_results import DownloadResult as DownloadResult
    from lmstudio_core.model_results import ProgressUpdate as ProgressUpdate
    from lmstudio_core.model_results import ReadyModel as ReadyModel
    from lmstudio_core.model_setup import LOAD_OPTIONS as LOAD_OPTIONS
    from lmstudio_core.resilience import reset_breakers as reset_breakers
    from lmstudio_core.results import ChatDelta as ChatDelta
    from lmstudio_core.results import ChatResult as ChatResult
    from lmstudio_core.results import EmbeddingResult as EmbeddingResult
    from lmstudio_core.results import LoadResult as LoadResult
    from lmstudio_core.results import ModelFacts as ModelFacts
    from lmstudio_core.results import ModelInfo as ModelInfo
    from lmstudio_core.results import ToolCall as ToolCall
    from lmstudio_core.results import ToolCallDelta as ToolCallDelta
    from lmstudio_core.results import Usage as Usage
    from lmstudio_core.results import parse_tool_arguments as parse_tool_arguments
    from lmstudio_core.settings import DEFAULT_BASE_URL as DEFAULT_BASE_URL
    from lmstudio_core.settings import LMStudioSettings as LMStudioSettings
    from lmstudio_core.settings import ParsedURI as ParsedURI
    from lmstudio_core.settings import parse_uri as parse_uri

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
