"""Fixtures for the fault suite: chat paths to parametrize over, and a clean breaker registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lmstudio_core import resilience
from tests.faults.paths import ADAPTER_PATHS, CORE_PATHS, Path


def _params(paths: list[Path]) -> list[object]:
    return [pytest.param(p, id=p.name) for p in paths]


ALL = CORE_PATHS + ADAPTER_PATHS


@pytest.fixture(params=_params(ALL))
def path(request: pytest.FixtureRequest) -> Path:
    """Every chat entry point: core and adapters, sync and async, plain and streamed."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=_params([p for p in ALL if p.stream]))
def stream_path(request: pytest.FixtureRequest) -> Path:
    """Every streamed chat entry point."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=_params([p for p in ALL if not p.stream]))
def plain_path(request: pytest.FixtureRequest) -> Path:
    """Every non-streamed chat entry point."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=_params(CORE_PATHS))
def core_path(request: pytest.FixtureRequest) -> Path:
    """The four core client entry points."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=_params([CORE_PATHS[0], CORE_PATHS[3]]))
def core_pair(request: pytest.FixtureRequest) -> Path:
    """Core sync plain chat and async streamed chat: enough for variants of one fault."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=_params([CORE_PATHS[0], *ADAPTER_PATHS]))
def adapter_path(request: pytest.FixtureRequest) -> Path:
    """Every adapter entry point, plus core sync chat as the reference."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _fresh_breakers() -> Iterator[None]:
    """Breakers are shared per base URL in a process; a reused port must not inherit one."""
    resilience.reset_breakers()
    yield
    resilience.reset_breakers()
