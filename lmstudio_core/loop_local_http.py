"""`LoopLocalAsyncHTTP`: one `httpx.AsyncClient` per running event loop, closed with its loop.

An `httpx.AsyncClient` is bound to the loop it first ran in, and real programs run many loops
over one object's life (``asyncio.run()`` per request or notebook cell, pytest-asyncio's loop
per test, LlamaIndex's sync wrappers, threads that each run a loop). So each running loop gets
its own client, closed *inside that loop* when the loop shuts down: ``asyncio.run``,
``asyncio.Runner`` and pytest-asyncio call ``loop.shutdown_asyncgens()`` before closing a loop,
and a tiny async generator registered with the loop (its "closer") receives that call and
awaits ``aclose()``. A loop closed without that call (``loop.close()`` by hand, as LlamaIndex's
``asyncio_run`` does) has its client's sockets released synchronously the next time any loop
asks for a client. No socket outlives its loop unclosed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = ["LoopLocalAsyncHTTP"]


async def _closer(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Parked at its ``yield`` until the loop's ``shutdown_asyncgens()`` closes it."""
    try:
        yield
    finally:
        await http.aclose()


def _register_closer(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Start a closer in the running loop (synchronously: it reaches ``yield`` at once).

    Calling ``__anext__()`` runs the loop's first-iteration hook, which adds the generator to
    the loop's set of async generators that ``shutdown_asyncgens()`` closes. The caller keeps a
    strong reference: the loop holds only a weak one.
    """
    closer = _closer(http)
    step = closer.__anext__()
    with suppress(StopIteration):
        step.send(None)
    return closer


def _release_sockets(http: httpx.AsyncClient) -> None:
    """Close, without a loop, the sockets of a client whose event loop was closed under it.

    Best effort over httpx/httpcore/anyio internals: the transports cannot be closed the normal
    way (that schedules a callback on the closed loop), so each is told its connection is lost,
    which closes its socket. Anything unexpected is left to the garbage collector.
    """
    pool = getattr(getattr(http, "_transport", None), "_pool", None)
    for connection in list(getattr(pool, "connections", ())):
        stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
        transport = getattr(getattr(stream, "_stream", None), "_transport", None)
        lost = getattr(transport, "_call_connection_lost", None)
        if lost is not None:
            with suppress(Exception):
                lost(None)


class LoopLocalAsyncHTTP:
    """One `httpx.AsyncClient` per running event loop, each closed when its loop shuts down.

    Args:
        factory: builds a new `httpx.AsyncClient` (called inside the loop that will use it).
    """

    def __init__(self, factory: Callable[[], httpx.AsyncClient]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        # loop -> (its client, its closer); strong references, dropped once the loop is closed.
        self._clients: dict[asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, Any]] = {}

    def get(self) -> httpx.AsyncClient:
        """The client of the running event loop (created on first use in that loop)."""
        loop = asyncio.get_running_loop()
        entry = self._clients.get(loop)
        if entry is not None:
            return entry[0]
        with self._lock:
            self._forget_closed_loops()
            http = self._factory()
            self._clients[loop] = (http, _register_closer(http))
            return http

    def _forget_closed_loops(self) -> None:
        for loop in [loop for loop in self._clients if loop.is_closed()]:
            http, _ = self._clients.pop(loop)
            if not http.is_closed:  # the loop was closed without shutdown_asyncgens()
                _release_sockets(http)

    async def aclose(self) -> None:
        """Close the running loop's client; release those of loops that are already closed."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._clients.pop(loop, None)
            self._forget_closed_loops()
        if entry is not None:
            http, closer = entry
            await http.aclose()
            await closer.aclose()
