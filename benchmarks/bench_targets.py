"""Issue 14's targets, checked against one run's medians: each with its value, PASS or FAIL.

Per chunk and per call the rows are compared by process CPU time (as the issue measured them:
robust to the load of a shared machine, and the server's share is excluded); throughput, time
to first chunk and the new-loop cost are wall time by nature. Imports are process CPU too.
"""

from __future__ import annotations

from typing import Any

from bench_report import (
    CORE,
    LC_ADAPTER,
    LC_FLOOR,
    LI_ADAPTER,
    LI_FLOOR,
    RAW,
    SERVER,
    fmt,
    median,
    ratio,
)
from bench_rows import LC_FLOOR_OVER_RAW, LI_FLOOR_OVER_RAW

PEER_OF = {LC_ADAPTER: "ChatOpenAI", LI_ADAPTER: "OpenAILike"}
FLOOR_OF = {LC_ADAPTER: LC_FLOOR, LI_ADAPTER: LI_FLOOR}
FRAMEWORK_IMPORT = {
    "langchain_lmstudio": "langchain-core (BaseChatModel)",
    "llama_index_lmstudio": "llama-index-core (FunctionCallingLLM)",
}


def _target(name: str, value: float | None, limit: float | None, detail: str) -> dict[str, Any]:
    """``value <= limit`` passes; ``None`` for either means not measured."""
    met = None if value is None or limit is None else value <= limit
    return {"name": name, "value": value, "limit": limit, "met": met, "detail": detail}


def render_targets(targets: list[dict[str, Any]]) -> str:
    """The target checklist: PASS, FAIL, or n/a (not measured in this run)."""
    lines = []
    for target in targets:
        mark = {True: "PASS", False: "FAIL", None: "n/a"}[target["met"]]
        lines.append(f"  [{mark:>4}] {target['name']}: {target['detail']}")
    return "Targets (issue 14; from this run's medians)\n" + "\n".join(lines)


class _Run:
    """Medians of one run, CPU time preferred where it was recorded."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results

    def wall(self, row: str, metric: str) -> float | None:
        return median(self.results, row, metric)

    def cpu(self, row: str, metric: str) -> float | None:
        return median(self.results, row, metric + "_cpu")

    def imp(self, label: str) -> float | None:
        entry = self.results["imports"].get(label)
        return entry["median"] * 1000 if isinstance(entry, dict) else None


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of the issue (and the core's standing ones) against this run."""
    run = _Run(results)
    out: list[dict[str, Any]] = []
    for mode in ("sync", "async"):
        out += _stream_targets(run, f"stream_{mode}", mode)
    out += _call_targets(run)
    out += _load_targets(run, results["config"]["streams"])
    out += _loop_targets(run)
    out += _import_targets(run)
    server, raw = run.wall(SERVER, "stream_sync"), run.wall(RAW, "stream_sync")
    out.append(
        _target(
            "raw httpx is not server-bound (server alone <= 0.5x raw httpx per chunk)",
            server / raw if server and raw else None,
            0.5,
            f"server alone {fmt(server, 2)} µs vs raw httpx {fmt(raw)} µs per chunk (wall)",
        )
    )
    return out


def _stream_targets(run: _Run, metric: str, mode: str) -> list[dict[str, Any]]:
    out = []
    raw, core = run.cpu(RAW, metric), run.cpu(CORE, metric)
    out.append(
        _target(
            f"lmstudio_core per chunk ({mode}) <= 1.15x raw httpx",
            core / raw if core and raw else None,
            1.15,
            f"cpu {fmt(core)} vs {fmt(raw)} µs = {ratio(core, raw)}",
        )
    )
    for adapter, floor in FLOOR_OF.items():
        value, base = run.cpu(adapter, metric), run.cpu(floor, metric)
        limit = raw + base + 5 if raw is not None and base is not None else None
        own = value - raw - base if value is not None and limit is not None else None
        out.append(
            _target(
                f"{adapter} per chunk ({mode}) <= raw httpx + {floor} + 5 µs",
                value,
                limit,
                f"cpu {fmt(value)} µs vs {fmt(raw)} + {fmt(base)} + 5 = {fmt(limit)} µs "
                f"(own share {fmt(own)} µs)",
            )
        )
        peer = PEER_OF[adapter]
        peer_value = run.cpu(peer, metric)
        out.append(
            _target(
                f"{adapter} per chunk ({mode}) <= 0.2x {peer}",
                value / peer_value if value and peer_value else None,
                0.2,
                f"cpu {fmt(value)} vs {fmt(peer_value)} µs = {ratio(value, peer_value)}",
            )
        )
    return out


def _call_targets(run: _Run) -> list[dict[str, Any]]:
    out = []
    raw = run.cpu(RAW, "call")
    per = (run.results["rows"].get(CORE) or {}).get("per_100_requests") or {}
    if per:
        worst = max(per.get("clients", 0), per.get("ssl_contexts", 0), per.get("connections", 0))
        out.append(
            _target(
                "lmstudio_core: no new client, SSL context or connection per request",
                worst,
                1.0,
                f"per 100 warm requests: {per.get('clients')} clients, "
                f"{per.get('ssl_contexts')} SSL contexts, {per.get('connections')} connections",
            )
        )
    for adapter, floor in FLOOR_OF.items():
        value, base = run.cpu(adapter, "call"), run.cpu(floor, "call")
        out.append(
            _target(
                f"{adapter} non-streamed call <= 1.4x raw httpx",
                value / raw if value and raw else None,
                1.4,
                f"cpu {fmt(value, 0)} vs {fmt(raw, 0)} µs = {ratio(value, raw)} "
                f"({floor}: {fmt(base, 0)} µs)",
            )
        )
    return out


def _load_targets(run: _Run, streams: int) -> list[dict[str, Any]]:
    out = []
    raw_t = run.wall(RAW, "concurrent")
    bounds = {LC_ADAPTER: LC_FLOOR_OVER_RAW, LI_ADAPTER: LI_FLOOR_OVER_RAW}
    for row, least in ((CORE, 0.8), (LC_ADAPTER, 0.5), (LI_ADAPTER, 0.5)):
        value = run.wall(row, "concurrent")
        share = value / raw_t if value and raw_t else None
        floor = run.wall(bounds[row], "concurrent") if row in bounds else None
        bound = f" ({bounds[row]}: {fmt(floor, 0)} = {ratio(floor, raw_t)})" if floor else ""
        out.append(
            {  # higher is better: PASS when value / raw >= least
                **_target(
                    f"{row}: {streams} concurrent async streams >= {least}x raw httpx throughput",
                    None if share is None else -share,
                    -least,
                    "",
                ),
                "detail": f"{fmt(value, 0)} vs {fmt(raw_t, 0)} chunks/s = {ratio(value, raw_t)}"
                + bound,
            }
        )
    raw_f = run.wall(RAW, "ttfc")
    for row in (CORE, LC_ADAPTER, LI_ADAPTER):
        value = run.wall(row, "ttfc")
        out.append(
            _target(
                f"{row}: time to first chunk under load <= 1.2x raw httpx",
                value / raw_f if value and raw_f else None,
                1.2,
                f"median {fmt(value)} vs {fmt(raw_f)} ms = {ratio(value, raw_f)}",
            )
        )
    return out


def _loop_targets(run: _Run) -> list[dict[str, Any]]:
    out = []
    for adapter in (LC_ADAPTER, LI_ADAPTER):
        fresh, warm = run.wall(adapter, "loop_fresh"), run.wall(adapter, "loop_warm")
        extra = fresh - warm if fresh is not None and warm is not None else None
        fresh_cpu, warm_cpu = run.cpu(adapter, "loop_fresh"), run.cpu(adapter, "loop_warm")
        extra_cpu = fresh_cpu - warm_cpu if fresh_cpu is not None and warm_cpu is not None else None
        out.append(
            _target(
                f"{adapter}: asyncio.run per call <= 2 ms over a warm call",
                extra,
                2.0,
                f"{fmt(fresh, 2)} vs {fmt(warm, 2)} ms = +{fmt(extra, 2)} ms "
                f"(cpu +{fmt(extra_cpu, 2)} ms)",
            )
        )
    return out


def _import_targets(run: _Run) -> list[dict[str, Any]]:
    out = []
    for ours, base in FRAMEWORK_IMPORT.items():
        a, b = run.imp(ours), run.imp(base)
        added = a - b if a is not None and b is not None else None
        out.append(
            _target(
                f"import {ours} adds <= 60 ms to {base} (process CPU)",
                added,
                60.0,
                f"{fmt(a, 0)} vs {fmt(b, 0)} ms = +{fmt(added, 0)} ms",
            )
        )
    core_ms = run.imp("lmstudio_core")
    out.append(
        _target(
            "import lmstudio_core < 150 ms (process CPU)", core_ms, 150.0, f"{fmt(core_ms, 0)} ms"
        )
    )
    return out
