#!/usr/bin/env python3
"""Run llama.cpp's own llama-server (embedded in the xllamacpp wheel) on a GGUF.

From a checkout, with no arguments, serve the bundled tiny model for your own scripts::

  .venv/bin/python -m tests.support.serve [--port 1234]    # or: make serve

It generates the tiny model into ``.cache/`` when missing, listens on 127.0.0.1 (a free port
unless ``--port`` is given), prints the ``base_url`` and the model name, and stops on Ctrl-C.
The model has random weights: its text is noise, but streaming, tool calls, structured output
and embeddings are real. The test fixtures (``llama_server.py``) run it on a model of theirs::

  python serve.py --model tiny-chat.gguf --port 0 [--alias tiny] [--embedding --pooling mean]

Blocks until SIGINT/SIGTERM.  The HTTP server is llama.cpp's C++ server
(tools/server), so the endpoints are those of `llama-server`.
"""

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

import xllamacpp as xlc

TINY_MODEL_DIR = Path(__file__).resolve().parents[2] / ".cache"


def tiny_model() -> tuple[str, str]:
    """The bundled tiny model's path (generated when missing) and the name it is served as."""
    try:
        from tests.support.llama_server import (
            TINY_MODEL_ALIAS,
            TINY_MODEL_FILENAME,
            ensure_tiny_model,
        )
    except ImportError:  # run by path: this directory is sys.path[0]
        from llama_server import (  # type: ignore[import-not-found,no-redef]
            TINY_MODEL_ALIAS,
            TINY_MODEL_FILENAME,
            ensure_tiny_model,
        )
    path = TINY_MODEL_DIR / TINY_MODEL_FILENAME
    if not path.is_file():
        print(f"Generating the tiny model into {path} ...", flush=True)
        path = ensure_tiny_model(TINY_MODEL_DIR)
    return str(path), TINY_MODEL_ALIAS


def _arguments() -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Serve a GGUF with llama.cpp's llama-server; with no --model, the bundled "
        "tiny model (chat and embeddings) for your own scripts."
    )
    ap.add_argument("--model", default=None, help="GGUF file (default: the bundled tiny model)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 (the default): a free port")
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
    return ap.parse_args()


def main() -> None:
    """Parse the command line, start llama-server and block until told to stop."""
    a = _arguments()
    parent_pid = os.getppid()
    bundled = a.model is None
    if bundled:
        a.model, alias = tiny_model()
        a.alias = a.alias or alias
        a.embedding = True
        a.pooling = a.pooling or "mean"

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
    elif bundled:
        p.verbosity = 1  # keep the terminal readable; --verbosity 3 shows every request

    t0 = time.time()
    server = xlc.Server(p)
    elapsed = time.time() - t0
    print(f"READY {server.listening_address} in {elapsed:.2f}s pid={os.getpid()}", flush=True)
    if bundled:
        base_url = f"{str(server.listening_address).rstrip('/')}/v1"
        print(
            "The bundled llama.cpp server is running the tiny random-weight model (its text is\n"
            "noise; streaming, tool calls, structured output and embeddings are real).\n"
            f"base_url: {base_url}\n"
            f"model:    {a.alias} (chat and embeddings)\n"
            f"Point your scripts at it: export LMSTUDIO_BASE_URL={base_url}\n"
            "Press Ctrl-C to stop it.",
            flush=True,
        )

    stop = threading.Event()
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda *_: stop.set())
    while not stop.wait(0.5):
        if a.exit_with_parent and os.getppid() != parent_pid:
            break  # orphaned: the launcher died without stopping us
    del server
    if bundled:
        print("Stopped.", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
