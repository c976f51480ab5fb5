"""One exception hierarchy for every failure, redaction of secrets, and option checks.

Mapping LM Studio's error answers to these classes is `classify`, in `error_answers.py`. The
errors of a model download (`DownloadError` and its subclasses) are in `download_errors.py`.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence
from typing import Any, TypeVar

from pydantic import AliasChoices, BaseModel

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
    "closest_option",
    "invalid_options_error",
    "redact",
    "redact_error",
]


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
