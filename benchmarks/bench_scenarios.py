"""One timed measurement per function; the caller interleaves them across rows and rounds."""

from __future__ import annotations

import asyncio
import gc
import re
import socket
import statistics
import time
from typing import Any

from bench_rows import Driver

perf = time.perf_counter
cpu = time.process_time
Timing = tuple[float, float]
"""``(wall, cpu)``: the CPU time is this process's only, so the server's share is excluded."""


class ShortStream(RuntimeError):
    """A row yielded fewer chunks than the server sent: its numbers would be meaningless."""


def _check(count: int, n: int) -> None:
    if count < n:
        raise ShortStream(f"got {count} chunks, expected at least {n}")


def stream_sync(driver: Driver, model: str, n: int) -> Timing:
    """Microseconds per chunk for one ``n``-chunk stream, sync."""
    gc.collect()
    count = 0
    start, start_cpu = perf(), cpu()
    for _ in driver.stream(model):
        count += 1
    elapsed, elapsed_cpu = perf() - start, cpu() - start_cpu
    _check(count, n)
    return elapsed / n * 1e6, elapsed_cpu / n * 1e6


async def stream_async(driver: Driver, model: str, n: int) -> Timing:
    """Microseconds per chunk for one ``n``-chunk stream, async."""
    gc.collect()
    count = 0
    start, start_cpu = perf(), cpu()
    async for _ in driver.astream(model):
        count += 1
    elapsed, elapsed_cpu = perf() - start, cpu() - start_cpu
    _check(count, n)
    return elapsed / n * 1e6, elapsed_cpu / n * 1e6


def calls(driver: Driver, model: str, count: int, budget: float) -> tuple[Timing, int]:
    """Microseconds per non-streamed call over ``count`` calls (fewer if ``budget`` s runs out)."""
    gc.collect()
    done = 0
    start, start_cpu = perf(), cpu()
    while done < count:
        driver.call(model)
        done += 1
        if done >= 5 and perf() - start > budget:
            break
    return ((perf() - start) / done * 1e6, (cpu() - start_cpu) / done * 1e6), done


async def concurrent(driver: Driver, model: str, streams: int, n: int) -> float:
    """Total chunks per second with ``streams`` concurrent async streams of ``n`` chunks."""

    async def one() -> int:
        count = 0
        async for _ in driver.astream(model):
            count += 1
        return count

    gc.collect()
    start = perf()
    counts = await asyncio.gather(*(one() for _ in range(streams)))
    elapsed = perf() - start
    for count in counts:
        _check(count, n)
    return streams * n / elapsed


async def time_to_first_chunk(
    driver: Driver, model: str, streams: int, stagger: float, deadline: float
) -> list[float]:
    """Per stream, milliseconds from its start to its first chunk, with ``streams`` running.

    Stream ``i`` is due ``i * stagger`` s after the first, so later streams start while earlier
    ones are delivering chunks; the time counts from when it was due, so a client that blocks
    the event loop (and so delays the start itself) shows. Streams that got nothing within
    ``deadline`` s count as ``deadline`` (a lower bound).
    """
    firsts: list[float] = []
    base = 0.0

    async def one(i: int) -> None:
        start = base + i * stagger
        await asyncio.sleep(max(0.0, start - perf()))
        first = True
        async for _ in driver.astream(model):
            if first:
                firsts.append((perf() - start) * 1000)
                first = False

    gc.collect()
    base = perf()
    tasks = [asyncio.ensure_future(one(i)) for i in range(streams)]
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()
    firsts.extend([deadline * 1000] * (streams - len(firsts)))
    return firsts


def new_loops(driver: Driver, model: str, calls: int) -> tuple[Timing, Timing]:
    """Milliseconds per non-streamed async call: ``asyncio.run`` per call, then one warm loop.

    Each is ``(wall median, cpu mean)`` over ``calls`` calls. A new loop per call is what many
    real programs do; its extra cost is a new connection pool for that loop plus asyncio's own.
    """
    fresh: list[float] = []
    gc.collect()
    start_cpu = cpu()
    for _ in range(calls):
        start = perf()
        asyncio.run(driver.acall(model))
        fresh.append(perf() - start)
    fresh_cpu = cpu() - start_cpu

    async def warm() -> tuple[list[float], float]:
        await driver.acall(model)  # this loop's pool
        times = []
        start_cpu = cpu()
        for _ in range(calls):
            start = perf()
            await driver.acall(model)
            times.append(perf() - start)
        return times, cpu() - start_cpu

    warm_times, warm_cpu = asyncio.run(warm())
    return (
        (statistics.median(fresh) * 1e3, fresh_cpu / calls * 1e3),
        (statistics.median(warm_times) * 1e3, warm_cpu / calls * 1e3),
    )


# -- the server alone: a raw-socket reader, to show the clients are not server-bound -----------

_LENGTH = re.compile(rb"content-length: (\d+)", re.IGNORECASE)


def _request(port: int, model: str, stream: bool) -> bytes:
    body = b'{"model":"%s","messages":[{"role":"user","content":"Say hello."}],"stream":%s}' % (
        model.encode(),
        b"true" if stream else b"false",
    )
    return (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:%d\r\n"
        b"content-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (port, len(body), body)
    )


def _read_stream(sock: socket.socket) -> int:
    """Read a chunked response to its end; return the bytes read."""
    total = 0
    tail = b""
    while True:
        data = sock.recv(262144)
        if not data:
            raise ConnectionError("server closed the stream early")
        total += len(data)
        tail = (tail + data)[-5:]
        if tail == b"0\r\n\r\n":
            return total


def server_stream(port: int, model: str, n: int) -> float:
    """Microseconds per chunk the server needs to deliver one stream to a raw socket."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        request = _request(port, model, True)
        sock.sendall(request)  # warm: first answer builds the server's cache
        _read_stream(sock)
        start = perf()
        sock.sendall(request)
        _read_stream(sock)
        return (perf() - start) / n * 1e6


def server_calls(port: int, count: int) -> float:
    """Microseconds per non-streamed call against a raw keep-alive socket."""
    request = _request(port, "bench-model", False)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = perf()
        for _ in range(count):
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            match = _LENGTH.search(head)
            need = int(match.group(1)) if match else 0
            while len(body) < need:
                body += sock.recv(65536)
        return (perf() - start) / count * 1e6


async def server_concurrent(port: int, model: str, streams: int, n: int) -> float:
    """Chunks per second the server delivers to ``streams`` raw asyncio sockets at once."""

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_request(port, model, True))
        tail = b""
        while tail != b"0\r\n\r\n":
            data = await reader.read(262144)
            if not data:
                raise ConnectionError("server closed the stream early")
            tail = (tail + data)[-5:]
        writer.close()

    start = perf()
    await asyncio.gather(*(one() for _ in range(streams)))
    return streams * n / (perf() - start)


def summary(values: list[float]) -> dict[str, Any]:
    """Median, spread ((max - min) / median) and the raw values."""
    if not values:
        return {"median": None, "spread": None, "values": []}
    median = statistics.median(values)
    spread = (max(values) - min(values)) / median if median else 0.0
    return {"median": median, "spread": spread, "values": [round(v, 3) for v in values]}
