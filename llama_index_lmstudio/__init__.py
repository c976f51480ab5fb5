"""LlamaIndex integration for LM Studio: `LMStudio` (a FunctionCallingLLM) and `LMStudioEmbedding`.

Both are thin layers over `lmstudio_core`: LM Studio options reach the top level of the request
JSON, the context window and tool support are read from the server, and the async paths are
truly async.
"""

try:
    import llama_index.core  # noqa: F401  (checked first, so a missing framework names the extra)
except ImportError as exc:  # pragma: no cover - exercised by .ci/package_check.py
    raise ImportError(
        "llama_index_lmstudio needs llama-index-core, which is not installed: "
        'pip install "lmstudio-integrations[llama-index]"'
    ) from exc

from llama_index_lmstudio.embedding import LMStudioEmbedding
from llama_index_lmstudio.llm import LMStudio

__all__ = ["LMStudio", "LMStudioEmbedding"]
