"""What the core tests send and are answered: LM Studio's bodies, messages, tools, keys.

The answer bodies below are verbatim examples written from LM Studio's documented behaviour
(catalog listings, a completion, a tool-call completion); streamed chunks are built by
`lmstudio_core.testing.replies.ChatBodies`, the one builder the fake server uses too.
"""

from __future__ import annotations

import copy
from typing import Any

from lmstudio_core.testing.replies import ChatBodies

CHAT = "/v1/chat/completions"
KEY = "sk-lm-abcd1234:secretsecretsecret00"
MESSAGES = [{"role": "user", "content": "hi"}]
HI = [{"role": "user", "content": "Hi"}]
OSLO_QUESTION = [{"role": "user", "content": "Weather in Oslo?"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
TIME_TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
BARE_WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}

BODIES = ChatBodies(model="qwen/qwen3-4b-2507", completion_id="chatcmpl-7fk1")
"""Chunks of one LM Studio stream (usage 12 + 3 = 15 tokens)."""
chunk = BODIES.chunk
usage_chunk = BODIES.usage_chunk

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


def answer_with(**message: Any) -> dict[str, Any]:
    """`CHAT_COMPLETION` with its assistant message replaced by ``message``'s fields."""
    body = copy.deepcopy(CHAT_COMPLETION)
    body["choices"][0]["message"] = {"role": "assistant", **message}
    return body
