"""LlamaIndex integration for LM Studio: `LMStudio` (a FunctionCallingLLM) and `LMStudioEmbedding`.

Both are thin layers over `lmstudio_core`: LM Studio options reach the top level of the request
JSON, the context window and tool support are read from the server, and the async paths are
truly async.
"""

from llama_index_lmstudio.embedding import LMStudioEmbedding
from llama_index_lmstudio.llm import LMStudio

__all__ = ["LMStudio", "LMStudioEmbedding"]
