"""Retry decisions, backoff and the circuit breaker, with injected randomness and clock."""

from __future__ import annotations

import pytest

from lmstudio_core import CircuitOpenError
from lmstudio_core.resilience import RETRYABLE_STATUS, CircuitBreaker, RetryPolicy, breaker_for


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry_status(0, status)
    assert policy.should_retry_status(1, status)
    assert not policy.should_retry_status(2, status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501])
def test_client_errors_are_not_retried(status: int) -> None:
    assert status not in RETRYABLE_STATUS
    assert not RetryPolicy(max_retries=5).should_retry_status(0, status)


def test_connection_retries_count() -> None:
    policy = RetryPolicy(max_retries=1)
    assert policy.should_retry_connection(0)
    assert not policy.should_retry_connection(1)
    assert not RetryPolicy(max_retries=0).should_retry_connection(0)


def test_backoff_doubles_with_jitter_and_caps() -> None:
    low = RetryPolicy(backoff=0.5, max_backoff=3.0, random=lambda: 0.0)
    high = RetryPolicy(backoff=0.5, max_backoff=3.0, random=lambda: 1.0)
    assert [low.delay(a) for a in range(5)] == [0.25, 0.5, 1.0, 1.5, 1.5]
    assert [high.delay(a) for a in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    mid = RetryPolicy(backoff=1.0, max_backoff=100.0, random=lambda: 0.5)
    assert mid.delay(2) == 3.0


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(backoff=0.5, max_backoff=8.0, random=lambda: 0.0)
    assert policy.delay(0, "2") == 2.0
    assert policy.delay(0, "1.5") == 1.5
    assert policy.delay(0, "120") == 8.0
    assert policy.delay(0, "-3") == 0.0
    assert policy.delay(1, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.5
    assert policy.delay(1, "") == 0.5


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
