"""LangChain integration for LM Studio: `ChatLMStudio` and `LMStudioEmbeddings`."""

from langchain_lmstudio.chat_models import ChatLMStudio
from langchain_lmstudio.embeddings import LMStudioEmbeddings

__all__ = ["ChatLMStudio", "LMStudioEmbeddings"]
