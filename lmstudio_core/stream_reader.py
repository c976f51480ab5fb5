"""The SSE chat stream reader: feed it bytes, get `ChatDelta`s back.

This is the second pattern in the core, next to the flows of `steps.py`: like h11, the reader
does no I/O. Once the flow `LMStudioProtocol.open_stream` has sent the request and returned the
open response with its reader, the runners (`client.py`, `async_client.py`) drive the reader
themselves: they iterate the response body and call `StreamReader.feed` with each chunk of bytes
(deltas come back), `StreamReader.finish` at the end of the body, and
`StreamReader.transport_failure` when the connection breaks mid-stream. The reader decodes SSE
(`sse.py`), accumulates the answer (`accumulate.py`) and raises typed errors carrying what had
arrived as ``error.partial``.

It is given only what it needs: a factory for the typed error of an in-stream ``error`` event,
a callback that counts a transport failure against the circuit breaker, and the settings (for
the transport error's wording).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lmstudio_core.accumulate import StreamAccumulator
from lmstudio_core.errors import (
    InvalidResponseError,
    LMStudioConnectionError,
    LMStudioError,
    ServerError,
)
from lmstudio_core.results import ChatDelta, ChatResult
from lmstudio_core.settings import LMStudioSettings
from lmstudio_core.sse import SSEDecoder, SSEEvent
from lmstudio_core.transport_errors import transport_error

__all__ = ["StreamReader"]

_loads = json.JSONDecoder().decode
"""`json.loads` for one ``str`` without its per-call argument checks (runs for every chunk)."""


class StreamReader:
    """Turns the raw bytes of an SSE chat stream into `ChatDelta`s; raises on in-stream errors.

    Errors raised here carry what had arrived so far as ``error.partial`` (a `ChatResult`).
    """

    __slots__ = (
        "_acc",
        "_decoder",
        "_error_from_body",
        "_on_failure",
        "_settings",
        "done",
        "pending",
    )

    def __init__(
        self,
        *,
        error_from_body: Callable[[Any], LMStudioError],
        on_transport_failure: Callable[[Exception], None],
        settings: LMStudioSettings,
        parse_think_tags: bool,
    ) -> None:
        """Read one stream.

        ``error_from_body`` types the body of an in-stream error event; ``on_transport_failure``
        counts a connection that broke mid-stream against the circuit breaker.
        """
        self._error_from_body = error_from_body
        self._on_failure = on_transport_failure
        self._settings = settings
        self._decoder = SSEDecoder()
        self._acc = StreamAccumulator(parse_think_tags=parse_think_tags)
        self.done = False
        self.pending: list[ChatDelta] = []

    def feed(self, data: bytes) -> list[ChatDelta]:
        """Bytes in, deltas out."""
        return self._events(self._decoder.feed(data))

    def _events(self, events: list[SSEEvent]) -> list[ChatDelta]:
        out: list[ChatDelta] = []
        add = self._acc.add_chunk
        for event, payload in events:
            if payload == "[DONE]":
                self.done = True
                continue
            try:
                chunk = _loads(payload)
            except (ValueError, RecursionError):
                raise self.fail(
                    InvalidResponseError(
                        f"The server sent a malformed stream event: {payload[:200]!r}."
                    )
                ) from None
            if not isinstance(chunk, dict):
                raise self.fail(InvalidResponseError(f"Unexpected stream event: {payload[:200]!r}"))
            if event == "error" or chunk.get("error"):
                raise self.fail(self._error_from_body(chunk))
            try:
                delta = add(chunk)
            except LMStudioError as exc:
                raise self.fail(exc) from None
            if delta is not None:
                out.append(delta)
        return out

    def finish(self) -> list[ChatDelta]:
        """End of the byte stream: flush, and fail if the stream stopped early or said nothing."""
        out = self._events(self._decoder.flush())
        tail = self._acc.flush()
        if tail is not None:
            out.append(tail)
        if not (self.done or self._acc.finish_reason):
            if self._acc.has_output:
                raise self.fail(
                    LMStudioConnectionError(
                        "The stream ended before the answer was complete (no finish reason, "
                        "no [DONE]). The server may have crashed or unloaded the model; what "
                        "arrived is in error.partial."
                    )
                )
            raise self.fail(
                ServerError(
                    "The server ended the stream without any output. LM Studio does this when "
                    "the prompt overflows the context on some builds: shorten the prompt or load "
                    "the model with a larger context length."
                )
            )
        if not self._acc.has_output and self._acc.finish_reason is None:
            raise self.fail(ServerError("The server answered with an empty stream."))
        return out

    def feed_completion(self, body: Any) -> list[ChatDelta]:
        """A server that ignored ``stream`` and sent one JSON completion: treat it as one chunk."""
        if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
            raise self.fail(InvalidResponseError(f"Unexpected answer: {str(body)[:200]!r}"))
        self.done = True
        try:
            deltas = [self._acc.add_chunk(body), self._acc.flush()]
        except LMStudioError as exc:
            raise self.fail(exc) from None
        return [delta for delta in deltas if delta is not None]

    def fail(self, error: LMStudioError) -> LMStudioError:
        """Attach the partial result to ``error`` and return it for raising."""
        error.partial = self._acc.result()
        return error

    def transport_failure(self, exc: Exception) -> LMStudioError:
        """A transport error in the middle of the stream; never retried."""
        self._on_failure(exc)
        return self.fail(transport_error(exc, self._settings))

    def result(self) -> ChatResult:
        """Everything received so far."""
        return self._acc.result()
