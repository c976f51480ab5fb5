"""What ``asyncio.run`` per call costs over a warm call in one loop (issue: real programs).

    .venv/bin/python benchmarks/new_loop_cost.py

Against `FakeLMStudio` on loopback; medians of 200 calls after 20 warm-up runs. The extra cost
of a new loop is a new httpx pool for that loop (lmstudio_core/lifecycle.py) plus asyncio's own.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from langchain_lmstudio import ChatLMStudio
from llama_index_lmstudio import LMStudio
from lmstudio_core.testing import FakeLMStudio

CALLS = 200


def measure(call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Median seconds of a call in a new loop each time, and in one warm loop."""
    for _ in range(20):
        asyncio.run(call())
    fresh = []
    for _ in range(CALLS):
        start = time.perf_counter()
        asyncio.run(call())
        fresh.append(time.perf_counter() - start)

    async def warm() -> list[float]:
        times = []
        for _ in range(CALLS):
            start = time.perf_counter()
            await call()
            times.append(time.perf_counter() - start)
        return times

    return statistics.median(fresh), statistics.median(asyncio.run(warm()))


def main() -> None:
    with FakeLMStudio() as lms:
        llm = ChatLMStudio(base_url=lms.base_url, model="m")
        li = LMStudio(base_url=lms.base_url, model="m", context_window=4096)
        messages = [ChatMessage(role="user", content="hi")]
        rows: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("ChatLMStudio.ainvoke", lambda: llm.ainvoke("hi")),
            ("LMStudio.achat", lambda: li.achat(messages)),
        ]
        for name, call in rows:
            fresh, warm = measure(call)
            print(
                f"{name:22} new loop {fresh * 1e3:6.2f} ms  warm {warm * 1e3:6.2f} ms  "
                f"extra {(fresh - warm) * 1e3:5.2f} ms  ({fresh / warm:.2f}x)"
            )


if __name__ == "__main__":
    main()
