"""LlamaIndex integration for LM Studio: `LMStudio` (a FunctionCallingLLM) and `LMStudioEmbedding`.

Both are thin layers over `lmstudio_core`: LM Studio options reach the top level of the request
JSON, the context window and tool support are read from the server, and the async paths are
truly async.
"""

from lmstudio_core.framework_import import import_framework

# First, so a missing framework names the extra (and only a missing one: see the function).
import_framework(
    "llama_index.core",
    adapter="llama_index_lmstudio",
    distribution="llama-index-core",
    extra="llama-index",
)

from llama_index_lmstudio.embedding import LMStudioEmbedding  # noqa: E402
from llama_index_lmstudio.llm import LMStudio  # noqa: E402

__all__ = ["LMStudio", "LMStudioEmbedding"]
