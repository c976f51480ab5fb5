"""Fixtures for the core tests: both clients on pytest-httpserver, and clients on the fake server.

pytest honours ``pytest_plugins`` only in the root conftest, so the fake server's fixture is
imported here instead (users put ``pytest_plugins = [...]`` in their root conftest).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from pytest_httpserver import HTTPServer

from lmstudio_core import AsyncLMStudioClient, LMStudioClient
from lmstudio_core.testing.pytest_plugin import fake_lmstudio  # noqa: F401
from tests.core.both_clients import Api, MakeApi
from tests.core.fake_clients import aclient, client  # noqa: F401


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which client the test drives."""
    return str(request.param)


@pytest_asyncio.fixture(loop_scope="function")
async def make_api(httpserver: HTTPServer, kind: str) -> AsyncIterator[MakeApi]:
    """Build clients pointed at the test server: no retries, no breaker, no key, unless asked."""
    made: list[Api] = []

    def make(**overrides: Any) -> Api:
        options: dict[str, Any] = {
            "base_url": httpserver.url_for("/v1"),
            "api_key": None,
            "max_retries": 0,
            "retry_backoff": 0.0,
            "circuit_breaker_threshold": 0,
            **overrides,
        }
        core = LMStudioClient(**options) if kind == "sync" else AsyncLMStudioClient(**options)
        made.append(Api(kind, core))
        return made[-1]

    yield make
    for api in made:
        await api.close()
