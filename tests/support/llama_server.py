"""Start and stop a real llama.cpp server (``serve.py`` + the ``xllamacpp`` wheel).

Used by the pytest session fixtures in ``tests/conftest.py`` and by the demo script,
so this module must not import pytest.  Only the standard library is used.

Typical use::

    model = ensure_tiny_model(Path("/tmp/models"))
    with llama_server(model) as server:
        print(server.base_url)  # http://127.0.0.1:NNNNN/v1

Each server is a separate ``python serve.py`` process in its own session (process
group), listening on an ephemeral port of 127.0.0.1.  Its stdout/stderr go to log
files (never pipes, so nothing can block), it is stopped by PID (SIGTERM, then
SIGKILL), and an ``atexit`` hook plus ``serve.py --exit-with-parent`` make sure no
server outlives the Python process that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAKE_TINY_GGUF",
    "SERVE_PY",
    "TINY_MODEL_ALIAS",
    "TINY_MODEL_FILENAME",
    "RunningServer",
    "ensure_tiny_model",
    "llama_server",
    "start_llama_server",
    "stop_llama_server",
]

SUPPORT_DIR = Path(__file__).resolve().parent
MAKE_TINY_GGUF = SUPPORT_DIR / "make_tiny_gguf.py"
SERVE_PY = SUPPORT_DIR / "serve.py"
TINY_MODEL_FILENAME = "tiny-chat.gguf"
TINY_MODEL_ALIAS = "tiny-chat"

_STOP_GRACE_SECONDS = 5.0
_KILL_WAIT_SECONDS = 5.0
_POLL_INTERVAL = 0.01
_TAIL_CHARS = 4000


@dataclass(frozen=True)
class RunningServer:
    """A llama-server process started by :func:`start_llama_server`.

    Attributes:
        root_url: ``http://127.0.0.1:PORT`` (``/health``, ``/props``, ... live here).
        base_url: ``root_url + "/v1"``, the OpenAI-compatible API root.
        model: Model id reported by ``/v1/models`` (the alias).
        ctx: Context window of one request, i.e. ``meta.n_ctx`` in ``/v1/models`` and the
            limit behind ``exceed_context_size_error``.  The server allocates
            ``ctx * parallel`` KV cells in total so every parallel slot gets ``ctx``.
        pid: Process id of the ``serve.py`` process.
        api_key: The API key the server requires, or ``None`` if it is open.
        parallel: Number of slots (requests decoded concurrently).
        log_dir: Directory holding ``stdout.log`` and ``stderr.log`` of the process
            (removed when the server is stopped).
    """

    root_url: str
    base_url: str
    model: str
    ctx: int
    pid: int
    api_key: str | None = None
    parallel: int = 1
    log_dir: Path | None = None

    @property
    def port(self) -> int:
        """TCP port the server listens on."""
        return int(self.root_url.rsplit(":", 1)[1])

    def stderr_tail(self, chars: int = _TAIL_CHARS) -> str:
        """Return the end of the server log (empty once the server has been stopped)."""
        if self.log_dir is None:
            return ""
        return _tail(self.log_dir / "stderr.log", chars)


@dataclass
class _Managed:
    process: subprocess.Popen[bytes]
    log_dir: Path


_lock = threading.Lock()
_running: dict[int, _Managed] = {}


def _tail(path: Path, chars: int = _TAIL_CHARS) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-chars:].decode("utf-8", errors="replace")


def ensure_tiny_model(directory: Path) -> Path:
    """Generate the deterministic tiny test model ``tiny-chat.gguf`` into ``directory``.

    Runs ``make_tiny_gguf.py`` (needs the ``gguf`` package, ~0.2 s).  The file is
    written under a temporary name and renamed, so a server that already has an older
    copy open is unaffected.

    Args:
        directory: Target directory (created if missing).

    Returns:
        Path of the generated GGUF file.

    Raises:
        RuntimeError: If the generator fails (for example ``gguf`` is not installed).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / TINY_MODEL_FILENAME
    partial = directory / f".{TINY_MODEL_FILENAME}.{os.getpid()}.partial"
    result = subprocess.run(
        [sys.executable, str(MAKE_TINY_GGUF), str(partial)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise RuntimeError(
            f"make_tiny_gguf.py failed with exit code {result.returncode} "
            f"(is the 'gguf' package installed?)\n{result.stderr[-_TAIL_CHARS:]}"
        )
    os.replace(partial, target)
    return target


def start_llama_server(
    model_path: Path | str,
    *,
    alias: str = TINY_MODEL_ALIAS,
    ctx: int = 2048,
    api_key: str | None = None,
    embedding: bool = True,
    parallel: int = 1,
    startup_timeout: float = 60.0,
) -> RunningServer:
    """Start ``serve.py`` on 127.0.0.1 (ephemeral port) and wait until it is healthy.

    Args:
        model_path: GGUF file to serve.
        alias: Model id the server reports.
        ctx: Context window per request (see :attr:`RunningServer.ctx`).
        api_key: Require this bearer key on the API (``/health`` stays open).
        embedding: Enable ``/v1/embeddings`` (mean pooling); chat keeps working.
        parallel: Number of slots.
        startup_timeout: Seconds allowed for the READY line plus the ``/health`` check.

    Returns:
        The running server; stop it with :func:`stop_llama_server`.

    Raises:
        RuntimeError: If the process exits or does not become healthy in time; the
            message contains the end of its stderr log.
    """
    if ctx < 1 or parallel < 1:
        raise ValueError("ctx and parallel must be positive")
    model_path = Path(model_path)
    if not model_path.is_file():
        raise RuntimeError(f"model file not found: {model_path}")

    argv = [
        sys.executable,
        str(SERVE_PY),
        "--model",
        str(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--alias",
        alias,
        "--ctx",
        str(ctx * parallel),
        "--parallel",
        str(parallel),
        "--exit-with-parent",
    ]
    if embedding:
        argv += ["--embedding", "--pooling", "mean"]
    if api_key is not None:
        argv += ["--api-key", api_key]

    log_dir = Path(tempfile.mkdtemp(prefix="llama-server-"))
    stdout_path = log_dir / "stdout.log"
    stderr_path = log_dir / "stderr.log"
    deadline = time.monotonic() + startup_timeout
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            close_fds=True,
        )
    managed = _Managed(process=process, log_dir=log_dir)
    with _lock:
        _running[process.pid] = managed

    try:
        root_url = _wait_for_ready_line(managed, deadline)
        _wait_for_health(managed, root_url, deadline)
    except BaseException:
        _stop_all([managed])
        raise

    return RunningServer(
        root_url=root_url,
        base_url=root_url + "/v1",
        model=alias,
        ctx=ctx,
        pid=process.pid,
        api_key=api_key,
        parallel=parallel,
        log_dir=log_dir,
    )


def stop_llama_server(server: RunningServer) -> None:
    """Stop a server: SIGTERM, wait up to ~5 s, then SIGKILL.  Idempotent."""
    with _lock:
        managed = _running.get(server.pid)
    if managed is not None:
        _stop_all([managed])


@contextlib.contextmanager
def llama_server(
    model_path: Path | str,
    *,
    alias: str = TINY_MODEL_ALIAS,
    ctx: int = 2048,
    api_key: str | None = None,
    embedding: bool = True,
    parallel: int = 1,
    startup_timeout: float = 60.0,
) -> Iterator[RunningServer]:
    """Context manager around :func:`start_llama_server` / :func:`stop_llama_server`."""
    server = start_llama_server(
        model_path,
        alias=alias,
        ctx=ctx,
        api_key=api_key,
        embedding=embedding,
        parallel=parallel,
        startup_timeout=startup_timeout,
    )
    try:
        yield server
    finally:
        stop_llama_server(server)


def _failure(managed: _Managed, reason: str) -> RuntimeError:
    stderr = _tail(managed.log_dir / "stderr.log")
    stdout = _tail(managed.log_dir / "stdout.log", 1000)
    return RuntimeError(
        f"llama-server (serve.py pid={managed.process.pid}) {reason}\n"
        f"--- stdout tail ---\n{stdout}\n--- stderr tail ---\n{stderr}"
    )


def _wait_for_ready_line(managed: _Managed, deadline: float) -> str:
    stdout_path = managed.log_dir / "stdout.log"
    while True:
        for line in _tail(stdout_path, 1_000_000).splitlines():
            if line.startswith("READY "):
                parts = line.split()
                if len(parts) >= 2 and parts[1].startswith("http://"):
                    return parts[1].rstrip("/")
        code = managed.process.poll()
        if code is not None:
            raise _failure(managed, f"exited with code {code} before printing READY")
        if time.monotonic() > deadline:
            raise _failure(managed, "did not print READY before the startup timeout")
        time.sleep(_POLL_INTERVAL)


def _wait_for_health(managed: _Managed, root_url: str, deadline: float) -> None:
    # No proxies: the server is on loopback, whatever HTTP(S)_PROXY says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    last_error = "no response"
    while True:
        try:
            with opener.open(root_url + "/health", timeout=2.0) as response:
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:  # 503 while the model is loading
            last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = repr(exc)
        code = managed.process.poll()
        if code is not None:
            raise _failure(managed, f"exited with code {code} before /health answered 200")
        if time.monotonic() > deadline:
            raise _failure(managed, f"/health not 200 before the startup timeout ({last_error})")
        time.sleep(_POLL_INTERVAL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Send ``sig`` to the server's process group (it is the group leader)."""
    if process.poll() is not None:
        return  # already exited and reaped: its PID may belong to someone else now
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)


def _stop_all(managed_list: list[_Managed]) -> None:
    """SIGTERM all, wait for each (shared grace period), SIGKILL the stragglers."""
    for managed in managed_list:
        _signal_group(managed.process, signal.SIGTERM)
    grace_deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for managed in managed_list:
        process = managed.process
        try:
            process.wait(timeout=max(0.0, grace_deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=_KILL_WAIT_SECONDS)
        with _lock:
            if _running.get(process.pid) is managed:
                del _running[process.pid]
        shutil.rmtree(managed.log_dir, ignore_errors=True)


@atexit.register
def _stop_leftover_servers() -> None:
    with _lock:
        leftovers = list(_running.values())
    if leftovers:
        _stop_all(leftovers)
