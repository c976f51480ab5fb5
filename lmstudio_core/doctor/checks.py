"""The checks about the server: reachable and of what kind, authentication, API, models.

Each check is a function of the `Context` returning a `CheckResult`; it records what later
checks need (the server's kind, the catalog) on the context. The calls that generate text are
in `calls.py`, the installed versions in `versions.py`.
"""

from __future__ import annotations

from typing import Any

import httpx

from lmstudio_core.catalog import facts_of, find_model
from lmstudio_core.doctor.context import Context
from lmstudio_core.doctor.probe import KIND_NAMES, ServerKind, server_kind
from lmstudio_core.doctor.result import CheckResult
from lmstudio_core.results import ModelInfo
from lmstudio_core.transport_errors import (
    plain_http_answered,
    tls_handshake_stalled,
    transport_error,
)

__all__ = ["check_api", "check_auth", "check_models", "check_server", "model_line", "read_models"]

NOT_OPENAI_FIX = (
    "point --base-url at the API root ending in /v1: http://localhost:1234/v1 for LM Studio "
    "(the address in its Developer tab), http://HOST:8080/v1 for llama.cpp's llama-server"
)
WHERE_TOKENS_ARE_MADE = (
    "LM Studio lists its tokens in Developer > Server Settings > Manage Tokens; llama-server "
    "wants its --api-key value"
)


def _waited(failure: httpx.HTTPError) -> str:
    """``5 s``: the connect timeout httpx really applied to the failed request."""
    try:
        limit = failure.request.extensions.get("timeout", {}).get("connect")
    except RuntimeError:  # raised without its request
        limit = None
    return f"{limit:g} s" if isinstance(limit, int | float) else "the connect timeout"


def _unreachable(ctx: Context, failure: httpx.HTTPError) -> CheckResult:
    url = ctx.client.settings.base_url
    timeout = ctx.options.timeout
    ctx.blocked = "the server is not reachable"
    if plain_http_answered(failure, url):  # a stalled TLS handshake, or plain HTTP back
        how = (
            f"did not answer the TLS handshake within {_waited(failure)}"
            if tls_handshake_stalled(failure, url)
            else "answered the TLS handshake in plain HTTP"
        )
        detail = f"{url} accepted the connection but {how}"
        fix = f"the server speaks plain HTTP, not HTTPS: use http://{url.removeprefix('https://')}"
        ctx.blocked = "the server is not reachable over https (it speaks plain HTTP)"
    elif isinstance(failure, httpx.ConnectTimeout):
        detail = f"{url} did not accept a connection within {_waited(failure)}"
        fix = "check the host, the port and any firewall between; LM Studio listens on 1234"
    elif isinstance(failure, httpx.TimeoutException):
        detail = f"{url} accepted the connection but did not answer within {timeout:g} s"
        fix = "the server may be busy (loading a model): wait, or raise --timeout"
    elif isinstance(failure, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" not in str(
        failure
    ):
        detail = f"nothing listens at {url}"
        fix = "start LM Studio's server (`lms server start`) or fix --base-url"
    else:
        detail, fix = transport_error(failure, ctx.client.settings).message, ""
    return CheckResult("server", "fail", detail, fix, {"reachable": False})


def check_server(ctx: Context) -> CheckResult:
    """Something answers at the base URL, speaks the OpenAI API, and is LM Studio or not."""
    answer = ctx.probe.get("/v1/models")
    root = ctx.probe.root_url
    if answer.failure is not None:
        return _unreachable(ctx, answer.failure)
    if answer.html or not (answer.json_ok or answer.denied):
        what = (
            f"it answered a web page, HTTP {answer.status}"
            if answer.html
            else f"GET /v1/models answered HTTP {answer.status} without a model list"
        )
        ctx.blocked = "the server is not an OpenAI-compatible server"
        detail = f"{root} is not an OpenAI-compatible server ({what})"
        data: dict[str, Any] = {"reachable": True, "status": answer.status}
        return CheckResult("server", "fail", detail, NOT_OPENAI_FIX, data)
    kind = ctx.kind = server_kind(ctx.probe)
    data = {
        "reachable": True,
        "kind": kind,
        "server_header": answer.server_header or None,
    }
    return CheckResult("server", "ok", f"{KIND_NAMES[kind]} answers at {root}", data=data)


def check_auth(ctx: Context) -> CheckResult:
    """Whether the server wants a token, whether one was given, and whether it was accepted."""
    if ctx.blocked:
        return CheckResult("auth", "skip", ctx.blocked)
    given = ctx.client.settings.api_key is not None
    source = ctx.options.token_source or "the settings"
    if ctx.probe.get("/v1/models").denied:
        ctx.blocked = "authentication failed"
        data: dict[str, Any] = {"required": True, "given": given, "accepted": False}
        if given:
            detail = f"the server rejected the API token from {source}"
            return CheckResult(
                "auth", "fail", detail, f"check the token: {WHERE_TOKENS_ARE_MADE}", data
            )
        fix = f"create a token ({WHERE_TOKENS_ARE_MADE}), then set LM_API_TOKEN or pass --api-key"
        return CheckResult(
            "auth", "fail", "the server requires an API token; none was given", fix, data
        )
    if not given:
        data = {"required": False, "given": False, "accepted": None}
        return CheckResult("auth", "ok", "no API token required, none given", data=data)
    required = ctx.probe.get("/v1/models", token=False).denied
    data = {"required": required, "given": True, "accepted": True}
    if required:
        return CheckResult(
            "auth", "ok", f"API token required; the one from {source} is accepted", data=data
        )
    detail = f"no API token required (the one from {source} is sent, and not checked)"
    return CheckResult("auth", "ok", detail, data=data)


def _lmstudio_api(generations: list[str]) -> tuple[str, str, str]:
    """LM Studio's version as far as its endpoints tell, what it offers, and any fix."""
    if "/api/v1" in generations:
        return "0.4 or later (it serves /api/v1; no version endpoint)", "available", ""
    fix = "update LM Studio to 0.4 or later to load, unload and download over HTTP"
    if "/api/v0" in generations:
        return "0.3.6 to 0.3.x (it serves /api/v0, not /api/v1)", "not available (JIT only)", fix
    return "older than 0.3.6 (it serves /v1 only)", "not available", fix


def check_api(ctx: Context) -> CheckResult:
    """The server's version (when it reports one) and the API generations it serves."""
    if ctx.blocked:
        return CheckResult("api", "skip", ctx.blocked)
    generations = ["/v1"]
    for path, name in (("/api/v0/models", "/api/v0"), ("/api/v1/models", "/api/v1")):
        if ctx.probe.get(path).json_ok:
            generations.append(name)
    fix = ""
    if ctx.kind == "lmstudio":
        version, offers, fix = _lmstudio_api(generations)
        version = "LM Studio " + version
    elif ctx.kind == "llama.cpp":
        props = ctx.probe.props() or {}
        version = f"llama.cpp build {props.get('build_info') or 'not reported'}"
        offers = "not available (llama-server serves the model it was started with, -m)"
    else:
        header = ctx.probe.get("/v1/models").server_header
        version = f"server {header!r}" if header else "version not reported"
        offers = "not available (not LM Studio)"
    ctx.load_available = offers == "available"
    detail = f"{version}; serves {', '.join(generations)}; download/load {offers}"
    data = {
        "version": version,
        "generations": generations,
        "download": ctx.load_available,
        "load": ctx.load_available,
    }
    return CheckResult("api", "warn" if fix else "ok", detail, fix, data)


def read_models(ctx: Context) -> bool:
    """Read the catalog into ``ctx.models`` (llama.cpp's context size from ``/props``)."""
    found = ctx.probe.catalog()
    if found is None:
        return False
    models, ctx.catalog_path = found
    if ctx.kind == "llama.cpp" and any(m.context_length is None for m in models):
        n_ctx = ctx.probe.props_context_length()
        models = [
            m.model_copy(update={"loaded_context_length": n_ctx}) if m.context_length is None else m
            for m in models
        ]
    ctx.models = models
    return True


def _capabilities(info: ModelInfo) -> list[str] | None:
    facts = facts_of(info.id, info, info.context_length)
    known = [facts.tools, facts.vision, facts.reasoning]
    if all(flag is None for flag in known):
        return None
    names = ("tool use", "vision", "reasoning")
    return [name for name, flag in zip(names, known, strict=True) if flag]


def model_line(info: ModelInfo) -> str:
    """``id: llm, loaded, context 4096 (max 32768), tool use`` for one catalog entry."""
    parts: list[str] = [info.type if info.type != "unknown" else "type not reported"]
    parts.append(
        {"loaded": "loaded", "loading": "loading", "not-loaded": "not loaded"}.get(
            info.state or "", "loaded (the server serves it)"
        )
    )
    if info.loaded_context_length:
        maximum = f" (max {info.max_context_length})" if info.max_context_length else ""
        parts.append(f"context {info.loaded_context_length}{maximum}")
    elif info.max_context_length:
        parts.append(f"max context {info.max_context_length}")
    if not info.is_embedding:
        capabilities = _capabilities(info)
        if capabilities is None:
            parts.append("capabilities not reported")
        else:
            parts.append(", ".join(capabilities) or "no tool use, no vision")
    return f"{info.id}: {', '.join(parts)}"


def _model_data(info: ModelInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "type": info.type,
        "state": info.state,
        "loaded": info.is_loaded,
        "context_length": info.loaded_context_length,
        "max_context_length": info.max_context_length,
        "capabilities": _capabilities(info),
    }


def missing_model_fix(kind: ServerKind | None, wanted: str, served: list[str]) -> str:
    """What to do when ``--model`` is not among the server's models, by the server's kind."""
    shown = ", ".join(served[:8]) or "none"
    if kind == "llama.cpp":
        first = served[0] if served else "MODEL"
        return (
            f"this llama-server serves {shown}; start llama-server with the model you want "
            f"(-m FILE.gguf) or pass --model {first}"
        )
    if kind == "lmstudio":
        return f"download it (`lms get {wanted}`) or pass one of: {shown}"
    return f"pass one of the served ids: {shown}"


MAX_LISTED = 12
"""Models not loaded listed by name at most (``--json`` lists every one)."""


def check_models(ctx: Context) -> CheckResult:
    """Models downloaded and loaded, with type, context length and capabilities."""
    if ctx.blocked:
        return CheckResult("models", "skip", ctx.blocked)
    if not read_models(ctx):
        detail = "no model list answered (/api/v1/models, /api/v0/models, /v1/models)"
        return CheckResult("models", "fail", detail, NOT_OPENAI_FIX)
    models = ctx.models
    loaded = [m for m in models if m.is_loaded]
    idle = [m for m in models if not m.is_loaded]
    notes = [model_line(m) for m in loaded + idle[:MAX_LISTED]]
    if len(idle) > MAX_LISTED:
        notes.append(f"... and {len(idle) - MAX_LISTED} more not loaded (--json lists all)")
    data = {"catalog": ctx.catalog_path, "models": [_model_data(m) for m in models]}
    summary = f"{len(loaded)} loaded, {len(models)} known (from {ctx.catalog_path})"
    wanted = ctx.options.model
    if wanted is not None:
        info = find_model(models, wanted)
        if info is None:
            fix = missing_model_fix(ctx.kind, wanted, [m.id for m in models])
            detail = f"--model {wanted} is not among the server's models; {summary}"
            return CheckResult("models", "fail", detail, fix, data, tuple(notes))
        if not info.is_loaded:
            fix = f"load it: `lms load {wanted}`, or run doctor --fix --model {wanted}"
            detail = f"--model {wanted} is not loaded; {summary}"
            return CheckResult("models", "fail", detail, fix, data, tuple(notes))
    if not models:
        fix = "download one in LM Studio's Discover tab or with `lms get <model>`"
        return CheckResult("models", "warn", "the server has no models", fix, data)
    if not loaded:
        fix = "load one: `lms load <model>`, or run doctor --fix (the calls below need one)"
        return CheckResult("models", "warn", summary, fix, data, tuple(notes))
    return CheckResult("models", "ok", summary, data=data, notes=tuple(notes))
