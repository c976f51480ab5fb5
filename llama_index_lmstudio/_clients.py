"""Core client settings from an adapter's fields (shared by `LMStudio` and `LMStudioEmbedding`)."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import SecretStr


class _Connection(Protocol):
    base_url: str
    api_key: SecretStr | None
    timeout: float | None
    max_retries: int
    client_kwargs: dict[str, Any]


def client_options(owner: _Connection) -> dict[str, Any]:
    """Keyword overrides for `LMStudioSettings`; unset fields keep the core's env defaults."""
    options: dict[str, Any] = {
        **owner.client_kwargs,
        "base_url": owner.base_url,
        "max_retries": owner.max_retries,
    }
    if owner.api_key is not None:
        options["api_key"] = owner.api_key
    if owner.timeout is not None:
        options["timeout"] = owner.timeout
    return options
