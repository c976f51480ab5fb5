"""A load or unload the server cannot do over HTTP (llama.cpp, LM Studio older than 0.4).

LM Studio 0.4+ loads and unloads models with ``POST /api/v1/models/load`` and ``.../unload``.
LM Studio 0.3 answers those with HTTP 200 ``{"error": "Unexpected endpoint or method..."}``;
llama.cpp's llama-server with 404 ``File Not Found``. Both mean the base URL is right but the
server has no such endpoint, so the generic "check that base_url ends in /v1" would mislead.
"""

from __future__ import annotations

from typing import Literal

from lmstudio_core.error_answers import error_message_of, missing_endpoint
from lmstudio_core.errors import BadRequestError, ModelNotFoundError

__all__ = ["LoadNotSupportedError", "context_too_small_error", "load_endpoint_error"]


class LoadNotSupportedError(BadRequestError):
    """The server cannot load or unload models over HTTP (a `BadRequestError`, as before).

    LM Studio older than 0.4, llama.cpp's llama-server, or another OpenAI-compatible server.

    Attributes:
        model: the model (or, for an unload, the instance id) that was asked for.
    """

    def __init__(
        self, message: str, *, model: str, status_code: int | None = None, body: object = None
    ) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.model = model


def load_endpoint_error(
    exc: BadRequestError, action: Literal["load", "unload"], model: str, root_url: str
) -> BadRequestError:
    """`LoadNotSupportedError` when ``exc`` says the endpoint does not exist, else ``exc``."""
    said = (error_message_of(exc.body) or exc.message).strip().removesuffix(".")
    missing, old_lm_studio = missing_endpoint(exc.status_code, said)
    if not missing or isinstance(exc, ModelNotFoundError):
        return exc
    endpoint = f"POST /api/v1/models/{action}"
    if old_lm_studio:
        server = "This LM Studio is older than 0.4, which cannot"
        do = (
            f"update LM Studio to 0.4 or newer, or {action} it in the app or with "
            f"`lms {action} {model}`."
        )
    else:
        server = (
            "This server is not LM Studio 0.4+ (llama.cpp's llama-server or another "
            "OpenAI-compatible server), which cannot"
        )
        do = (
            "start llama-server with the model (llama-server -m MODEL.gguf), or use LM Studio "
            f"0.4+ and {action} it in the app or with `lms {action} {model}`."
            if action == "load"
            else "llama-server serves the model it was started with until it stops; with LM "
            f"Studio, unload it in the app or with `lms unload {model}`."
        )
    message = (
        f"{server} {action} models over HTTP ({root_url}: {endpoint} answered {said!r}); "
        f"base_url itself is fine. To {action} {model!r}: {do}"
    )
    return LoadNotSupportedError(message, model=model, status_code=exc.status_code, body=exc.body)


def context_too_small_error(
    model: str, served: int, wanted: int, *, old_lm_studio: bool
) -> LoadNotSupportedError:
    """``model`` is served with less context than asked, on a server that cannot reload it.

    Raised by ``ensure_model`` before any "Loading" line: a load would only fail.
    """
    if old_lm_studio:
        server = "this LM Studio is older than 0.4 and cannot reload it over HTTP"
        do = (
            f"load it in the app with context length {wanted}, or run "
            f"`lms load {model} --context-length {wanted}`"
        )
    else:
        server = (
            "this server (llama.cpp's llama-server or another OpenAI-compatible server) cannot "
            "reload it over HTTP"
        )
        do = (
            f"restart llama-server with `-c {wanted}` (or load it in LM Studio 0.4+ with "
            f"context_length={wanted})"
        )
    return LoadNotSupportedError(
        f"{model!r} is served with context {served} < {wanted} asked for, and {server}: {do}. "
        "Or call ensure_model without context_length to use it as it is.",
        model=model,
    )
