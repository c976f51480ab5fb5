"""The LangChain tests' LM Studio answers (built by ``lmstudio_core.testing.replies``).

Also a pytest-httpserver handler that rejects what LM Studio rejects, and catalog entries.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug import Request, Response

from lmstudio_core.testing.replies import ChatBodies

MODEL = "qwen/qwen3-4b"


BODIES = ChatBodies(
    model=MODEL,
    completion_id="chatcmpl-lmstudio1",
    usage={
        "prompt_tokens": 24,
        "completion_tokens": 9,
        "total_tokens": 33,
        "completion_tokens_details": {"reasoning_tokens": 4},
    },
)
"""The answers of these tests: one model, one completion id, one usage."""
completion = BODIES.completion
chunk = BODIES.chunk
USAGE_CHUNK = BODIES.usage_chunk()


def lmstudio_validator(request: Request) -> Response:
    """What LM Studio does with the shapes it rejects, else a plausible answer.

    ``response_format.type`` other than ``json_schema``/``text`` and an object ``tool_choice``
    are answered with LM Studio's 400 bodies (lmstudio_api.md §1.2).
    """
    body = json.loads(request.get_data())
    response_format = body.get("response_format")
    if response_format is not None and response_format.get("type") not in ("json_schema", "text"):
        error = {"error": "'response_format.type' must be 'json_schema' or 'text'"}
        return Response(json.dumps(error), status=400, content_type="application/json")
    choice = body.get("tool_choice")
    if choice is not None and not isinstance(choice, str):
        error = {
            "error": "Invalid tool_choice type: 'object'. Supported string values: none, auto, "
            "required"
        }
        return Response(json.dumps(error), status=400, content_type="application/json")
    if body.get("tools") and choice == "required":
        name = body["tools"][0]["function"]["name"]
        call = {
            "id": "582730194",
            "type": "function",
            "function": {"name": name, "arguments": '{"city": "Paris"}'},
        }
        answer = completion({"content": "", "tool_calls": [call]}, finish_reason="tool_calls")
    elif response_format is not None:
        answer = completion({"content": '{"city": "Paris"}', "tool_calls": []})
    else:
        answer = completion({"content": "Hello.", "tool_calls": []})
    return Response(json.dumps(answer), content_type="application/json")


def models_v1(*entries: dict[str, Any]) -> dict[str, Any]:
    """A ``GET /api/v1/models`` body (LM Studio 0.4+)."""
    return {"models": list(entries)}


def model_v1(
    key: str,
    *,
    type: str = "llm",
    loaded: bool = True,
    context_length: int = 8192,
    capabilities: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """One entry of ``/api/v1/models``."""
    instances = [{"id": key, "config": {"context_length": context_length}}] if loaded else []
    return {
        "type": type,
        "publisher": "qwen",
        "key": key,
        "display_name": key,
        "architecture": "qwen3",
        "quantization": {"name": "Q4_K_M", "bits_per_weight": 4},
        "format": "gguf",
        "max_context_length": 32768,
        "loaded_instances": instances,
        "capabilities": capabilities or {},
    }
