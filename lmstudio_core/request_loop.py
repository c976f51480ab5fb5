"""`RequestLoop`: one request as a flow, with retries, the circuit breaker and typed errors.

The bottom half of `LMStudioProtocol` (`protocol.py`), which adds the operations on top. Like
every flow (see `steps.py`) it does no I/O: it yields `Send`, `Read`, `Close` and `Sleep` and
the runners (`client.py`, `async_client.py`) perform them. Error answers become typed errors here; a
model-not-found or wrong-kind answer is completed with the server's catalog (`list_models`,
which the protocol provides).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import httpx

from lmstudio_core.catalog import find_model
from lmstudio_core.error_answers import (
    classify,
    error_message_of,
    html_answer_error,
    model_kind_error,
)
from lmstudio_core.errors import (
    BadRequestError,
    InvalidResponseError,
    LMStudioError,
    ModelNotFoundError,
    ServerError,
)
from lmstudio_core.resilience import CircuitBreaker, RetryPolicy, breaker_for
from lmstudio_core.results import ModelInfo
from lmstudio_core.settings import LMStudioSettings
from lmstudio_core.steps import Close, Flow, Read, Send, Sleep
from lmstudio_core.transport_errors import (
    RETRYABLE_TRANSPORT,
    SERVER_FAULTS,
    plain_http_answered,
    transport_error,
)

__all__ = ["RequestLoop", "decode_json"]

log = logging.getLogger("lmstudio_core")


def decode_json(content: bytes) -> Any:
    """The JSON of a body, or its text when it is not JSON."""
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")


class RequestLoop:
    """Requests as flows: URLs, headers, retries, the breaker and error answers."""

    def __init__(self, settings: LMStudioSettings) -> None:
        self.settings = settings
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
                    status, decode_json(raw), model, list_models_on_missing, url
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
        data = decode_json(response.content)
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

    def list_models(self, *, timeout: float | None = None) -> Flow[list[ModelInfo]]:
        """The server's catalog, to complete a model error with; `LMStudioProtocol` gives it."""
        raise NotImplementedError
