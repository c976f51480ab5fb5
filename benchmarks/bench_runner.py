"""`Bench`: one benchmark run's server, drivers and numbers, measured section by section.

`overhead.py` builds it and calls its sections in order; each section interleaves the rows
(shuffled per round) so machine noise hits all rows alike.
"""

from __future__ import annotations

import asyncio
import importlib.util
import random
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import bench_scenarios as sc
from bench_probes import IMPORTS, Counters, import_seconds, rss_after_calls, warm_import
from bench_report import SERVER
from bench_rows import LC_FLOOR_OVER_RAW, LI_FLOOR_OVER_RAW, ROWS, Driver
from bench_server import BenchServer

FLOORS_OVER_RAW = (LC_FLOOR_OVER_RAW, LI_FLOOR_OVER_RAW)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    """One run: the server, the drivers, and the numbers collected so far."""

    def __init__(self, cfg: dict[str, Any], server: BenchServer, only: set[str] | None) -> None:
        self.cfg = cfg
        self.server = server
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.rng = random.Random(cfg["seed"])
        self.counters = Counters()
        self.drivers: dict[str, Driver] = {}
        self.values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.rows: dict[str, dict[str, Any]] = {
            SERVER: {"group": "server", "framework": None, "status": "ok"}
        }
        self.requests: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.only = only

    # -- set-up ----------------------------------------------------------------------------

    def setup(self) -> None:
        self.counters.install()
        models = [
            f"bench-{self.cfg['chunks']}",
            f"bench-{self.cfg['concurrent_chunks']}",
            self.cfg["paced_model"],
            "bench-model",
        ]
        for row in ROWS:
            entry = self.rows[row.name] = {
                "group": row.group,
                "framework": row.framework,
                "status": "ok",
            }
            reason = row.missing()
            if self.only is not None and row.name not in self.only:
                reason = "not selected (--only)"
            if reason:
                entry["status"] = f"skipped: {reason}"
                log(f"  skip {row.name}: {reason}")
                continue
            try:
                driver = row.driver(self.server.url)
                self._warm(driver, models)
            except Exception as exc:
                entry["status"] = f"error while warming up: {type(exc).__name__}: {exc}"[:300]
                log(f"  {row.name}: {entry['status']}")
                continue
            self.drivers[row.name] = driver

    def _warm(self, driver: Driver, models: list[str]) -> None:
        """Build each model's client, open connections, run every code path once."""

        async def consume(n: int) -> None:
            async for _ in driver.astream(f"bench-{n}"):
                pass

        for _ in range(3):
            for model in models if driver.network else models[:2]:
                driver.call(model)
                self.loop.run_until_complete(driver.acall(model))
        for _ in driver.stream("bench-20"):
            pass
        self.loop.run_until_complete(consume(20))

    # -- measuring -------------------------------------------------------------------------

    def _record(self, name: str, metric: str, measure: Callable[[], Any]) -> None:
        """Run one measurement; a ``(wall, cpu)`` pair also records ``<metric>_cpu``."""
        row = self.rows[name]
        errors = row.setdefault("errors", {})
        if metric in errors:
            return
        try:
            value = measure()
            if isinstance(value, tuple):
                value, cpu = value
                self.values[name][metric + "_cpu"].append(cpu)
            self.values[name][metric].append(value)
        except Exception as exc:
            errors[metric] = f"{type(exc).__name__}: {exc}"[:300]
            log(f"  {name} {metric}: {errors[metric]}")

    def _counted(self, name: str, requests: int, measure: Callable[[], Any]) -> Any:
        """Run ``measure`` and count new connections, clients and SSL contexts it caused."""
        conns = self.server.connections()
        clients, contexts = self.counters.snapshot()
        value = measure()
        tally = self.requests[name]
        tally[0] += requests
        # The first request may reconnect: the pool drops connections idle for 5 s (httpx's
        # keep-alive expiry) while the other rows run. Only connections beyond that count.
        tally[1] += max(0, self.server.connections() - conns - 1)
        tally[2] += self.counters.clients - clients
        tally[3] += self.counters.ssl_contexts - contexts
        return value

    def _under_load(self, name: str) -> bool:
        """Rows for the concurrency, first-chunk and RSS sections (no floors or references)."""
        return self.drivers[name].network and self.rows[name]["group"] != "reference"

    def order(self) -> list[str]:
        names = [SERVER, *self.drivers]
        self.rng.shuffle(names)
        return names

    def streams_and_calls(self) -> None:
        cfg = self.cfg
        n = cfg["chunks"]
        model = f"bench-{n}"
        per_round = max(1, cfg["calls"] // cfg["rounds"])
        port = self.server.port
        for round_no in range(cfg["rounds"]):
            log(f"round {round_no + 1}/{cfg['rounds']}: streams and calls")
            for name in self.order():
                if name == SERVER:
                    self._record(name, "stream_sync", lambda: sc.server_stream(port, model, n))
                    continue
                d = self.drivers[name]
                self._record(
                    name,
                    "stream_sync",
                    lambda d=d, name=name: self._counted(
                        name, 1, lambda: sc.stream_sync(d, model, n)
                    ),
                )
            for name in self.order():
                if name == SERVER:
                    continue
                d = self.drivers[name]
                self._record(
                    name,
                    "stream_async",
                    lambda d=d, name=name: self._counted(
                        name,
                        1,
                        lambda: self.loop.run_until_complete(sc.stream_async(d, model, n)),
                    ),
                )
            for name in self.order():
                if name == SERVER:
                    self._record(name, "call", lambda: sc.server_calls(port, per_round))
                    continue
                self._calls(name, per_round)

    def _calls(self, name: str, count: int) -> None:
        d = self.drivers[name]
        done: list[int] = []

        def measure() -> sc.Timing:
            value, calls = sc.calls(d, "bench-model", count, self.cfg["call_budget_s"])
            done.append(calls)
            return value

        self._record(name, "call", lambda: self._counted(name, count, measure))
        if done:
            tally = self.requests[name]
            tally[0] += done[0] - count  # _counted assumed ``count`` requests
            self.rows[name]["calls_done"] = self.rows[name].get("calls_done", 0) + done[0]

    def concurrency(self) -> None:
        cfg = self.cfg
        model = f"bench-{cfg['concurrent_chunks']}"
        streams, n = cfg["streams"], cfg["concurrent_chunks"]
        port = self.server.port
        for round_no in range(cfg["concurrent_rounds"]):
            log(f"round {round_no + 1}/{cfg['concurrent_rounds']}: {streams} concurrent streams")
            for name in self.order():
                if round_no > 0 and self.rows[name]["group"] == "peer":
                    continue  # the peers are 3-10x slower here: one round keeps the run short
                if name == SERVER:
                    self._record(
                        name,
                        "concurrent",
                        lambda: self.loop.run_until_complete(
                            sc.server_concurrent(port, model, streams, n)
                        ),
                    )
                    continue
                d = self.drivers[name]
                # the floor-over-raw references run here too: they show the framework's own bound
                if not (self._under_load(name) or (d.network and name in FLOORS_OVER_RAW)):
                    continue
                self._record(
                    name,
                    "concurrent",
                    lambda d=d: self.loop.run_until_complete(sc.concurrent(d, model, streams, n)),
                )

    def first_chunks(self) -> None:
        cfg = self.cfg
        for round_no in range(cfg["ttfc_rounds"]):
            log(f"round {round_no + 1}/{cfg['ttfc_rounds']}: time to first chunk under load")
            for name in self.order():
                if name == SERVER or not self._under_load(name):
                    continue
                d = self.drivers[name]
                firsts: list[float] = []

                def measure(d: Driver = d, firsts: list[float] = firsts) -> float:
                    firsts.extend(
                        self.loop.run_until_complete(
                            sc.time_to_first_chunk(
                                d,
                                cfg["paced_model"],
                                cfg["ttfc_streams"],
                                cfg["ttfc_stagger_s"],
                                cfg["ttfc_deadline_s"],
                            )
                        )
                    )
                    return statistics.median(firsts)

                self._record(name, "ttfc", measure)
                if firsts:
                    p95 = sorted(firsts)[int(0.95 * (len(firsts) - 1))]
                    self.values[name]["ttfc_p95"].append(p95)

    def new_loops(self) -> None:
        """``asyncio.run`` per non-streamed call against calls in one warm loop (our rows)."""
        cfg = self.cfg
        names = [n for n in self.drivers if self.rows[n]["group"] in ("core", "adapter")]
        for round_no in range(cfg["loop_rounds"]):
            log(f"round {round_no + 1}/{cfg['loop_rounds']}: a new event loop per call")
            self.rng.shuffle(names)
            for name in names:
                d = self.drivers[name]
                pairs: list[tuple[sc.Timing, sc.Timing]] = []

                def measure(d: Driver = d, pairs: list[Any] = pairs) -> sc.Timing:
                    pairs.append(sc.new_loops(d, "bench-model", cfg["loop_calls"]))
                    return pairs[-1][0]

                self._record(name, "loop_fresh", measure)
                if pairs:
                    warm_wall, warm_cpu = pairs[-1][1]
                    self.values[name]["loop_warm"].append(warm_wall)
                    self.values[name]["loop_warm_cpu"].append(warm_cpu)
        asyncio.set_event_loop(self.loop)  # asyncio.run left none set

    def imports(self) -> dict[str, Any]:
        cfg = self.cfg
        available = []
        out: dict[str, Any] = {}
        for label, statement, module in IMPORTS:
            try:
                found = importlib.util.find_spec(module) is not None
            except ModuleNotFoundError:
                found = False
            if found:
                available.append((label, statement))
            else:
                out[label] = f"skipped: {module} is not installed"
        for label, statement in available:
            try:
                warm_import(statement)
            except Exception as exc:
                out[label] = f"error: {exc}"[:200]
        samples: dict[str, list[float]] = defaultdict(list)
        runs = cfg["import_runs"]
        for run in range(runs):
            log(f"imports: run {run + 1}/{runs}")
            self.rng.shuffle(available)
            for label, statement in available:
                try:
                    samples[label].append(import_seconds(statement))
                except Exception as exc:
                    out[label] = f"error: {exc}"[:200]
        order = [label for label, _, _ in IMPORTS]
        for label, values in samples.items():
            if label not in out:
                out[label] = sc.summary(values)
        return {label: out[label] for label in order if label in out}

    def rss(self) -> None:
        cfg = self.cfg
        for name in self.drivers:
            if not self._under_load(name):
                continue
            log(f"RSS: {name}")
            try:
                self.rows[name]["rss"] = rss_after_calls(
                    name, self.server.url, cfg["rss_calls"], cfg["rss_budget_s"]
                )
            except Exception as exc:
                self.rows[name]["rss"] = f"error: {exc}"[:200]

    def collect(self) -> dict[str, dict[str, Any]]:
        for name, metrics in self.values.items():
            for metric, values in metrics.items():
                self.rows[name][metric] = sc.summary(values)
        for name, (requests, conns, clients, contexts) in self.requests.items():
            if requests:
                self.rows[name]["per_100_requests"] = {
                    "requests": requests,
                    "connections": round(100 * conns / requests, 2),
                    "clients": round(100 * clients / requests, 2),
                    "ssl_contexts": round(100 * contexts / requests, 2),
                }
        for row in self.rows.values():
            if row.get("errors"):
                row["status"] = "errors: " + "; ".join(
                    f"{k}: {v}" for k, v in row["errors"].items()
                )
            elif "errors" in row:
                del row["errors"]
        return self.rows
