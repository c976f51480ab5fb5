"""The circuit breaker: closed, open, half-open, shared per base URL.

Refused connections never open it.
"""

from __future__ import annotations

import socket

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    CircuitOpenError,
    LMStudioConnectionError,
    ServerError,
)
from lmstudio_core.resilience import CircuitBreaker, breaker_for
from tests.core.both_clients import USER, MakeApi


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_breaker_closed_open_half_open_closed() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=10.0, clock=clock, name="http://h/v1")
    for _ in range(2):
        breaker.before_request()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.before_request()
    breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError, match="http://h/v1") as info:
        breaker.before_request()
    assert "3 requests failed" in info.value.message
    clock.now += 9.9
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError):
        breaker.before_request()
    clock.now += 0.1
    assert breaker.state == "half-open"
    breaker.before_request()  # the one trial
    with pytest.raises(CircuitOpenError):
        breaker.before_request()  # a second caller while the trial runs
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.failures == 0
    breaker.before_request()


def test_half_open_failure_opens_again_for_a_full_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cooldown=5.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 5.0
    breaker.before_request()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 4.9
    with pytest.raises(CircuitOpenError):
        breaker.before_request()
    clock.now += 0.1
    breaker.before_request()
    breaker.record_success()
    assert breaker.state == "closed"


def test_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=5.0, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_an_abandoned_trial_does_not_keep_the_circuit_open_forever() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=5.0, clock=clock)
    breaker.record_failure()
    clock.now += 5.0
    breaker.before_request()  # trial starts, and its caller is cancelled: no outcome recorded
    with pytest.raises(CircuitOpenError):
        breaker.before_request()
    clock.now += 5.0
    breaker.before_request()  # after another cool-down a new trial is let through
    breaker.record_success()
    assert breaker.state == "closed"


def test_threshold_zero_disables() -> None:
    breaker = CircuitBreaker(threshold=0, cooldown=5.0, clock=FakeClock())
    for _ in range(50):
        breaker.record_failure()
        breaker.before_request()
    assert breaker.state == "closed"


def test_breaker_for_is_shared_per_base_url() -> None:
    a = breaker_for("http://unit-test-a:1/v1", 5, 30.0)
    assert breaker_for("http://unit-test-a:1/v1", 5, 30.0) is a
    assert breaker_for("http://unit-test-b:1/v1", 5, 30.0) is not a
    assert a.name == "http://unit-test-a:1/v1"
    assert a.threshold == 5
    assert a.cooldown == 30.0


async def test_circuit_opens_and_fails_fast(
    httpserver: HTTPServer, make_api: MakeApi, kind: str
) -> None:
    path = f"/breaker-{kind}/v1/chat/completions"
    httpserver.expect_request(path).respond_with_json({"error": "down"}, status=500)
    api = make_api(
        base_url=httpserver.url_for(f"/breaker-{kind}/v1"),
        circuit_breaker_threshold=2,
        circuit_breaker_cooldown=3600,
        max_retries=1,
    )
    for _ in range(2):  # a request's retries count once: two failed requests open it
        with pytest.raises(ServerError):
            await api.call("chat", USER, model="m")
    with pytest.raises(CircuitOpenError, match="breaker"):
        await api.call("chat", USER, model="m")
    assert len(httpserver.log) == 4


async def test_refused_connections_never_open_the_breaker(make_api: MakeApi) -> None:
    """LM Studio not started yet: each call says so at once, none is locked out."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = make_api(
        base_url=f"http://127.0.0.1:{port}",
        max_retries=0,
        circuit_breaker_threshold=2,
        circuit_breaker_cooldown=3600,
    )
    for _ in range(4):
        with pytest.raises(LMStudioConnectionError, match="not reachable") as caught:
            await api.call("chat", USER, model="m")
        assert not isinstance(caught.value, CircuitOpenError)
    assert await api.call("health") is False
