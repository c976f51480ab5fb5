"""LangChain integration for LM Studio: `ChatLMStudio` and `LMStudioEmbeddings`."""

try:
    import langchain_core  # noqa: F401  (checked first, so a missing framework names the extra)
except ImportError as exc:  # pragma: no cover - exercised by .ci/package_check.py
    raise ImportError(
        "langchain_lmstudio needs langchain-core, which is not installed: "
        'pip install "lmstudio-integrations[langchain]"'
    ) from exc

from langchain_lmstudio.chat_models import ChatLMStudio
from langchain_lmstudio.embeddings import LMStudioEmbeddings

__all__ = ["ChatLMStudio", "LMStudioEmbeddings"]
