"""The LlamaIndex tests' LM Studio answers (built by ``lmstudio_core.testing.replies``) and LLM."""

from __future__ import annotations

from typing import Any

from pytest_httpserver import HTTPServer

from llama_index_lmstudio import LMStudio
from lmstudio_core.testing.replies import ChatBodies

BODIES = ChatBodies(
    model="qwen3-4b",
    completion_id="chatcmpl-1",
    usage={"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
)
"""The answers of these tests: one model, one completion id, one usage."""
completion = BODIES.completion
chunk = BODIES.chunk
usage_chunk = BODIES.usage_chunk


def make_llm(httpserver: HTTPServer, **options: Any) -> LMStudio:
    """An LMStudio on the fake server that never needs the catalog."""
    defaults: dict[str, Any] = {
        "model": "qwen3-4b",
        "context_window": 4096,
        "is_function_calling_model": True,
        "max_retries": 0,
    }
    return LMStudio(base_url=httpserver.url_for("/v1"), **{**defaults, **options})
