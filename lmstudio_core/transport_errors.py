"""Transport failures (refused, reset, timed out, TLS) as typed errors that say what to do.

Shared by the request loop in `request_loop.py` and the stream reader in `stream_reader.py`.
"""

from __future__ import annotations

import ipaddress
import traceback
from collections.abc import Iterator

import httpx

from lmstudio_core.errors import LMStudioConnectionError, LMStudioError, LMStudioTimeoutError
from lmstudio_core.settings import LMStudioSettings

__all__ = [
    "RETRYABLE_TRANSPORT",
    "SERVER_FAULTS",
    "is_loopback_url",
    "plain_http_answered",
    "tls_handshake_stalled",
    "transport_error",
]

RETRYABLE_TRANSPORT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)

# Transport failures that say the server is unhealthy (see `LMStudioProtocol.breaker_failure`).
SERVER_FAULTS = (
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)


def _timeout_in_force(exc: httpx.TimeoutException, phase: str) -> object:
    """The limit httpx really applied (from the request, so also a user's own http client's)."""
    try:
        limits = exc.request.extensions.get("timeout", {})
    except RuntimeError:  # an exception raised without its request
        limits = {}
    if phase == "connect":
        return limits.get("connect", "?")
    if isinstance(exc, httpx.PoolTimeout):
        return limits.get("pool", "?")
    if isinstance(exc, httpx.WriteTimeout):
        return limits.get("write", "?")
    return limits.get("read", "?")


_PLAIN_HTTP_MARKERS = (
    "wrong_version_number",
    "wrong version number",
    "record_layer_failure",
    "record layer failure",
    "packet length too long",
    "http_request",
)


def _frame_names(exc: BaseException) -> Iterator[str]:
    """The function names in the tracebacks of ``exc`` and the exceptions it wraps."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for frame in traceback.extract_tb(current.__traceback__):
            yield frame.name
        current = current.__cause__ or current.__context__


def tls_handshake_stalled(exc: Exception, url: str) -> bool:
    """An https connect timeout after the TCP connection was accepted: no TLS handshake answer.

    A plain-HTTP server (llama-server) reads the TLS ClientHello as the start of an HTTP request
    and waits for more, so the handshake times out. Sync httpx says "handshake operation timed
    out"; async httpx says nothing, so the traceback (httpcore's ``start_tls``) tells.
    """
    if not (url.startswith("https://") and isinstance(exc, httpx.ConnectTimeout)):
        return False
    return "handshake" in str(exc).lower() or "start_tls" in _frame_names(exc)


def is_loopback_url(url: str) -> bool:
    """The URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = httpx.URL(url).host
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_answered(exc: Exception, url: str) -> bool:
    """An https connection to a port that speaks plain HTTP (LM Studio's server has no TLS).

    Either the server answered the TLS ClientHello with plain HTTP (an SSL "wrong version
    number" error), or it accepted the connection and never answered the TLS handshake (a
    connect timeout in ``start_tls``). Neither is retried: retrying cannot fix it, and each
    retry of a stalled handshake would wait ``connect_timeout`` again.
    """
    if tls_handshake_stalled(exc, url):
        return True
    text = str(exc).lower()
    return url.startswith("https://") and any(m in text for m in _PLAIN_HTTP_MARKERS)


def _use_http(url: str) -> str:
    return "http://" + url.removeprefix("https://")


def _timeout_error(exc: httpx.TimeoutException, url: str) -> LMStudioError:
    if tls_handshake_stalled(exc, url):
        limit = _timeout_in_force(exc, "connect")
        likely = "" if is_loopback_url(url) else "most likely "
        return LMStudioTimeoutError(
            f"The server at {url} accepted the connection but did not answer the TLS handshake "
            f"within {limit} s: it {likely}speaks plain HTTP, not HTTPS: use {_use_http(url)} "
            "(LM Studio's server and llama-server have no TLS; put a TLS proxy in front of them "
            "to use https)."
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return LMStudioTimeoutError(
            f"LM Studio at {url} did not accept a connection within "
            f"{_timeout_in_force(exc, 'connect')} s (connect_timeout). Check the host and the "
            "port (LM Studio listens on 1234), that the server runs, and any firewall or VPN "
            "between; on a slow network raise connect_timeout=."
        )
    return LMStudioTimeoutError(
        f"LM Studio at {url} did not answer within {_timeout_in_force(exc, 'answer')} s. "
        "A model may still be loading or the prompt is long: raise timeout= "
        "(or LMSTUDIO_TIMEOUT), or check the server log."
    )


def transport_error(exc: Exception, settings: LMStudioSettings) -> LMStudioError:
    """Map an httpx transport failure to a typed error that says what to do."""
    url = settings.base_url
    error: LMStudioError
    if isinstance(exc, httpx.TimeoutException):
        error = _timeout_error(exc, url)
    elif isinstance(exc, httpx.ConnectError) and plain_http_answered(exc, url):
        error = LMStudioConnectionError(
            f"The server at {url} speaks plain HTTP, not HTTPS: use {_use_http(url)} "
            "(LM Studio's server has no TLS; "
            "put a TLS proxy in front of it to use https)."
        )
    elif isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        error = LMStudioConnectionError(
            f"The TLS certificate of {url} could not be verified ({exc}). Pass the server's CA "
            "bundle as verify='/path/to/ca.pem', or verify=False only if you trust the network."
        )
    elif isinstance(exc, httpx.ConnectError):
        error = LMStudioConnectionError(
            f"LM Studio is not reachable at {url}: start the server in the app's Developer tab "
            "or with `lms server start`, or set base_url / LMSTUDIO_BASE_URL to where it runs."
        )
    else:
        error = LMStudioConnectionError(
            f"The connection to LM Studio at {url} broke before the answer was complete "
            f"({type(exc).__name__}). The server may have restarted or unloaded the model; retry."
        )
    error.__cause__ = exc
    return error
