"""Client overhead against a fast fake LM Studio server: us, the frameworks' floors, the peers.

Usage::

    python benchmarks/overhead.py            # the full run (a few minutes on 2 cores)
    python benchmarks/overhead.py --quick    # a fast smoke run

Starts the fake server (`bench_server`) in its own process, then measures every available row
(`bench_rows`) in interleaved rounds, so machine noise hits all rows alike: streamed chunks
(sync and async), non-streamed calls, concurrent async streams, time to first chunk under load,
a new event loop per call, cold import time and RSS. Prints ratios to raw httpx and to the best
peer, then every target of issue 14 with its value and PASS or FAIL (`bench_targets`, computed
from this run's medians; process CPU time where the issue measures it), and writes JSON to
benchmarks/results/latest.json. Peers that are not installed are skipped (`make bench` installs
them: the ``bench`` dependency group).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_scenarios as sc  # noqa: E402
from bench_report import render  # noqa: E402
from bench_runner import Bench, log  # noqa: E402
from bench_server import BenchServer  # noqa: E402
from bench_targets import render_targets, targets  # noqa: E402

FULL = {
    "chunks": 5000,
    "rounds": 3,
    "calls": 2000,
    "call_budget_s": 1.0,
    "streams": 64,
    "concurrent_chunks": 500,
    "concurrent_rounds": 2,
    "ttfc_streams": 64,
    "ttfc_rounds": 2,
    "paced_model": "paced-10-100-20",
    "ttfc_stagger_s": 0.003,
    "ttfc_deadline_s": 3.0,
    "import_runs": 5,
    "rss_calls": 1000,
    "rss_budget_s": 20.0,
    "loop_calls": 100,
    "loop_rounds": 3,
}
QUICK = {
    **FULL,
    "chunks": 500,
    "rounds": 2,
    "calls": 100,
    "call_budget_s": 0.3,
    "streams": 8,
    "concurrent_chunks": 100,
    "concurrent_rounds": 1,
    "ttfc_streams": 8,
    "ttfc_rounds": 1,
    "paced_model": "paced-5-100-20",
    "ttfc_deadline_s": 2.0,
    "import_runs": 1,
    "rss_calls": 50,
    "rss_budget_s": 5.0,
    "loop_calls": 10,
    "loop_rounds": 1,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds for streams and calls")
    parser.add_argument("--only", help="comma-separated row names to run (default: all)")
    parser.add_argument("--no-imports", action="store_true", help="skip the cold-import section")
    parser.add_argument("--no-rss", action="store_true", help="skip the RSS section")
    parser.add_argument("--seed", type=int, default=7, help="seed of the round order shuffles")
    parser.add_argument(
        "--out",
        default=os.path.join(HERE, "results", "latest.json"),
        help="where to write the JSON results",
    )
    args = parser.parse_args()
    cfg = dict(QUICK if args.quick else FULL, seed=args.seed, quick=args.quick)
    if args.rounds:
        cfg["rounds"] = args.rounds
    only = {name.strip() for name in args.only.split(",")} if args.only else None
    started = time.perf_counter()
    with BenchServer() as server:
        sc.server_calls(server.port, 1)
        log(f"fake server on {server.url}")
        bench = Bench(cfg, server, only)
        bench.setup()
        bench.streams_and_calls()
        bench.concurrency()
        bench.first_chunks()
        bench.new_loops()
        bench.counters.uninstall()
        imports = {} if args.no_imports else bench.imports()
        if not args.no_rss:
            bench.rss()
        rows = bench.collect()
    results: dict[str, Any] = {
        "config": cfg,
        "meta": {
            "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 1),
        },
        "rows": rows,
        "imports": imports,
    }
    results["targets"] = targets(results)
    print(render(results))
    print()
    print(render_targets(results["targets"]))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2)
    print(f"\nJSON: {args.out}  ({results['meta']['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
