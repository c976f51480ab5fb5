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


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "-"
    return f"{value / base:.2f}x"


def _cell(results: dict[str, Any], row: str, metric: str, digits: int = 1) -> str:
    entry = results["rows"].get(row, {}).get(metric)
    if not isinstance(entry, dict) or entry.get("median") is None:
        return "-"
    spread = entry.get("spread")
    tail = f" ±{spread * 50:.0f}%" if spread else ""
    return _fmt(entry["median"], digits) + tail


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
        _imports_table(results),
    ]
    rss = _rss_table(results)
    if rss is not None:
        parts.append(rss)
    skipped = [f"  {name}: {row['status']}" for name, row in results["rows"].items()]
    skipped = [line for line in skipped if not line.endswith(": ok")]
    if skipped:
        parts.append("Not measured:\n" + "\n".join(skipped))
    parts.append(render_targets(results["targets"]))
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
                _ratio(sync, raw_s),
                _ratio(sync, best_s),
                _fmt(sync_cpu),
                _ratio(sync_cpu, raw_sc),
                _cell(results, name, "stream_async"),
                _ratio(asyn, raw_a),
                _ratio(asyn, best_a),
                _fmt(async_cpu),
                _ratio(async_cpu, raw_ac),
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
                _ratio(value, raw_c),
                _ratio(value, best_c),
                _fmt(value_cpu, 0),
                _ratio(value_cpu, raw_cc),
                str(row.get("calls_done", "-")),
                _fmt(per.get("connections"), 1) if per else "-",
                _fmt(per.get("clients"), 1) if per else "-",
                _fmt(per.get("ssl_contexts"), 1) if per else "-",
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
                _ratio(value, raw_t),
                _ratio(value, best_t),
                _cell(results, name, "ttfc"),
                _cell(results, name, "ttfc_p95"),
                _ratio(ttfc, raw_f),
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


def _imports_table(results: dict[str, Any]) -> str:
    """Cold import times."""
    cfg = results["config"]
    lines = []
    for label, entry in results["imports"].items():
        if isinstance(entry, dict):
            ms = [v * 1000 for v in entry["values"]]
            lines.append([label, _fmt(entry["median"] * 1000), f"{min(ms):.0f}-{max(ms):.0f}"])
        else:
            lines.append([label, "-", str(entry)])
    return f"Cold import (ms, fresh interpreter, median of {cfg['import_runs']})\n" + _table(
        ["import", "ms", "range"], lines
    )


def _rss_table(results: dict[str, Any]) -> str | None:
    """Memory after non-streamed calls; ``None`` when no row measured it."""
    lines = []
    for name, row in results["rows"].items():
        rss = row.get("rss")
        if isinstance(rss, dict):
            lines.append([name, _fmt(rss["rss_mb"]), str(rss["calls"])])
        elif rss:
            lines.append([name, "-", str(rss)])
    if not lines:
        return None
    return "RSS after non-streamed calls (MB, fresh process)\n" + _table(
        ["row", "RSS MB", "calls"], lines
    )


def render_targets(targets: list[dict[str, Any]]) -> str:
    """The target checklist."""
    lines = []
    for target in targets:
        mark = {True: "MET", False: "NOT MET", None: "n/a"}[target["met"]]
        lines.append(f"  [{mark:>7}] {target['name']}: {target['detail']}")
    return "Targets (from this run)\n" + "\n".join(lines)


def _target(name: str, value: float | None, limit: float | None, detail: str) -> dict[str, Any]:
    met = None if value is None or limit is None else value <= limit
    return {"name": name, "value": value, "limit": limit, "met": met, "detail": detail}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Check the issue's targets against this run's medians."""
    out: list[dict[str, Any]] = []

    def m(row: str, metric: str) -> float | None:
        return median(results, row, metric)

    for mode in ("sync", "async"):
        metric = f"stream_{mode}"
        raw, core = m(RAW, metric), m(CORE, metric)
        raw_cpu, core_cpu = m(RAW, metric + "_cpu"), m(CORE, metric + "_cpu")
        ratio = core / raw if core and raw else None
        out.append(
            _target(
                f"lmstudio_core streaming ({mode}) <= 1.15x raw httpx per chunk",
                ratio,
                1.15,
                f"{_fmt(core)} µs vs {_fmt(raw)} µs = {_ratio(core, raw)} "
                f"(cpu: {_fmt(core_cpu)} vs {_fmt(raw_cpu)} µs = {_ratio(core_cpu, raw_cpu)})",
            )
        )
        for adapter, floor in ((LC_ADAPTER, LC_FLOOR), (LI_ADAPTER, LI_FLOOR)):
            value, base = m(adapter, metric), m(floor, metric)
            limit = raw + base + 5 if raw is not None and base is not None else None
            value_cpu, base_cpu = m(adapter, metric + "_cpu"), m(floor, metric + "_cpu")
            share_cpu = (
                value_cpu - raw_cpu - base_cpu
                if value_cpu is not None and raw_cpu is not None and base_cpu is not None
                else None
            )
            out.append(
                _target(
                    f"{adapter} per chunk ({mode}) <= raw httpx + {floor} + 5 µs",
                    value,
                    limit,
                    f"{_fmt(value)} µs vs limit {_fmt(limit)} µs "
                    f"(own share {_fmt(value - limit + 5 if value and limit else None)} µs; "
                    f"by cpu time {_fmt(share_cpu)} µs)",
                )
            )
    per = (results["rows"].get(CORE) or {}).get("per_100_requests") or {}
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
    raw_call = m(RAW, "call")
    for adapter in (LC_ADAPTER, LI_ADAPTER):
        value = m(adapter, "call")
        out.append(
            _target(
                f"{adapter} non-streamed call <= 1.5x raw httpx",
                value / raw_call if value and raw_call else None,
                1.5,
                f"{_fmt(value, 0)} µs vs {_fmt(raw_call, 0)} µs = {_ratio(value, raw_call)}",
            )
        )
    raw_t = m(RAW, "concurrent")
    for row in (CORE,):
        value = m(row, "concurrent")
        # Higher is better: express as raw/value <= 1.25 (i.e. value >= 0.8x raw).
        out.append(
            {
                **_target(
                    f"{row}: {results['config']['streams']} concurrent streams >= 0.8x raw "
                    "httpx throughput",
                    raw_t / value if value and raw_t else None,
                    1.25,
                    "",
                ),
                "detail": f"{_fmt(value, 0)} vs {_fmt(raw_t, 0)} chunks/s = {_ratio(value, raw_t)}",
            }
        )
    raw_f = m(RAW, "ttfc")
    for row in (CORE, LC_ADAPTER, LI_ADAPTER):
        value = m(row, "ttfc")
        out.append(
            _target(
                f"{row}: time to first chunk under load within 1.5x raw httpx (no loop blocking)",
                value / raw_f if value and raw_f else None,
                1.5,
                f"median {_fmt(value)} ms vs {_fmt(raw_f)} ms = {_ratio(value, raw_f)}",
            )
        )
    imports = results["imports"]

    def imp(label: str) -> float | None:
        entry = imports.get(label)
        return entry["median"] * 1000 if isinstance(entry, dict) else None

    for ours, base in (
        ("langchain_lmstudio", "langchain-core (BaseChatModel)"),
        ("llama_index_lmstudio", "llama-index-core (FunctionCallingLLM)"),
    ):
        a, b = imp(ours), imp(base)
        added = a - b if a is not None and b is not None else None
        out.append(
            _target(
                f"import {ours} adds <= 100 ms to {base}",
                added,
                100.0,
                f"{_fmt(a, 0)} ms vs {_fmt(b, 0)} ms = +{_fmt(added, 0)} ms",
            )
        )
    core_ms = imp("lmstudio_core")
    out.append(_target("import lmstudio_core < 150 ms", core_ms, 150.0, f"{_fmt(core_ms, 0)} ms"))
    server, raw = m(SERVER, "stream_sync"), m(RAW, "stream_sync")
    out.append(
        _target(
            "raw httpx is not server-bound (server alone <= 0.5x raw httpx per chunk)",
            server / raw if server and raw else None,
            0.5,
            f"server alone {_fmt(server, 2)} µs vs raw httpx {_fmt(raw)} µs per chunk",
        )
    )
    return out
