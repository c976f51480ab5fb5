"""The core `ChatRequest` of one `ChatLMStudio` call: the object's options, then the call's.

Shared by the four paths (invoke, ainvoke, stream, astream); only the ``stream`` flag and, for
streams, the `StreamConverter` differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.language_models import LangSmithParams
from langchain_core.messages import BaseMessage

from langchain_lmstudio._convert import PROVIDER, StreamConverter, messages_to_openai
from lmstudio_core import ChatRequest
from lmstudio_core.chat_request import REQUEST_OPTION_FIELDS

if TYPE_CHECKING:
    from langchain_lmstudio.chat_models import ChatLMStudio

__all__ = ["chat_request", "configured_options", "ls_params", "sampling_fields", "stream_request"]


def sampling_fields(field_names: Any) -> tuple[str, ...]:
    """The request options a chat model class has as fields (sent when not None)."""
    return (
        *(name for name in REQUEST_OPTION_FIELDS if name in field_names),
        "reasoning_effort",  # not a typed core option: it reaches the body through ``extra``
    )


def configured_options(llm: ChatLMStudio) -> dict[str, Any]:
    """Options set on ``llm``: typed fields not None, model, model_kwargs, extra_body."""
    params: dict[str, Any] = {
        name: value for name in llm._sampling_fields if (value := getattr(llm, name)) is not None
    }
    if llm.model:
        params["model"] = llm.model
    params.update(llm.model_kwargs)
    if llm.extra_body:
        params.update(llm.extra_body)
    return params


def chat_request(
    llm: ChatLMStudio,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
    *,
    stream: bool,
) -> ChatRequest:
    """The core request: ``llm``'s options, then the call's ``kwargs`` (empty stop dropped)."""
    params = configured_options(llm)
    params.update(kwargs)
    params.pop("stream", None)
    include_usage = params.pop("stream_usage", llm.stream_usage)
    if stop is not None:
        params["stop"] = stop
    if not params.get("stop"):
        params.pop("stop", None)
    if stream and not include_usage:
        params.setdefault("stream_options", {"include_usage": False})
    return ChatRequest.create(messages=messages_to_openai(messages), stream=stream, **params)


def stream_request(
    llm: ChatLMStudio,
    messages: list[BaseMessage],
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> tuple[ChatRequest, StreamConverter]:
    """The streaming request and the converter of its deltas (shared by both streams)."""
    request = chat_request(llm, messages, stop, kwargs, stream=True)
    include_usage = (request.stream_options or {}).get("include_usage", True)
    return request, StreamConverter(request.model, include_usage=bool(include_usage))


def ls_params(llm: ChatLMStudio, stop: list[str] | None, kwargs: dict[str, Any]) -> LangSmithParams:
    """LangSmith's view of one call: provider, model, temperature, max tokens, stop."""
    model = kwargs.get("model")
    params = LangSmithParams(
        ls_provider=PROVIDER,
        ls_model_name=model if isinstance(model, str) else llm.model or "default",
        ls_model_type="chat",
    )
    temperature = kwargs.get("temperature", llm.temperature)
    if temperature is not None:
        params["ls_temperature"] = temperature
    max_tokens = kwargs.get("max_tokens", llm.max_tokens)
    if max_tokens is not None:
        params["ls_max_tokens"] = max_tokens
    stop = stop or kwargs.get("stop") or llm.stop
    if stop:
        params["ls_stop"] = [stop] if isinstance(stop, str) else list(stop)
    return params
