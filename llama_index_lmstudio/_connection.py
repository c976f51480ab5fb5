"""Connection fields and core clients shared by `LMStudio` and `LMStudioEmbedding`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.bridge.pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr
from pydantic import AliasChoices

from lmstudio_core.httpx_fields import AsyncHTTPClient, SyncHTTPClient
from lmstudio_core.settings import base_url_from_env, reject_unknown_client_kwargs

if TYPE_CHECKING:  # the client modules (and httpx) load when a client is first created
    from lmstudio_core.client import AsyncLMStudioClient, LMStudioClient

__all__ = ["LMStudioConnection"]


class LMStudioConnection(BaseModel):
    """Where and how to reach LM Studio, and the core clients built from it (lazily, once)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    base_url: str = Field(
        default_factory=base_url_from_env,
        validation_alias=AliasChoices("base_url", "api_base"),
        description="LM Studio server URL (normalised to end in /v1; also accepted as api_base, "
        "the OpenAILike name). Env: LMSTUDIO_BASE_URL.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="API token for LM Studio 0.4+ authentication. Env: LM_API_TOKEN.",
    )
    timeout: float | None = Field(
        default=None,
        description="Seconds to wait for each read; None uses LMSTUDIO_TIMEOUT or 600 s.",
    )
    max_retries: int = Field(
        default=2, ge=0, description="Retries on connection errors, 408, 429 and 5xx."
    )
    client_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Other LMStudioSettings fields (connect_timeout, circuit_breaker_threshold, "
        "default_headers, verify, allowed_models, ...).",
    )
    http_client: SyncHTTPClient | None = Field(
        default=None, exclude=True, description="An httpx.Client to send sync requests with."
    )
    async_http_client: AsyncHTTPClient | None = Field(
        default=None,
        exclude=True,
        description="An httpx.AsyncClient to send async requests with.",
    )

    _client: LMStudioClient | None = PrivateAttr(default=None)
    _aclient: AsyncLMStudioClient | None = PrivateAttr(default=None)

    def __init__(self, /, **data: Any) -> None:
        # Here, not in a validator, so the UnknownOptionError is not wrapped by pydantic.
        reject_unknown_client_kwargs(type(self).__name__, data.get("client_kwargs"))
        super().__init__(**data)

    @property
    def client(self) -> LMStudioClient:
        """The core sync client (created on first use, then reused)."""
        if self._client is None:
            from lmstudio_core.client import LMStudioClient

            self._client = LMStudioClient(
                http_client=self.http_client, **self._client_extras(), **self._settings_overrides()
            )
        return self._client

    @property
    def async_client(self) -> AsyncLMStudioClient:
        """The core async client (created on first use, then reused)."""
        if self._aclient is None:
            from lmstudio_core.client import AsyncLMStudioClient

            self._aclient = AsyncLMStudioClient(
                http_client=self.async_http_client,
                **self._client_extras(),
                **self._settings_overrides(),
            )
        return self._aclient

    def _client_extras(self) -> dict[str, Any]:
        """Client options other than settings (a subclass adds its own, e.g. parse_think_tags)."""
        return {}

    def _settings_overrides(self) -> dict[str, Any]:
        """Keyword overrides for `LMStudioSettings`; unset fields keep the core's env defaults."""
        options: dict[str, Any] = {
            **self.client_kwargs,
            "base_url": self.base_url,
            "max_retries": self.max_retries,
        }
        if self.api_key is not None:
            options["api_key"] = self.api_key
        if self.timeout is not None:
            options["timeout"] = self.timeout
        return options
