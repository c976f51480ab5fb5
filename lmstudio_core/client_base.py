"""What the sync and async clients share: settings, the protocol, redaction, helpers.

See `client.py` for what the clients do; `async_client.py` holds the async twin.
"""

from __future__ import annotations

import functools
import os
import ssl
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from lmstudio_core.chat_request import ChatRequest
from lmstudio_core.errors import LMStudioError, check_options, redact_error
from lmstudio_core.protocol import LMStudioProtocol
from lmstudio_core.settings import LMStudioSettings

__all__ = ["ClientBase", "as_request", "http_options", "make_settings"]
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


_CLIENT_ARGUMENTS = ("settings", "http_client", "parse_think_tags")


def make_settings(
    owner: str, settings: LMStudioSettings | None, overrides: dict[str, Any]
) -> LMStudioSettings:
    """The settings a client was given, with keyword overrides applied (misspellings raise)."""
    check_options(owner, overrides, LMStudioSettings.model_fields, also=_CLIENT_ARGUMENTS)
    if settings is None:
        return LMStudioSettings(**overrides)
    if overrides:
        return LMStudioSettings(**{**settings.model_dump(), **overrides})
    return settings


def as_request(
    request: ChatRequest | Sequence[dict[str, Any]], options: dict[str, Any]
) -> ChatRequest:
    """A `ChatRequest` from a request or a message list, with call options applied."""
    if isinstance(request, ChatRequest):
        if not options:
            return request
        return ChatRequest.create(**{**request.model_dump(exclude_none=True), **options})
    return ChatRequest.create(messages=list(request), **options)


@functools.lru_cache(maxsize=16)
def _tls(verify: bool | str, trust_env: bool) -> ssl.SSLContext | bool:
    """The TLS setting for httpx, built once per value (loading CA certificates takes ~0.1 s).

    A CA path becomes an `ssl.SSLContext` (httpx deprecates ``verify=<str>``).
    """
    if verify is False:
        return False
    if verify is True:
        return httpx.create_ssl_context(trust_env=trust_env)
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)


def http_options(settings: LMStudioSettings) -> dict[str, Any]:
    """The options of an httpx client this library creates (timeouts, TLS, no redirects)."""
    host = urlsplit(settings.base_url).hostname or ""
    # A proxy from the environment must not capture traffic to this machine.
    trust_env = host not in _LOOPBACK
    return {
        "timeout": httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        "verify": _tls(settings.verify, trust_env),
        "follow_redirects": False,
        "trust_env": trust_env,
    }


class ClientBase:
    """What both shells share: settings, the protocol (its flows), representation."""

    def __init__(
        self,
        settings: LMStudioSettings | None,
        parse_think_tags: bool,
        overrides: dict[str, Any],
    ) -> None:
        self.settings = make_settings(type(self).__name__, settings, overrides)
        self._protocol = LMStudioProtocol(self.settings, parse_think_tags)
        self._lock = threading.Lock()

    def _redact(self, error: LMStudioError) -> None:
        """Remove the API token from everything ``error`` says, in place.

        The one redaction point: called wherever an error leaves a flow (`_run`) or a stream
        (`_iterate`), so every error the library raises passes through it.
        """
        redact_error(error, self.settings.secrets())

    @property
    def base_url(self) -> str:
        """The normalised base URL (ends in ``/v1``)."""
        return self.settings.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.settings.base_url!r})"
