"""Parse the model catalog from whichever endpoint answers.

In order of preference: LM Studio 0.4+ ``GET /api/v1/models``, LM Studio 0.3
``GET /api/v0/models``, then the plain OpenAI ``GET /v1/models`` (which llama.cpp's server
enriches with ``meta.n_ctx``). llama.cpp's ``GET /props`` gives the context size too.
"""

from __future__ import annotations

from typing import Any

from lmstudio_core.results import ModelFacts, ModelInfo, ModelType, optional_int

__all__ = [
    "CATALOG_ENDPOINTS",
    "context_length_from_props",
    "facts_of",
    "find_model",
    "parse_models",
    "parse_models_api_v0",
    "parse_models_api_v1",
    "parse_models_openai",
    "pick_default_model",
]


def _type(value: Any) -> ModelType:
    text = str(value or "").lower()
    if text in ("embedding", "embeddings"):
        return "embeddings"
    if text in ("llm", "vlm"):
        return text  # type: ignore[return-value]
    return "unknown"


def parse_models_api_v1(body: Any) -> list[ModelInfo] | None:
    """``/api/v1/models``: ``{"models": [{"key", "type", "loaded_instances", ...}]}``."""
    if not isinstance(body, dict) or not isinstance(body.get("models"), list):
        return None
    out: list[ModelInfo] = []
    for entry in body["models"]:
        if not isinstance(entry, dict) or not entry.get("key"):
            continue
        caps = entry.get("capabilities") or {}
        capabilities: list[str] = []
        if isinstance(caps, dict):
            if caps.get("trained_for_tool_use"):
                capabilities.append("tool_use")
            if caps.get("vision"):
                capabilities.append("vision")
            if caps.get("reasoning"):
                capabilities.append("reasoning")
        instances = [i for i in entry.get("loaded_instances") or [] if isinstance(i, dict)]
        loaded_ctx = None
        for instance in instances:
            config = instance.get("config") or {}
            loaded_ctx = (
                optional_int(config.get("context_length")) if isinstance(config, dict) else None
            )
            if loaded_ctx:
                break
        kind = _type(entry.get("type"))
        if kind == "llm" and "vision" in capabilities:
            kind = "vlm"
        quant = entry.get("quantization")
        out.append(
            ModelInfo(
                id=str(entry["key"]),
                type=kind,
                state="loaded" if instances else "not-loaded",
                max_context_length=optional_int(entry.get("max_context_length")),
                loaded_context_length=loaded_ctx,
                capabilities=capabilities,
                quantization=quant.get("name") if isinstance(quant, dict) else quant,
                arch=entry.get("architecture"),
                publisher=entry.get("publisher"),
                format=entry.get("format"),
                instance_ids=[str(i["id"]) for i in instances if i.get("id")],
                source="/api/v1/models",
                raw=entry,
            )
        )
    return out


def parse_models_api_v0(body: Any) -> list[ModelInfo] | None:
    """``/api/v0/models``: ``{"data": [{"id", "type", "state", "loaded_context_length", ...}]}``."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    entries = [e for e in body["data"] if isinstance(e, dict) and e.get("id")]
    if entries and not any("type" in e or "state" in e for e in entries):
        return None
    out: list[ModelInfo] = []
    for entry in entries:
        caps = entry.get("capabilities") or []
        capabilities = [str(c) for c in caps] if isinstance(caps, list) else []
        kind = _type(entry.get("type"))
        if kind == "vlm" and "vision" not in capabilities:
            capabilities.append("vision")
        state = entry.get("state")
        out.append(
            ModelInfo(
                id=str(entry["id"]),
                type=kind,
                state=state if state in ("loaded", "loading", "not-loaded") else None,
                max_context_length=optional_int(entry.get("max_context_length")),
                loaded_context_length=optional_int(entry.get("loaded_context_length")),
                capabilities=capabilities,
                quantization=entry.get("quantization"),
                arch=entry.get("arch"),
                publisher=entry.get("publisher"),
                format=entry.get("compatibility_type"),
                instance_ids=[str(entry["id"])] if state == "loaded" else [],
                source="/api/v0/models",
                raw=entry,
            )
        )
    return out


def parse_models_openai(body: Any) -> list[ModelInfo] | None:
    """``/v1/models``: ids only on LM Studio; llama.cpp adds ``meta.n_ctx``."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    out: list[ModelInfo] = []
    for entry in body["data"]:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        meta = entry.get("meta")
        if not isinstance(meta, dict):
            meta = {}
        model_id = str(entry["id"])
        kind: ModelType = "embeddings" if "embed" in model_id.lower() else "unknown"
        out.append(
            ModelInfo(
                id=model_id,
                type=kind,
                loaded_context_length=optional_int(meta.get("n_ctx")),
                max_context_length=optional_int(meta.get("n_ctx_train")),
                source="/v1/models",
                raw=entry,
            )
        )
    return out


CATALOG_ENDPOINTS = (
    ("/api/v1/models", parse_models_api_v1),
    ("/api/v0/models", parse_models_api_v0),
    ("/v1/models", parse_models_openai),
)
"""Paths (relative to the server root) tried in order, with their parsers."""


def parse_models(path: str, body: Any) -> list[ModelInfo] | None:
    """Parse the body of one catalog endpoint; ``None`` when it is not that endpoint's shape."""
    for endpoint, parser in CATALOG_ENDPOINTS:
        if endpoint == path:
            return parser(body)
    raise ValueError(f"not a catalog endpoint: {path}")


def context_length_from_props(body: Any) -> int | None:
    """llama.cpp ``/props``: ``default_generation_settings.n_ctx`` (or top-level ``n_ctx``)."""
    if not isinstance(body, dict):
        return None
    settings = body.get("default_generation_settings")
    if isinstance(settings, dict) and optional_int(settings.get("n_ctx")):
        return optional_int(settings.get("n_ctx"))
    return optional_int(body.get("n_ctx"))


def find_model(models: list[ModelInfo], model: str) -> ModelInfo | None:
    """The catalog entry for a model key or one of its instance ids, or ``None``."""
    for info in models:
        if info.id == model or model in info.instance_ids:
            return info
    return None


def facts_of(model: str, info: ModelInfo | None, context_length: int | None) -> ModelFacts:
    """`ModelFacts` from a catalog entry: capabilities only where that catalog reports them.

    ``/api/v1/models`` reports tool use, vision and reasoning for every LLM; ``/api/v0/models``
    reports tool use (since 0.3.16) and vision (as type ``vlm``), and reasoning only when it
    lists it; ``/v1/models`` reports none of them. Embedding models have none.
    """
    if info is None:
        return ModelFacts(model=model, context_length=context_length)
    tools = vision = reasoning = None
    if info.is_embedding:
        tools = vision = reasoning = False
    elif info.source == "/api/v1/models":
        vision = True if info.type == "vlm" else None
        if isinstance(info.raw.get("capabilities"), dict):
            tools = "tool_use" in info.capabilities
            vision = "vision" in info.capabilities or info.type == "vlm"
            reasoning = "reasoning" in info.capabilities
    elif info.source == "/api/v0/models":
        if isinstance(info.raw.get("capabilities"), list):
            tools = "tool_use" in info.capabilities
        if info.type in ("llm", "vlm"):
            vision = info.type == "vlm" or "vision" in info.capabilities
        reasoning = True if "reasoning" in info.capabilities else None
    return ModelFacts(
        model=model,
        type=info.type,
        context_length=context_length,
        tools=tools,
        vision=vision,
        reasoning=reasoning,
        source=info.source,
    )


def pick_default_model(models: list[ModelInfo], *, embeddings: bool = False) -> str:
    """The one loaded model of the wanted kind; a clear error when there is none or several."""
    from lmstudio_core.errors import ModelNotFoundError

    wanted = [
        m for m in models if (m.is_embedding if embeddings else not m.is_embedding) and m.is_loaded
    ]
    if embeddings and not wanted:
        # A plain /v1/models listing does not say which model embeds: take the only one.
        wanted = [m for m in models if m.type == "unknown" and m.is_loaded]
    kind, kinds = (
        ("embedding model", "embedding models")
        if embeddings
        else ("chat model (LLM)", "chat models (LLMs)")
    )
    if len(wanted) == 1:
        return wanted[0].id
    ids = [m.id for m in models]
    if not wanted:
        raise ModelNotFoundError(
            f"No {kind} is loaded, so model= cannot be left out. Load one in LM Studio or with "
            f"`lms load <model>`, or pass model=. Models the server knows: {ids or 'none'}.",
            available_models=ids,
        )
    raise ModelNotFoundError(
        f"Several {kinds} are loaded ({[m.id for m in wanted]}); pass model= to choose one.",
        available_models=ids,
    )
