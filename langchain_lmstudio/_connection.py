"""Connection fields and core clients shared by `ChatLMStudio` and `LMStudioEmbeddings`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator

from langchain_lmstudio._clients import CoreClients, client_settings
from lmstudio_core.httpx_fields import AsyncHTTPClient, SyncHTTPClient
from lmstudio_core.settings import (
    api_key_from_env,
    base_url_from_env,
    normalize_base_url,
    reject_unknown_client_kwargs,
)

if TYPE_CHECKING:
    from lmstudio_core.client import AsyncLMStudioClient, LMStudioClient

__all__ = ["LMStudioConnection"]


class LMStudioConnection(BaseModel):
    """Where and how to reach LM Studio, and the core clients built from it (reused)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    base_url: str = Field(default_factory=base_url_from_env, validate_default=True)
    """Server URL, normalised to end in ``/v1``. Env: ``LMSTUDIO_BASE_URL``."""
    api_key: SecretStr | None = Field(default_factory=api_key_from_env)
    """API token, sent as ``Authorization: Bearer`` only when set. Env: ``LM_API_TOKEN``."""
    timeout: float | None = None
    """Read timeout in seconds; unset: 600 s or ``LMSTUDIO_TIMEOUT``; ``None`` waits forever."""
    max_retries: int = 2
    """Retries on connection errors, 408/429/5xx; never after the first streamed token."""
    default_headers: dict[str, str] | None = None
    """Headers added to every request."""
    client_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other `LMStudioSettings` fields (``circuit_breaker_threshold``, ``verify``, ...)."""
    http_client: SyncHTTPClient | None = Field(default=None, exclude=True)
    """An `httpx.Client` to use for sync calls (not closed by this object)."""
    http_async_client: AsyncHTTPClient | None = Field(default=None, exclude=True)
    """An `httpx.AsyncClient` to use for async calls (not closed by this object)."""

    _clients: CoreClients = PrivateAttr(default_factory=CoreClients)

    def __init__(self, /, **data: Any) -> None:
        # Here, not in a validator, so the UnknownOptionError is not wrapped by pydantic.
        reject_unknown_client_kwargs(type(self).__name__, data.get("client_kwargs"))
        super().__init__(**data)

    @field_validator("base_url")
    @classmethod
    def _normalize_base_url(cls, value: str) -> str:
        return normalize_base_url(value)

    @property
    def client(self) -> LMStudioClient:
        """The core sync client (created on first use, then reused)."""
        return self._clients.sync(client_settings(self), self.http_client, **self._client_extras())

    @property
    def async_client(self) -> AsyncLMStudioClient:
        """The core async client (created on first use; a new one if the event loop changed)."""
        return self._clients.async_(
            client_settings(self), self.http_async_client, **self._client_extras()
        )

    def _client_extras(self) -> dict[str, Any]:
        """Client options other than settings (a subclass adds its own, e.g. parse_think_tags)."""
        return {}
