#!/usr/bin/env python3
"""Run llama.cpp's own llama-server (embedded in the xllamacpp wheel) on a GGUF.

  python serve.py --model tiny-chat.gguf --port 1234 [--alias tiny] [--embedding --pooling mean]

Blocks until SIGINT/SIGTERM.  The HTTP server is llama.cpp's C++ server
(tools/server), so the endpoints are those of `llama-server`.
"""

import argparse
import os
import signal
import sys
import threading
import time

import xllamacpp as xlc


def main() -> None:
    """Parse the command line, start llama-server and block until told to stop."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=1234)
    ap.add_argument("--alias", default=None, help="model id reported by /v1/models")
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--embedding", action="store_true")
    ap.add_argument("--pooling", default=None, choices=["none", "mean", "cls", "last"])
    ap.add_argument("--http-threads", type=int, default=-1)
    ap.add_argument("--api-key", default=None)
    ap.add_argument("--verbosity", type=int, default=None)
    ap.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the launching process dies (safety net for test fixtures)",
    )
    a = ap.parse_args()
    parent_pid = os.getppid()

    p = xlc.CommonParams()
    p.model.path = a.model
    p.hostnames = [a.host]
    p.port = a.port
    p.n_ctx = a.ctx
    p.n_parallel = a.parallel
    p.cpuparams.n_threads = a.threads
    p.cpuparams_batch.n_threads = a.threads
    p.n_threads_http = a.http_threads
    p.use_jinja = True
    p.n_gpu_layers = 0
    p.endpoint_metrics = True
    p.endpoint_props = True
    if a.alias:
        p.model_alias = {a.alias}
    if a.embedding:
        p.embedding = True
    if a.pooling:
        p.pooling_type = getattr(xlc.llama_pooling_type, f"LLAMA_POOLING_TYPE_{a.pooling.upper()}")
    if a.api_key:
        p.api_keys = [a.api_key]
    if a.verbosity is not None:
        p.verbosity = a.verbosity

    t0 = time.time()
    server = xlc.Server(p)
    elapsed = time.time() - t0
    print(f"READY {server.listening_address} in {elapsed:.2f}s pid={os.getpid()}", flush=True)

    stop = threading.Event()
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda *_: stop.set())
    while not stop.wait(0.5):
        if a.exit_with_parent and os.getppid() != parent_pid:
            break  # orphaned: the launcher died without stopping us
    del server
    sys.exit(0)


if __name__ == "__main__":
    main()
