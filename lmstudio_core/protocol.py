"""`LMStudioProtocol`: every client operation written once, as a flow (see `steps.py`).

Each public method is a generator that yields I/O steps and returns the operation's result:
the request loop with retries and the circuit breaker (`request`), error answers mapped to typed
errors, model resolution, the catalog, load/unload, chat, streamed chat (`open_stream` returns
a `StreamReader` the runner then feeds) and embeddings. The sync and async clients in `client.py`
run these flows; nothing here does I/O or depends on sync or async.
"""

from __future__ import annotations

import base64
import json
import logging
import struct
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
from lmstudio_core.errors import (
    BadRequestError,
    InvalidRequestError,
    InvalidResponseError,
    LMStudioError,
    ModelNotFoundError,
    ServerError,
    classify,
    error_message_of,
    html_answer_error,
    model_kind_error,
)
from lmstudio_core.requests import ChatRequest, build_chat_body
from lmstudio_core.resilience import CircuitBreaker, RetryPolicy, breaker_for
from lmstudio_core.settings import LMStudioSettings
from lmstudio_core.steps import Close, Flow, Read, Send, Sleep
from lmstudio_core.stream_reader import StreamReader
from lmstudio_core.transport_errors import (
    RETRYABLE_TRANSPORT,
    SERVER_FAULTS,
    plain_http_answered,
    transport_error,
)
from lmstudio_core.wire import (
    ChatResult,
    EmbeddingResult,
    LoadResult,
    ModelFacts,
    ModelInfo,
    Usage,
)

__all__ = ["LMStudioProtocol"]

log = logging.getLogger("lmstudio_core")


def _decode_json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")


class LMStudioProtocol:
    """The operations of an LM Studio client as flows, independent of sync or async I/O."""

    def __init__(self, settings: LMStudioSettings, parse_think_tags: bool = True) -> None:
        self.settings = settings
        self.parse_think_tags = parse_think_tags
        self.headers = settings.headers()
        base = settings.base_url
        root = settings.root_url
        self.chat_url = f"{base}/chat/completions"
        self.embeddings_url = f"{base}/embeddings"
        self.models_url = f"{base}/models"
        self.root_url = root
        self.retry = RetryPolicy(
            settings.max_retries, settings.retry_backoff, settings.retry_max_backoff
        )
        self.breaker: CircuitBreaker | None = (
            breaker_for(base, settings.circuit_breaker_threshold, settings.circuit_breaker_cooldown)
            if settings.circuit_breaker_threshold > 0
            else None
        )
        self._catalog_path: str | None = None
        self._default_models: dict[bool, str] = {}
        self._facts: dict[str | None, ModelFacts] = {}
        self._urls: dict[str, httpx.URL] = {
            url: httpx.URL(url) for url in (self.chat_url, self.embeddings_url, self.models_url)
        }
        self._headers: dict[tuple[bool, bool], httpx.Headers] = {}

    # -- errors -------------------------------------------------------------------------------

    def error_from_body(
        self,
        status: int | None,
        body: Any,
        *,
        model: str | None = None,
        available_models: Sequence[str] | None = None,
        model_types: dict[str, str] | None = None,
    ) -> LMStudioError:
        """Classify an error answer (the client shells redact the token from what it says)."""
        return classify(
            status,
            body,
            base_url=self.settings.base_url,
            model=model,
            available_models=available_models,
            model_types=model_types,
        )

    def redirect_error(self, url: str, status: int, location: str | None) -> LMStudioError:
        """A 3xx answer: redirects are never followed, so the token cannot leak to another host."""
        return BadRequestError(
            f"{url} answered with a redirect (HTTP {status}) to {location or 'nowhere'!r}. "
            "Redirects are not followed, so the API token is never sent to another host: set "
            "base_url to the server's real address (e.g. http://localhost:1234/v1).",
            status_code=status,
        )

    def breaker_failure(self, exc: Exception | None = None) -> None:
        """Count a request that finally failed at the server against the circuit.

        A 5xx answer (``exc`` None) or a transport failure that says the server is unhealthy
        counts. Refused connections do not: they fail at once anyway, and counting them would
        lock out a server that was just started. Read and pool timeouts do not: they measure one
        caller's patience, not the server's health.
        """
        if self.breaker is None:
            return
        if exc is None or isinstance(exc, SERVER_FAULTS):
            self.breaker.record_failure()
        else:
            self.breaker.record_neutral()

    def breaker_success(self) -> None:
        """The server answered: close the circuit."""
        if self.breaker is not None:
            self.breaker.record_success()

    # -- the request loop ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        stream: bool = False,
        model: str | None = None,
        retries: bool = True,
        list_models_on_missing: bool = True,
        timeout: float | None = None,
    ) -> Flow[httpx.Response]:
        """Send with retries and the breaker; return a 2xx response or raise a typed error.

        For ``stream=True`` the returned response's body is unread (the caller iterates it).
        A model-not-found answer is completed with the server's model list unless
        ``list_models_on_missing`` is false (the catalog requests themselves). ``timeout``
        replaces the client's timeouts for this request.
        """
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = self._request_headers(content is not None, stream)
        parsed_url = self._urls.get(url) or httpx.URL(url)
        extensions = {"timeout": httpx.Timeout(timeout).as_dict()} if timeout is not None else None
        attempt = 0
        if self.breaker is not None:  # once per request: its retries are not new requests
            self.breaker.before_request()
        while True:
            request = httpx.Request(
                method, parsed_url, headers=headers, content=content, extensions=extensions
            )
            try:
                response: httpx.Response = yield Send(request, stream)
            except httpx.HTTPError as exc:
                retryable = isinstance(exc, RETRYABLE_TRANSPORT) and not plain_http_answered(
                    exc, url
                )
                if retries and retryable and self.retry.should_retry_connection(attempt):
                    log.debug("retrying %s %s after %s", method, url, type(exc).__name__)
                    yield Sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                self.breaker_failure(exc)
                raise transport_error(exc, self.settings) from exc
            status = response.status_code
            if status < 300:
                self.breaker_success()
                return response
            if status < 400:
                self.breaker_success()
                if stream:
                    yield Close(response)
                raise self.redirect_error(url, status, response.headers.get("location"))
            raw = (yield from self.read_body(response)) if stream else response.content
            if retries and self.retry.should_retry_status(attempt, status):
                log.debug("retrying %s %s after HTTP %s", method, url, status)
                yield Sleep(self.retry.delay(attempt, response.headers.get("retry-after")))
                attempt += 1
                continue
            if status >= 500:
                self.breaker_failure()
            else:  # the server answered sensibly; the request was at fault (or rate-limited)
                self.breaker_success()
            raise (
                yield from self._answer_error(
                    status, _decode_json(raw), model, list_models_on_missing, url
                )
            )

    def _request_headers(self, json_body: bool, stream: bool) -> httpx.Headers:
        """The headers of a request (built once per kind; httpx copies them per request)."""
        headers = self._headers.get((json_body, stream))
        if headers is None:
            extra: dict[str, str] = {}
            if json_body:
                extra["Content-Type"] = "application/json"
            if stream:
                # llama.cpp closes the connection after each stream; reusing it races that close.
                extra["Connection"] = "close"
            headers = self._headers[(json_body, stream)] = httpx.Headers({**self.headers, **extra})
        return headers

    def read_body(self, response: httpx.Response) -> Flow[bytes]:
        """Read and close a streamed response's whole body."""
        try:
            raw: bytes = yield Read(response)
        except httpx.HTTPError as exc:
            yield Close(response)
            raise transport_error(exc, self.settings) from exc
        yield Close(response)
        return raw

    def _answer_error(
        self,
        status: int,
        body: Any,
        model: str | None,
        list_models_on_missing: bool,
        url: str = "",
    ) -> Flow[LMStudioError]:
        """The typed error for an error answer; a missing model also lists the server's models.

        A failed chat or embeddings request that named a model of the wrong kind (an embedding
        model for chat, a chat model for embeddings) says so, with the models of the right
        kind, whatever LM Studio's wording. ``list_models_on_missing`` is false for the catalog
        requests themselves.
        """
        error = self.error_from_body(status, body, model=model)
        embeddings = {self.chat_url: False, self.embeddings_url: True}.get(url)
        check_kind = (
            model is not None
            and embeddings is not None
            and isinstance(error, BadRequestError | ServerError)
            and (
                embeddings
                or isinstance(error, ModelNotFoundError)
                or "could not load" in error.message
            )
        )
        if not (list_models_on_missing and (check_kind or isinstance(error, ModelNotFoundError))):
            return error
        try:
            models = yield from self.list_models()
        except LMStudioError:
            return error
        types: dict[str, str] = {m.id: m.type for m in models}
        info = find_model(models, model) if check_kind and model is not None else None
        if info is not None and info.type != "unknown" and info.is_embedding != embeddings:
            return model_kind_error(
                model,
                info.type,
                embeddings=bool(embeddings),
                base_url=self.settings.base_url,
                server_said=error_message_of(body) or "",
                model_types=types,
                status_code=error.status_code,
                body=error.body,
            )
        ids = [m.id for m in models]
        better = self.error_from_body(
            status, body, model=model, available_models=ids, model_types=types
        )
        return better if isinstance(better, ModelNotFoundError) else error

    def json_request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        model: str | None = None,
        list_models_on_missing: bool = True,
        timeout: float | None = None,
    ) -> Flow[Any]:
        """A non-streamed request whose 2xx answer must be JSON without an ``error`` key.

        With a ``timeout`` the request is a quick probe: bounded by it and never retried.
        """
        response = yield from self.request(
            method,
            url,
            body=body,
            model=model,
            list_models_on_missing=list_models_on_missing,
            timeout=timeout,
            retries=timeout is None,
        )
        data = _decode_json(response.content)
        if isinstance(data, dict) and error_message_of(data) is not None:
            raise (
                yield from self._answer_error(
                    response.status_code, data, model, list_models_on_missing, url
                )
            )
        if not isinstance(data, dict | list):
            html = html_answer_error(response.status_code, data, self.settings.base_url)
            if html is not None:
                raise html
            raise InvalidResponseError(
                f"{url} answered with something that is not JSON: {str(data)[:200]!r}. "
                "Check that base_url points at LM Studio."
            )
        return data

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
        data = yield from self.json_request(
            "POST", self.root_url + "/api/v1/models/load", body=body, model=model
        )
        self._default_models.clear()
        self._facts.clear()
        config = data.get("load_config") if isinstance(data, dict) else None
        return LoadResult(
            instance_id=str(data.get("instance_id") or model),
            status=data.get("status"),
            load_time_seconds=data.get("load_time_seconds"),
            context_length=config.get("context_length") if isinstance(config, dict) else None,
            raw=data,
        )

    def unload_model(self, instance_id: str) -> Flow[None]:
        """POST /api/v1/models/unload (LM Studio 0.4+)."""
        yield from self.json_request(
            "POST",
            self.root_url + "/api/v1/models/unload",
            body={"instance_id": instance_id},
            model=instance_id,
        )
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
        data = _decode_json((yield from self.read_body(response)))
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
            batch_vectors = _parse_embeddings(data, len(batch))
            vectors.extend(batch_vectors)
            usage = Usage.from_wire(data.get("usage"))
            prompt_tokens += usage.prompt_tokens if usage else 0
            answered_model = answered_model or data.get("model")
        return EmbeddingResult(
            vectors=vectors,
            model=answered_model or model,
            usage=Usage(prompt_tokens=prompt_tokens, total_tokens=prompt_tokens),
        )


def _parse_embeddings(data: Any, expected: int) -> list[list[float]]:
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != expected:
        got = len(items) if isinstance(items, list) else "no"
        raise InvalidResponseError(
            f"The embeddings answer has {got} vectors for {expected} inputs: {str(data)[:200]!r}"
        )
    ordered = sorted(items, key=lambda item: item.get("index", 0) if isinstance(item, dict) else 0)
    vectors: list[list[float]] = []
    for item in ordered:
        vector = item.get("embedding") if isinstance(item, dict) else None
        if isinstance(vector, str):
            raw = base64.b64decode(vector)
            vector = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        if not isinstance(vector, list):
            raise InvalidResponseError(f"An embedding is not a list of numbers: {str(item)[:200]}")
        vectors.append([float(v) for v in vector])
    return vectors
