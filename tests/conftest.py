"""Session-wide fixtures: real llama.cpp servers on loopback (see tests/support/)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[1]
if str(_REPO_ROOT) not in sys.path:  # plain `pytest` does not put the checkout on sys.path
    sys.path.insert(0, str(_REPO_ROOT))

from tests.support.llama_server import (  # noqa: E402
    RunningServer,
    ensure_tiny_model,
    start_llama_server,
    stop_llama_server,
)

AUTH_API_KEY = "sk-lm-test1234:secretsecretsecret00"


def _require_server_packages() -> None:
    missing = [name for name in ("xllamacpp", "gguf") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(
            f"integration tests need {', '.join(missing)} (the real llama.cpp server): "
            "install the test dependencies with `pip install --group test` "
            "(xllamacpp==2026.10.11549, gguf==0.19.0)",
            pytrace=False,
        )


def _start(model_path: Path, *, parallel: int = 1, api_key: str | None = None) -> RunningServer:
    try:
        return start_llama_server(
            model_path, ctx=2048, parallel=parallel, api_key=api_key, embedding=True
        )
    except RuntimeError as exc:
        pytest.fail(f"could not start llama-server: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The deterministic tiny GGUF (``tiny-chat.gguf``), generated once per session."""
    _require_server_packages()
    try:
        return ensure_tiny_model(tmp_path_factory.mktemp("models"))
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def llama_server(tiny_model_path: Path) -> Iterator[RunningServer]:
    """Open llama-server: chat, tools, json_schema and embeddings; ctx 2048, 2 slots."""
    server = _start(tiny_model_path, parallel=2)
    yield server
    stop_llama_server(server)


@pytest.fixture(scope="session")
def llama_server_auth(tiny_model_path: Path) -> Iterator[RunningServer]:
    """A second llama-server process that requires ``Authorization: Bearer AUTH_API_KEY``."""
    server = _start(tiny_model_path, api_key=AUTH_API_KEY)
    yield server
    stop_llama_server(server)
