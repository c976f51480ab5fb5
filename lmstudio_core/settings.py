"""Connection settings: base URL normalisation, environment variables, the URI form, timeouts.

The API token is a `pydantic.SecretStr`: it never appears in ``repr``, ``str``, logs or errors.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from lmstudio_core.errors import InvalidRequestError, check_options, invalid_options_error

__all__ = [
    "API_KEY_ENV_VARS",
    "BASE_URL_ENV_VARS",
    "DEFAULT_BASE_URL",
    "LMStudioSettings",
    "ParsedURI",
    "api_key_from_env",
    "base_url_from_env",
    "normalize_base_url",
    "parse_uri",
    "reject_unknown_client_kwargs",
    "timeout_from_env",
]

DEFAULT_BASE_URL = "http://localhost:1234/v1"
BASE_URL_ENV_VARS = ("LMSTUDIO_BASE_URL", "LM_STUDIO_BASE_URL", "LMSTUDIO_URL")
API_KEY_ENV_VARS = ("LM_API_TOKEN", "LMSTUDIO_API_TOKEN", "LM_STUDIO_API_KEY")
TIMEOUT_ENV_VAR = "LMSTUDIO_TIMEOUT"
URI_SCHEMES = ("lmstudio", "lm_studio", "lmstudios")


_EXAMPLE_URL = "expected e.g. http://localhost:1234/v1"
ENDPOINT_SUFFIXES = (
    "/chat/completions",
    "/completions",
    "/embeddings",
    "/models",
    "/responses",
    "/messages",
)
"""Endpoint paths cut from a pasted endpoint URL (``.../v1/chat/completions`` -> ``.../v1``)."""
_NATIVE_API_ROOTS = ("/api/v0", "/api/v1")


def _strip_endpoint(path: str) -> str:
    """``/v1/chat/completions`` -> ``/v1``; ``/api/v1/models`` -> ```` (LM Studio's own API)."""
    for suffix in ENDPOINT_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)].rstrip("/")
            break
    for root in _NATIVE_API_ROOTS:
        if path.endswith(root):
            return path[: -len(root)]
    return path


def _check_location(url: str, netloc: str, host: str | None) -> None:
    """Raise `InvalidRequestError` naming a bad host or port (httpx would fail later)."""
    location = netloc.rpartition("@")[2]
    port_text = location.rpartition("]")[2].partition(":")[2] if ":" in location else None
    if not host or any(c.isspace() for c in location) or location.startswith(":"):
        raise InvalidRequestError(f"base_url {url!r} has no valid host name; {_EXAMPLE_URL}")
    if port_text is not None and (not port_text.isdigit() or not 0 < int(port_text) < 65536):
        raise InvalidRequestError(
            f"base_url {url!r} has an invalid port {port_text!r}: a port is a number from 1 "
            f"to 65535 (LM Studio's default is 1234); {_EXAMPLE_URL}"
        )


def normalize_base_url(url: str) -> str:
    """``localhost:1234``, ``http://host:1234``, ``http://host:1234/v1/`` -> ``http://host:1234/v1``.

    A pasted endpoint URL is accepted: ``.../v1/chat/completions`` (or ``/embeddings``,
    ``/models``, ...) becomes ``.../v1``, and ``http://host:1234/api/v1`` becomes
    ``http://host:1234/v1``.

    Raises:
        InvalidRequestError: the URL has an unsupported scheme, no valid host or a bad port.
    """
    if not isinstance(url, str):
        raise InvalidRequestError(f"base_url must be a string; {_EXAMPLE_URL} (got {url!r})")
    text = url.strip()
    if not text:
        raise InvalidRequestError(f"base_url is empty; {_EXAMPLE_URL}")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequestError(f"base_url {url!r} is not an http(s) URL; {_EXAMPLE_URL}")
    _check_location(url, parts.netloc, parts.hostname)
    path = _strip_endpoint(parts.path.rstrip("/"))
    if not path.endswith("/v1"):
        path = path + "/v1"
    return f"{parts.scheme}://{parts.netloc}{path}"


def _first_env(names: tuple[str, ...]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def base_url_from_env() -> str:
    """The base URL from ``LMSTUDIO_BASE_URL`` (or its aliases), else the default."""
    return _first_env(BASE_URL_ENV_VARS) or DEFAULT_BASE_URL


def api_key_from_env() -> SecretStr | None:
    """The API token from ``LM_API_TOKEN``, ``LMSTUDIO_API_TOKEN`` or ``LM_STUDIO_API_KEY``."""
    value = _first_env(API_KEY_ENV_VARS)
    return SecretStr(value) if value else None


def timeout_from_env() -> float | None:
    """The read timeout from ``LMSTUDIO_TIMEOUT`` (``none``/``off``/``0``: no limit), else 600 s."""
    value = os.environ.get(TIMEOUT_ENV_VAR)
    if not value:
        return 600.0
    if value.lower() in ("none", "off"):  # and any spelling of 0, below
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds == 0:
        return None
    if seconds < 0:
        raise InvalidRequestError(
            f"{TIMEOUT_ENV_VAR}={value!r} is not a number of seconds > 0 (or 'none' for no limit)."
        )
    return seconds


class LMStudioSettings(BaseModel):
    """How to reach an LM Studio server and how patiently.

    Every field has a default that works with a stock LM Studio on this machine. An unknown
    keyword raises `UnknownOptionError` naming the closest field (a typo never falls back to a
    default silently).
    """

    model_config = ConfigDict(
        frozen=True, arbitrary_types_allowed=True, defer_build=True, extra="forbid"
    )

    base_url: str = Field(default_factory=base_url_from_env, validate_default=True)
    """OpenAI-compatible base URL; normalised to end in ``/v1``. Env: ``LMSTUDIO_BASE_URL``."""
    api_key: SecretStr | None = Field(default_factory=api_key_from_env)
    """API token, sent as ``Authorization: Bearer`` only when set. Env: ``LM_API_TOKEN``."""
    timeout: float | None = Field(default_factory=timeout_from_env, gt=0)
    """Seconds to wait for each read of an answer (JIT model loads take minutes). Unset: 600 s
    or ``LMSTUDIO_TIMEOUT``; ``None``: no limit (httpx's convention); must be > 0 otherwise.
    Env: ``LMSTUDIO_TIMEOUT`` (a number, or ``none``/``off``/``0`` for no limit)."""
    connect_timeout: float | None = Field(default=10.0, gt=0)
    """Seconds to wait for the TCP connection; ``None``: no limit; must be > 0 otherwise."""
    max_retries: int = Field(default=2, ge=0)
    """Retries on connection errors, dead pooled connections, 408/429/5xx; never mid-stream."""
    retry_backoff: float = Field(default=0.5, ge=0.0)
    """First retry delay in seconds; doubles each time, with jitter."""
    retry_max_backoff: float = Field(default=8.0, ge=0.0)
    """Longest delay between retries."""
    circuit_breaker_threshold: int = Field(default=0, ge=0)
    """Consecutive failed requests (5xx after retries, broken connections, connect timeouts)
    that open the circuit for this base URL, shared by every client of it in the process.
    0 (the default) disables the breaker: a local server is better retried than locked out.
    Refused connections and read timeouts never count (see docs/errors.md)."""
    circuit_breaker_cooldown: float = Field(default=30.0, ge=0.0)
    """Seconds the circuit stays open before one trial request is let through."""
    allowed_models: frozenset[str] | None = None
    """If set, requests for any other model fail before anything is sent."""
    default_headers: dict[str, str] = Field(default_factory=dict)
    """Headers added to every request."""
    verify: bool | str = True
    """TLS verification for https URLs (a CA bundle path, or ``False`` to disable explicitly)."""

    def __init__(self, /, **data: Any) -> None:
        # Checked here, not in a validator: pydantic would wrap the error in a ValidationError.
        check_options(type(self).__name__, data, type(self).model_fields)
        try:
            super().__init__(**data)
        except ValidationError as exc:  # an InvalidRequestError naming the option instead
            raise invalid_options_error(type(self).__name__, exc) from None

    @field_validator("base_url")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return normalize_base_url(value)

    @field_validator("api_key", mode="before")
    @classmethod
    def _empty_key_is_none(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, SecretStr) and not value.get_secret_value().strip():
            return None
        return value

    @property
    def root_url(self) -> str:
        """The server root (``base_url`` without ``/v1``), for LM Studio's ``/api/*`` endpoints."""
        return self.base_url[: -len("/v1")]

    def headers(self) -> dict[str, str]:
        """Headers for every request, including ``Authorization`` when a token is set."""
        headers = {"Accept": "application/json", **self.default_headers}
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key.get_secret_value()}"
        return headers

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in messages (the token), for redaction."""
        return (self.api_key.get_secret_value(),) if self.api_key is not None else ()


def reject_unknown_client_kwargs(owner: str, client_kwargs: Any) -> None:
    """Raise `UnknownOptionError` for an adapter's ``client_kwargs`` key that is not a setting.

    The adapters call it on construction, so a typo fails at once, not at the first request.
    """
    if isinstance(client_kwargs, dict):
        check_options(f"{owner} client_kwargs", client_kwargs, LMStudioSettings.model_fields)


class ParsedURI(BaseModel):
    """What ``lmstudio://model@host:port?temperature=0.7`` says."""

    base_url: str
    """Normalised base URL."""
    model: str | None = None
    """Model id, if the URI names one."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Query parameters, numbers and booleans decoded."""


def parse_uri(uri: str) -> ParsedURI:
    """Parse ``lmstudio://[model@]host[:port][/path]?opt=value`` (also ``lm_studio://``).

    ``lmstudios://`` selects https. Query values are decoded as int, float, bool or string.
    """
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() not in URI_SCHEMES:
        raise InvalidRequestError(
            f"{uri!r} is not an LM Studio URI; expected lmstudio://model@host:port?option=value"
        )
    location, _, query = rest.partition("?")
    model: str | None = None
    if "@" in location:
        model_part, _, location = location.rpartition("@")
        model = unquote(model_part) or None
    location = location or "localhost:1234"
    host = location.split("/", 1)[0]
    if ":" not in host.rsplit("]", 1)[-1]:
        location = location.replace(host, f"{host}:1234", 1)
    http_scheme = "https" if scheme.lower() == "lmstudios" else "http"
    params = {key: _decode_value(value) for key, value in parse_qsl(query, keep_blank_values=True)}
    try:
        base_url = normalize_base_url(f"{http_scheme}://{location}")
    except InvalidRequestError as exc:
        problem = exc.message.split("; expected")[0].partition(" has ")[2] or "a bad address"
        raise InvalidRequestError(
            f"LM Studio URI {uri!r} has {problem}; expected lmstudio://model@host:port?option=value"
        ) from None
    return ParsedURI(base_url=base_url, model=model, params=params)


def _decode_value(value: str) -> Any:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            continue
    return value
