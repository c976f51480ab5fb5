"""Transport failures (refused, reset, timed out, TLS) as typed errors that say what to do.

Shared by the request loop in `request_loop.py` and the stream reader in `stream_reader.py`.
"""

from __future__ import annotations

import httpx

from lmstudio_core.errors import LMStudioConnectionError, LMStudioError, LMStudioTimeoutError
from lmstudio_core.settings import LMStudioSettings

__all__ = ["RETRYABLE_TRANSPORT", "SERVER_FAULTS", "plain_http_answered", "transport_error"]

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


def plain_http_answered(exc: Exception, url: str) -> bool:
    """An https connection to a port that speaks plain HTTP (LM Studio's server has no TLS)."""
    text = str(exc).lower()
    return url.startswith("https://") and any(m in text for m in _PLAIN_HTTP_MARKERS)


def transport_error(exc: Exception, settings: LMStudioSettings) -> LMStudioError:
    """Map an httpx transport failure to a typed error that says what to do."""
    url = settings.base_url
    if isinstance(exc, httpx.TimeoutException):
        phase = "connect" if isinstance(exc, httpx.ConnectTimeout) else "answer"
        error: LMStudioError = LMStudioTimeoutError(
            f"LM Studio at {url} did not {phase} within {_timeout_in_force(exc, phase)} s. "
            "A model may still be loading or the prompt is long: raise timeout= "
            "(or LMSTUDIO_TIMEOUT), or check the server log."
        )
    elif isinstance(exc, httpx.ConnectError) and plain_http_answered(exc, url):
        error = LMStudioConnectionError(
            f"The server at {url} speaks plain HTTP, not HTTPS: use "
            f"{'http://' + url.removeprefix('https://')} (LM Studio's server has no TLS; "
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
