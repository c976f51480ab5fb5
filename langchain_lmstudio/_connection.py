"""Connection fields shared by `ChatLMStudio` and `LMStudioEmbeddings` (LangChain's names).

The clients behind them live in the core (`lmstudio_core.lifecycle`): one sync client, async
connections per event loop, none shared with copies.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
)

from lmstudio_core.httpx_fields import AsyncHTTPClient, SyncHTTPClient
from lmstudio_core.lifecycle import CoreClients, OwnsCoreClients
from lmstudio_core.settings import (
    api_key_from_env,
    base_url_from_env,
    normalize_base_url,
    timeout_from_env,
)

__all__ = ["LMStudioConnection"]


class LMStudioConnection(OwnsCoreClients, BaseModel):
    """Where and how to reach LM Studio; the same options and meanings as `LMStudioSettings`."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    base_url: str = Field(
        default_factory=base_url_from_env,
        validate_default=True,
        validation_alias=AliasChoices("base_url", "api_base", "openai_api_base"),
    )
    """Server URL, normalised to end in ``/v1``; also accepted as ``api_base`` or
    ``openai_api_base`` (other clients' names). Env: ``LMSTUDIO_BASE_URL``."""
    api_key: SecretStr | None = Field(default_factory=api_key_from_env)
    """API token, sent as ``Authorization: Bearer`` only when set. Env: ``LM_API_TOKEN``."""
    timeout: float | None = Field(default_factory=timeout_from_env, gt=0)
    """Seconds to wait for each read of an answer: 600 or ``LMSTUDIO_TIMEOUT`` unless set;
    ``None`` waits without limit."""
    connect_timeout: float | None = Field(default=10.0, gt=0)
    """Seconds to wait for the TCP connection; ``None`` waits without limit."""
    max_retries: int = Field(default=2, ge=0)
    """Retries on connection errors, 408/409/425/429/500/502/503/504; never after the first
    streamed token."""
    default_headers: dict[str, str] | None = None
    """Headers added to every request."""
    verify: bool | str = True
    """TLS verification for https URLs: ``True``, a CA bundle path, or ``False``."""
    client_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other `LMStudioSettings` fields (``circuit_breaker_threshold``, ``allowed_models``...)."""
    http_client: SyncHTTPClient | None = Field(default=None, exclude=True)
    """An `httpx.Client` to use for sync calls (not closed by this object; its timeouts apply)."""
    http_async_client: AsyncHTTPClient | None = Field(default=None, exclude=True)
    """An `httpx.AsyncClient` to use for async calls (not closed by this object; usable only
    in the event loop it was first used in)."""

    _clients: CoreClients | None = PrivateAttr(default=None)
    _async_http_field: ClassVar[str] = "http_async_client"

    @field_validator("base_url")
    @classmethod
    def _normalize_base_url(cls, value: str) -> str:
        return normalize_base_url(value)
