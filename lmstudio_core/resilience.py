"""Retry policy and circuit breaker: pure decisions, the clock and randomness injected.

The I/O shells ask `RetryPolicy` whether and how long to wait, and the `CircuitBreaker` whether
to try at all. Neither sleeps nor performs I/O itself.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from lmstudio_core.errors import CircuitOpenError

__all__ = ["RETRYABLE_STATUS", "CircuitBreaker", "RetryPolicy", "breaker_for", "reset_breakers"]

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class RetryPolicy:
    """Exponential backoff with full jitter; honours ``Retry-After``."""

    __slots__ = ("backoff", "max_backoff", "max_retries", "random")

    def __init__(
        self,
        max_retries: int = 2,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        random: Callable[[], float] = random.random,
    ) -> None:
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.random = random

    def should_retry_status(self, attempt: int, status_code: int) -> bool:
        """Whether an answer with this status may be retried after ``attempt`` tries (from 0)."""
        return attempt < self.max_retries and status_code in RETRYABLE_STATUS

    def should_retry_connection(self, attempt: int) -> bool:
        """Whether a connection failure (nothing received) may be retried."""
        return attempt < self.max_retries

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number ``attempt + 1``."""
        if retry_after:
            try:
                return float(min(max(float(retry_after), 0.0), self.max_backoff))
            except ValueError:
                pass
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return float(ceiling * (0.5 + 0.5 * self.random()))


class CircuitBreaker:
    """Closed -> open after ``threshold`` consecutive failures -> half-open after ``cooldown``.

    In half-open state one trial request goes through: success closes the circuit, failure
    opens it again for another cool-down. A trial whose outcome is never reported (its caller
    was cancelled) is given up after one more cool-down, so the circuit cannot stay stuck.
    """

    def __init__(
        self,
        threshold: int = 5,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "",
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock
        self.name = name
        self.failures = 0
        self.opened_at: float | None = None
        self._trial_running = False
        self._trial_started_at = 0.0
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open``."""
        if self.opened_at is None:
            return "closed"
        if self.clock() - self.opened_at >= self.cooldown:
            return "half-open"
        return "open"

    def before_request(self) -> None:
        """Raise `CircuitOpenError` unless a request may go through now."""
        if self.threshold <= 0:
            return
        with self._lock:
            state = self.state
            if state == "closed":
                return
            if state == "half-open" and (
                not self._trial_running or self.clock() - self._trial_started_at >= self.cooldown
            ):
                self._trial_running = True
                self._trial_started_at = self.clock()
                return
            assert self.opened_at is not None
            wait = max(0.0, self.cooldown - (self.clock() - self.opened_at))
        raise CircuitOpenError(
            f"Not calling {self.name or 'the server'}: the last {self.failures} requests failed. "
            f"Retrying in {wait:.0f}s; check that LM Studio is running and healthy."
        )

    def record_success(self) -> None:
        """A request succeeded: close the circuit."""
        with self._lock:
            self.failures = 0
            self.opened_at = None
            self._trial_running = False

    def record_neutral(self) -> None:
        """A request ended saying nothing of the server's health (refused, a read timeout).

        A half-open trial slot is freed, so the next call may try at once.
        """
        with self._lock:
            self._trial_running = False

    def record_failure(self) -> None:
        """A request failed at the server or network level."""
        if self.threshold <= 0:
            return
        with self._lock:
            self.failures += 1
            if self._trial_running or self.failures >= self.threshold:
                self.opened_at = self.clock()
            self._trial_running = False


_BREAKERS: dict[tuple[str, int, float], CircuitBreaker] = {}
_BREAKERS_LOCK = threading.Lock()


def breaker_for(base_url: str, threshold: int, cooldown: float) -> CircuitBreaker:
    """The process-wide breaker for this base URL (shared by every client of that server)."""
    key = (base_url, threshold, cooldown)
    with _BREAKERS_LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = _BREAKERS[key] = CircuitBreaker(threshold, cooldown, name=base_url)
        return breaker


def reset_breakers() -> None:
    """Forget every base URL's breaker state (for tests that reuse ports, or after an outage)."""
    with _BREAKERS_LOCK:
        _BREAKERS.clear()
