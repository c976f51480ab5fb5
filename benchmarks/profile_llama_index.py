"""Where `LMStudio` (llama-index) spends its time per chunk: its own share, and a profile.

Usage::

    python benchmarks/profile_llama_index.py                 # own share, sync and async
    python benchmarks/profile_llama_index.py --profile sync  # cProfile of LMStudio streams
    python benchmarks/profile_llama_index.py --profile call  # ... of non-streamed calls

Streams ``--chunks`` chunks from the fake server (`bench_server`) through raw httpx, the core,
the LlamaIndex floor and `LMStudio` (and OpenAILike when installed) in interleaved rounds, and
prints this process's CPU time per chunk and per call, and `LMStudio`'s own share: its time
less raw httpx's and the floor's. The rows are `bench_rows`' drivers, so the floor is whatever
`bench_floors` builds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import random
import statistics
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from bench_rows import BY_NAME, Driver  # noqa: E402
from bench_server import BenchServer  # noqa: E402

ROWS = ["raw httpx", "lmstudio_core", "LlamaIndex floor", "LMStudio (llama-index)", "OpenAILike"]
OURS, RAW, FLOOR = "LMStudio (llama-index)", "raw httpx", "LlamaIndex floor"
cpu = time.process_time


async def _consume(driver: Driver, model: str) -> None:
    async for _ in driver.astream(model):
        pass


def measure(
    drivers: dict[str, Driver],
    loop: asyncio.AbstractEventLoop,
    chunks: int,
    rounds: int,
    calls: int,
) -> None:
    """Print CPU µs per chunk (sync, async) and per call, medians over interleaved rounds."""
    model = f"bench-{chunks}"
    values: dict[str, dict[str, list[float]]] = {n: {} for n in drivers}

    def record(name: str, metric: str, per: int, run: Any) -> None:
        gc.collect()
        start = cpu()
        run()
        values[name].setdefault(metric, []).append((cpu() - start) / per * 1e6)

    for round_no in range(rounds):
        print(f"round {round_no + 1}/{rounds}", file=sys.stderr)
        names = list(drivers)
        random.Random(round_no).shuffle(names)
        for name in names:
            d = drivers[name]
            record(name, "sync", chunks, lambda d=d: sum(1 for _ in d.stream(model)))
            record(name, "async", chunks, lambda d=d: loop.run_until_complete(_consume(d, model)))
            record(name, "call", calls, lambda d=d: [d.call("bench-model") for _ in range(calls)])
    medians = {n: {m: statistics.median(v) for m, v in ms.items()} for n, ms in values.items()}
    print(f"CPU µs, {chunks}-chunk streams, {calls} calls, median of {rounds} rounds")
    print(f"{'row':24} {'sync/chunk':>10} {'async/chunk':>11} {'per call':>9}")
    for name, m in medians.items():
        print(f"{name:24} {m['sync']:10.2f} {m['async']:11.2f} {m['call']:9.0f}")
    if {OURS, RAW, FLOOR} <= set(medians):
        ours, raw, floor = medians[OURS], medians[RAW], medians[FLOOR]
        for mode in ("sync", "async"):
            line = f"{OURS} own share {mode}: {ours[mode] - raw[mode] - floor[mode]:.2f} µs/chunk"
            if "OpenAILike" in medians:
                line += f", {ours[mode] / medians['OpenAILike'][mode]:.3f}x OpenAILike"
            print(line)
        print(f"{OURS} non-streamed: {ours['call'] / raw['call']:.2f}x raw httpx")


def profile(
    driver: Driver, loop: asyncio.AbstractEventLoop, what: str, chunks: int, calls: int
) -> None:
    """cProfile of `LMStudio` streams (``sync``/``async``) or calls, top 40 by own time."""
    model = f"bench-{chunks}"
    profiler = cProfile.Profile()
    profiler.enable()
    if what == "sync":
        for _ in driver.stream(model):
            pass
    elif what == "async":
        loop.run_until_complete(_consume(driver, model))
    else:
        for _ in range(calls):
            driver.call("bench-model")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--profile", choices=["sync", "async", "call"])
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    with BenchServer() as server:
        names = [OURS] if args.profile else ROWS
        drivers: dict[str, Driver] = {}
        for name in names:
            row = BY_NAME[name]
            if row.missing():
                print(f"skip {name}: {row.missing()}", file=sys.stderr)
                continue
            driver = drivers[name] = row.driver(server.url)
            for _ in range(3):  # build the clients, open the connections, warm every path
                list(driver.stream("bench-20"))
                loop.run_until_complete(_consume(driver, "bench-20"))
                driver.call("bench-model")
        if args.profile:
            profile(drivers[OURS], loop, args.profile, args.chunks, args.calls)
        else:
            measure(drivers, loop, args.chunks, args.rounds, args.calls)


if __name__ == "__main__":
    main()
