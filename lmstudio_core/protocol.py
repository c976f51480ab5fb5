"""`LMStudioProtocol`: every client operation written once, as a flow (see `steps.py`).

Each public method is a generator that yields I/O steps and returns the operation's result:
model resolution, the catalog, load/unload, chat, streamed chat (`open_stream` returns a
`StreamReader` the runner then feeds) and embeddings. Sending one request with retries, the
circuit breaker and typed error answers is the base class, `RequestLoop` (`request_loop.py`).
The clients in `client.py` and `async_client.py` run these flows; nothing here does I/O or
depends on sync or async.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

from lmstudio_core.accumulate import parse_chat_completion
from lmstudio_core.catalog import (
    CATALOG_ENDPOINTS,
    context_length_from_props,
    facts_of,
    find_model,
    pick_default_model,
)
from lmstudio_core.chat_request import ChatRequest, build_chat_body
from lmstudio_core.error_answers import error_message_of, html_answer_error
from lmstudio_core.errors import (
    BadRequestError,
    InvalidRequestError,
    InvalidResponseError,
    LMStudioError,
    ModelNotFoundError,
)
from lmstudio_core.load_errors import load_endpoint_error
from lmstudio_core.request_loop import RequestLoop, decode_json
from lmstudio_core.results import (
    ChatResult,
    EmbeddingResult,
    LoadResult,
    ModelFacts,
    ModelInfo,
    Usage,
)
from lmstudio_core.settings import LMStudioSettings
from lmstudio_core.steps import Flow
from lmstudio_core.stream_reader import StreamReader

__all__ = ["LMStudioProtocol"]

log = logging.getLogger("lmstudio_core")


class LMStudioProtocol(RequestLoop):
    """The operations of an LM Studio client as flows, independent of sync or async I/O.

    The request loop, retries, breaker and error answers come from `RequestLoop`.
    """

    def __init__(self, settings: LMStudioSettings, parse_think_tags: bool = True) -> None:
        super().__init__(settings)
        self.parse_think_tags = parse_think_tags
        self._catalog_path: str | None = None
        self._default_models: dict[bool, str] = {}
        self._facts: dict[str | None, ModelFacts] = {}

    # -- models -------------------------------------------------------------------------------

    def check_model(self, model: str | None, *, embeddings: bool = False) -> Flow[str]:
        """The model to use: the given one (checked against allowed_models), or the loaded one."""
        if model is None:
            model = self._default_models.get(embeddings)
            if model is None:
                models = yield from self.list_models()
                model = self._pick_default(models, embeddings)
        return self._allowed(model)

    def _pick_default(self, models: list[ModelInfo], embeddings: bool) -> str:
        model = self._default_models[embeddings] = pick_default_model(models, embeddings=embeddings)
        return model

    def _allowed(self, model: str) -> str:
        allowed = self.settings.allowed_models
        if allowed is not None and model not in allowed:
            raise ModelNotFoundError(
                f"Model {model!r} is not in allowed_models ({sorted(allowed)}).",
                model=model,
                available_models=sorted(allowed),
            )
        return model

    def list_models(self, *, timeout: float | None = None) -> Flow[list[ModelInfo]]:
        """The catalog from /api/v1/models, falling back to /api/v0/models, then /v1/models.

        ``timeout`` bounds each request and turns retries off (see `json_request`).
        """
        endpoints: tuple[tuple[str, Any], ...] = CATALOG_ENDPOINTS
        if self._catalog_path is not None:
            endpoints = tuple(e for e in CATALOG_ENDPOINTS if e[0] == self._catalog_path)
        last: LMStudioError | None = None
        for path, parser in endpoints:
            try:
                data = yield from self.json_request(
                    "GET", self.root_url + path, list_models_on_missing=False, timeout=timeout
                )
            except (BadRequestError, InvalidResponseError) as exc:
                last = exc
                continue
            models: list[ModelInfo] | None = parser(data)
            if models is not None:
                self._catalog_path = path
                return models
        raise last or InvalidResponseError("No model catalog endpoint answered.")

    def model_info(self, model: str) -> Flow[ModelInfo | None]:
        """The catalog entry for a model key or instance id, or ``None``."""
        models = yield from self.list_models()
        return find_model(models, model)

    def model_facts(self, model: str | None, *, timeout: float | None = None) -> Flow[ModelFacts]:
        """Type, context length and capabilities of a model (the loaded LLM when ``None``).

        One catalog request, plus llama.cpp's ``/props`` only when the catalog gives no context
        length. Cached until this client loads or unloads a model; errors are not cached.
        ``timeout`` bounds each request and turns retries off (a quick probe).
        """
        facts = self._facts.get(model)
        if facts is not None:
            return facts
        models = yield from self.list_models(timeout=timeout)
        resolved = self._allowed(model if model is not None else self._pick_default(models, False))
        info = find_model(models, resolved)
        context = info.context_length if info is not None else None
        if context is None:
            context = yield from self._props_context_length(timeout)
        facts = self._facts[model] = facts_of(resolved, info, context)
        self._facts.setdefault(resolved, facts)
        return facts

    def context_length(self, model: str | None) -> Flow[int | None]:
        """Loaded (else maximum) context length from the catalog, else llama.cpp's /props."""
        if model is not None:
            info = yield from self.model_info(model)
            if info is not None and info.context_length:
                return info.context_length
        else:
            models = yield from self.list_models()
            lengths = [m.context_length for m in models if m.context_length and not m.is_embedding]
            if len(lengths) == 1:
                return lengths[0]
        return (yield from self._props_context_length(None))

    def _props_context_length(self, timeout: float | None) -> Flow[int | None]:
        """llama.cpp's ``/props`` context size; ``None`` where that endpoint does not exist."""
        try:
            props = yield from self.json_request(
                "GET", self.root_url + "/props", list_models_on_missing=False, timeout=timeout
            )
        except (BadRequestError, InvalidResponseError):
            return None
        return context_length_from_props(props)

    def load_model(
        self, model: str, *, context_length: int | None = None, ttl: int | None = None, **extra: Any
    ) -> Flow[LoadResult]:
        """POST /api/v1/models/load (LM Studio 0.4+)."""
        body: dict[str, Any] = {"model": model, "echo_load_config": True, **extra}
        if context_length is not None:
            body["context_length"] = context_length
        if ttl is not None:
            body["ttl"] = ttl
        try:
            data = yield from self.json_request(
                "POST", self.root_url + "/api/v1/models/load", body=body, model=model
            )
        except BadRequestError as exc:
            raise load_endpoint_error(exc, "load", model, self.root_url) from exc
        self._default_models.clear()
        self._facts.clear()
        return LoadResult.from_wire(data, model)

    def unload_model(self, instance_id: str) -> Flow[None]:
        """POST /api/v1/models/unload (LM Studio 0.4+)."""
        try:
            yield from self.json_request(
                "POST",
                self.root_url + "/api/v1/models/unload",
                body={"instance_id": instance_id},
                model=instance_id,
            )
        except BadRequestError as exc:
            raise load_endpoint_error(exc, "unload", instance_id, self.root_url) from exc
        self._default_models.clear()
        self._facts.clear()

    def health(self) -> Flow[bool]:
        """True when the server answers its model list (never raises for a down server)."""
        try:
            yield from self.json_request("GET", self.models_url)
        except LMStudioError:
            return False
        return True

    # -- chat ---------------------------------------------------------------------------------

    def chat_body(self, request: ChatRequest) -> Flow[dict[str, Any]]:
        """The JSON body, with the model resolved."""
        body = build_chat_body(request)  # an invalid tool_choice fails before anything is sent
        body["model"] = yield from self.check_model(request.model)
        return body

    def chat(self, request: ChatRequest) -> Flow[ChatResult]:
        """A non-streamed chat completion."""
        body = yield from self.chat_body(request)
        data = yield from self.json_request("POST", self.chat_url, body=body, model=body["model"])
        return parse_chat_completion(data, parse_think_tags=self.parse_think_tags)

    def stream_reader(self) -> StreamReader:
        """A reader for one chat stream, wired to this protocol's error mapping and breaker."""
        return StreamReader(
            error_from_body=lambda chunk: self.error_from_body(None, chunk),
            on_transport_failure=self.breaker_failure,
            settings=self.settings,
            parse_think_tags=self.parse_think_tags,
        )

    def open_stream(self, request: ChatRequest) -> Flow[tuple[httpx.Response | None, StreamReader]]:
        """Send a streamed chat request; return the open response and its reader.

        The response is ``None`` when the server answered with one JSON completion instead of a
        stream; its deltas are then in ``reader.pending``.
        """
        if not request.stream:
            request = request.model_copy(update={"stream": True})
        body = yield from self.chat_body(request)
        response = yield from self.request(
            "POST", self.chat_url, body=body, stream=True, model=body["model"]
        )
        reader = self.stream_reader()
        if "text/event-stream" in response.headers.get("content-type", "text/event-stream"):
            return response, reader
        data = decode_json((yield from self.read_body(response)))
        if isinstance(data, dict) and error_message_of(data) is not None:
            error = yield from self._answer_error(
                response.status_code, data, body["model"], True, self.chat_url
            )
            raise reader.fail(error)
        html = html_answer_error(response.status_code, data, self.settings.base_url)
        if html is not None:
            raise reader.fail(html)
        reader.pending = reader.feed_completion(data)
        return None, reader

    # -- embeddings ---------------------------------------------------------------------------

    def embed(
        self, texts: Sequence[str], model: str | None = None, *, batch_size: int = 512
    ) -> Flow[EmbeddingResult]:
        """Embed strings (never token ids), in batches, preserving order."""
        if isinstance(texts, str):
            raise InvalidRequestError("embed() takes a list of strings; wrap one text in a list.")
        for position, text in enumerate(texts):
            if not isinstance(text, str):
                raise InvalidRequestError(
                    f"embed() input {position} is {type(text).__name__}; only strings are sent "
                    "(LM Studio does not accept token ids)."
                )
        if batch_size < 1:
            raise InvalidRequestError("batch_size must be at least 1.")
        model = yield from self.check_model(model, embeddings=True)
        vectors: list[list[float]] = []
        prompt_tokens = 0
        answered_model: str | None = None
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            body = {"model": model, "input": batch, "encoding_format": "float"}
            data = yield from self.json_request("POST", self.embeddings_url, body=body, model=model)
            vectors.extend(EmbeddingResult.vectors_from_wire(data, len(batch)))
            usage = Usage.from_wire(data.get("usage"))
            prompt_tokens += usage.prompt_tokens if usage else 0
            answered_model = answered_model or data.get("model")
        return EmbeddingResult(
            vectors=vectors,
            model=answered_model or model,
            usage=Usage(prompt_tokens=prompt_tokens, total_tokens=prompt_tokens),
        )
