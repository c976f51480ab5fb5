"""LangChain integration for LM Studio: `ChatLMStudio` and `LMStudioEmbeddings`.

The two classes are imported on first use (PEP 562). Importing the chat model's module while
this package's ``__init__`` is still running made ``from langchain_lmstudio import ChatLMStudio``
cost ~60 ms more CPU than the same modules imported after it (langchain-core's and langsmith's
imports took twice the page faults; benchmarks/overhead.py measures the import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lmstudio_core.framework_import import import_framework

# First, so a missing framework names the extra (and only a missing one: see the function).
import_framework(
    "langchain_core", adapter="langchain_lmstudio", distribution="langchain-core", extra="langchain"
)

if TYPE_CHECKING:
    from langchain_lmstudio.chat_models import ChatLMStudio as ChatLMStudio
    from langchain_lmstudio.embeddings import LMStudioEmbeddings as LMStudioEmbeddings

__all__ = ["ChatLMStudio", "LMStudioEmbeddings"]

_LAZY = {
    "ChatLMStudio": "langchain_lmstudio.chat_models",
    "LMStudioEmbeddings": "langchain_lmstudio.embeddings",
}


def __getattr__(name: str) -> Any:
    """Import a public class from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'langchain_lmstudio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Public names, including those not imported yet."""
    return sorted(set(globals()) | set(__all__))
