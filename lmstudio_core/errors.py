"""One exception hierarchy for every failure, and `classify` that maps LM Studio's answers to it.

LM Studio reports errors in several shapes (see docs/errors.md): a string or an object under
``error``, sometimes with HTTP 200, sometimes inside an SSE stream. `classify` turns any of them
into the right typed error with a message that says what to do next.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import AliasChoices, BaseModel

from lmstudio_core.wire import optional_int

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "CircuitOpenError",
    "ContextLengthExceededError",
    "InvalidRequestError",
    "InvalidResponseError",
    "LMStudioConnectionError",
    "LMStudioError",
    "LMStudioTimeoutError",
    "ModelNotFoundError",
    "ServerError",
    "UnknownOptionError",
    "accepted_names",
    "check_options",
    "check_tools",
    "classify",
    "closest_option",
    "error_message_of",
    "html_answer_error",
    "invalid_options_error",
    "model_kind_error",
    "redact",
    "redact_error",
]

_MAX_DETAIL = 500


class LMStudioError(Exception):
    """Base class of every error this library raises.

    Attributes:
        status_code: HTTP status of the answer, when there was one.
        body: the decoded error body (never contains the API token), when there was one.
        partial: for a stream that failed after some output arrived, what had arrived so far
            (a ``ChatResult``); ``None`` otherwise. Nothing streamed is lost.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body
        self.partial: Any = None

    def __str__(self) -> str:
        return self.message


class LMStudioConnectionError(LMStudioError):
    """The server could not be reached, or the connection broke before the answer was complete."""


class LMStudioTimeoutError(LMStudioConnectionError):
    """The server did not answer within the configured timeout."""


class AuthenticationError(LMStudioError):
    """The server requires an API token (401/403) and none, or a wrong one, was sent."""


class BadRequestError(LMStudioError):
    """The server rejected the request as invalid (HTTP 400/404/422 and similar)."""


class ModelNotFoundError(BadRequestError):
    """The requested model is not loaded or not downloaded.

    Attributes:
        model: the model id that was asked for, when known.
        available_models: the ids the server reported, when they could be listed.
    """

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        available_models: Sequence[str] | None = None,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.model = model
        self.available_models = list(available_models) if available_models is not None else None


class ContextLengthExceededError(BadRequestError):
    """The prompt (plus requested output) does not fit the model's loaded context length.

    Attributes:
        prompt_tokens: tokens in the prompt, when the server said.
        context_length: the loaded context length, when the server said.
    """

    def __init__(
        self,
        message: str,
        *,
        prompt_tokens: int | None = None,
        context_length: int | None = None,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.prompt_tokens = prompt_tokens
        self.context_length = context_length


class ServerError(LMStudioError):
    """The server failed while handling the request (HTTP 5xx, in-stream error, model crash)."""


class InvalidResponseError(LMStudioError):
    """The server answered with something that is not a valid OpenAI-compatible response."""


class InvalidRequestError(LMStudioError, ValueError):
    """An option or input is invalid; raised before anything is sent."""


class UnknownOptionError(InvalidRequestError, TypeError):
    """A keyword argument that is not an option (usually a typo); the message names the closest.

    Also a `TypeError`, as Python raises for an unexpected keyword argument.

    Attributes:
        option: the unknown name.
        suggestion: the closest valid option, or ``None`` when nothing is close.
        valid_options: every valid option, in declaration order.
    """

    def __init__(self, owner: str, option: str, valid_options: Iterable[str]) -> None:
        valid = list(dict.fromkeys(valid_options))
        self.suggestion = closest_option(option, valid)
        hint = f"; did you mean {self.suggestion!r}?" if self.suggestion else "."
        super().__init__(
            f"{owner} got an unknown option {option!r}{hint} Valid options: {', '.join(valid)}."
        )
        self.option = option
        self.valid_options = valid


class CircuitOpenError(LMStudioError):
    """Recent requests to this server kept failing, so calls fail fast until the cool-down ends."""


_OPTION_SYNONYMS = {
    "api_base": "base_url",
    "openai_api_base": "base_url",
    "base_uri": "base_url",
    "host": "base_url",
    "url": "base_url",
    "openai_api_key": "api_key",
    "api_token": "api_key",
    "token": "api_key",
    "request_timeout": "timeout",
    "read_timeout": "timeout",
    "max_retry": "max_retries",
    "retries": "max_retries",
    "headers": "default_headers",
    "model_name": "model",
}
"""Names other clients use (OpenAI, Ollama, ...) for an option, when not close in spelling."""


def closest_option(name: str, valid: Collection[str]) -> str | None:
    """The valid option ``name`` most likely means (a close spelling, or a known synonym)."""
    synonym = _OPTION_SYNONYMS.get(name)
    if synonym in valid:
        return synonym
    matches = difflib.get_close_matches(name, list(valid), n=1)
    return matches[0] if matches else None


def check_options(
    owner: str, given: Iterable[str], valid: Collection[str], *, also: Collection[str] = ()
) -> None:
    """Raise `UnknownOptionError` for the first name in ``given`` that is not in ``valid``.

    Args:
        owner: what received the options, quoted in the message (e.g. ``LMStudioSettings``).
        given: the keyword names received.
        valid: the accepted names.
        also: further accepted names (listed after ``valid``), e.g. a client's own arguments.
    """
    for name in given:
        if name not in valid and name not in also:
            raise UnknownOptionError(owner, name, [*valid, *also])


def accepted_names(model: type[BaseModel]) -> list[str]:
    """The keywords a pydantic model accepts: field names, aliases and validation aliases."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        names.append(name)
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias, field.alias]
        names.extend(choice for choice in choices if isinstance(choice, str))
    return list(dict.fromkeys(names))


_MIN_SECRET_PREFIX = 6
"""A secret's prefix this long or longer is redacted too (``sk-lm-`` is LM Studio's)."""


def redact(text: str, secrets: Sequence[str]) -> str:
    """Replace every secret in ``text`` with ``***``, and any leading piece of one.

    Messages quote answers cut at a length limit, which can cut a token too: the piece that
    remains (at least ``sk-lm-`` long) is redacted as well as whole tokens.
    """
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, "***")
        head = secret[: min(len(secret), _MIN_SECRET_PREFIX)]
        start = text.find(head)
        while start != -1:
            end = start + len(head)
            while (
                end < len(text) and end - start < len(secret) and text[end] == secret[end - start]
            ):
                end += 1
            text = text[:start] + "***" + text[end:]
            start = text.find(head, start + 3)
    return text


def _scrub(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` with every secret replaced in every string it holds (models copied)."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {_scrub(k, secrets): _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(item, secrets) for item in value)
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return value.model_copy(
            update={name: _scrub(getattr(value, name), secrets) for name in fields}
        )
    return value


E = TypeVar("E", bound=LMStudioError)


def redact_error(error: E, secrets: Sequence[str]) -> E:
    """Remove ``secrets`` from everything ``error`` exposes, in place, and return it.

    Covers the message, ``args``, ``body``, ``partial`` (content, reasoning, tool arguments, raw
    chunks), and every `LMStudioError` in its cause/context chain. The client shells call this
    once, where an error leaves a flow or a stream: the one redaction point of the library.
    """
    secrets = tuple(secret for secret in secrets if secret)
    if not secrets:
        return error
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, LMStudioError):
            current.message = redact(current.message, secrets)
            current.args = tuple(_scrub(arg, secrets) for arg in current.args)
            current.body = _scrub(current.body, secrets)
            current.partial = _scrub(current.partial, secrets)
        current = current.__cause__ or current.__context__
    return error


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
    if (status_code == 200 and "unexpected endpoint" in lowered) or status_code in (404, 405):
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


_SECRET_FIELDS = ("api_key",)


def invalid_options_error(owner: str, exc: Any) -> InvalidRequestError:
    """An `InvalidRequestError` naming each invalid option, from a pydantic ``ValidationError``.

    An `InvalidRequestError` raised by a validator (a bad ``base_url``) is returned as it is: its
    message already names the bad part. The value of a secret option is never quoted.
    """
    problems: list[str] = []
    for err in exc.errors():
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, InvalidRequestError):
            return cause
        where = ".".join(str(p) for p in err["loc"]) or "value"
        msg = str(err["msg"]).removeprefix("Value error, ")
        shown = "" if where in _SECRET_FIELDS else f" (got {err.get('input')!r})"
        problems.append(f"{where}: {msg}{shown}"[:300])
    return InvalidRequestError(f"Invalid options for {owner}: " + "; ".join(problems) + ".")


_TOOL_SHAPE = (
    '{"type": "function", "function": {"name": "...", "description": "...", '
    '"parameters": {JSON schema}}}'
)


def check_tools(tools: Any) -> None:
    """Raise `InvalidRequestError` for a tool that is not an OpenAI function tool dict.

    Checked before anything is sent: a flat ``{"name", "parameters"}`` dict, a Python function
    or a framework tool object reaching the core would otherwise be sent unchecked.
    """
    if tools is None:
        return
    if isinstance(tools, dict | str) or not isinstance(tools, Iterable):
        raise InvalidRequestError(f"tools must be a list of tools, each {_TOOL_SHAPE}.")
    for index, tool in enumerate(tools):
        if isinstance(tool, dict):
            function = tool.get("function")
            if (
                tool.get("type") == "function"
                and isinstance(function, dict)
                and isinstance(function.get("name"), str)
                and function["name"]
            ):
                continue
            got = f"a dict with keys {sorted(map(str, tool))}"
            hint = (
                ': it looks like the inner function object; wrap it as {"type": "function", '
                '"function": <it>}'
                if "name" in tool and "function" not in tool
                else ""
            )
        else:
            got = f"a {type(tool).__name__}"
            hint = (
                ": pass Python functions to LangChain's bind_tools(), or wrap them with "
                "LlamaIndex's FunctionTool.from_defaults(fn=...)"
                if callable(tool)
                else ""
            )
        raise InvalidRequestError(
            f"tools[{index}] is {got}, not an OpenAI function tool{hint}. Each tool must be "
            f"{_TOOL_SHAPE}."
        )
