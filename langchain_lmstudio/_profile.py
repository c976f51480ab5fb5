"""`ChatLMStudio.profile`: LangChain's model profile, with the server's part read on demand.

LangChain 1.x reads ``model.profile`` where it decides things: ``create_agent`` picks the
provider's native structured output when ``profile["structured_output"]`` is true, and
``SummarizationMiddleware`` needs ``profile["max_input_tokens"]`` for fractional limits. A
profile that stays ``None`` until the user calls ``fetch_profile()`` silently loses both, so
`ServerProfile` is set at construction (without any request) and asks the server the first
time one of the keys only the server knows is read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import ModelProfile

from lmstudio_core.errors import LMStudioConnectionError, LMStudioTimeoutError
from lmstudio_core.results import ModelFacts

__all__ = ["PROBE_TIMEOUT", "SERVER_KEYS", "STATIC_PROFILE", "ServerProfile", "profile_of"]

log = logging.getLogger("langchain_lmstudio")

STATIC_PROFILE: ModelProfile = {
    "text_inputs": True,
    "text_outputs": True,
    "structured_output": True,
}
"""True of every chat model LM Studio serves: text in and out, and json_schema output that
LM Studio enforces by grammar."""

SERVER_KEYS = frozenset(
    {"max_input_tokens", "tool_calling", "tool_choice", "image_inputs", "reasoning_output"}
)
"""Profile keys only the server's catalog knows."""

PROBE_TIMEOUT = 2.0
"""Seconds the implicit catalog request may take (no retries); ``fetch_profile`` waits longer."""

RETRY_AFTER = 30.0
"""Seconds before a failed implicit request is tried again."""


def profile_of(facts: ModelFacts) -> ModelProfile:
    """The profile keys `ModelFacts` answer; what the catalog does not report is left out."""
    profile = ModelProfile()
    if facts.context_length:
        profile["max_input_tokens"] = facts.context_length
    if facts.tools is not None:
        profile["tool_calling"] = facts.tools
        profile["tool_choice"] = facts.tools
    if facts.vision is not None:
        profile["image_inputs"] = facts.vision
    if facts.reasoning is not None:
        profile["reasoning_output"] = facts.reasoning
    return profile


class ServerProfile(dict[str, Any]):
    """`STATIC_PROFILE`, plus the server's `SERVER_KEYS` once one of them is read.

    Reading a server key (``profile[key]``, ``profile.get(key)``, ``key in profile``) asks
    ``fetch(PROBE_TIMEOUT)`` (the core client's cached ``model_facts``: one catalog request
    per client, refreshed after it loads or unloads a model) and fills the answer in. A server
    that does not answer leaves the static part, quietly, and is asked again after
    `RETRY_AFTER` seconds. Iterating, ``len`` and ``repr`` show what is known so far and never
    ask (LangChain iterates the profile while it constructs the model).
    """

    __slots__ = ("_failed_at", "_fetch", "_lock")

    def __init__(self, fetch: Callable[[float], ModelFacts]) -> None:
        super().__init__(STATIC_PROFILE)
        self._fetch = fetch
        self._lock = threading.Lock()
        self._failed_at: float | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Copies and pickles keep the fetch function and what is known (not the lock)."""
        return (ServerProfile, (self._fetch,), None, None, iter(self.items()))

    def __deepcopy__(self, memo: dict[int, Any]) -> ServerProfile:
        """A copy sharing the fetch function (deep-copying it would copy the whole model).

        The owner's copy rebinds its profile anyway (``ChatLMStudio._after_copy``).
        """
        copied = ServerProfile(self._fetch)
        dict.update(copied, self)
        return copied

    def __getitem__(self, key: str) -> Any:
        if key in SERVER_KEYS:
            self.refresh()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        """``dict.get``; a server key asks the server first (see the class docstring)."""
        if key in SERVER_KEYS:
            self.refresh()
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        if key in SERVER_KEYS:
            self.refresh()
        return super().__contains__(key)

    def refresh(self) -> None:
        """Fill in the server keys from the (cached) server facts; never raises."""
        with self._lock:
            now = time.monotonic()
            if self._failed_at is not None and now - self._failed_at < RETRY_AFTER:
                return
            try:
                facts = self._fetch(PROBE_TIMEOUT)
            except Exception as exc:  # a profile read must never fail: keep the static part
                self._failed_at = now
                quiet = isinstance(exc, LMStudioConnectionError | LMStudioTimeoutError)
                log.log(
                    logging.DEBUG if quiet else logging.WARNING,
                    "Model profile: could not read the model from the server catalog: %s",
                    exc,
                )
                return
            self._failed_at = None
            self.fill(profile_of(facts))

    def fill(self, server: ModelProfile) -> None:
        """Replace the server keys with ``server``."""
        for key in SERVER_KEYS:
            super().pop(key, None)
        self.update(server)
