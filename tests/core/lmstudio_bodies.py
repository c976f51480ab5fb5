"""LM Studio answer bodies written from /work/shared/reference/lmstudio_api.md (shared by tests)."""

from __future__ import annotations

from typing import Any

API_V1_MODELS: dict[str, Any] = {
    "models": [
        {
            "type": "llm",
            "publisher": "qwen",
            "key": "qwen/qwen3-4b-2507",
            "display_name": "Qwen3 4B 2507",
            "architecture": "qwen3",
            "quantization": {"name": "Q4_K_M", "bits_per_weight": 4},
            "size_bytes": 2497280000,
            "params_string": "4B",
            "loaded_instances": [
                {
                    "id": "qwen/qwen3-4b-2507",
                    "config": {
                        "context_length": 8192,
                        "eval_batch_size": 512,
                        "parallel": 4,
                        "flash_attention": True,
                        "offload_kv_cache_to_gpu": True,
                    },
                }
            ],
            "max_context_length": 262144,
            "format": "gguf",
            "capabilities": {
                "vision": False,
                "trained_for_tool_use": True,
                "reasoning": {"allowed_options": ["off", "on"], "default": "on"},
            },
            "description": None,
            "variants": ["qwen/qwen3-4b-2507@q4_k_m"],
            "selected_variant": "qwen/qwen3-4b-2507@q4_k_m",
        },
        {
            "type": "embedding",
            "publisher": "nomic-ai",
            "key": "text-embedding-nomic-embed-text-v1.5",
            "display_name": "Nomic Embed Text v1.5",
            "quantization": {"name": "F16", "bits_per_weight": 16},
            "size_bytes": 274290560,
            "params_string": None,
            "loaded_instances": [],
            "max_context_length": 2048,
            "format": "gguf",
        },
    ]
}

API_V0_MODELS: dict[str, Any] = {
    "object": "list",
    "data": [
        {
            "id": "google/gemma-3-4b",
            "object": "model",
            "type": "vlm",
            "publisher": "google",
            "arch": "gemma3",
            "compatibility_type": "gguf",
            "quantization": "Q4_K_M",
            "state": "loaded",
            "max_context_length": 131072,
            "loaded_context_length": 12918,
            "capabilities": ["tool_use"],
        },
        {
            "id": "text-embedding-nomic-embed-text-v1.5",
            "object": "model",
            "type": "embeddings",
            "publisher": "nomic-ai",
            "arch": "nomic-bert",
            "compatibility_type": "gguf",
            "quantization": "Q4_0",
            "state": "not-loaded",
            "max_context_length": 2048,
        },
    ],
}

OPENAI_MODELS: dict[str, Any] = {
    "object": "list",
    "data": [
        {"id": "qwen/qwen3-4b-2507", "object": "model", "owned_by": "organization_owner"},
        {
            "id": "text-embedding-nomic-embed-text-v1.5",
            "object": "model",
            "owned_by": "organization_owner",
        },
    ],
}

LLAMA_CPP_MODELS: dict[str, Any] = {
    "models": [
        {
            "name": "tiny-chat",
            "model": "tiny-chat",
            "type": "model",
            "capabilities": ["completion"],
            "details": {"format": "gguf"},
        }
    ],
    "object": "list",
    "data": [
        {
            "id": "tiny-chat",
            "aliases": ["tiny-chat"],
            "tags": [],
            "object": "model",
            "created": 1795305555,
            "owned_by": "llamacpp",
            "meta": {"vocab_type": 1, "n_vocab": 723, "n_ctx": 2048, "n_ctx_train": 4096},
        }
    ],
}

UNEXPECTED_ENDPOINT: dict[str, Any] = {
    "error": "Unexpected endpoint or method. (GET /api/v1/models)"
}

CHAT_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-3k9x0example",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "qwen/qwen3-4b-2507",
    "system_fingerprint": "qwen/qwen3-4b-2507",
    "choices": [
        {
            "index": 0,
            "logprobs": None,
            "finish_reason": "stop",
            "message": {
                "role": "assistant",
                "content": "Paris is the capital of France.",
                "reasoning_content": "",
                "tool_calls": [],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 24,
        "completion_tokens": 9,
        "total_tokens": 33,
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
    "stats": {},
}

TOOL_CALL_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-8xq2example",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "lmstudio-community/qwen2.5-7b-instruct",
    "choices": [
        {
            "index": 0,
            "logprobs": None,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "582730194",
                        "type": "function",
                        "function": {
                            "name": "search_products",
                            "arguments": '{"query":"usb hub","max_price":30}',
                        },
                    }
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 250, "completion_tokens": 31, "total_tokens": 281},
}

V0_STATS: dict[str, Any] = {
    "tokens_per_second": 51.4,
    "time_to_first_token": 0.111,
    "generation_time": 0.954,
    "stop_reason": "eosFound",
}


def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> dict[str, Any]:
    """One LM Studio ``chat.completion.chunk`` with a single choice."""
    return {
        "id": "chatcmpl-7fk1",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "qwen/qwen3-4b-2507",
        "system_fingerprint": "qwen/qwen3-4b-2507",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **top,
    }


def usage_chunk(prompt: int = 12, completion: int = 3) -> dict[str, Any]:
    """The trailing chunk with empty choices that carries usage."""
    return {
        "id": "chatcmpl-7fk1",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": "qwen/qwen3-4b-2507",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
