"""Find a server for the examples: LM Studio when one answers, else the bundled llama.cpp server.

LM Studio is looked for at ``LMSTUDIO_BASE_URL`` (default ``http://localhost:1234/v1``). When it
does not answer, or has no chat model, the bundled llama.cpp server (the engine inside LM Studio)
is started on 127.0.0.1 with a tiny generated model: its text is noise from random weights, but
streaming, tool calls, structured output and embeddings are real.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from lmstudio_core import LMStudioClient, LMStudioError
from lmstudio_core.settings import base_url_from_env


@dataclass(frozen=True)
class Target:
    """Where the examples send their requests."""

    base_url: str
    chat_model: str
    embedding_model: str | None
    bundled: bool

    def describe(self) -> str:
        """One line saying what is being used."""
        kind = (
            "bundled llama.cpp server (tiny random-weight model)" if self.bundled else "LM Studio"
        )
        embed = self.embedding_model or "none"
        return f"{kind} at {self.base_url} | chat model: {self.chat_model} | embeddings: {embed}"


def _find_lmstudio(url: str) -> Target | None:
    client = LMStudioClient(
        base_url=url, connect_timeout=2.0, timeout=10.0, max_retries=0, circuit_breaker_threshold=0
    )
    try:
        if not client.health():
            return None
        models = client.list_models()
    except LMStudioError as exc:
        print(f"LM Studio answered at {url} but listing models failed: {exc}")
        return None
    finally:
        client.close()
    chats = [m for m in models if m.type in ("llm", "vlm", "unknown")]
    chats.sort(key=lambda m: not m.is_loaded)
    embeds = [m for m in models if m.is_embedding]
    embeds.sort(key=lambda m: not m.is_loaded)
    if not chats:
        print(
            f"LM Studio answers at {url} but has no chat model. Download one "
            "(e.g. `lms get qwen2.5-7b-instruct`) to use it; using the bundled server now."
        )
        return None
    embedding = embeds[0].id if embeds else None
    if embedding is None and all(m.type == "unknown" for m in models):
        # A plain OpenAI-compatible server (e.g. llama.cpp) does not say; try its one model.
        embedding = chats[0].id if len(chats) == 1 else None
    return Target(url, chats[0].id, embedding, bundled=False)


@contextlib.contextmanager
def _spinner(message: str, stream: TextIO | None = None) -> Iterator[None]:
    """Show ``message`` while the block runs: a spinner on a terminal, else two plain lines.

    Redirected output (``make demo > log``) gets no ``\\r`` frames: one line at the start
    and one when the block is done.
    """
    out = stream if stream is not None else sys.stdout
    if not out.isatty():
        print(message, file=out, flush=True)
        yield
        print(f"{message} done.", file=out, flush=True)
        return
    done = threading.Event()

    def spin() -> None:
        for frame in itertools.cycle("|/-\\"):
            if done.wait(0.1):
                break
            print(f"\r{message} {frame}", end="", file=out, flush=True)

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        print(f"\r{message} done.", file=out, flush=True)


@contextlib.contextmanager
def connect(*, quiet: bool = False) -> Iterator[Target]:
    """Yield a `Target`; a bundled server started here is stopped on exit."""
    url = base_url_from_env()
    found = _find_lmstudio(url)
    if found is not None:
        if not quiet:
            print(f"Using {found.describe()}")
        yield found
        return
    repo_root = Path(__file__).resolve().parents[1]
    if str(repo_root) not in sys.path:
        sys.path.insert(0, str(repo_root))
    try:
        from tests.support.llama_server import ensure_tiny_model, llama_server
    except ImportError as exc:  # pragma: no cover - only without the test dependencies
        raise SystemExit(
            f"No LM Studio at {url}, and the bundled server is not installed ({exc}). "
            "Start LM Studio's server (`lms server start`) or run `make demo`, which installs it."
        ) from None
    if not quiet:
        print(
            f"No LM Studio answered at {url} (set LMSTUDIO_BASE_URL to point elsewhere).\n"
            "Starting the bundled llama.cpp server with a tiny generated model instead: its text "
            "is noise from random weights, but the structure (streaming, tools, JSON) is real."
        )
    with tempfile.TemporaryDirectory(prefix="lmstudio-demo-") as tmp:
        spinner = (
            _spinner("Starting llama.cpp server...") if not quiet else contextlib.nullcontext()
        )
        with spinner:
            model_path = ensure_tiny_model(Path(tmp))
            server_cm = llama_server(model_path, ctx=8192, parallel=1)
            server = server_cm.__enter__()
        try:
            target = Target(server.base_url, server.model, server.model, bundled=True)
            if not quiet:
                print(f"Using {target.describe()}")
            yield target
        finally:
            server_cm.__exit__(None, None, None)
