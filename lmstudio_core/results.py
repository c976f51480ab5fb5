"""Typed results: what a chat, a stream chunk, an embedding call or the model catalog returns.

These are tolerant: LM Studio's shapes drift between versions, so unknown fields are kept in
``raw`` and missing ones get neutral defaults. A streamed chunk is *not* validated by pydantic:
it becomes a light `ChatDelta` (slots class) built from the decoded dict.
"""

from __future__ import annotations

import base64
import json
import struct
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import InvalidResponseError

__all__ = [
    "ChatDelta",
    "ChatResult",
    "EmbeddingResult",
    "LoadResult",
    "ModelFacts",
    "ModelInfo",
    "ModelType",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "new_tool_call_id",
    "parse_tool_arguments",
]

ModelType = Literal["llm", "vlm", "embeddings", "unknown"]


def new_tool_call_id() -> str:
    """A fresh id for a tool call the server left without one."""
    return f"call_{uuid.uuid4().hex[:24]}"


def parse_tool_arguments(arguments: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a tool call's JSON argument text.

    Returns ``(arguments, None)`` on success (``""`` means ``{}``) and ``(None, reason)`` when the
    text is not a JSON object, so callers can report the call as invalid instead of crashing.
    """
    text = arguments.strip()
    if not text:
        return {}, None
    try:
        value = json.loads(text)
    except ValueError as exc:
        return None, f"arguments are not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}"
    return value, None


class Usage(BaseModel):
    """Token counts of one completion."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    prompt_tokens: int = 0
    """Tokens in the prompt (LM Studio counts the system prompt and tool definitions too)."""
    completion_tokens: int = 0
    """Tokens generated, reasoning included."""
    total_tokens: int = 0
    """prompt_tokens + completion_tokens."""
    reasoning_tokens: int | None = None
    """Of completion_tokens, how many were reasoning, when the server says."""
    cached_tokens: int | None = None
    """Of prompt_tokens, how many came from the prompt cache, when the server says."""

    @classmethod
    def from_wire(cls, data: Any) -> Usage | None:
        """Build from an OpenAI ``usage`` object; ``None`` when absent or malformed."""
        if not isinstance(data, dict):
            return None
        prompt = optional_int(data.get("prompt_tokens")) or 0
        completion = optional_int(data.get("completion_tokens")) or 0
        total = optional_int(data.get("total_tokens")) or prompt + completion
        details = data.get("completion_tokens_details")
        prompt_details = data.get("prompt_tokens_details")
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=total,
            reasoning_tokens=optional_int(details.get("reasoning_tokens"))
            if isinstance(details, dict)
            else None,
            cached_tokens=optional_int(prompt_details.get("cached_tokens"))
            if isinstance(prompt_details, dict)
            else None,
        )


def optional_int(value: Any) -> int | None:
    """``value`` when the server sent an integer (not a bool), else ``None``.

    The one lenient integer reader for server answers (results, the catalog, error bodies).
    """
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class ToolCall(BaseModel):
    """A complete tool call requested by the model."""

    model_config = ConfigDict(defer_build=True)

    id: str
    """Call id (generated client-side when the server sent an empty one)."""
    name: str
    """Name of the tool to call."""
    arguments: str = "{}"
    """Arguments as JSON text, exactly as generated (``""`` normalised to ``"{}"``)."""
    index: int = 0
    """Position among the calls of this message."""

    def parsed_arguments(self) -> tuple[dict[str, Any] | None, str | None]:
        """``(arguments, None)`` or ``(None, reason)``; see `parse_tool_arguments`."""
        return parse_tool_arguments(self.arguments)


class ChatResult(BaseModel):
    """The final assistant message of a chat completion, normalised."""

    model_config = ConfigDict(defer_build=True)

    id: str | None = None
    """Completion id from the server."""
    model: str | None = None
    """Model (instance) id that actually answered; may differ from the one requested."""
    content: str = ""
    """Answer text, with any inline ``<think>`` block removed."""
    reasoning: str | None = None
    """Reasoning text from ``reasoning_content``, ``reasoning`` or ``<think>`` tags, if any."""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    """Tool calls, empty when none (LM Studio's ``tool_calls: []`` means none)."""
    finish_reason: str | None = None
    """``stop``, ``length``, ``tool_calls``, ... as reported."""
    usage: Usage | None = None
    """Token counts, when reported."""
    stats: dict[str, Any] | None = None
    """LM Studio ``stats`` (tokens_per_second, time_to_first_token, stop_reason, draft counts)."""
    timings: dict[str, Any] | None = None
    """llama.cpp ``timings`` (prompt_ms, predicted_per_second, ...), when that is the server."""
    raw: dict[str, Any] | None = None
    """The undecoded response body (non-streamed calls only)."""

    @property
    def tokens_per_second(self) -> float | None:
        """Generation speed reported by the server, when it reports one."""
        for source, key in (
            (self.stats, "tokens_per_second"),
            (self.timings, "predicted_per_second"),
        ):
            if source and isinstance(source.get(key), int | float):
                return float(source[key])
        return None


class ToolCallDelta:
    """One streamed fragment of a tool call; ``id`` and ``name`` arrive on the first fragment."""

    __slots__ = ("arguments", "id", "index", "name")

    def __init__(self, index: int, id: str | None, name: str | None, arguments: str) -> None:
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments

    def __repr__(self) -> str:
        return (
            f"ToolCallDelta(index={self.index}, id={self.id!r}, name={self.name!r}, "
            f"arguments={self.arguments!r})"
        )


class ChatDelta:
    """What one streamed chunk adds. Plain slots object: built per token, so kept cheap."""

    __slots__ = (
        "content",
        "finish_reason",
        "id",
        "model",
        "reasoning",
        "stats",
        "tool_calls",
        "usage",
    )

    def __init__(
        self,
        content: str = "",
        reasoning: str = "",
        tool_calls: list[ToolCallDelta] | None = None,
        finish_reason: str | None = None,
        usage: Usage | None = None,
        id: str | None = None,
        model: str | None = None,
        stats: dict[str, Any] | None = None,
    ) -> None:
        self.content = content
        self.reasoning = reasoning
        self.tool_calls = tool_calls
        self.finish_reason = finish_reason
        self.usage = usage
        self.id = id
        self.model = model
        self.stats = stats

    def __repr__(self) -> str:
        fields = (f"{k}={getattr(self, k)!r}" for k in self.__slots__ if getattr(self, k))
        return f"ChatDelta({', '.join(fields)})"


class ModelInfo(BaseModel):
    """One model the server knows, merged from whichever catalog endpoint answered."""

    model_config = ConfigDict(defer_build=True)

    id: str
    """Model key / instance id to pass as ``model``."""
    type: ModelType = "unknown"
    """``llm``, ``vlm`` (vision), ``embeddings``, or ``unknown`` (plain /v1/models)."""
    state: Literal["loaded", "loading", "not-loaded"] | None = None
    """Load state; ``None`` when the endpoint does not say."""
    max_context_length: int | None = None
    """Largest context the model supports."""
    loaded_context_length: int | None = None
    """Context length of the loaded instance (what actually fits)."""
    capabilities: list[str] = Field(default_factory=list)
    """E.g. ``tool_use``, ``vision``, ``reasoning``."""
    quantization: str | None = None
    """Quantisation name, e.g. ``Q4_K_M``."""
    arch: str | None = None
    """Architecture, e.g. ``qwen3``."""
    publisher: str | None = None
    """Publisher, e.g. ``qwen``."""
    format: str | None = None
    """``gguf`` or ``mlx``."""
    instance_ids: list[str] = Field(default_factory=list)
    """Ids of loaded instances (``model:2`` ...), from /api/v1/models."""
    source: str = ""
    """Which endpoint this came from."""
    raw: dict[str, Any] = Field(default_factory=dict)
    """The entry as the server sent it."""

    @property
    def is_embedding(self) -> bool:
        """True for embedding models."""
        return self.type == "embeddings"

    @property
    def is_loaded(self) -> bool:
        """True when loaded, or when the endpoint does not report state (llama.cpp)."""
        return self.state in ("loaded", None)

    @property
    def context_length(self) -> int | None:
        """The loaded context length if known, else the maximum."""
        return self.loaded_context_length or self.max_context_length

    @property
    def supports_tools(self) -> bool | None:
        """Whether the model is trained for tool use; ``None`` when unknown."""
        if self.source in ("/v1/models", ""):
            return None
        return "tool_use" in self.capabilities


class ModelFacts(BaseModel):
    """What the server says about one model, for a framework's metadata or profile.

    Built from one catalog request (see ``model_facts`` on the clients). Capabilities are
    ``None`` when the catalog that answered does not say (plain ``/v1/models``, or an older
    LM Studio that does not report them).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    model: str
    """The model id: as asked, or the single loaded LLM when none was named."""
    type: ModelType = "unknown"
    """``llm``, ``vlm`` (vision), ``embeddings``, or ``unknown``."""
    context_length: int | None = None
    """The loaded context length, else the model's maximum; ``None`` when nothing says."""
    tools: bool | None = None
    """Trained for tool use."""
    vision: bool | None = None
    """Takes images."""
    reasoning: bool | None = None
    """Produces reasoning (thinking) output."""
    source: str = ""
    """The catalog endpoint that answered (``/api/v1/models`` ...); empty when none knew it."""


class EmbeddingResult(BaseModel):
    """Vectors for the inputs, in input order."""

    model_config = ConfigDict(defer_build=True)

    vectors: list[list[float]]
    """One vector per input, same order."""
    model: str | None = None
    """Model that answered."""
    usage: Usage | None = None
    """Token counts, when reported."""

    @staticmethod
    def vectors_from_wire(data: Any, expected: int) -> list[list[float]]:
        """The vectors of one ``/v1/embeddings`` answer, in input order (floats or base64)."""
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) != expected:
            got = len(items) if isinstance(items, list) else "no"
            raise InvalidResponseError(
                f"The embeddings answer has {got} vectors for {expected} inputs: "
                f"{str(data)[:200]!r}"
            )
        ordered = sorted(
            items, key=lambda item: item.get("index", 0) if isinstance(item, dict) else 0
        )
        vectors: list[list[float]] = []
        for item in ordered:
            vector = item.get("embedding") if isinstance(item, dict) else None
            if isinstance(vector, str):
                raw = base64.b64decode(vector)
                vector = list(struct.unpack(f"<{len(raw) // 4}f", raw))
            if not isinstance(vector, list):
                raise InvalidResponseError(
                    f"An embedding is not a list of numbers: {str(item)[:200]}"
                )
            vectors.append([float(v) for v in vector])
        return vectors


class LoadResult(BaseModel):
    """Answer of a model load request."""

    model_config = ConfigDict(defer_build=True)

    instance_id: str
    """Id of the loaded instance; pass it as ``model``."""
    status: str | None = None
    """``loaded`` when done."""
    load_time_seconds: float | None = None
    """How long the load took."""
    context_length: int | None = None
    """Context length it was loaded with, when echoed."""
    raw: dict[str, Any] = Field(default_factory=dict)
    """The answer as the server sent it."""

    @classmethod
    def from_wire(cls, data: Any, model: str) -> LoadResult:
        """Read ``POST /api/v1/models/load``'s answer; ``model`` stands in for a missing id."""
        data = data if isinstance(data, dict) else {}
        config = data.get("load_config")
        return cls(
            instance_id=str(data.get("instance_id") or model),
            status=data.get("status"),
            load_time_seconds=data.get("load_time_seconds"),
            context_length=config.get("context_length") if isinstance(config, dict) else None,
            raw=data,
        )
