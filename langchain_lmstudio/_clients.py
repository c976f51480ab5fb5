"""The core clients behind a LangChain object: one sync client, one async client per loop."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the client modules (and httpx) load when a client is first created
    import httpx

    from lmstudio_core.client import AsyncLMStudioClient, LMStudioClient

__all__ = ["CoreClients", "client_settings"]


def client_settings(owner: Any) -> dict[str, Any]:
    """`LMStudioSettings` overrides from an adapter's fields.

    ``timeout`` is passed only when it was set explicitly, so that an unset timeout keeps the
    core's default (600 s or ``LMSTUDIO_TIMEOUT``) while ``timeout=None`` waits forever.
    """
    settings: dict[str, Any] = {
        "base_url": owner.base_url,
        "api_key": owner.api_key,
        "max_retries": owner.max_retries,
        **owner.client_kwargs,
    }
    if "timeout" in owner.model_fields_set:
        settings["timeout"] = owner.timeout
    if getattr(owner, "connect_timeout", None) is not None:
        settings["connect_timeout"] = owner.connect_timeout
    if owner.default_headers:
        settings["default_headers"] = owner.default_headers
    return settings


class CoreClients:
    """Creates the core clients on first use and reuses them across calls.

    The async client is tied to the event loop it was first used in (httpx pools cannot cross
    loops), so a call from a different loop gets a fresh one, unless the user passed their own
    `httpx.AsyncClient`.
    """

    def __init__(self) -> None:
        self._sync: LMStudioClient | None = None
        self._lock = threading.Lock()
        self._async: AsyncLMStudioClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __reduce__(self) -> tuple[type[CoreClients], tuple[()]]:
        """Copies and pickles start without clients (connections cannot be shared or pickled)."""
        return (CoreClients, ())

    def sync(
        self, settings: dict[str, Any], http_client: httpx.Client | None, **options: Any
    ) -> LMStudioClient:
        """The sync client (one per owner, even when ``batch`` starts several threads)."""
        with self._lock:
            if self._sync is None:
                from lmstudio_core.client import LMStudioClient

                self._sync = LMStudioClient(http_client=http_client, **options, **settings)
            return self._sync

    def async_(
        self, settings: dict[str, Any], http_client: httpx.AsyncClient | None, **options: Any
    ) -> AsyncLMStudioClient:
        """The async client for the running event loop."""
        loop = asyncio.get_running_loop() if http_client is None else None
        if self._async is None or loop is not self._loop:
            from lmstudio_core.client import AsyncLMStudioClient

            self._async = AsyncLMStudioClient(http_client=http_client, **options, **settings)
            self._loop = loop
        return self._async

    def close(self) -> None:
        """Close the sync client's connections (a user-supplied httpx client stays open)."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        """Close the async client's connections (a user-supplied httpx client stays open)."""
        if self._async is not None:
            await self._async.aclose()
            self._async = None
