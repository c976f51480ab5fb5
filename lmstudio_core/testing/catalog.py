"""The fake server's models: their state, the three catalog shapes, and fake embeddings.

LM Studio describes its models in three shapes (``/v1/models``, ``/api/v0/models``,
``/api/v1/models``); each is rendered here from one list of `FakeModel`s so that loading or
unloading a model shows up consistently everywhere.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DEFAULT_LOAD_CONFIG",
    "EMBEDDING_DIM",
    "FakeModel",
    "api_v0_model",
    "api_v0_models",
    "api_v1_models",
    "default_models",
    "fake_embedding",
    "openai_models",
]

EMBEDDING_DIM = 8
"""Length of every fake embedding vector."""

FakeModelType = Literal["llm", "vlm", "embeddings"]

DEFAULT_LOAD_CONFIG: dict[str, Any] = {
    "eval_batch_size": 512,
    "parallel": 4,
    "flash_attention": True,
    "offload_kv_cache_to_gpu": True,
}
"""The engine options of an instance loaded without options (besides its context length)."""


@dataclass
class FakeModel:
    """One model the fake server knows; mutable, since load and unload change it."""

    id: str
    """Model key, also used as the id of its (single) loaded instance."""
    type: FakeModelType = "llm"
    """``llm``, ``vlm`` or ``embeddings``."""
    loaded: bool = True
    """Whether an instance is loaded."""
    context_length: int = 4096
    """Context length of the loaded instance."""
    max_context_length: int = 32768
    """Largest context the model supports."""
    capabilities: tuple[str, ...] = ("tool_use",)
    """``/api/v0`` capability names: ``tool_use``, ``vision``, ``reasoning``."""
    ttl: int | None = None
    """Idle TTL given by the last load request, if any."""
    publisher: str = "fake"
    """Publisher shown in the catalog."""
    quantization: str = "Q4_K_M"
    """Quantisation name shown in the catalog."""
    load_requests: list[dict[str, Any]] = field(default_factory=list)
    """Bodies of the load requests this model received."""
    load_config: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_LOAD_CONFIG))
    """Engine options of the loaded instance (``/api/v1/models`` reports them; a load request's
    options replace them)."""

    @classmethod
    def of(cls, model: FakeModel | str) -> FakeModel:
        """A `FakeModel` as given, or a loaded LLM (embedding model if the id says ``embed``)."""
        if isinstance(model, FakeModel):
            return model
        if "embed" in model.lower():
            return cls(model, type="embeddings", context_length=2048, capabilities=())
        return cls(model)

    @property
    def is_embedding(self) -> bool:
        """True for embedding models."""
        return self.type == "embeddings"


def default_models() -> list[FakeModel]:
    """A loaded LLM ``fake-llm`` (context 4096, tool use) and a loaded ``fake-embed``."""
    return [
        FakeModel("fake-llm"),
        FakeModel(
            "fake-embed",
            type="embeddings",
            context_length=2048,
            max_context_length=2048,
            capabilities=(),
        ),
    ]


def openai_models(models: Iterable[FakeModel]) -> dict[str, Any]:
    """``GET /v1/models``: ids only, no ``created`` (as LM Studio sends it; JIT on lists all)."""
    return {
        "object": "list",
        "data": [{"id": m.id, "object": "model", "owned_by": "organization_owner"} for m in models],
    }


def api_v0_model(model: FakeModel) -> dict[str, Any]:
    """One ``/api/v0/models`` entry."""
    entry: dict[str, Any] = {
        "id": model.id,
        "object": "model",
        "type": model.type,
        "publisher": model.publisher,
        "arch": "fake",
        "compatibility_type": "gguf",
        "quantization": model.quantization,
        "state": "loaded" if model.loaded else "not-loaded",
        "max_context_length": model.max_context_length,
    }
    if model.loaded:
        entry["loaded_context_length"] = model.context_length
    if not model.is_embedding:
        entry["capabilities"] = list(model.capabilities)
    return entry


def api_v0_models(models: Iterable[FakeModel]) -> dict[str, Any]:
    """``GET /api/v0/models``."""
    return {"object": "list", "data": [api_v0_model(m) for m in models]}


def _api_v1_entry(model: FakeModel) -> dict[str, Any]:
    instances = (
        [
            {
                "id": model.id,
                "config": {"context_length": model.context_length, **model.load_config},
            }
        ]
        if model.loaded
        else []
    )
    entry: dict[str, Any] = {
        "type": "embedding" if model.is_embedding else "llm",
        "publisher": model.publisher,
        "key": model.id,
        "display_name": model.id,
        "quantization": {"name": model.quantization, "bits_per_weight": 4},
        "size_bytes": 1000000,
        "params_string": None if model.is_embedding else "1B",
        "loaded_instances": instances,
        "max_context_length": model.max_context_length,
        "format": "gguf",
    }
    if not model.is_embedding:
        capabilities: dict[str, Any] = {
            "vision": model.type == "vlm" or "vision" in model.capabilities,
            "trained_for_tool_use": "tool_use" in model.capabilities,
        }
        if "reasoning" in model.capabilities:
            capabilities["reasoning"] = {"allowed_options": ["off", "on"], "default": "on"}
        entry["architecture"] = "fake"
        entry["capabilities"] = capabilities
        entry["description"] = None
    return entry


def api_v1_models(models: Iterable[FakeModel]) -> dict[str, Any]:
    """``GET /api/v1/models`` (LM Studio 0.4+)."""
    return {"models": [_api_v1_entry(m) for m in models]}


def fake_embedding(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    """A deterministic, L2-normalised vector derived from a hash of ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    raw = [digest[i % len(digest)] / 127.5 - 1.0 for i in range(dim)]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [v / norm for v in raw]
