"""`classify`: LM Studio's error answers as typed errors that say what to do next.

LM Studio reports errors in several shapes (see docs/errors.md): a string or an object under
``error``, sometimes with HTTP 200, sometimes inside an SSE stream. `classify` turns any of them
into the right error of the hierarchy in `errors.py`; `model_kind_error` names a model of the
wrong kind (an embedding model for chat, or the reverse), and `html_answer_error` a web page
where the API was expected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from lmstudio_core.errors import (
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    InvalidResponseError,
    LMStudioError,
    ModelNotFoundError,
    ServerError,
)
from lmstudio_core.results import optional_int

__all__ = ["classify", "error_message_of", "html_answer_error", "model_kind_error"]

_MAX_DETAIL = 500
"""Longest server text quoted in an error message."""


_CONTEXT_MARKERS = (
    "context length",
    "context size",
    "n_keep",
    "tokens to keep",
    "exceed_context_size",
    "context window",
    "context_length_exceeded",
)
_MODEL_MARKERS = (
    "model_not_found",
    "no models loaded",
    "invalid model identifier",
    "model not found",
)
_AUTH_MARKERS = ("invalid_api_key", "api token is required", "invalid api key", "authentication")


def error_message_of(body: Any) -> str | None:
    """Return the error text inside an answer body, or ``None`` when it carries no error.

    Accepts ``{"error": "text"}``, ``{"error": {"message": ...}}`` and a bare string.
    """
    if isinstance(body, dict):
        err = body.get("error")
        if err is None:
            return None
        if isinstance(err, str):
            return err
        if isinstance(err, dict):
            msg = err.get("message")
            return str(msg) if msg is not None else json.dumps(err)[:_MAX_DETAIL]
        return str(err)
    if isinstance(body, str):
        return body
    return None


def _field(body: Any, name: str) -> Any:
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and name in err:
            return err[name]
        return body.get(name)
    return None


def classify(
    status_code: int | None,
    body: Any,
    *,
    base_url: str = "",
    model: str | None = None,
    available_models: Sequence[str] | None = None,
    model_types: Mapping[str, str] | None = None,
) -> LMStudioError:
    """Map an error answer from LM Studio (or llama.cpp) to the right typed error.

    Args:
        status_code: the HTTP status, or ``None`` for an error that arrived inside a stream.
        body: the decoded JSON body, or the raw text when it was not JSON.
        base_url: the server's base URL, quoted in messages.
        model: the model id that was requested, quoted in model-not-found messages.
        available_models: model ids to list in a model-not-found message.
        model_types: id -> type of the server's models, to list the right kind of model when
            the request named a model of the wrong kind.
    """
    detail = (error_message_of(body) or (str(body) if body else "") or "").strip()
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL] + " [...]"
    code = str(_field(body, "code") or "")
    etype = str(_field(body, "type") or "")
    lowered = f"{detail} {code} {etype}".lower()
    where = f" at {base_url}" if base_url else ""
    said = detail.removesuffix(".").rstrip() or "no details"  # before a full stop: never ".."

    if status_code in (401, 403) or any(m in lowered for m in _AUTH_MARKERS):
        return AuthenticationError(
            f"LM Studio{where} rejected the request as unauthorised ({detail or status_code}). "
            "Set the API token with api_key=... or the LM_API_TOKEN environment variable "
            "(create one under Developer > Server Settings > Manage Tokens).",
            status_code=status_code,
            body=body,
        )
    html = html_answer_error(status_code, body, base_url)
    if html is not None:
        return html
    if any(m in lowered for m in _CONTEXT_MARKERS):
        return ContextLengthExceededError(
            f"The prompt does not fit the model's context{where}: {said}. Shorten the input, "
            "lower max_tokens, or load the model with a larger context length "
            "(load_model(..., context_length=N) or `lms load <model> --context-length N`).",
            prompt_tokens=optional_int(_field(body, "n_prompt_tokens")),
            context_length=optional_int(_field(body, "n_ctx")),
            status_code=status_code,
            body=body,
        )
    wanted = _wanted_kind(lowered)
    if wanted is not None:
        return model_kind_error(
            model,
            None,
            embeddings=wanted,
            base_url=base_url,
            server_said=said,
            available_models=available_models,
            model_types=model_types,
            status_code=status_code,
            body=body,
        )
    if "failed to load model" in lowered:
        return ServerError(
            f"LM Studio{where} could not load the model: {said}. It may not fit in memory: "
            "close other models (`lms unload --all`), pick a smaller quantisation, or load it "
            "with a shorter context length.",
            status_code=status_code,
            body=body,
        )
    if any(m in lowered for m in _MODEL_MARKERS):
        listed = (
            f" Models the server has: {', '.join(available_models)}."
            if available_models
            else " List them with `lms ls` or client.list_models()."
        )
        asked = f" {model!r}" if model else ""
        return ModelNotFoundError(
            f"Model{asked} is not available{where}: {said}.{listed} "
            "Load one in the app or with `lms load <model>`, or pass one of these ids as model=.",
            model=model,
            available_models=available_models,
            status_code=status_code,
            body=body,
        )
    if status_code is not None and status_code >= 500:
        return ServerError(
            f"LM Studio{where} failed with HTTP {status_code}: {said}. "
            "Check the server log (Developer tab or `lms log stream`); retry once it is healthy.",
            status_code=status_code,
            body=body,
        )
    if status_code is None:
        return ServerError(
            f"LM Studio{where} reported an error during generation: {said}.",
            body=body,
        )
    if missing_endpoint(status_code, lowered)[0]:
        return BadRequestError(
            f"LM Studio{where} does not know this endpoint ({detail or status_code}). Check "
            "that base_url ends in /v1, e.g. http://localhost:1234/v1 (model load/unload "
            "need LM Studio 0.4 or newer).",
            status_code=status_code,
            body=body,
        )
    return BadRequestError(
        f"LM Studio{where} rejected the request (HTTP {status_code}): {said}.",
        status_code=status_code,
        body=body,
    )


def missing_endpoint(status_code: int | None, said: str) -> tuple[bool, bool]:
    """(no such endpoint, the server is LM Studio older than 0.4) for an error answer.

    LM Studio 0.3 answers a missing endpoint with HTTP 200 ``"Unexpected endpoint or
    method..."``; llama.cpp and other servers answer 404 or 405.
    """
    old_lm_studio = status_code == 200 and "unexpected endpoint" in said.lower()
    return old_lm_studio or status_code in (404, 405), old_lm_studio


_NOT_LLM_MARKERS = ("model is not llm", "model is not an llm", "is not a chat model")
_NOT_EMBEDDING_MARKERS = ("model is not embedding", "is not an embedding model")
_CHAT_TYPES = ("llm", "vlm")
_EMBEDDING_TYPES = ("embeddings", "embedding")


def _wanted_kind(lowered: str) -> bool | None:
    """From LM Studio's wording of a type mismatch: True when embeddings were wanted."""
    if any(marker in lowered for marker in _NOT_EMBEDDING_MARKERS):
        return True
    if any(marker in lowered for marker in _NOT_LLM_MARKERS):
        return False
    return None


def model_kind_error(
    model: str | None,
    model_type: str | None,
    *,
    embeddings: bool,
    base_url: str = "",
    server_said: str = "",
    available_models: Sequence[str] | None = None,
    model_types: Mapping[str, str] | None = None,
    status_code: int | None = None,
    body: Any = None,
) -> ModelNotFoundError:
    """A chat request named an embedding model, or an embeddings request a chat model.

    Args:
        model: the model that was asked for.
        model_type: its type (``llm``, ``vlm``, ``embeddings``), when known.
        embeddings: True when the request needed an embedding model.
        base_url: quoted in the message.
        server_said: the server's own words, quoted last.
        available_models: every model id the server has, when the type of each is unknown.
        model_types: id -> type of every model the server has (from its catalog); the message
            then lists only the models of the needed kind.
        status_code: the HTTP status of the answer.
        body: the answer body.
    """
    where = f" at {base_url}" if base_url else ""
    name = repr(model) if model else "The model"
    if model_type is None and model_types is not None and model:
        model_type = model_types.get(model)
    if embeddings:
        what = (
            f"{name} is a chat model ({model_type}), not an embedding model"
            if model_type in _CHAT_TYPES
            else f"{name} is not an embedding model"
        )
        need = "embeddings need an embedding model"
        kind = "embedding model"
    else:
        what = (
            f"{name} is an embedding model"
            if model_type in _EMBEDDING_TYPES
            else f"{name} is not a chat model"
        )
        need = "chat needs an llm or vlm model"
        kind = "chat model"
    right: list[str] | None = None
    if model_types is not None:
        wanted = _EMBEDDING_TYPES if embeddings else _CHAT_TYPES
        right = [mid for mid, mtype in model_types.items() if mtype in wanted]
        listed = (
            "the server has: "
            + ", ".join(f"{mid} ({model_types[mid]})" for mid in right)
            + ". Pass one of them as model=, or load one with `lms load <model>`"
            if right
            else f"the server has no {kind}: download one in the app or with `lms get <model>`"
        )
    elif available_models:
        listed = (
            f"the server has: {', '.join(available_models)}. Pass the id of an {kind} as "
            "model= (`lms ls` shows each model's type)"
        )
    else:
        listed = f"use an {kind} (`lms ls` shows each model's type)"
    said = server_said.rstrip(". ")
    tail = f" (LM Studio said: {said})" if said else ""
    return ModelNotFoundError(
        f"{what}{where}; {need}; {listed}.{tail}",
        model=model,
        available_models=right if right is not None else available_models,
        status_code=status_code,
        body=body,
    )


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _is_html(text: str) -> bool:
    head = text.lstrip()[:300].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head


def html_answer_error(
    status_code: int | None, body: Any, base_url: str = ""
) -> LMStudioError | None:
    """The error for an HTML page where an API answer was expected, else ``None``.

    A web server that is not an LLM API (a router page, a web UI, a 404 page) answers HTML. A
    gateway error page (502/503/504) is left to the usual classification: there the proxy is
    right and the server behind it is down.
    """
    if not isinstance(body, str) or not _is_html(body) or status_code in (502, 503, 504):
        return None
    match = _TITLE.search(body)
    text = match.group(1) if match else _TAG.sub(" ", body)
    excerpt = " ".join(text.split())[:120]
    answered = f"HTTP {status_code}" if status_code is not None else "an answer"
    page = f": {excerpt!r}" if excerpt else ""
    where = f" at {base_url}" if base_url else ""
    return InvalidResponseError(
        f"The server{where} is not an OpenAI-compatible server (it answered HTML, {answered}"
        f"{page}). base_url should be the API root ending in /v1, e.g. "
        "http://localhost:1234/v1 for LM Studio (the address shown in its Developer tab) or "
        "http://HOST:8080/v1 for llama.cpp's llama-server; check the host and the port.",
        status_code=status_code,
        body=body[:_MAX_DETAIL],
    )
