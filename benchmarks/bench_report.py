"""Turn the collected numbers into tables (ratios to raw httpx and to the best peer) and targets."""

from __future__ import annotations

from typing import Any

RAW = "raw httpx"
CORE = "lmstudio_core"
LC_ADAPTER = "ChatLMStudio"
LI_ADAPTER = "LMStudio (llama-index)"
LC_FLOOR = "LangChain floor"
LI_FLOOR = "LlamaIndex floor"
SERVER = "server alone (raw socket)"


def median(results: dict[str, Any], row: str, metric: str) -> float | None:
    """The median of ``metric`` for ``row``, or ``None`` when it was not measured."""
    entry = results["rows"].get(row, {}).get(metric)
    return entry.get("median") if isinstance(entry, dict) else None


def _peers(results: dict[str, Any]) -> list[str]:
    return [name for name, row in results["rows"].items() if row.get("group") == "peer"]


def best_peer(results: dict[str, Any], metric: str, higher_is_better: bool = False) -> str | None:
    """The peer with the best median for ``metric``."""
    scored = [(median(results, p, metric), p) for p in _peers(results)]
    valid = [(v, p) for v, p in scored if v is not None]
    if not valid:
        return None
    return (max(valid) if higher_is_better else min(valid))[1]


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for a table cell (``-`` when not measured)."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(value: float | None, base: float | None) -> str:
    """``value / base`` as ``1.23x`` (``-`` when either is missing)."""
    if value is None or not base:
        return "-"
    return f"{value / base:.2f}x"


def _cell(results: dict[str, Any], row: str, metric: str, digits: int = 1) -> str:
    entry = results["rows"].get(row, {}).get(metric)
    if not isinstance(entry, dict) or entry.get("median") is None:
        return "-"
    spread = entry.get("spread")
    tail = f" ±{spread * 50:.0f}%" if spread else ""
    return fmt(entry["median"], digits) + tail


def _table(header: list[str], lines: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*header), "  ".join("-" * w for w in widths)]
    out += [fmt.format(*line) for line in lines]
    return "\n".join(out)


def _rows(results: dict[str, Any], metric: str) -> list[str]:
    return [name for name, row in results["rows"].items() if row.get(metric)]


_NOTE = "  (± = half the min-max range over rounds, as % of the median)"
"""Appended to the titles of tables whose cells show a spread."""


def render(results: dict[str, Any]) -> str:
    """The whole report as text: one table per measurement, then what was not measured."""
    parts = [
        _stream_table(results),
        _call_table(results),
        _concurrency_table(results),
        _loop_table(results),
        _imports_table(results),
    ]
    rss = _rss_table(results)
    if rss is not None:
        parts.append(rss)
    skipped = [f"  {name}: {row['status']}" for name, row in results["rows"].items()]
    skipped = [line for line in skipped if not line.endswith(": ok")]
    if skipped:
        parts.append("Not measured:\n" + "\n".join(skipped))
    return "\n\n".join(parts)


def _stream_table(results: dict[str, Any]) -> str:
    """Streamed chunks: µs per chunk, sync and async, wall and CPU time, against raw and peer."""
    cfg, note = results["config"], _NOTE
    lines = []
    peer_s, peer_a = best_peer(results, "stream_sync"), best_peer(results, "stream_async")
    raw_s, raw_a = median(results, RAW, "stream_sync"), median(results, RAW, "stream_async")
    best_s = median(results, peer_s, "stream_sync") if peer_s else None
    best_a = median(results, peer_a, "stream_async") if peer_a else None
    raw_sc, raw_ac = (
        median(results, RAW, "stream_sync_cpu"),
        median(results, RAW, "stream_async_cpu"),
    )
    for name in _rows(results, "stream_sync"):
        sync, asyn = median(results, name, "stream_sync"), median(results, name, "stream_async")
        sync_cpu = median(results, name, "stream_sync_cpu")
        async_cpu = median(results, name, "stream_async_cpu")
        lines.append(
            [
                name,
                _cell(results, name, "stream_sync"),
                ratio(sync, raw_s),
                ratio(sync, best_s),
                fmt(sync_cpu),
                ratio(sync_cpu, raw_sc),
                _cell(results, name, "stream_async"),
                ratio(asyn, raw_a),
                ratio(asyn, best_a),
                fmt(async_cpu),
                ratio(async_cpu, raw_ac),
            ]
        )
    return (
        f"Streamed chunks: µs per chunk, {cfg['chunks']}-chunk stream, median of "
        f"{cfg['rounds']} interleaved rounds{note}\n"
        "cpu = this process's CPU time only (robust to machine load; excludes the server)\n"
        f"best peer: sync {peer_s or '-'}, async {peer_a or '-'}\n"
        + _table(
            [
                "row",
                "sync µs",
                "x raw",
                "x peer",
                "cpu µs",
                "x raw",
                "async µs",
                "x raw",
                "x peer",
                "cpu µs",
                "x raw",
            ],
            lines,
        )
    )


def _call_table(results: dict[str, Any]) -> str:
    """Non-streamed calls: µs per warm call, and what each request created."""
    cfg = results["config"]
    peer_c = best_peer(results, "call")
    raw_c = median(results, RAW, "call")
    best_c = median(results, peer_c, "call") if peer_c else None
    raw_cc = median(results, RAW, "call_cpu")
    lines = []
    for name in _rows(results, "call"):
        row = results["rows"][name]
        value = median(results, name, "call")
        value_cpu = median(results, name, "call_cpu")
        per = row.get("per_100_requests") or {}
        lines.append(
            [
                name,
                _cell(results, name, "call", 0),
                ratio(value, raw_c),
                ratio(value, best_c),
                fmt(value_cpu, 0),
                ratio(value_cpu, raw_cc),
                str(row.get("calls_done", "-")),
                fmt(per.get("connections"), 1) if per else "-",
                fmt(per.get("clients"), 1) if per else "-",
                fmt(per.get("ssl_contexts"), 1) if per else "-",
            ]
        )
    return (
        f"Non-streamed call: µs per warm call (up to {cfg['calls']} calls, time-capped per "
        f"round); best peer: {peer_c or '-'}\n"
        "new conns / clients / SSL ctx: created per 100 requests while measuring (calls and "
        "single streams; a reconnect on a measurement's first request is not counted)\n"
        + _table(
            [
                "row",
                "µs/call",
                "x raw",
                "x peer",
                "cpu µs",
                "x raw",
                "calls",
                "new conns",
                "clients",
                "SSL ctx",
            ],
            lines,
        )
    )


def _concurrency_table(results: dict[str, Any]) -> str:
    """Concurrent async streams' throughput and time to first chunk under load."""
    cfg = results["config"]
    peer_t = best_peer(results, "concurrent", higher_is_better=True)
    raw_t = median(results, RAW, "concurrent")
    best_t = median(results, peer_t, "concurrent") if peer_t else None
    raw_f = median(results, RAW, "ttfc")
    lines = []
    for name in _rows(results, "concurrent"):
        value = median(results, name, "concurrent")
        ttfc = median(results, name, "ttfc")
        lines.append(
            [
                name,
                _cell(results, name, "concurrent", 0),
                ratio(value, raw_t),
                ratio(value, best_t),
                _cell(results, name, "ttfc"),
                _cell(results, name, "ttfc_p95"),
                ratio(ttfc, raw_f),
            ]
        )
    return (
        f"{cfg['streams']} concurrent async streams of {cfg['concurrent_chunks']} chunks: total "
        f"chunks/s ({cfg['concurrent_rounds']} rounds, peers 1); time to first chunk "
        "(ms, median and p95 "
        f"over {cfg['ttfc_streams']} staggered streams against a paced server "
        f"{cfg['paced_model']!r}: <n chunks>-<first after ms>-<then every ms>; counted from "
        "when each stream was due, so event-loop blocking shows)\n"
        + _table(
            ["row", "chunks/s", "x raw", "x peer", "TTFC ms", "TTFC p95", "TTFC x raw"],
            lines,
        )
    )


def _loop_table(results: dict[str, Any]) -> str:
    """A new event loop per non-streamed async call (``asyncio.run``) against one warm loop."""
    cfg = results["config"]
    lines = []
    for name in _rows(results, "loop_fresh"):
        fresh, warm = median(results, name, "loop_fresh"), median(results, name, "loop_warm")
        fresh_cpu = median(results, name, "loop_fresh_cpu")
        warm_cpu = median(results, name, "loop_warm_cpu")
        extra = fresh - warm if fresh is not None and warm is not None else None
        extra_cpu = fresh_cpu - warm_cpu if fresh_cpu is not None and warm_cpu is not None else None
        lines.append(
            [
                name,
                _cell(results, name, "loop_fresh", 2),
                _cell(results, name, "loop_warm", 2),
                fmt(extra, 2),
                fmt(fresh_cpu, 2),
                fmt(warm_cpu, 2),
                fmt(extra_cpu, 2),
            ]
        )
    return (
        f"A new event loop per call: ms per non-streamed async call, asyncio.run each time vs "
        f"one warm loop ({cfg['loop_calls']} calls each, median of {cfg['loop_rounds']} rounds; "
        "cpu = mean process CPU)\n"
        + _table(["row", "new loop", "warm", "extra", "cpu new", "cpu warm", "cpu extra"], lines)
    )


def _imports_table(results: dict[str, Any]) -> str:
    """Cold import times."""
    cfg = results["config"]
    lines = []
    for label, entry in results["imports"].items():
        if isinstance(entry, dict):
            ms = [v * 1000 for v in entry["values"]]
            lines.append([label, fmt(entry["median"] * 1000), f"{min(ms):.0f}-{max(ms):.0f}"])
        else:
            lines.append([label, "-", str(entry)])
    title = f"Cold import (ms of process CPU, fresh interpreter, median of {cfg['import_runs']})"
    return title + "\n" + _table(["import", "ms", "range"], lines)


def _rss_table(results: dict[str, Any]) -> str | None:
    """Memory after non-streamed calls; ``None`` when no row measured it."""
    lines = []
    for name, row in results["rows"].items():
        rss = row.get("rss")
        if isinstance(rss, dict):
            lines.append([name, fmt(rss["rss_mb"]), str(rss["calls"])])
        elif rss:
            lines.append([name, "-", str(rss)])
    if not lines:
        return None
    return "RSS after non-streamed calls (MB, fresh process)\n" + _table(
        ["row", "RSS MB", "calls"], lines
    )
