"""`run_doctor`: every check in order, against one server, into a `DoctorReport`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from lmstudio_core.client import LMStudioClient
from lmstudio_core.doctor.calls import run_calls
from lmstudio_core.doctor.checks import check_api, check_auth, check_models, check_server
from lmstudio_core.doctor.context import Context, DoctorOptions
from lmstudio_core.doctor.fix import Ask, fix_models
from lmstudio_core.doctor.probe import Probe
from lmstudio_core.doctor.result import CheckResult, DoctorReport
from lmstudio_core.doctor.versions import check_versions
from lmstudio_core.errors import redact

__all__ = ["doctor_client", "run_doctor"]

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a connection at most, whatever the check timeout."""


def doctor_client(options: DoctorOptions) -> LMStudioClient:
    """The client doctor uses: the user's URL and token, short timeouts, no retries.

    Raises:
        InvalidRequestError: the base URL is not a usable http(s) URL.
    """
    overrides: dict[str, Any] = {
        "timeout": options.timeout,
        "connect_timeout": min(options.timeout, CONNECT_TIMEOUT),
        "max_retries": 0,
        "circuit_breaker_threshold": 0,
    }
    if options.base_url is not None:
        overrides["base_url"] = options.base_url
    if options.api_key is not None:
        overrides["api_key"] = options.api_key
    return LMStudioClient(**overrides)


def _redacted(check: CheckResult, secrets: tuple[str, ...]) -> CheckResult:
    """The check with the token removed from everything it says (a last line of defence)."""
    if not secrets:
        return check
    data = json.loads(redact(json.dumps(check.data), secrets))
    return replace(
        check,
        detail=redact(check.detail, secrets),
        fix=redact(check.fix, secrets),
        notes=tuple(redact(note, secrets) for note in check.notes),
        data=data,
    )


def run_doctor(
    options: DoctorOptions | None = None,
    *,
    ask: Ask | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
) -> DoctorReport:
    """Check the server of ``options`` (default: the settings' URL and token) and report.

    Checks, in order: ``server``, ``auth``, ``api``, ``fix`` (only with ``options.fix``),
    ``models``, ``chat``, ``stream``, ``tools``, ``json``, ``embeddings``, ``versions``.
    Nothing is downloaded or loaded unless ``options.fix`` is set; then one model is loaded,
    with a TTL, after ``ask`` said yes (or with ``options.yes``).

    Args:
        options: what to check; default `DoctorOptions()`.
        ask: asks the user before ``--fix`` loads a model; ``None`` (no terminal) makes
            ``--fix`` fail unless ``options.yes``.
        on_check: called with each result as soon as it is known (to print as it goes).

    Raises:
        InvalidRequestError: the base URL is not a usable http(s) URL.
    """
    options = options or DoctorOptions()
    client = doctor_client(options)
    secrets = client.settings.secrets()
    results: list[CheckResult] = []

    def emit(check: CheckResult) -> None:
        check = _redacted(check, secrets)
        results.append(check)
        if on_check is not None:
            on_check(check)

    with client:
        ctx = Context(options, client, Probe(client, options.timeout))
        for server_check in (check_server, check_auth, check_api):
            emit(server_check(ctx))
        if options.fix:
            emit(fix_models(ctx, ask))
        emit(check_models(ctx))
        for call in run_calls(ctx):
            emit(call)
    emit(check_versions())
    return DoctorReport(client.settings.base_url, tuple(results))
