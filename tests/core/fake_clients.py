"""Core clients on the fake server, as fixtures (imported by conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from lmstudio_core import AsyncLMStudioClient, LMStudioClient
from lmstudio_core.testing import FakeLMStudio


@pytest.fixture
def client(fake_lmstudio: FakeLMStudio) -> Iterator[LMStudioClient]:
    """A sync core client on the fake, without retries or breaker (errors surface at once)."""
    with LMStudioClient(
        base_url=fake_lmstudio.base_url,
        max_retries=0,
        circuit_breaker_threshold=0,
        verify=False,  # plain-http loopback: skip loading CA certificates (~0.15 s per client)
    ) as c:
        yield c


@pytest_asyncio.fixture(loop_scope="function")  # the tests run in a per-test loop
async def aclient(fake_lmstudio: FakeLMStudio) -> AsyncIterator[AsyncLMStudioClient]:
    """The async twin of ``client``."""
    c = AsyncLMStudioClient(
        base_url=fake_lmstudio.base_url,
        max_retries=0,
        circuit_breaker_threshold=0,
        verify=False,  # plain-http loopback: skip loading CA certificates (~0.15 s per client)
    )
    yield c
    await c.aclose()
