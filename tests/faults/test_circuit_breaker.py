"""The circuit breaker: with an injected clock, and end to end against the fault server."""

from __future__ import annotations

import time

import pytest

from lmstudio_core import CircuitOpenError, ServerError
from lmstudio_core.resilience import CircuitBreaker, breaker_for
from tests.faults.fault_server import chat_completion, fault_server, reply
from tests.faults.paths import CORE_PATHS, Path, drive

CHAT = "/chat/completions"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _open(breaker: CircuitBreaker, failures: int) -> None:
    for _ in range(failures):
        breaker.before_request()
        breaker.record_failure()


def test_opens_after_threshold_consecutive_failures() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=Clock())
    _open(breaker, 2)
    assert breaker.state == "closed"
    breaker.before_request()
    breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError, match="LM Studio is running"):
        breaker.before_request()


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=Clock())
    _open(breaker, 2)
    breaker.record_success()
    _open(breaker, 2)
    assert breaker.state == "closed"


def test_half_open_after_cooldown_lets_one_trial_through_and_success_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=clock)
    _open(breaker, 2)
    clock.now += 9.9
    assert breaker.state == "open"
    clock.now += 0.2
    assert breaker.state == "half-open"
    breaker.before_request()
    with pytest.raises(CircuitOpenError):
        breaker.before_request()
    breaker.record_success()
    assert breaker.state == "closed"
    breaker.before_request()


def test_failed_trial_reopens_for_another_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=2, cooldown=10, clock=clock)
    _open(breaker, 2)
    clock.now += 10
    breaker.before_request()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 5
    with pytest.raises(CircuitOpenError):
        breaker.before_request()
    clock.now += 5
    assert breaker.state == "half-open"


def test_threshold_zero_never_opens() -> None:
    breaker = CircuitBreaker(threshold=0, cooldown=10, clock=Clock())
    _open(breaker, 50)
    breaker.before_request()


def test_breakers_are_shared_per_base_url() -> None:
    one = breaker_for("http://127.0.0.1:1/v1", 3, 0.2)
    assert breaker_for("http://127.0.0.1:1/v1", 3, 0.2) is one
    assert breaker_for("http://127.0.0.1:2/v1", 3, 0.2) is not one


def _wait_for_state(breaker: CircuitBreaker, state: str, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while breaker.state != state:
        assert time.monotonic() < deadline, f"breaker stayed {breaker.state}"
        time.sleep(0.02)


def test_end_to_end_open_fail_fast_half_open_close() -> None:
    failing = reply(503, {"error": "down"})
    settings = {"circuit_breaker_threshold": 3, "circuit_breaker_cooldown": 0.2}
    sync_chat, _, async_chat, async_stream = CORE_PATHS
    with fault_server(failing, failing, failing, reply(200, chat_completion("back"))) as server:
        for _ in range(3):
            out = drive(sync_chat, server.base_url, max_retries=0, timeout=2, **settings)
            assert isinstance(out.error, ServerError)
        assert server.count(CHAT) == 3
        for shared_client_path in (sync_chat, async_chat, async_stream):
            out = drive(shared_client_path, server.base_url, max_retries=0, timeout=2, **settings)
            assert isinstance(out.error, CircuitOpenError), out.error
        assert server.count(CHAT) == 3
        breaker = breaker_for(server.base_url, 3, 0.2)
        _wait_for_state(breaker, "half-open")
        out = drive(async_chat, server.base_url, max_retries=0, timeout=2, **settings)
        assert out.error is None
        assert out.text == "back"
        assert breaker.state == "closed"
        assert server.count(CHAT) == 4


def test_one_requests_retries_count_once(core_path: Path) -> None:
    """Retries belong to one request: only requests that finally failed open the circuit."""
    settings = {"circuit_breaker_threshold": 2, "circuit_breaker_cooldown": 30}
    with fault_server(reply(500, {"error": "down"})) as server:
        first = drive(core_path, server.base_url, max_retries=3, timeout=2, **settings)
        second = drive(core_path, server.base_url, max_retries=3, timeout=2, **settings)
        third = drive(core_path, server.base_url, max_retries=3, timeout=2, **settings)
    assert isinstance(first.error, ServerError), first.error
    assert isinstance(second.error, ServerError), second.error
    assert isinstance(third.error, CircuitOpenError), third.error
    assert server.count(CHAT) == 8  # 2 requests x 4 attempts; the third never reached it


def test_breaker_is_off_by_default_through_every_path(adapter_path: Path) -> None:
    with fault_server(reply(500, {"error": "down"})) as server:
        for _ in range(7):
            out = drive(adapter_path, server.base_url, max_retries=0, timeout=2)
            assert isinstance(out.error, ServerError), out.error
    assert server.count(CHAT) == 7


def test_enabled_breaker_fails_fast_through_every_path(adapter_path: Path) -> None:
    opts = {"client_kwargs": {"circuit_breaker_threshold": 5}}
    with fault_server(reply(500, {"error": "down"})) as server:
        for _ in range(5):
            out = drive(adapter_path, server.base_url, max_retries=0, timeout=2, **opts)
            assert isinstance(out.error, ServerError), out.error
        out = drive(adapter_path, server.base_url, max_retries=0, timeout=2, **opts)
    assert isinstance(out.error, CircuitOpenError), out.error
    assert server.count(CHAT) == 5


def test_a_trial_that_says_nothing_frees_the_slot() -> None:
    """A half-open trial refused or timed out by its caller lets the next call try at once."""
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=10, clock=clock)
    _open(breaker, 1)
    clock.now += 10.1
    breaker.before_request()  # the trial
    with pytest.raises(CircuitOpenError):
        breaker.before_request()  # while the trial runs, others wait
    breaker.record_neutral()
    breaker.before_request()  # a new trial, no cooldown to wait out
    breaker.record_success()
    assert breaker.state == "closed"
