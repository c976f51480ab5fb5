"""The step protocol: read this first.

Every client operation (chat, streaming, embeddings, the catalog, load/unload) is written once,
as a generator -- a *flow* -- in `protocol.py` (on top of `request_loop.py`). A flow does no
I/O itself. It yields a step and the runner (`client.py` or `async_client.py`) performs
it and sends the result back in:

===========================  ===============================================================
the flow yields              the runner sends back (or throws in)
===========================  ===============================================================
``Send(request, stream)``    the `httpx.Response` (body unread when ``stream``); an
                             `httpx.HTTPError` is thrown into the flow instead
``Read(response)``           the whole body of a streamed response, as ``bytes``
``Close(response)``          nothing (``None``)
``Sleep(seconds)``           nothing, after waiting (a retry's backoff)
===========================  ===============================================================

When the flow returns, its return value is the operation's result; an exception it raises is the
operation's error. This is the pattern of httpx's ``Auth.auth_flow``: retries, the circuit
breaker, error mapping, model resolution and parsing exist once, and each runner is a dozen
lines. Streamed chat bodies use a second, "feed bytes, get deltas" pattern: see
`stream_reader.py`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

import httpx

__all__ = ["Close", "Flow", "Read", "Send", "Sleep", "Step"]

T = TypeVar("T")


class Send:
    """Send ``request``; the result is the `httpx.Response` (body unread when ``stream``)."""

    __slots__ = ("request", "stream")

    def __init__(self, request: httpx.Request, stream: bool) -> None:
        self.request = request
        self.stream = stream


class Read:
    """Read the whole body of a streamed response; the result is its bytes."""

    __slots__ = ("response",)

    def __init__(self, response: httpx.Response) -> None:
        self.response = response


class Close:
    """Close a streamed response."""

    __slots__ = ("response",)

    def __init__(self, response: httpx.Response) -> None:
        self.response = response


class Sleep:
    """Wait before a retry."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Step = Send | Read | Close | Sleep
Flow = Generator[Step, Any, T]
