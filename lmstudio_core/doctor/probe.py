"""Raw HTTP probes of the server doctor looks at: what answers where, and what kind it is.

The probes are plain GETs through the client's own httpx pool (same TLS, proxy and timeout
options as every other request), without retries, so a dead server is reported at once. Each
answer is kept whole (status, JSON or HTML, the ``Server`` header) for the checks to read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from lmstudio_core.catalog import CATALOG_ENDPOINTS, context_length_from_props, parse_models
from lmstudio_core.client import LMStudioClient
from lmstudio_core.error_answers import error_message_of, html_answer_error
from lmstudio_core.results import ModelInfo

__all__ = ["Probe", "ProbeAnswer", "ServerKind", "server_kind"]

ServerKind = Literal["lmstudio", "llama.cpp", "openai-compatible"]
"""What answers: LM Studio, llama.cpp's llama-server, or another OpenAI-compatible server."""

KIND_NAMES: dict[ServerKind, str] = {
    "lmstudio": "LM Studio",
    "llama.cpp": "llama.cpp (llama-server)",
    "openai-compatible": "an OpenAI-compatible server (neither LM Studio nor llama.cpp)",
}
"""How each kind is named in doctor's lines."""


@dataclass(frozen=True)
class ProbeAnswer:
    """One probed endpoint's answer, or the transport failure that stopped it."""

    path: str
    """The path probed, relative to the server root (``/v1/models`` ...)."""
    status: int | None = None
    """HTTP status; ``None`` when nothing answered."""
    body: Any = None
    """The decoded JSON, or the text when it was not JSON."""
    server_header: str = ""
    """The ``Server`` header (llama.cpp says ``llama.cpp``)."""
    failure: httpx.HTTPError | None = None
    """The transport error when nothing answered."""

    @property
    def json_ok(self) -> bool:
        """A 2xx JSON answer without an ``error`` (LM Studio answers 200 for unknown paths)."""
        return (
            self.status is not None
            and self.status < 300
            and isinstance(self.body, dict | list)
            and (not isinstance(self.body, dict) or error_message_of(self.body) is None)
        )

    @property
    def denied(self) -> bool:
        """401 or 403: the server wants (another) token."""
        return self.status in (401, 403)

    @property
    def html(self) -> bool:
        """A web page answered instead of an API."""
        return html_answer_error(self.status, self.body) is not None


@dataclass
class Probe:
    """The answers gathered from one server, probed once each and remembered."""

    client: LMStudioClient
    """The client whose pool, settings and token the probes use."""
    timeout: float
    """Seconds each probe may take; connecting (TLS handshake included) waits at most the
    client's ``connect_timeout`` of it, so a dead or wrong-scheme server fails at once."""
    answers: dict[tuple[str, bool], ProbeAnswer] = field(default_factory=dict)
    """Answers so far, by ``(path, with token)``; cleared when a model is loaded."""

    @property
    def root_url(self) -> str:
        """The server root (base URL without ``/v1``)."""
        return self.client.settings.root_url

    def get(self, path: str, *, token: bool = True) -> ProbeAnswer:
        """GET ``path`` (with the API token unless ``token`` is false); cached."""
        key = (path, token)
        if key not in self.answers:
            self.answers[key] = self._get(path, token)
        return self.answers[key]

    def _get(self, path: str, token: bool) -> ProbeAnswer:
        headers = self.client.settings.headers()
        if not token:
            headers.pop("Authorization", None)
        connect = self.client.settings.connect_timeout
        limits = httpx.Timeout(self.timeout, connect=min(self.timeout, connect or self.timeout))
        try:
            response = self.client.http.get(self.root_url + path, headers=headers, timeout=limits)
        except httpx.HTTPError as exc:
            return ProbeAnswer(path, failure=exc)
        try:
            body: Any = json.loads(response.content)
        except ValueError:
            body = response.content.decode("utf-8", "replace")
        return ProbeAnswer(path, response.status_code, body, response.headers.get("server", ""))

    def catalog(self) -> tuple[list[ModelInfo], str] | None:
        """The richest catalog that answers (``/api/v1``, ``/api/v0``, ``/v1``) and its path."""
        for path, parse in CATALOG_ENDPOINTS:  # the order the client asks them in
            answer = self.get(path)
            if not answer.json_ok:
                continue
            models = parse(answer.body)
            if models is not None:
                return models, path
        return None

    def props(self) -> dict[str, Any] | None:
        """llama.cpp's ``/props``, or ``None`` where it does not exist."""
        answer = self.get("/props")
        body = answer.body if answer.json_ok else None
        if isinstance(body, dict) and (
            "default_generation_settings" in body or "build_info" in body
        ):
            return body
        return None

    def props_context_length(self) -> int | None:
        """The context size ``/props`` reports (llama.cpp), else ``None``."""
        props = self.props()
        return context_length_from_props(props) if props is not None else None


def _is_lmstudio_answer(answer: ProbeAnswer) -> bool:
    if answer.json_ok and answer.path.startswith("/api/"):
        return parse_models(answer.path, answer.body) is not None
    message = error_message_of(answer.body) if isinstance(answer.body, dict) else None
    return answer.denied and "lm studio" in (message or "").lower()


def _owned_by_llamacpp(answer: ProbeAnswer) -> bool:
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    return isinstance(data, list) and any(
        isinstance(entry, dict) and entry.get("owned_by") == "llamacpp" for entry in data
    )


def server_kind(probe: Probe) -> ServerKind:
    """LM Studio (its ``/api/v0`` or ``/api/v1`` REST API), llama.cpp, or another server.

    llama.cpp is recognised by its ``Server: llama.cpp`` header, ``owned_by: llamacpp`` in
    ``/v1/models`` or its ``/props``; LM Studio by its native catalog, or by its own words in
    a 401 answer when a token is missing.
    """
    models = probe.get("/v1/models")
    if "llama.cpp" in models.server_header.lower() or _owned_by_llamacpp(models):
        return "llama.cpp"
    if any(_is_lmstudio_answer(probe.get(p)) for p in ("/api/v1/models", "/api/v0/models")):
        return "lmstudio"
    if _is_lmstudio_answer(models):
        return "lmstudio"
    if probe.props() is not None or "llama.cpp" in probe.get("/health").server_header.lower():
        return "llama.cpp"
    return "openai-compatible"
